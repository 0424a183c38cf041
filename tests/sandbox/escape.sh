#!/usr/bin/env bash
# escape.sh: the sandbox escape suite, isolation part (BRIEF §5).
#
# Every line is one attempt to get out, run inside `sigma sandbox`; it
# passes when the attempt fails, for the right reason where that can be
# told apart (EPERM from seccomp rather than ENOTTY, ENOSYS, SIGSYS). The
# network attempts target a listener this script runs on 127.0.0.1 and
# [::1]: a control connection from the host proves the listener works, and
# at the end it must have seen nothing from the sandbox, while the report
# logs every attempt. Traffic only ever goes to loopback.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.bash"
sandbox_available

# ------------------------------------------------------------ network
python3 "$here/listener.py" "$T/port" "$T/listener.log" &
_pids+=($!)
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(cat "$T/port" 2>/dev/null)
if [ -z "$port" ]; then
	nok "loopback listener did not start"
else
	python3 - "$port" <<'PY'
import socket, sys
p = int(sys.argv[1])
socket.create_connection(("127.0.0.1", p), 2).sendall(b"control\n")
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.sendto(b"control\n", ("::1", p))
PY
	sleep 0.3
	check "control: the loopback listener sees host traffic" grep -q control "$T/listener.log"
	: > "$T/listener.log"

	for a in tcp4:inet:127.0.0.1:connect tcp6:inet6:::1:connect udp4:inet:127.0.0.1:connect \
	         udp6:inet6:::1:connect sendto4:inet:127.0.0.1:sendto sendto6:inet6:::1:sendto \
	         sendmsg4:inet:127.0.0.1:sendmsg; do
		name=${a%%:*}; rest=${a#*:}; fam=${rest%%:*}; rest=${rest#*:}
		sys=${rest##*:}; addr=${rest%:*}
		attempt "network $name to $addr port $port" --report "$T/$name.json" -- /escape "$name" "$port"
		check "network $name is logged as $sys/$fam/$addr/$port" json "$T/$name.json" \
			"any(a['syscall']=='$sys' and a['family']=='$fam' and a['address']=='$addr' and a['port']==$port for a in r['network_attempts'])"
	done
	sleep 0.3
	if [ -s "$T/listener.log" ]; then
		nok "the loopback listener received traffic from the sandbox: $(cat "$T/listener.log")"
	else
		ok "the loopback listener received nothing from the sandbox"
	fi
fi

attempt "DNS query to 127.0.0.1:53" --report "$T/dns.json" -- /escape dns
check "DNS query is logged with its name" json "$T/dns.json" \
	"any(a['dns'] and a['port']==53 and a.get('dns_name')=='sigma-escape.test' for a in r['network_attempts'])"
out=$(sbx --report "$T/resolver.json" -- getent hosts sigma-resolver.test 2>&1); rc=$?
if [ "$rc" -ne 0 ] && json "$T/resolver.json" "any(a['dns'] and a['port']==53 for a in r['network_attempts'])"; then
	ok "a libc name lookup fails and is logged as DNS"
else
	nok "libc name lookup (status $rc): $out"
fi
attempt "AF_PACKET socket" -- /escape packet
attempt "AF_NETLINK socket" -- /escape netlink

# --------------------------------------------------------- filesystem
attempt "write to /" -- /escape write-root
attempt "write to /usr" -- /escape write-usr
attempt "write to /etc" -- /escape write-etc
attempt "remount /usr read-write" -- /escape remount-rw
attempt "mount" -- /escape mount
attempt "umount" -- /escape umount
attempt "pivot_root" -- /escape pivot_root
attempt "chroot" -- /escape chroot
attempt "open_tree" -- /escape open_tree
attempt "move_mount" -- /escape move_mount
attempt "fsopen" -- /escape fsopen
if [ -e /etc/shadow ]; then
	attempt "read /etc/shadow (present on the host)" -- /escape shadow
else
	skip "the host has no /etc/shadow to hide"
fi
sleep 300 "sigma-host-marker-$$" 2>/dev/null &
hostpid=$!
_pids+=($hostpid)
attempt "host processes invisible in /proc" -- /escape host-proc "$hostpid" "$$" 1
kill "$hostpid" 2>/dev/null
attempt "the init's environment (the supervisor's) unreadable" -- /escape init-environ
echo secret > "$T/host-file"
out=$(sbx -- sh -c 'ls -A /tmp; cat '"$T"'/host-file' 2>&1)
if ! grep -q secret <<<"$out" && [ -z "$(sbx -- ls -A /tmp 2>&1)" ]; then
	ok "host /tmp is not visible, the sandbox /tmp starts empty"
else
	nok "host /tmp visible: $out"
fi
attempt "tmpfs overflow gives ENOSPC" --tmp-size 1M -- /escape tmp-fill

# ---------------------------------------------------------- privilege
attempt "capabilities empty, no_new_privs, non-root" -- /escape caps
if [ "$(id -u)" -eq 0 ]; then
	cp "$T/escape" "$T/suid" && chown 0:0 "$T/suid" && chmod 4755 "$T/suid"
	out=$("$T/suid" setuid 2>&1)
	if grep -q 'euid 0' <<<"$out"; then
		out=$("$SIGMA_BIN" sandbox --ro-bind "$T/suid:/suid" -- /suid setuid 2>&1); rc=$?
		if [ "$rc" -eq 0 ] && grep -q 'euid 1000' <<<"$out"; then
			ok "a setuid-root binary gains nothing: $out"
		else
			nok "setuid-root binary (status $rc): $out"
		fi
	else
		skip "cannot make a setuid-root binary in $T (nosuid mount?)"
	fi
else
	skip "making a setuid-root binary needs root"
fi
attempt "unshare(CLONE_NEWUSER)" -- /escape unshare-user
attempt "clone(CLONE_NEWUSER)" -- /escape clone-newuser
attempt "setns" -- /escape setns
attempt "ptrace of a sibling" -- /escape ptrace
for a in bpf keyctl userfaultfd perf_event_open; do
	attempt "$a denied with EPERM" -- /escape "$a"
done
attempt "io_uring_setup answers ENOSYS" -- /escape io_uring
attempt "clone3 answers ENOSYS" -- /escape clone3
for abi in x32 i386; do
	out=$(sbx -- /escape "$abi" 2>&1); rc=$?
	if [ "$rc" -eq 0 ] && grep -q 'killed by SIGSYS' <<<"$out"; then
		if "$T/escape" "host-$abi"; then host="works on the host"; else host="unsupported by this kernel, but the filter's SIGSYS shows it was seen first"; fi
		ok "$abi syscall rejected by the filter ($host)"
	else
		nok "$abi syscall (status $rc): $out"
	fi
done
attempt "TIOCSTI" -- /escape tiocsti
attempt "TIOCSTI with high bits set (CVE-2019-10063)" -- /escape tiocsti-high
attempt "TIOCLINUX with high bits set" -- /escape tioclinux
exec 5<"$T" 6<"$T/host-file"
attempt "inherited fds (a host directory, a host file) are closed" -- /escape fds
out=$(sbx --cwd /proc/self/fd/5 -- /escape fds 2>&1); rc=$?
if [ "$rc" -eq 125 ]; then
	ok "a leaked fd cannot become the working directory (CVE-2024-21626)"
else
	nok "--cwd /proc/self/fd/5 (status $rc): $out"
fi
exec 5<&- 6<&-
attempt "/proc/self/exe and the init's exe (CVE-2019-5736)" -- /escape self-exe

done_testing
