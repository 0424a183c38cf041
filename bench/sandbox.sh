#!/usr/bin/env bash
# sandbox.sh: what isolation costs. `sigma sandbox -- /bin/true` against
# Debian's bubblewrap with comparable isolation (every namespace, die with
# parent, new session, the same read-only binds, /proc, /dev, a /tmp tmpfs),
# side by side with hyperfine, medians compared; the same as an ordinary
# user (run as root: through setpriv as uid 65534); what starting each
# binary alone costs; then the cost of 1,000 intercepted connects (to a
# loopback port nobody listens on: the sandbox answers them itself).
#
# Rounds: this VM's speed drifts by tens of percent over minutes, and
# hyperfine runs one command's runs all before the other's, so a single
# invocation can credit the drift to either tool. The comparison is made of
# ROUNDS hyperfine invocations (default 6) of RUNS runs each (default 40),
# alternating which command goes first; the verdict uses the median of all
# runs of each command, and the rounds are listed with who was ahead.
# SIGMA=path compares another build. Output: bench/sandbox-results.md (also
# printed).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
sigma=${SIGMA:-$here/sigma}
rounds=${ROUNDS:-6}
runs=${RUNS:-40}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed (apt-get install hyperfine)"; exit 2; }
command -v bwrap >/dev/null || { echo "bench: bwrap is needed (apt-get install bubblewrap)"; exit 2; }
b=$(mktemp -d "${TMPDIR:-/tmp}/sigma-sbench.XXXXXX")
chmod 755 "$b" # the sandbox runs as an unprivileged uid: it must read /bench
trap 'rm -rf "$b"' EXIT

binds=()
for d in /usr /bin /lib /lib64 /sbin /etc; do
	[ -e "$d" ] && binds+=(--ro-bind "$d" "$d")
done
bwrap_cmd="bwrap --unshare-all --die-with-parent --new-session ${binds[*]} --proc /proc --dev /dev --tmpfs /tmp /bin/true"
sigma_cmd="$sigma sandbox -- /bin/true"

# compare TAG PREFIX: ROUNDS hyperfine rounds of sigma against bwrap, both
# run through PREFIX (empty, or setpriv for the unprivileged case).
compare() {
	local tag=$1 prefix=$2 i
	for i in $(seq "$rounds"); do
		local a=(-n sigma "$prefix$sigma_cmd") c=(-n bwrap "$prefix$bwrap_cmd")
		if [ $((i % 2)) -eq 1 ]; then
			hyperfine -N --warmup 5 --runs "$runs" --export-json "$b/$tag-$i.json" "${a[@]}" "${c[@]}" >/dev/null
		else
			hyperfine -N --warmup 5 --runs "$runs" --export-json "$b/$tag-$i.json" "${c[@]}" "${a[@]}" >/dev/null
		fi
	done
	python3 - "$tag" "$b" "$rounds" <<'PY'
import json, statistics, sys
tag, b, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = {"sigma": [], "bwrap": []}
rows = []
for i in range(1, rounds + 1):
    med = {}
    for r in json.load(open("%s/%s-%d.json" % (b, tag, i)))["results"]:
        times[r["command"]] += r["times"]
        med[r["command"]] = r["median"] * 1e3
    rows.append((i, med["sigma"], med["bwrap"]))
print("| round | sigma median [ms] | bwrap median [ms] | ahead |")
print("|---:|---:|---:|:---|")
for i, s, w in rows:
    print("| %d | %.2f | %.2f | %s |" % (i, s, w, "sigma" if s <= w else "bwrap"))
s, w = (statistics.median(times[k]) * 1e3 for k in ("sigma", "bwrap"))
won = sum(1 for _, x, y in rows if x <= y)
print()
print("All %d runs of each: **sigma median %.2f ms, bwrap median %.2f ms** "
      "(sigma %s by %.2f ms; ahead in %d of %d rounds)."
      % (len(times["sigma"]), s, w, "ahead" if s <= w else "behind", abs(w - s), won, rounds))
PY
}

# 1,000 connects from one process inside the sandbox.
cat > "$b/connects.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
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
cc -O2 -o "$b/connects" "$b/connects.c"
chmod 755 "$b/connects"

{
	echo "## sandbox bench — $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r)"
	echo
	echo "Command: \`make bench-sandbox\` (bench/sandbox.sh), $rounds hyperfine rounds of $runs runs per command."
	echo
	echo "### As root: \`$sigma_cmd\` against"
	echo "\`$bwrap_cmd\`"
	echo
	echo "sigma also applies its seccomp filter, cgroup limits and rlimits, and collects the report."
	echo
	compare root ""
	echo
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
		echo "### As an ordinary user (uid 65534 through setpriv: no cgroup, and no cache directory of its own, so /etc is built in every run)"
		echo
		compare user "setpriv --reuid=65534 --regid=65534 --clear-groups "
		echo
	fi
	echo "### What writing the report adds (\`--report FILE\`: libcjson loaded, the JSON built and written)"
	echo
	hyperfine -N --warmup 5 --runs 60 --export-markdown "$b/t3.md" \
		-n "sigma sandbox -- /bin/true" "$sigma_cmd" \
		-n "sigma sandbox --report FILE -- /bin/true" "$sigma sandbox --report $b/report.json -- /bin/true" >/dev/null
	cat "$b/t3.md"
	echo
	echo "### Starting each binary alone"
	echo
	hyperfine -N --warmup 10 --runs 200 --export-markdown "$b/t0.md" \
		-n "sigma --version" "$sigma --version" -n "bwrap --version" "bwrap --version" >/dev/null
	cat "$b/t0.md"
	echo
	echo "### 1,000 connects, each held, logged and refused by the supervisor"
	echo
	hyperfine -N --warmup 3 --runs 20 --export-markdown "$b/t2.md" \
		-n "1 connect in the sandbox" "$sigma sandbox --ro-bind $b:/bench -- /bench/connects 1" \
		-n "1,000 intercepted connects in the sandbox" "$sigma sandbox --ro-bind $b:/bench -- /bench/connects 1000" \
		-n "1,000 refused connects outside (no sandbox)" "$b/connects 1000" >/dev/null
	cat "$b/t2.md"
} > "$b/results.md"
cp "$b/results.md" "$here/bench/sandbox-results.md"
cat "$here/bench/sandbox-results.md"
