#!/usr/bin/env bash
# limits.sh: the sandbox escape suite, resources, timeout and teardown.
#
# A fork bomb, a memory hog and a CPU spin are contained; at the timeout a
# double-forked setsid daemon, a SIGTERM-ignoring process and a stopped one
# all die; SIGKILL to the supervisor takes the tree down; and afterwards
# nothing is left: no process, no mount, no cgroup, no temporary directory.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.bash"
sandbox_available

mounts_before=$(wc -l </proc/self/mountinfo)
tmp_before=$(ls -A /tmp | grep -v "^$(basename "$T")\$" | sort)

# ------------------------------------------------------------ exit codes
sbx -- sh -c 'exit 3'; rc=$?
check "the command's exit status passes through" [ "$rc" -eq 3 ]
sbx -- sh -c 'kill -9 $$'; rc=$?
check "a command killed by SIGKILL gives 137" [ "$rc" -eq 137 ]
sbx -- /no/such/command 2>/dev/null; rc=$?
check "a missing command gives 127" [ "$rc" -eq 127 ]
"$SIGMA_BIN" sandbox --bogus -- true 2>/dev/null; rc=$?
check "a usage error gives 2" [ "$rc" -eq 2 ]
# The command starts with a clean signal state, whatever the supervisor
# blocks or the caller ignores: a writer to a closed pipe dies of SIGPIPE.
out=$(sh -c 'trap "" TERM; "$@"' _ "$SIGMA_BIN" sandbox -- grep -E '^Sig(Blk|Ign):' /proc/self/status 2>&1)
if [ "$(grep -c ':[[:space:]]*0000000000000000$' <<<"$out")" -eq 2 ]; then
	ok "the command starts with nothing blocked or ignored"
else
	nok "the command starts with nothing blocked or ignored: $(tr '\n\t' '  ' <<<"$out")"
fi
sbx -- bash -c 'yes | head -c1 >/dev/null; exit "${PIPESTATUS[0]}"'; rc=$?
check "a writer to a closed pipe dies of SIGPIPE (141)" [ "$rc" -eq 141 ]
sbx --report "$T/basic.json" -- sh -c 'echo out; echo err >&2' >/dev/null 2>&1
check "the report has every field" json "$T/basic.json" \
	"all(k in r for k in ('exit_code','signal','timed_out','wall_ms','cpu_ms','peak_rss_kb','network_attempts','spawns','stdout','stderr','isolation')) and r['stdout']=='out\n' and r['stderr']=='err\n' and r['exit_code']==0 and r['signal'] is None and r['spawns']>=1"
check "the report describes the isolation" json "$T/basic.json" \
	"all(r['isolation']['namespaces'].values()) and r['isolation']['seccomp'] and r['isolation']['no_new_privs'] and r['isolation']['limits']['pids']==64 and r['isolation']['limits']['memory_bytes']==512*2**20"
sbx --report "$T/big.json" -- sh -c 'head -c 200000 /dev/zero | tr "\0" x' >/dev/null 2>&1
check "stdout in the report is capped at 64 KiB" json "$T/big.json" "len(r['stdout'])==65536 and r['stdout_truncated']"
sbx --report "$T/spawn.json" -- sh -c '/bin/true; /bin/true; /bin/true' >/dev/null 2>&1
check "process spawns are counted" json "$T/spawn.json" "r['spawns']==4"

# ------------------------------------------------------------- resources
start=$(date +%s%N)
attempt "fork bomb contained by --pids 32" --pids 32 --timeout 10 -- /escape fork-bomb
check "the host still forks after the fork bomb" sh -c 'for i in 1 2 3 4 5; do /bin/true || exit 1; done'
attempt "a memory hog stops at --memory 64M" --memory 64M -- /escape memory-hog
sbx --memory 64M --report "$T/hogs.json" -- /escape memory-hogs 4 >"$T/hogs.out" 2>&1; rc=$?
if json "$T/hogs.json" "r['isolation']['cgroup']['memory']" >/dev/null; then
	if [ "$rc" -eq 0 ] && json "$T/hogs.json" "r['oom_killed']"; then
		ok "memory hogs together over --memory 64M are killed by the cgroup"
	else
		nok "memory hogs (status $rc): $(cat "$T/hogs.out")"
	fi
