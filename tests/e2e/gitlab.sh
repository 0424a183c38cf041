#!/usr/bin/env bash
# gitlab.sh: contrib/gitlab's tarball for `gitaly hooks set`, and its hook
# run the way Gitaly runs server hooks: every executable in
# custom_hooks/pre-receive.d/ with the push's input and GitLab's variables.
# Gitaly is not here (no Debian package): a stand-in dispatcher does that
# part. The refusal reaches the pusher whole, every line GL-HOOK-ERR:, and
# the certificate names the project by GL_PROJECT_PATH.
source "$(dirname "$0")/../lib.sh"
out=$T/out
contrib=$TESTS_DIR/../contrib/gitlab

sh "$contrib/make-hooks-tarball.sh" --sigma "$SIGMA_BIN" "$T/hooks.tar" > /dev/null
check "make-hooks-tarball.sh writes custom_hooks/pre-receive.d/sigma" \
	bash -c "tar -tf '$T/hooks.tar' | grep -qx 'custom_hooks/pre-receive.d/sigma'"
repo=$T/@hashed/6b/86/6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b.git
git init -q --bare "$repo"
tar -C "$repo" -xf "$T/hooks.tar"
check "... executable, and running this sigma" \
	bash -c "test -x '$repo/custom_hooks/pre-receive.d/sigma' && grep -qF 'SIGMA=$SIGMA_BIN' '$repo/custom_hooks/pre-receive.d/sigma'"
cat > "$repo/hooks/pre-receive" <<'SH'
#!/bin/sh
# stand-in for Gitaly: each executable in custom_hooks/pre-receive.d, same input
input=$(cat)
for h in "$GIT_DIR"/custom_hooks/pre-receive.d/*; do
	[ -x "$h" ] || continue
	printf '%s\n' "$input" | "$h" || exit $?
done
SH
chmod +x "$repo/hooks/pre-receive"

sigma registry block npm evil 1.0.0 --reason "steals tokens" > /dev/null
work=$(new_clone work "$repo")
cd "$work"
npm_project . '{"evil":"1.0.0"}' "$(lock_entry evil 1.0.0)"
git add -A && git commit -qm evil
gl() { GL_ID=user-1 GL_PROTOCOL=http GL_USERNAME=root GL_PROJECT_PATH=group/app GL_REPOSITORY=project-1 "$@"; }
if gl git push origin HEAD:main > "$out" 2>&1; then nok "the blocked push is refused"; else ok "the blocked push is refused"; fi
grep '^remote: ' "$out" | sed 's/^remote: //; s/ *$//' | grep -v '^$' > "$T/lines"
check "... every line of sigma's message carries GL-HOOK-ERR:" \
	bash -c "[ \$(wc -l < '$T/lines') -ge 5 ] && ! grep -v '^GL-HOOK-ERR: ' '$T/lines'"
check "... and holds the reason and the fix" \
	bash -c "grep -q 'GL-HOOK-ERR: .*steals tokens' '$T/lines' && grep -q 'GL-HOOK-ERR: .*fix:' '$T/lines'"
sigma registry unblock npm evil 1.0.0 > /dev/null
gl git push -q origin HEAD:main 2> /dev/null
check "the certificate names the project by GL_PROJECT_PATH, not its @hashed path" \
	test "$(sqlite3 "$SIGMA_DB" "SELECT repository FROM submissions WHERE commit_oid='$(git rev-parse HEAD)'")" = group/app
done_testing
