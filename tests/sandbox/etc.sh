#!/usr/bin/env bash
# etc.sh: the sandbox's /etc, both ways it is made (sandbox/etc.h).
#
# With a cache directory of the caller's own (root: /run/sigma, others:
# $XDG_RUNTIME_DIR), /etc is an image built once and bound read-only;
# without one, or when a --ro-bind goes inside /etc, the same tree is built
# in the sandbox's fresh root. Both must hold the same things and never a
# secret. (What makes a new image and what the cache must look like is in
# tests/unit/test_sandbox_etc.c.)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.bash"
sandbox_available

# The /etc mount line inside the sandbox, or nothing when /etc is a plain
# directory of the sandbox's root.
etc_mount='awk "\$5==\"/etc\" {print \$6}" /proc/self/mountinfo'
# What both ways must give: the sandbox's passwd, no shadow, the live
# certificate directory, a read-only /etc.
contents='grep -c "^sandbox:x:1000:" /etc/passwd; test -e /etc/shadow && echo SHADOW; ls /etc/ssl/certs | wc -l; touch /etc/x 2>/dev/null && echo WROTE; true'
host_certs=$(ls /etc/ssl/certs 2>/dev/null | wc -l)

check_contents() {
	local how=$1 out=$2
	local lines
	mapfile -t lines <<<"$out"
	if [ "${lines[0]}" = 1 ] && [ "${lines[1]}" = "$host_certs" ] && ! grep -qE 'SHADOW|WROTE' <<<"$out"; then
		ok "$how: the sandbox's passwd, no shadow, the host's $host_certs certificates, read-only"
	else
		nok "$how: unexpected /etc: $(tr '\n' ' ' <<<"$out")"
	fi
}

if [ "$(id -u)" -eq 0 ]; then
	out=$(sbx -- sh -c "$etc_mount")
	if grep -q '^ro,' <<<"$out"; then
		ok "as root, /etc is a read-only bind ($out)"
	else
		nok "as root, /etc is not a read-only mount: '$out'"
	fi
	images=$(ls /run/sigma/sandbox-etc 2>/dev/null | grep -c '^[0-9a-f]\{16\}$')
	check "and its image is in /run/sigma/sandbox-etc" [ "$images" -ge 1 ]
	check_contents "image" "$(sbx -- sh -c "$contents")"
else
	skip "not root: /run/sigma is root's cache (the XDG case is below)"
	skip "not root"
	skip "not root"
fi

# A bind inside /etc: built in the root, the bind on top.
mkdir -p "$T/extra"
echo "extra file" >"$T/extra/f"
chmod -R a+rX "$T/extra"
out=$(sbx --ro-bind "$T/extra:/etc/extra" -- sh -c "cat /etc/extra/f; $etc_mount")
if [ "$(head -n1 <<<"$out")" = "extra file" ] && [ "$(wc -l <<<"$out")" -eq 1 ]; then
	ok "a --ro-bind inside /etc works, /etc then built in the sandbox's root"
else
	nok "a --ro-bind inside /etc: $(tr '\n' ' ' <<<"$out")"
fi
check_contents "built in the root" "$(sbx --ro-bind "$T/extra:/etc/extra" -- sh -c "$contents")"

# An ordinary user: an image under its own XDG_RUNTIME_DIR, or none.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	mkdir -m 0700 "$T/xdg"
	chown 65534:65534 "$T/xdg"
	out=$(XDG_RUNTIME_DIR="$T/xdg" as_nobody "$SIGMA_BIN" sandbox -- sh -c "$etc_mount" 2>/dev/null)
	images=$(ls "$T/xdg/sigma/sandbox-etc" 2>/dev/null | grep -c '^[0-9a-f]\{16\}$')
	if grep -q '^ro,' <<<"$out" && [ "$images" -eq 1 ]; then
		ok "unprivileged with XDG_RUNTIME_DIR: an image there, bound read-only"
	else
		nok "unprivileged with XDG_RUNTIME_DIR: mount '$out', $images image(s)"
	fi
	check_contents "unprivileged image" \
		"$(XDG_RUNTIME_DIR="$T/xdg" as_nobody "$SIGMA_BIN" sandbox -- sh -c "$contents" 2>/dev/null)"
	out=$(env -u XDG_RUNTIME_DIR setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SIGMA_BIN" sandbox -- sh -c "$contents" 2>/dev/null)
	check_contents "unprivileged without XDG_RUNTIME_DIR" "$out"
	# No login session: the user's ~/.cache.
	mkdir -p "$T/home/.cache"
	chown -R 65534:65534 "$T/home"
	chmod 0700 "$T/home" "$T/home/.cache"
	out=$(env -u XDG_RUNTIME_DIR -u XDG_CACHE_HOME HOME="$T/home" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SIGMA_BIN" sandbox -- sh -c "$etc_mount" 2>/dev/null)
	images=$(ls "$T/home/.cache/sigma/sandbox-etc" 2>/dev/null | grep -c '^[0-9a-f]\{16\}$')
	if grep -q '^ro,' <<<"$out" && [ "$images" -eq 1 ]; then
		ok "unprivileged without a session: an image in ~/.cache, bound read-only"
	else
		nok "unprivileged with only HOME: mount '$out', $images image(s)"
	fi
	# Someone else's directory is no cache: another user's XDG dir.
	mkdir -m 0777 "$T/xdg-open"
	out=$(XDG_RUNTIME_DIR="$T/xdg-open" as_nobody "$SIGMA_BIN" sandbox -- sh -c "$etc_mount" 2>/dev/null); rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ] && [ ! -e "$T/xdg-open/sigma/sandbox-etc" ]; then
		ok "an XDG_RUNTIME_DIR that is not the user's is not used"
	else
		nok "an XDG_RUNTIME_DIR that is not the user's: status $rc, mount '$out'"
	fi
else
	skip "needs root and setpriv to run as another user"
	skip "needs root and setpriv"
	skip "needs root and setpriv"
	skip "needs root and setpriv"
	skip "needs root and setpriv"
fi

done_testing