else
	skip "no memory cgroup here (rlimit only): $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["isolation"]["cgroup"]["note"])' "$T/hogs.json" 2>/dev/null)"
fi
t0=$(date +%s%N)
sbx --timeout 1 --report "$T/spin.json" -- /escape spin 2>/dev/null; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$rc" -eq 124 ] && [ "$ms" -lt 3000 ] && json "$T/spin.json" "r['timed_out'] and r['exit_code'] is None and r['signal']==9"; then
	ok "a CPU spin is killed at the 1 s timeout (${ms} ms, status 124)"
else
	nok "CPU spin: status $rc after ${ms} ms"
fi

# ---------------------------------------------------- timeout and teardown
marker="sigma-escape-marker-$$-$RANDOM"
t0=$(date +%s%N)
out=$(sbx --timeout 2 -- /escape daemons "$marker" 2>&1); rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "setsid daemon, SIGTERM-ignorer and stopped child started" grep -q 'daemons started' <<<"$out"
if [ "$rc" -eq 124 ] && [ "$ms" -lt 4000 ] && ! pgrep -f "$marker" >/dev/null; then
	ok "at the timeout all of them are dead (${ms} ms, status 124)"
else
	nok "timeout teardown: status $rc after ${ms} ms, left: $(pgrep -af "$marker")"
	pkill -KILL -f "$marker"
fi

marker="sigma-escape-marker-$$-$RANDOM"
"$SIGMA_BIN" sandbox --timeout 60 --ro-bind "$T/escape:/escape" -- /escape daemons "$marker" >/dev/null 2>&1 &
sup=$!
for _ in $(seq 50); do [ "$(pgrep -f "$marker" | wc -l)" -ge 4 ] && break; sleep 0.1; done
n=$(pgrep -f "$marker" | wc -l)
kill -KILL "$sup"
wait "$sup" 2>/dev/null
for _ in $(seq 40); do pgrep -f "$marker" >/dev/null || break; sleep 0.05; done
if [ "$n" -ge 4 ] && ! pgrep -f "$marker" >/dev/null; then
	ok "SIGKILL to the supervisor kills the tree ($n processes gone)"
else
	nok "supervisor SIGKILL: $n processes before, left: $(pgrep -af "$marker")"
	pkill -KILL -f "$marker"
fi

# One more normal run: it also sweeps the cgroup the killed supervisor
# could not remove.
sbx -- true
no_marker_left() { ! pgrep -f "sigma-escape-marker-$$" >/dev/null; }
check "nothing left: no process from the sandbox" no_marker_left
mounts_after=$(wc -l </proc/self/mountinfo)
check "nothing left: host mount table unchanged ($mounts_before lines)" [ "$mounts_before" -eq "$mounts_after" ]
# Leaves are named sigma-sandbox-PID-... after their supervisor; one whose
# supervisor still runs belongs to a sandbox running elsewhere on the host
# (the hierarchy is shared), not to us.
leftover=$(find /sys/fs/cgroup -maxdepth 6 -type d -name 'sigma-sandbox-*' 2>/dev/null |
	while read -r d; do
		pid=${d##*/sigma-sandbox-}; pid=${pid%%-*}
		[ -d "/proc/$pid" ] || echo "$d"
	done)
check "nothing left: no sandbox cgroup${leftover:+ ($leftover)}" [ -z "$leftover" ]
tmp_after=$(ls -A /tmp | grep -v "^$(basename "$T")\$" | sort)
new=$(comm -13 <(echo "$tmp_before") <(echo "$tmp_after") | grep -E '^(oldroot|sigma-sandbox)' || true)
check "nothing left: no temporary directory${new:+ ($new)}" [ -z "$new" ]

done_testing
