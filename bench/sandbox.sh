#!/usr/bin/env bash
# sandbox.sh: what isolation costs. `sigma sandbox -- /bin/true` against
# Debian's bubblewrap with comparable isolation (every namespace, die with
# parent, new session, the same read-only binds, /proc, /dev, a /tmp tmpfs),
# side by side with hyperfine, medians compared; what starting each binary
# alone costs (`--version`: sigma loads every library it links, libgit2
# and its TLS/SSH/Kerberos chain included, before main runs); then the
# cost of 1,000 intercepted connects (to a loopback port nobody listens
# on: the sandbox answers them itself).
# Output: bench/sandbox-results.md (also printed).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
sigma=$here/sigma
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed"; exit 2; }
b=$(mktemp -d "${TMPDIR:-/tmp}/sigma-sbench.XXXXXX")
chmod 755 "$b" # the sandbox runs as an unprivileged uid: it must read /bench
trap 'rm -rf "$b"' EXIT

binds=()
for d in /usr /bin /lib /lib64 /sbin /etc; do
	[ -e "$d" ] && binds+=(--ro-bind "$d" "$d")
done
bwrap_cmd="bwrap --unshare-all --die-with-parent --new-session ${binds[*]} --proc /proc --dev /dev --tmpfs /tmp /bin/true"
cases=(-n "sigma sandbox -- /bin/true" "$sigma sandbox -- /bin/true")
if command -v bwrap >/dev/null; then
	cases+=(-n "bwrap (same isolation, no seccomp/limits/report)" "$bwrap_cmd")
else
	echo "bench: bwrap not installed (apt-get install bubblewrap); sigma alone"
fi
hyperfine -N --warmup 5 --runs 60 --export-markdown "$b/t1.md" --export-json "$b/t1.json" "${cases[@]}"
starts=(-n "sigma --version" "$sigma --version")
command -v bwrap >/dev/null && starts+=(-n "bwrap --version" "bwrap --version")
hyperfine -N --warmup 5 --runs 60 --export-markdown "$b/t0.md" --export-json "$b/t0.json" "${starts[@]}"
medians() {
	python3 - "$@" <<'PY'
import json, sys
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        print("- `%s`: median %.1f ms" % (r["command"], r["median"] * 1000))
PY
}

# 1,000 connects from one process inside the sandbox.
cat > "$b/connects.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		connect(s, (struct sockaddr *)&a, sizeof a);
		close(s);
	}
	return 0;
}
C
sed -i '1i #include <stdlib.h>' "$b/connects.c"
cc -O2 -o "$b/connects" "$b/connects.c"
hyperfine -N --warmup 3 --runs 20 --export-markdown "$b/t2.md" \
	-n "1 connect in the sandbox" "$sigma sandbox --ro-bind $b:/bench -- /bench/connects 1" \
	-n "1,000 intercepted connects in the sandbox" "$sigma sandbox --ro-bind $b:/bench -- /bench/connects 1000" \
	-n "1,000 refused connects outside (no sandbox)" "$b/connects 1000"
{
	echo "## sandbox bench — $(date -u +%Y-%m-%d), $(nproc) cores"
	echo
	echo "Command: \`make bench-sandbox\` (bench/sandbox.sh)."
	echo
	cat "$b/t1.md"; echo; medians "$b/t1.json"; echo
	echo "Starting each binary alone:"
	echo
	cat "$b/t0.md"; echo; medians "$b/t0.json"; echo
	cat "$b/t2.md"
} > "$here/bench/sandbox-results.md"
cat "$here/bench/sandbox-results.md"
