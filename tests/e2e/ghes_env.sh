#!/usr/bin/env bash
# ghes_env.sh: contrib/ghes/, the GitHub Enterprise Server pre-receive hook
# environment. build-env.sh builds the tarball from this build's sigma, the
# test's registry and a key; it is extracted and made read-only, and a bare
# repository's pre-receive hook does what GHES does: it runs the hook
# script (contrib/ghes/pre-receive.sh) chrooted into the environment, with
# only GIT_DIR, git's quarantine variables and GHES's GITHUB_* variables in
# its environment, the repository bound at the same path inside, stdin the
# ref lines. Real pushes: a blocked direct dependency refused with sigma's
# message, a clean one accepted, each hook run within GHES's 5 s; a block
# added later counts once the environment is rebuilt.
#
# Needs root and a private mount namespace (bind mounts, chroot); skips
# otherwise.
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ] && [ -z "${SIGMA_IN_NS:-}" ] && unshare -m --propagation private true 2> /dev/null; then
	exec unshare -m --propagation private env SIGMA_IN_NS=1 bash "$0" "$@"
fi
source "$here/../lib.sh"
build=$TESTS_DIR/../contrib/ghes/build-env.sh
if [ "$(id -u)" != 0 ] || [ -z "${SIGMA_IN_NS:-}" ]; then
	skip "needs root and a private mount namespace (chroot, bind mounts)"; done_testing; exit 0
fi
for tool in chroot mount sqlite3 ldd tar; do
	command -v $tool > /dev/null || { skip "needs $tool"; done_testing; exit 0; }
done

# The environments are read-only mounts under $T: unmounted before lib.sh's
# cleanup removes $T.
trap 'cd /; for m in $(grep -o " $T/[^ ]*" /proc/self/mounts | sort -r); do umount -l "$m"; done; cleanup' EXIT
asan=
grep -qa __asan_init "$SIGMA_BIN" && asan=1
sigma registry block npm event-stream 3.3.6 --reason "flatmap-stream compromise" > /dev/null
sigma keygen --out "$T/ghes.key" > /dev/null

# make_env NAME: build and extract an environment into $T/NAME, read-only,
# with the hook script at /hooks/pre-receive.sh (GHES takes it from the
# hooks repository) and a mount point for the repository.
make_env() {
	local env=$T/$1
	sh "$build" --sigma "$SIGMA_BIN" --db "$SIGMA_DB" --key "$T/ghes.key" --out "$T/$1.tar.gz" > "$T/build.out" 2>&1 || return 1
	mkdir -p "$env" && tar -C "$env" -xzf "$T/$1.tar.gz" || return 1
	install -D -m 0755 "$TESTS_DIR/../contrib/ghes/pre-receive.sh" "$env/hooks/pre-receive.sh"
	mkdir -p "$env$server" "$env/proc"
	mount --bind "$env" "$env" && mount -o remount,bind,ro "$env" "$env" &&
		mount --bind "$server" "$env$server" || return 1
	# AddressSanitizer reads /proc/self/maps before main(): an instrumented
	# build (make asan) gets a /proc; the plain one is tested without.
	[ -z "$asan" ] || mount -t proc proc "$env/proc"
}

server=$T/srv/acme/app.git
mkdir -p "$T/srv/acme"
git init -q --bare "$server"
# The hook GHES would run, with the environment's path in GHES_ENV.
cat > "$server/hooks/pre-receive" <<'EOF'
#!/bin/sh
start=$(date +%s%N)
env -i GIT_DIR="$(pwd)" GIT_OBJECT_DIRECTORY="$GIT_OBJECT_DIRECTORY" \
	GIT_ALTERNATE_OBJECT_DIRECTORIES="$GIT_ALTERNATE_OBJECT_DIRECTORIES" \
	GIT_QUARANTINE_PATH="$GIT_QUARANTINE_PATH" \
	GITHUB_REPO_NAME=acme/app GITHUB_USER_LOGIN=octocat GITHUB_VIA="" GITHUB_REPO_PUBLIC=false \
	CHROOT "$(cat ../ghes-env)" /hooks/pre-receive.sh
