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
