#!/usr/bin/env bash
# parsers.sh: each resolver's throughput on its largest real fixture.
# hyperfine times `build/bench/parse LOCKFILE MANIFEST N` (N resolutions of
# the same bytes: parse, graph, BFS); MB/s = N x size / mean time.
# Output: bench/parsers-results.md (also printed).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
parse=$here/build/bench/parse
f=$here/tests/fixtures
N=20
cases=(
	"npm|$f/npm/react-webpack/package-lock.json|$f/npm/react-webpack/package.json"
	"yarn v1|$f/yarn1/react-webpack/yarn.lock|$f/yarn1/react-webpack/package.json"
	"yarn berry|$f/berry/react-webpack/yarn.lock|$f/berry/react-webpack/package.json"
	"pnpm 9|$f/pnpm/react-webpack/pnpm-lock.yaml|$f/pnpm/react-webpack/package.json"
	"pnpm 6|$f/pnpm6/express-api/pnpm-lock.yaml|$f/pnpm6/express-api/package.json"
	"pnpm 5.4|$f/pnpm5/pnpm7-app/pnpm-lock.yaml|$f/pnpm5/pnpm7-app/package.json"
	"bun|$f/bun/app/bun.lock|$f/bun/app/package.json"
	"poetry|$f/python/poetry-rich/poetry.lock|$f/python/poetry-rich/pyproject.toml"
	"uv|$f/python/uv-flask/uv.lock|$f/python/uv-flask/pyproject.toml"
	"pipenv|$f/python/pipenv-requests-html/Pipfile.lock|$f/python/pipenv-requests-html/Pipfile"
	"requirements|$f/python/requirements-celery/requirements/test-ci-default.txt|-"
	"requirements (pip-compile)|$f/python/pip-compile-click/requirements/dev.txt|-"
)
{
	echo "## parser throughput — $(date -u +%Y-%m-%d), $(nproc) cores"
	echo
	echo "Command: \`make bench-parsers\` (bench/parsers.sh): hyperfine, $N resolutions per run."
	echo
	echo "| format | fixture | size | packages | mean per resolution | throughput |"
	echo "|---|---|---:|---:|---:|---:|"
} > "$here/bench/parsers-results.md"
for c in "${cases[@]}"; do
	IFS='|' read -r name lock manifest <<< "$c"
	info=$("$parse" "$lock" "$manifest" 1)
	size=$(stat -c %s "$lock")
	pkgs=$(echo "$info" | sed -n 's/.* \([0-9]*\) packages.*/\1/p')
	hyperfine -N --warmup 2 --runs 10 --export-json "$here/build/bench/h.json" "$parse $lock $manifest $N" > /dev/null
	mean=$(python3 -c "import json; print(json.load(open('$here/build/bench/h.json'))['results'][0]['mean'])")
	python3 - "$name" "${lock#$f/}" "$size" "$pkgs" "$mean" "$N" >> "$here/bench/parsers-results.md" <<'PY'
import sys
name, fixture, size, pkgs, mean, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]), int(sys.argv[6])
per = mean / n
print(f"| {name} | {fixture} | {size/1024:.0f} KB | {pkgs} | {per*1000:.2f} ms | {size/per/1e6:.0f} MB/s |")
PY
done
cat "$here/bench/parsers-results.md"
