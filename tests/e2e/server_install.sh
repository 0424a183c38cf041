#!/usr/bin/env bash
# server_install.sh: the README's "Install on a git server" block, run as
# written by root, for a bare repository owned by a separate user `git`.
# That user's push of a blocked direct dependency must be refused and a
# clean push accepted. Then the same server with a registry the git user
# may only read (used read-only, still refusing), one it cannot read
# (refused, naming the path and the fix), and the installer's --uninstall.
#
# Nothing outside the test may change: the script re-runs itself in a
# private mount namespace with overlays on /etc, /var/lib, /usr/local and
# /srv, so the user, the group, /etc/sigma, /var/lib/sigma and the installed
# binary vanish with it. Needs root; skips, saying why, otherwise.
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ] && [ -z "${SIGMA_IN_NS:-}" ] && unshare -m --propagation private true 2> /dev/null; then
	exec unshare -m --propagation private env SIGMA_IN_NS=1 bash "$0" "$@"
fi
source "$here/../lib.sh"
repo_root=$(cd "$TESTS_DIR/.." && pwd)
if [ "$(id -u)" != 0 ] || [ -z "${SIGMA_IN_NS:-}" ]; then
	skip "needs root and a private mount namespace (it creates a user and installs into /usr/local)"
	done_testing
	exit 0
fi
for tool in useradd groupadd runuser mount; do
	command -v "$tool" > /dev/null || { skip "needs $tool"; done_testing; exit 0; }
done

# Overlays: writes land in a tmpfs that goes away with the namespace.
ov=$T/overlay
mkdir -p "$ov" && mount -t tmpfs tmpfs "$ov" || { skip "cannot mount a tmpfs here"; done_testing; exit 0; }
for dir in /etc /var/lib /usr/local /srv; do
	n=$(echo "$dir" | tr / _)
	mkdir -p "$ov/$n.up" "$ov/$n.work" "$dir"
	if ! mount -t overlay overlay -o "lowerdir=$dir,upperdir=$ov/$n.up,workdir=$ov/$n.work" "$dir"; then
		skip "cannot mount an overlay on $dir"; done_testing; exit 0
	fi
done
export PATH=/usr/local/bin:$PATH

# The git server: a user `git` that owns its repositories (not root).
getent passwd git > /dev/null || useradd --system --home-dir /srv/git --shell /bin/sh git
mkdir -p /srv/git && chown git: /srv/git
as_git() { runuser -u git -- env -u SIGMA_DB -u SIGMA_CONFIG HOME=/srv/git "$@"; }
as_git git init -q --bare -b main /srv/git/app.git
# An OSV export to import, as the README's block expects in the current directory.
work_admin=$T/admin && mkdir -p "$work_admin"
python3 - "$FIXTURES/osv" "$work_admin/osv-npm-all.zip" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w") as z:
    for name in sorted(os.listdir(sys.argv[1])):
        if name.endswith(".json"):
            z.write(os.path.join(sys.argv[1], name), name)
PY

# The README's block, each line as written (from the repository's root, as
# root, with none of the tests' own settings in the environment).
sed -n '/<!-- server-install -->/,/<!-- \/server-install -->/p' "$repo_root/README.md" | sed '/^```/d;/^<!--/d' > "$T/install.sh"
check "the README has an install block" test "$(wc -l < "$T/install.sh")" -ge 5
(
	cd "$repo_root" || exit 1
	sed -i "s|osv-npm-all.zip|$work_admin/osv-npm-all.zip|" "$T/install.sh"
	env -u SIGMA_DB -u SIGMA_CONFIG HOME=/root XDG_DATA_HOME= bash -e "$T/install.sh"
) > "$T/install.out" 2>&1
rc=$?
check "the README's install block runs as written (exit 0)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/install.out"
check "... the registry is /var/lib/sigma/registry.db, group sigma, 0660" \
	test "$(stat -c '%G %a' /var/lib/sigma/registry.db)" = "sigma 660"
check "... in a setgid directory of group sigma (2770)" test "$(stat -c '%G %a' /var/lib/sigma)" = "sigma 2770"
check "... the private key is 0640 root:sigma" test "$(stat -c '%U:%G %a' /etc/sigma/signing.key)" = "root:sigma 640"
check "... the public key 0644" test "$(stat -c '%a' /etc/sigma/signing.pub)" = 644
check "... the hook is installed" test "$(readlink /srv/git/app.git/hooks/pre-receive)" = /usr/local/bin/sigma
check "... and the installer's doctor, run as git, found nothing wrong" bash -c "! grep -q 'found problems' '$T/install.out'"