rc=$?
echo $(( ($(date +%s%N) - start) / 1000000 )) >> ../ghes-ms
exit $rc
EOF
chroot=$(command -v chroot)
sed -i "s|CHROOT|$chroot|" "$server/hooks/pre-receive"
chmod +x "$server/hooks/pre-receive"

if make_env env1; then ok "build-env.sh builds the environment, extracted and read-only"; else
	nok "build-env.sh builds the environment, extracted and read-only"; sed 's/^/# /' "$T/build.out"; fi
echo "$T/env1" > "$T/srv/acme/ghes-env"
check "... with sigma, its core, /bin/sh, the configuration and the registry snapshot" bash -c "cd '$T/env1' &&
	test -x usr/local/bin/sigma -a -f usr/local/lib/sigma/sigma-core.so -a -x bin/sh -a -f etc/sigma/config -a -f var/lib/sigma/registry.db"
check "... no symbolic link in it (libraries copied as files)" \
	bash -c "test -d '$T/env1/usr' && test -z \"\$(find '$T/env1' -path '$T/env1/proc' -prune -o -type l -print | head -1)\""
check "... no WAL beside the snapshot" \
	bash -c "test -f '$T/env1/var/lib/sigma/registry.db' && test ! -e '$T/env1/var/lib/sigma/registry.db-wal'"
if [ -n "$asan" ]; then what="with /proc: an ASan build needs it"; else what="no /proc"; fi
check "sigma and its core run in the chroot (every library there, $what)" \
	bash -c "{ [ -n '$asan' ] || test ! -e '$T/env1/proc/self'; } && env -i $chroot '$T/env1' /usr/local/bin/sigma registry show npm event-stream 3.3.6 | grep -q blocked"

work=$(new_clone work "$server")
cd "$work" || exit 1
echo "# app" > README.md && git add -A && git commit -qm start
if git push -q origin HEAD:main 2> "$T/push"; then ok "a push without lockfiles is accepted"; else
	nok "a push without lockfiles is accepted"; sed 's/^/# /' "$T/push"; fi
npm_project . '{"event-stream":"3.3.6"}' "$(lock_entry event-stream 3.3.6)"
git add -A && git commit -qm blocked
if git push origin HEAD:main > "$T/push" 2>&1; then
	nok "a push of a blocked direct dependency is refused"
else
	ok "a push of a blocked direct dependency is refused"
fi
check "... the pusher reads the package and the admin's reason" \
	bash -c "grep -q '^remote: .*event-stream' '$T/push' && grep -q '^remote: .*flatmap-stream compromise' '$T/push'"
check "... and that the registry is read-only (judged without cache)" grep -q '^remote: .*read-only' "$T/push"
check "... no ref was updated" test "$(git ls-remote origin refs/heads/main | cut -f1)" = "$(git rev-parse HEAD~1)"
git reset -q --hard HEAD~1
npm_project . '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
git add -A && git commit -qm clean
check "a clean push is accepted" git push -q origin HEAD:main 2> /dev/null
max=$(sort -n "$T/srv/acme/ghes-ms" | tail -1)
check "every hook run took less than GHES's 5 s (slowest: ${max} ms)" test "$max" -lt 5000

# A block added to the live registry reaches GHES with the next upload.
sigma registry block npm isarray 1.0.0 --reason "test: withdrawn" > /dev/null
npm_project . '{"left-pad":"1.3.0","isarray":"1.0.0"}' "$(lock_entry left-pad 1.3.0),$(lock_entry isarray 1.0.0)"
git add -A && git commit -qm isarray
check "a block added after the build is not in the uploaded environment" git push -q origin HEAD:refs/heads/old-env 2> /dev/null
make_env env2 && echo "$T/env2" > "$T/srv/acme/ghes-env"
if git push origin HEAD:refs/heads/new-env > "$T/push" 2>&1; then
	nok "... and refuses once the environment is built again"
else
	ok "... and refuses once the environment is built again"
fi
check "... with the new reason" grep -q '^remote: .*test: withdrawn' "$T/push"
cd /
done_testing
