#!/usr/bin/env bash
# registry.sh: `sigma registry` and the command-line contract, on a real
# SQLite file: every subcommand, --json, import/export round trips, where
# the database is found (--db > SIGMA_DB > sigma.database > XDG), and usage
# errors (one line, exit 2).
source "$(dirname "$0")/../lib.sh"

out=$T/out
run() { "$SIGMA_BIN" "$@" > "$out" 2>&1; }

check "registry init creates the database" run registry init
check "... at SIGMA_DB" test -s "$SIGMA_DB"
check "init is idempotent" run registry init

run registry block npm left-pad 1.3.0 --reason "broke the internet"
check "block prints what it did" grep -q "blocked npm left-pad 1.3.0: broke the internet" "$out"
run registry block pypi requessts '*' --reason "typosquat of requests"
run registry show npm left-pad 1.3.0 --json
check "show --json gives the record with status and reason" \
	grep -q '"status":"blocked","reasons":\[{"code":"admin","message":"broke the internet"}\]' "$out"
run registry show pypi requessts 2.0.0
check "a '*' block shows on any version, saying so" grep -q "admin: typosquat of requests (every version)" "$out"
run registry show npm left-pad 1.2.0 --json
check "an unknown version is uncertified" grep -q '"status":"uncertified"' "$out"

cat > "$T/certs.jsonl" <<'JSON'
{"ecosystem":"npm","name":"express","version":"4.19.2","status":"certified","verdict":"APPROVED","security_level":"CLEAR","distribution_sha256":"3b3c","integrity":"sha512-abc","retained_warnings":[],"analysis_type":"FULL","certified_at":"2026-11-01T00:00:00Z","certificate_id":"c-express"}

{"ecosystem":"npm","name":"minimist","version":"1.2.5","status":"flagged","verdict":"FLAGGED","security_level":"HIGH","certificate_id":"c-minimist","reasons":[{"code":"council","message":"prototype pollution"}]}
{"ecosystem":"npm","name":"evil","version":"1.0.0","status":"blocked","reasons":[{"code":"admin","message":"steals tokens"}]}
JSON
run registry import "$T/certs.jsonl"
check "import reads JSON lines (blank lines allowed)" grep -q "imported 2 certificates and 1 blocks" "$out"
run registry list --status flagged
check "list --status flagged shows only flagged" bash -c "grep -q minimist '$out' && ! grep -q express '$out'"
run registry list --json
check "list --json has one line per record (5)" test "$(wc -l < "$out")" -eq 5
run registry export
cp "$out" "$T/export1.jsonl"
export SIGMA_DB=$T/second.db
"$SIGMA_BIN" registry init > /dev/null
run registry import "$T/export1.jsonl"
run registry export
check "export | import | export is stable" cmp -s "$T/export1.jsonl" "$out"
check "... and blocks survive it as blocks" bash -c "'$SIGMA_BIN' registry unblock npm evil 1.0.0 | grep -q unblocked"

printf '{"ecosystem":"npm","name":"a","version":"1","status":"certified"}\n{"ecosystem":"npm",\n' > "$T/bad.jsonl"
if run registry import "$T/bad.jsonl"; then nok "a broken import fails"; else ok "a broken import fails"; fi
check "... naming the file and the line" grep -q "bad.jsonl:2: not a JSON object" "$out"
run registry show npm a 1 --json
check "... and imports nothing (one transaction)" grep -q '"status":"uncertified"' "$out"

if run registry unblock npm never 1; then nok "unblocking what is not blocked fails"; else ok "unblocking what is not blocked fails"; fi
check "... saying so" grep -q "is not blocked" "$out"

# --- where the database is --------------------------------------------------------
unset SIGMA_DB
printf '[sigma]\n\tdatabase = %s/from-config.db\n' "$T" > "$SIGMA_CONFIG"
run registry init
check "sigma.database from the system config is used" test -s "$T/from-config.db"
export SIGMA_DB=$T/from-env.db
run registry init
check "SIGMA_DB wins over sigma.database" test -s "$T/from-env.db"
run registry init --db "$T/from-flag.db"
check "--db wins over SIGMA_DB" test -s "$T/from-flag.db"
unset SIGMA_DB
: > "$SIGMA_CONFIG"
run registry init
check "the XDG default is used last" test -s "$XDG_DATA_HOME/sigma/registry.db"
export SIGMA_DB=$T/registry.db

