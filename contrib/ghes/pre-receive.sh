#!/bin/sh
# pre-receive.sh: sigma as a GitHub Enterprise Server pre-receive hook.
#
# Commit this file (executable) to the hooks repository and create the hook
# with the environment that contrib/ghes/build-env.sh built. GHES runs it in
# that environment's chroot with GIT_DIR set and the '<old> <new> <ref>'
# lines on stdin, which sigma reads as any git server's hook.
#
# GHES documents that a hook's standard output reaches the pusher; sigma
# writes its report to standard error, so it is sent to standard output too.
# sigma's exit status is the hook's: non-zero refuses the push, and so does
# sigma failing to start (a missing library, an unusable registry).
exec /usr/local/bin/sigma pre-receive 2>&1
