#!/usr/bin/env bash
# certify.sh: certification cost per package, against the registry stand-in
# on 127.0.0.1 serving the real npm documents and tarballs of
# tests/fixtures/registry. Each hyperfine run first deletes the package's
# certificate, so every run fetches, verifies, unpacks, reviews and stores
# it. core-js and es5-ext have postinstall scripts, which run in the sandbox;
# the others have none (their time excludes the sandbox).
# Then the registry lookups for 10,000 packages: sigma scan of a synthetic
# lockfile with 10,000 packages, against the same scan with the registry
# holding 10,000 certificates for them.
# Output: bench/certify-results.md (also printed).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
sigma=$here/sigma
b=$(mktemp -d "${TMPDIR:-/tmp}/sigma-cbench.XXXXXX")
trap 'kill $(cat "$b/pid" 2>/dev/null) 2>/dev/null; rm -rf "$b"' EXIT
export SIGMA_DB=$b/registry.db SIGMA_CONFIG=$b/config HOME=$b/home XDG_DATA_HOME=$b/home/data
mkdir -p "$HOME" && : > "$SIGMA_CONFIG"
cp -r "$here/tests/fixtures/registry" "$b/reg"
python3 "$here/tests/registry_standin.py" "$b/reg" > "$b/port" 2> /dev/null &
echo $! > "$b/pid"
for _ in $(seq 50); do [ -s "$b/port" ] && break; sleep 0.1; done
export SIGMA_NPM_REGISTRY=http://127.0.0.1:$(cat "$b/port")
"$sigma" registry init > /dev/null
args=()
for t in "$here"/tests/fixtures/registry/npm/*.tgz; do
	base=$(basename "$t" .tgz); name=${base%-*}; version=${base##*-}; name=${name/__//}
	args+=(-n "$name@$version" --prepare "sqlite3 $SIGMA_DB \"DELETE FROM certificates WHERE name='$name'\""
	       "$sigma certify npm $name $version")
done
hyperfine -N --warmup 1 --runs 5 --export-markdown "$b/t1.md" "${args[@]}" > /dev/null
# The council's throughput, from certify's own account (unpack + review time only).
sqlite3 "$SIGMA_DB" "DELETE FROM certificates"
pkgs=()
for t in "$here"/tests/fixtures/registry/npm/*.tgz; do
	base=$(basename "$t" .tgz); name=${base%-*}; pkgs+=("${name/__//}@${base##*-}")
done
review=$(for p in "${pkgs[@]}"; do "$sigma" certify npm "${p%@*}" "${p##*@}" 2>/dev/null; done | grep '^review:' |
	awk '{mb += $2; ms += $7} END {printf "%.2f MB of unpacked source reviewed in %.0f ms: %.1f MB/s", mb, ms, mb / (ms / 1000)}')

# 10,000 packages: a lockfile, and a registry that knows every one of them.
python3 - "$b/big" <<'PY'
import json, os, sys
d = sys.argv[1]; os.makedirs(d)
pk = {"": {"name": "big", "version": "1.0.0", "dependencies": {f"pkg-{i}": "1.0.0" for i in range(10000)}}}
for i in range(10000):
    pk[f"node_modules/pkg-{i}"] = {"version": "1.0.0", "resolved": f"https://registry.invalid/pkg-{i}/-/pkg-{i}-1.0.0.tgz"}
json.dump({"name": "big", "version": "1.0.0", "lockfileVersion": 3, "packages": pk}, open(f"{d}/package-lock.json", "w"))
json.dump({"name": "big", "version": "1.0.0", "dependencies": pk[""]["dependencies"]}, open(f"{d}/package.json", "w"))
with open(f"{d}/../certs.jsonl", "w") as f:
    for i in range(10000):
        f.write(json.dumps({"ecosystem": "npm", "name": f"pkg-{i}", "version": "1.0.0", "status": "certified",
                            "verdict": "APPROVED", "certificate_id": f"c{i}"}) + "\n")
PY
hyperfine -N --warmup 1 --runs 5 --export-markdown "$b/t2.md" -n "sigma scan, 10,000 packages, empty registry" \
	"$sigma scan --db $b/empty.db $b/big" > /dev/null || true
"$sigma" registry import --db "$b/full.db" "$b/certs.jsonl" > /dev/null
hyperfine -N --warmup 1 --runs 5 --export-markdown "$b/t3.md" -n "sigma scan, 10,000 packages, all 10,000 certified" \
	"$sigma scan --db $b/full.db $b/big" > /dev/null || true
{
	echo "## certification bench — $(date -u +%Y-%m-%d), $(nproc) cores"
	echo
	echo "Command: \`make bench-certify\` (bench/certify.sh). One \`sigma certify\` process per run, against the"
	echo "stand-in on 127.0.0.1; each run starts with the certificate deleted."
	echo
	cat "$b/t1.md"
	echo
	echo "Council throughput (unpack + eight reviewers, excluding fetch and the sandbox): $review."
	echo
	echo "Registry lookups: the same 10,000-package scan against an empty registry and against one that"
	echo "holds a certificate for every package (the difference is the cost of finding them):"
	echo
	cat "$b/t2.md"; tail -n +3 "$b/t3.md"
} > "$here/bench/certify-results.md"
cat "$here/bench/certify-results.md"