# --- usage errors -------------------------------------------------------------------
usage() {  # usage DESCRIPTION ARGS...: exit 2 and a one-line message
	local d=$1; shift
	"$SIGMA_BIN" "$@" > "$out" 2>&1
	local rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l < "$out")" -eq 1 ]; then ok "$d"; else nok "$d (exit $rc)"; cat "$out"; fi
}
usage "an unknown command: one line, exit 2" frobnicate
usage "an unknown option: one line, exit 2" --frobnicate
usage "an unknown registry option: one line, exit 2" registry list --frobnicate
usage "block without --reason: one line, exit 2" registry block npm x 1
usage "an unknown ecosystem: one line, exit 2" registry block cargo x 1 --reason r
usage "an unknown status: one line, exit 2" registry list --status great
usage "scan with --repo but no --rev: one line, exit 2" scan --repo .
check "sigma --version" bash -c "'$SIGMA_BIN' --version | grep -q '^sigma [0-9]'"
check "sigma help registry" bash -c "'$SIGMA_BIN' help registry | grep -q 'usage: sigma registry'"
for cmd in pre-receive scan doctor "registry" "registry init" "registry block" certify keygen verify sandbox serve; do
	for flag in -h --help; do
		# shellcheck disable=SC2086
		check "sigma $cmd $flag prints its usage (exit 0)" bash -c "'$SIGMA_BIN' $cmd $flag | grep -q '^usage: sigma'"
	done
done
check "sigma help help" bash -c "'$SIGMA_BIN' help help | grep -q 'usage: sigma help'"
check "sigma help pre-receive documents the settings" bash -c "'$SIGMA_BIN' help pre-receive | grep -q sigma.onError"

# --- sigma scan -----------------------------------------------------------------------
cp -r "$FIXTURES/npm/express-api" "$T/api"
"$SIGMA_BIN" scan "$T/api" > "$out" 2>&1; rc=$?
check "scan of a clean project exits 0" test "$rc" -eq 0
"$SIGMA_BIN" registry block npm body-parser 1.20.9 --reason "test" > /dev/null
"$SIGMA_BIN" scan "$T/api" > "$out" 2>&1; rc=$?
check "scan with a blocked L1 exits 1" test "$rc" -eq 1
"$SIGMA_BIN" scan --json "$T/api" > "$out" 2>/dev/null
check "scan --json prints a sigma.certificate/v3 with the decision" \
	grep -q '"decision":"rejected".*"schema":"sigma.certificate/v3"' "$out"
check "... whose packages carry depth and parents" \
	grep -q '"depth":1,"dev":false,"direct":false,"ecosystem":"npm","effect":"reject".*"name":"body-parser","parents":\["express@4.22.3"\]' "$out"
check "... and the chain: body-parser's via is express's position, express's is null" python3 -c '
import json, sys
c = json.load(open(sys.argv[1])); p = c["packages"]
at = {q["name"]: i for i, q in enumerate(p)}
bp, ex = p[at["body-parser"]], p[at["express"]]
r = [x for x in c["reasons"] if x.get("package") == "body-parser@1.20.9"][0]
sys.exit(0 if bp["via"] == at["express"] and ex["via"] is None and r["index"] == at["body-parser"]
         and "chain" not in bp else 1)' "$out"
"$SIGMA_BIN" scan "$T/nowhere" > "$out" 2>&1; rc=$?
check "scan of a missing directory exits 2" test "$rc" -eq 2

# --- the executable and sigma-core.so ---------------------------------------------------
# The executable alone runs the sandbox (it links no libgit2, SQLite or
# OpenSSL); every other command needs sigma-core.so and, without it, says
# where it looked and fails (a hook refuses).
mkdir -p "$T/alone" && cp "$SIGMA_BIN" "$T/alone/sigma"
check "the executable alone links no libgit2, SQLite or OpenSSL" \
	bash -c "! ldd '$T/alone/sigma' | grep -Eq 'libgit2|libsqlite3|libcrypto'"
check "... nor libseccomp or libcjson (loaded for the first --report only)" \
	bash -c "! ldd '$T/alone/sigma' | grep -Eq 'libseccomp|libcjson'"
"$T/alone/sigma" sandbox --report "$T/alone/report.json" -- /bin/echo alone > /dev/null 2>&1
check "... and writes a sandbox report without the core" \
	python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r['stdout']=='alone\\n' and r['exit_code']==0 else 1)" "$T/alone/report.json"
"$T/alone/sigma" scan "$T/api" > "$out" 2>&1; rc=$?
check "without sigma-core.so, scan exits 2" test "$rc" -eq 2
check "... naming the file and where it looked" grep -q "cannot load sigma-core.so (looked in $T/alone" "$out"
echo "0000000000000000000000000000000000000000 1111111111111111111111111111111111111111 refs/heads/x" |
	"$T/alone/sigma" pre-receive > "$out" 2>&1; rc=$?
check "... and the hook refuses (non-zero) rather than passing unjudged" test "$rc" -ne 0
check "... while sigma --version still works" bash -c "'$T/alone/sigma' --version | grep -q '^sigma '"

done_testing
