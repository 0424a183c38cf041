#!/usr/bin/env bash
# formats.sh: the push gate's budgets, whatever the lockfile format.
#
# For the largest real fixture of every format, a bare repository gets a push
# that adds the lockfile (and its manifest) on top of a small base, judged
# by `sigma pre-receive` exactly as git runs it (GIT_DIR set, ref updates on
# stdin). Two cases per format, measured with hyperfine:
#   cold       the parse cache and judgement cache emptied before every run
#   cache hit  the same lockfile pushed again on another branch
# hyperfine runs each command through sh and subtracts the shell's own
# start-up, so the time is sigma's. Output: bench/formats-results.md.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fx=$here/tests/fixtures
"$sigma" registry block npm event-stream '*' --reason bench >/dev/null

# format label, fixture directory
cases=(
	"npm (package-lock v3)|npm/react-webpack"
	"yarn v1|yarn1/react-webpack"
	"yarn berry|berry/react-webpack"
	"pnpm 9|pnpm/react-webpack"
	"poetry|python/poetry-rich"
	"uv|python/uv-flask"
	"pipenv|python/pipenv-requests-html"
	"requirements (pip-compile)|python/pip-compile-click"
)
zero=0000000000000000000000000000000000000000
rows=()
for c in "${cases[@]}"; do
	label=${c%%|*} dir=${c#*|}
	slug=$(echo "$dir" | tr '/' '-')
	r=$b/$slug
	git init -q --bare "$r/server.git"
	git init -q "$r/work"
	(
		cd "$r/work"
		echo '{"name":"x"}' > package.json && git add -A && git commit -qm base
		git push -q "$r/server.git" HEAD:refs/heads/main
		rm package.json
		tar -C "$fx/$dir" --exclude=expected.json --exclude=npm-ls.json --exclude=SOURCE -cf - . | tar -xf -
		git add -A && git commit -qm lockfile
		git push -q "$r/server.git" HEAD:refs/heads/src
	)
	base=$(git -C "$r/work" rev-parse HEAD~1)
	tip=$(git -C "$r/work" rev-parse HEAD)
	printf '%s %s refs/heads/main\n' "$base" "$tip" > "$r/push-change"
	printf '%s %s refs/heads/feature\n' "$zero" "$tip" > "$r/push-branch"
	hook="GIT_DIR=$r/server.git $sigma pre-receive"
	hyperfine --warmup 3 --runs 30 --export-json "$r/cold.json" \
		--prepare "sqlite3 $SIGMA_DB 'DELETE FROM cache'" -n "$label cold" "$hook < $r/push-change 2>/dev/null || true" >/dev/null
	sh -c "$hook < $r/push-change" >/dev/null 2>&1 || true
	hyperfine --warmup 3 --runs 40 --export-json "$r/hit.json" \
		-n "$label hit" "$hook < $r/push-branch 2>/dev/null || true" >/dev/null
	rows+=("$(python3 - "$label" "$fx/$dir" "$r/cold.json" "$r/hit.json" "$SIGMA_DB" "$tip" <<'PY'
import json, os, sqlite3, sys
label, d, cold, hit, db, tip = sys.argv[1:]
med = lambda f: json.load(open(f))["results"][0]["median"] * 1000
size = sum(os.path.getsize(os.path.join(p, f)) for p, _, fs in os.walk(d) for f in fs
           if f not in ("expected.json", "npm-ls.json", "SOURCE", "package.json", "pyproject.toml", "Pipfile"))
n = sqlite3.connect(db).execute(
    "SELECT json_extract(certificate, '$.summary.depth') FROM submission_certificates WHERE commit_oid = ? LIMIT 1",
    (tip,)).fetchone()
pk = sum(v for v in json.loads(n[0]).values()) if n and n[0] else 0
print(f"| {label} | {os.path.relpath(d, os.path.dirname(os.path.dirname(d)))} | {size // 1024} KB | {pk} | {med(cold):.1f} ms | {med(hit):.1f} ms |")
PY
)")
done

{
	echo "## push gate per lockfile format — $(date -u +%Y-%m-%d), $(nproc) cores"
	echo
	echo "Command: \`make bench-formats\` (bench/formats.sh). Medians of hyperfine runs of"
	echo "\`sigma pre-receive\` (shell start-up subtracted); budgets from the push gate: cold"
	echo "under 50 ms, cache hit under 10 ms."
	echo
	echo "| format | fixture | lockfile | packages | cold push | cache hit |"
	echo "|---|---|---:|---:|---:|---:|"
	printf '%s\n' "${rows[@]}"
} > "$here/bench/formats-results.md"
cat "$here/bench/formats-results.md"
