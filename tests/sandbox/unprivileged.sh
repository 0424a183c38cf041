#!/usr/bin/env bash
# unprivileged.sh: the sandbox as an ordinary user (uid 65534, no groups).
#
# Run from root through setpriv, so the same machine tests both paths: the
# jail must hold without any host privilege, and what it cannot set up as
# an ordinary user (cgroups, usually) must be said in the report and on
# stderr, never silently dropped.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.bash"
sandbox_available

if [ "$(id -u)" -ne 0 ]; then
	skip "already unprivileged: the other files test this path"
	done_testing
	exit 0
fi
if ! command -v setpriv >/dev/null; then
	skip "setpriv is not installed"
	done_testing
	exit 0
fi
mkdir -m 1777 "$T/shared"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if ! as_nobody "$SIGMA_BIN" sandbox --help >/dev/null 2>&1; then
	skip "uid 65534 cannot run $SIGMA_BIN (permissions on its path)"
	done_testing
	exit 0
fi
usbx() { as_nobody "$SIGMA_BIN" sandbox --ro-bind "$T/escape:/escape" "$@"; }
uattempt() {
	local desc=$1; shift
	local out rc
	out=$(usbx "$@" 2>&1); rc=$?
	if [ "$rc" -eq 0 ] && grep -q '^blocked' <<<"$out"; then
		ok "unprivileged: $desc: $(grep '^blocked' <<<"$out" | head -n1)"
	else
		nok "unprivileged: $desc (status $rc): $(tr '\n' ' ' <<<"$out")"
	fi
}

uattempt "capabilities empty, no_new_privs, uid 1000" --report "$T/shared/caps.json" -- /escape caps
check "unprivileged: the report says which limits are in force" json "$T/shared/caps.json" \
	"r['isolation']['host_uid']==65534 and (r['isolation']['limits_enforced_by'].startswith('cgroup') or r['isolation']['cgroup']['note'])"
out=$(usbx -- true 2>&1)
if json "$T/shared/caps.json" "r['isolation']['cgroup']['note'] is None" >/dev/null || grep -q 'note: cgroup' <<<"$out"; then
	ok "unprivileged: missing cgroups are announced on stderr"
else
	nok "unprivileged: no cgroup note on stderr: $out"
fi
uattempt "connect to 127.0.0.1 logged" --report "$T/shared/net.json" -- /escape tcp4 9
check "unprivileged: the attempt is in the report" json "$T/shared/net.json" \
	"any(a['family']=='inet' and a['port']==9 for a in r['network_attempts'])"
uattempt "read /etc/shadow" -- /escape shadow
uattempt "write to /usr" -- /escape write-usr
uattempt "unshare(CLONE_NEWUSER)" -- /escape unshare-user
uattempt "TIOCSTI with high bits" -- /escape tiocsti-high
uattempt "fork bomb contained (RLIMIT_NPROC in a fresh user namespace)" --pids 16 --timeout 10 -- /escape fork-bomb
uattempt "memory hog stops at --memory 64M" --memory 64M -- /escape memory-hog
marker="sigma-escape-marker-$$-$RANDOM"
out=$(usbx --timeout 1 -- /escape daemons "$marker" 2>&1); rc=$?
if [ "$rc" -eq 124 ] && ! pgrep -f "$marker" >/dev/null; then
	ok "unprivileged: at the timeout every process is dead"
else
	nok "unprivileged timeout: status $rc, left: $(pgrep -af "$marker")"
	pkill -KILL -f "$marker"
fi

done_testing
