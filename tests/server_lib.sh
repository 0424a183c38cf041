# server_lib.sh: helpers for the tests that install sigma on a real git
# server (gitolite over SSH, git http-backend behind nginx). Source it after
# tests/lib.sh, in a script that re-ran itself in a private mount namespace:
#
#   here=$(cd "$(dirname "$0")" && pwd)
#   if [ "$(id -u)" = 0 ] && [ -z "${SIGMA_IN_NS:-}" ] && unshare -m --propagation private true 2> /dev/null; then
#   	exec unshare -m --propagation private env SIGMA_IN_NS=1 bash "$0" "$@"
#   fi
#
#   server_ns_enter DIR...     root in the namespace, else SKIP and exit 0;
#                              overlays (tmpfs upper) on each DIR, so users,
#                              /etc/sigma and /var/lib/sigma vanish with it
#   server_need TOOL...        SKIP and exit 0 when a tool is missing
#   server_sigma_install       sigma in /usr/local, the system registry and key
#                              (group sigma), npm event-stream 3.3.6 blocked
#   free_port                  a free TCP port on 127.0.0.1
#   wait_port PORT [SECONDS]   until something listens on 127.0.0.1:PORT
#   server_push_checks CLONE OWNER GITDIR
#                              from a clone of the served repository: a push
#                              without lockfiles and a clean one accepted, one
#                              of a blocked direct dependency refused with the
#                              package and the block reason on the client's
#                              stderr; GITDIR's objects all owned by OWNER
#
# The hook runs as the server's user with the server's environment: the
# test's SIGMA_DB and SIGMA_CONFIG never reach it, so it uses the server
# defaults (/var/lib/sigma/registry.db, /etc/sigma/signing.key).

server_skip() { skip "$*"; done_testing; exit 0; }

server_ns_enter() {
	if [ "$(id -u)" != 0 ] || [ -z "${SIGMA_IN_NS:-}" ]; then
		server_skip "needs root and a private mount namespace (it creates users, starts servers and installs into /usr/local)"
	fi
	local ov=$T/overlay dir n
	mkdir -p "$ov" && mount -t tmpfs tmpfs "$ov" || server_skip "cannot mount a tmpfs here"
	# Detached before lib.sh's cleanup removes $T (the overlays keep it).
	trap 'cd /; umount -l "$T/overlay" 2> /dev/null; cleanup' EXIT
	for dir in "$@"; do
		n=$(echo "$dir" | tr / _)
		mkdir -p "$ov/$n.up" "$ov/$n.work" "$dir"
		mount -t overlay overlay -o "lowerdir=$dir,upperdir=$ov/$n.up,workdir=$ov/$n.work" "$dir" ||
			server_skip "cannot mount an overlay on $dir"
	done
	# Servers started as other users must reach files under $T.
	chmod 0711 "$T"
	export PATH=/usr/local/bin:$PATH
}

server_need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" > /dev/null || [ -x "$tool" ] ||
			server_skip "needs $tool (contrib/debian-packages)"
	done
}

server_sigma_install() {
	install -D -m 0755 "$SIGMA_BIN" /usr/local/bin/sigma &&
	install -D -m 0644 "$(dirname "$SIGMA_BIN")/sigma-core.so" /usr/local/lib/sigma/sigma-core.so &&
	(getent group sigma > /dev/null || groupadd --system sigma) &&
	env -u SIGMA_DB -u SIGMA_CONFIG /usr/local/bin/sigma registry init --system > /dev/null &&
	env -u SIGMA_DB -u SIGMA_CONFIG /usr/local/bin/sigma keygen --system > /dev/null &&
	env -u SIGMA_DB -u SIGMA_CONFIG /usr/local/bin/sigma registry block npm event-stream 3.3.6 \
		--reason "flatmap-stream compromise" > /dev/null
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {
	local port=$1 tries=$(( ${2:-10} * 20 ))
	while [ "$tries" -gt 0 ]; do
		(exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}

server_push_checks() {
	local clone=$1 owner=$2 gitdir=$3
	cd "$clone" || { nok "cd $clone"; return; }
	echo "# app" > README.md && git add -A && git commit -qm start
	check "a push without lockfiles is accepted" git push -q origin HEAD:main 2> /dev/null
	npm_project . '{"event-stream":"3.3.6"}' "$(lock_entry event-stream 3.3.6)"
	git add -A && git commit -qm blocked
	if git push origin HEAD:main > "$T/push" 2>&1; then
		nok "a push of a blocked direct dependency is refused"
	else
		ok "a push of a blocked direct dependency is refused"
	fi
	check "... the client reads the package on its stderr" grep -q '^remote: .*event-stream' "$T/push"
	check "... and the admin's reason" grep -q '^remote: .*flatmap-stream compromise' "$T/push"
	check "... and git says the hook declined" grep -q 'pre-receive hook declined' "$T/push"
	check "... no ref was updated" test "$(git ls-remote origin refs/heads/main | cut -f1)" = "$(git rev-parse HEAD~1)"
	git reset -q --hard HEAD~1
	npm_project . '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
	git add -A && git commit -qm clean
	check "a clean push is accepted" git push -q origin HEAD:main 2> /dev/null
	check "... and its certificate stored in the system registry" \
		test "$(sqlite3 -readonly /var/lib/sigma/registry.db 'SELECT count(*) FROM submissions')" -ge 2
	check "... and the pushed objects are owned by $owner (the hook ran as it)" \
		test -z "$(find "$gitdir/objects" -type f ! -user "$owner" | head -1)"
	cd /
}