# The git user pushes (files written by root, committed and pushed by git).
cd /
clone=/srv/git/work
as_git git clone -q /srv/git/app.git "$clone" 2> /dev/null
push_as_git() {  # push_as_git DEPS_JSON LOCK_JSON MESSAGE: output in $T/push
	npm_project "$clone" "$1" "$2" && chown -R git: "$clone" &&
		as_git git -C "$clone" add -A && as_git git -C "$clone" commit -qm "$3" &&
		as_git git -C "$clone" push origin HEAD:main > "$T/push" 2>&1
}
undo() { as_git git -C "$clone" reset -q --hard HEAD~1; }
echo "# app" > "$clone/README.md" && chown git: "$clone/README.md"
as_git git -C "$clone" add -A && as_git git -C "$clone" commit -qm start
check "a push without lockfiles by the git user is accepted" as_git git -C "$clone" push -q origin HEAD:main 2> /dev/null
if push_as_git '{"event-stream":"3.3.6"}' "$(lock_entry event-stream 3.3.6)" blocked; then
	nok "the git user's push of a blocked direct dependency is refused"
else
	ok "the git user's push of a blocked direct dependency is refused"
fi
check "... naming the package and the admin's reason" grep -q "flatmap-stream compromise" "$T/push"
undo
check "a clean push by the git user is accepted" push_as_git '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)" clean
check "... and its certificate is stored, signed by the server's key" \
	bash -c "sqlite3 -readonly /var/lib/sigma/registry.db \"SELECT certificate FROM submission_certificates\" | grep -q '\"alg\":\"ed25519\"'"
check "sigma doctor as git: ready (exit 0)" bash -c "runuser -u git -- env -u SIGMA_DB -u SIGMA_CONFIG sigma doctor --repo /srv/git/app.git > '$T/doc'"

# Read-only for the git user: still judged, nothing stored, said once.
chmod 2750 /var/lib/sigma && chmod 0640 /var/lib/sigma/registry.db*
stored=$(sqlite3 -readonly /var/lib/sigma/registry.db "SELECT count(*) FROM submissions")
if push_as_git '{"left-pad":"1.3.0","event-stream":"3.3.6"}' "$(lock_entry left-pad 1.3.0),$(lock_entry event-stream 3.3.6)" ro-blocked; then
	nok "read-only registry: the blocked package is still refused"
else
	ok "read-only registry: the blocked package is still refused"
fi
check "... by its block (the registry was read)" grep -q "flatmap-stream compromise" "$T/push"
undo
check "read-only registry: a clean push is accepted" push_as_git '{"left-pad":"1.3.0","through":"2.3.8"}' "$(lock_entry left-pad 1.3.0),$(lock_entry through 2.3.8)" ro-clean
check "... saying once that it is read-only and nothing is stored" \
	test "$(grep -c 'read-only for this user' "$T/push")" -eq 1
check "... and nothing was written" test "$(sqlite3 -readonly /var/lib/sigma/registry.db "SELECT count(*) FROM submissions")" -eq "$stored"
check "sigma doctor as git: read-only is a warning, not a failure" \
	bash -c "runuser -u git -- env -u SIGMA_DB -u SIGMA_CONFIG sigma doctor > '$T/doc'; grep -q '^warn  registry .*read-only' '$T/doc'"

# No -shm the git user can use (the WAL checkpointed away): read as immutable.
sqlite3 /var/lib/sigma/registry.db "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
rm -f /var/lib/sigma/registry.db-wal /var/lib/sigma/registry.db-shm
if push_as_git '{"event-stream":"3.3.6"}' "$(lock_entry event-stream 3.3.6)" immutable-blocked; then
	nok "read-only, no -shm file: the blocked package is still refused"
else
	ok "read-only, no -shm file: the blocked package is still refused"
fi
check "... by its block (read as immutable)" grep -q "flatmap-stream compromise" "$T/push"
undo

# Not readable by the git user at all: refused, with the path and the fix.
gpasswd -d git sigma > /dev/null 2>&1
if push_as_git '{"left-pad":"1.3.0","through":"2.3.8","isarray":"1.0.0"}' "$(lock_entry left-pad 1.3.0),$(lock_entry through 2.3.8),$(lock_entry isarray 1.0.0)" unreadable; then
	nok "a registry the git user cannot read refuses the push"
else
	ok "a registry the git user cannot read refuses the push"
fi
check "... naming the path, its origin and the fix" \
	bash -c "grep -q 'registry: /var/lib/sigma/registry.db (the default for a git hook)' '$T/push' && grep -q 'usermod -aG sigma git' '$T/push'"
if as_git sigma doctor --repo /srv/git/app.git > "$T/doc" 2>&1; then nok "sigma doctor as git fails (exit 1)"; else ok "sigma doctor as git fails (exit 1)"; fi
check "... with a FAIL line for the registry" grep -q '^FAIL  registry' "$T/doc"
usermod -aG sigma git

# The installer on the server's repository again, then --uninstall.
contrib=$repo_root/contrib/install-hook.sh
sh "$contrib" /srv/git/app.git > /dev/null 2>&1
check "installing again leaves the symlink as it was" test "$(readlink /srv/git/app.git/hooks/pre-receive)" = /usr/local/bin/sigma
sh "$contrib" --uninstall /srv/git/app.git > /dev/null
check "--uninstall removes sigma's hook (there was none before)" test ! -e /srv/git/app.git/hooks/pre-receive
cd "$repo_root" && umount -l "$ov"
done_testing
