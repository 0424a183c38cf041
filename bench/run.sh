#!/usr/bin/env bash
# run.sh: the hook's speed on the real react-webpack lockfile
# (tests/fixtures/npm/react-webpack: 1,244 packages, a 620 KB lockfile).
#
# Each case runs `sigma pre-receive` exactly as git would (GIT_DIR set, ref
# updates on stdin) against a bare repository, so the time is the hook's whole
# decision: open, read the tree, resolve, look up every package, decide,
# write the certificate. hyperfine measures time; /usr/bin/time -v peak RSS.
# Output: bench/results.md (also printed).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fixture=$here/tests/fixtures/npm/react-webpack
# A registry with some blocks, so lookups find something (none is in the graph's top levels).
for p in event-stream flatmap-stream left-pad-evil crossenv; do
	"$sigma" registry block npm "$p" '*' --reason bench >/dev/null
done

# The repository: main has a small project; "react" adds the big lockfile;
# "long" is react plus 1,000 commits that leave the lockfiles alone.
git init -q --bare "$b/server.git"
git init -q "$b/work" && cd "$b/work"
echo '{"name":"x"}' > package.json && git add -A && git commit -qm base
base=$(git rev-parse HEAD)
git push -q "$b/server.git" HEAD:refs/heads/main
cp "$fixture/package-lock.json" "$fixture/package.json" .
git add -A && git commit -qm react
react=$(git rev-parse HEAD)
for i in $(seq 1 1000); do echo "$i" > counter; git add counter; git commit -qm "c$i"; done
long=$(git rev-parse HEAD)
git push -q "$b/server.git" "$react:refs/heads/react-src" "$long:refs/heads/long-src"
cd "$b/server.git"
zero=0000000000000000000000000000000000000000
printf '%s %s refs/heads/main\n' "$base" "$react" > "$b/push-change"
printf '%s %s refs/heads/feature\n' "$zero" "$react" > "$b/push-branch"
printf '%s %s refs/heads/main\n' "$react" "$long" > "$b/push-long"
hook="GIT_DIR=$b/server.git $sigma pre-receive"

cd "$b"
# hyperfine runs each command through sh and subtracts the shell's own
# start-up: git execs the hook directly (hooks/pre-receive is a symlink).
hyperfine --warmup 3 --runs 30 --export-markdown "$b/t1.md" --export-json "$b/t1.json" \
	--prepare "sqlite3 $SIGMA_DB 'DELETE FROM cache'" \
	-n "push changing the lockfile (cold: nothing cached)" "$hook < $b/push-change"
# Warm the caches once, then the cache-hit cases.
bash -c "$hook < $b/push-change" 2>/dev/null
hyperfine --warmup 3 --runs 50 --export-markdown "$b/t2.md" --export-json "$b/t2.json" \
	-n "same lockfile pushed again on another branch (cache hit)" "$hook < $b/push-branch" \
	-n "1,000 new commits, lockfiles unchanged" "$hook < $b/push-long"
cd "$fixture"
npm_case=()
if command -v npm >/dev/null; then
	hyperfine -N -i --warmup 2 --runs 10 --export-markdown "$b/t3.md" \
		-n "npm ls --all --json --package-lock-only (same lockfile)" "npm ls --all --json --package-lock-only"
	npm_case=("$b/t3.md")
fi
cd "$b"
sqlite3 "$SIGMA_DB" 'DELETE FROM cache'
rss_cold=$( { /usr/bin/time -v bash -c "$hook < $b/push-change" 2>&1 >/dev/null; } | awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}')
rss_hit=$( { /usr/bin/time -v bash -c "$hook < $b/push-branch" 2>&1 >/dev/null; } | awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}')

{
	echo "## sigma bench — $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
	echo
	echo "Command: \`make bench\` (bench/run.sh). Lockfile: react-webpack, 1,244 packages, 620 KB."
	echo
	cat "$b/t1.md"; echo; tail -n +3 "$b/t2.md"
	if [ ${#npm_case[@]} -gt 0 ]; then
		echo
		echo "npm's own reading of the same lockfile, for scale (note the unit):"
		echo
		cat "$b/t3.md"
	fi
	echo
	echo "Medians:"
	python3 - "$b/t1.json" "$b/t2.json" <<'PY'
import json, sys
for f in sys.argv[1:]:
    for r in json.load(open(f))["results"]:
        print(f"- {r['command']}: median {r['median'] * 1000:.1f} ms")
PY
	echo
	echo "Peak RSS (/usr/bin/time -v, includes the bash wrapper's exec): cold push ${rss_cold} KB, cache hit ${rss_hit} KB."
} > "$here/bench/results.md"
cat "$here/bench/results.md"
