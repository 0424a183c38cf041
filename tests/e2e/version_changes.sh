#!/usr/bin/env bash
# version_changes.sh: what changed since the version before, found at
# certification from the registry's own packument: install scripts added
# (HIGH: flagged) or changed (MEDIUM), a new publisher who also adds install
# scripts (CRITICAL: blocked, the account-takeover pattern), provenance that
# earlier versions of the major line carried and this one drops (HIGH); a
# release with nothing of the sort gets none of these. The certificate
# says which version it was compared with.
source "$(dirname "$0")/../lib.sh"
unset http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
reg=$T/reg
mkdir -p "$reg/npm"
python3 - "$reg/npm" <<'PY'
import base64, hashlib, io, json, sys, tarfile
out = sys.argv[1]
def publish(name, version, publisher, scripts=None, attest=False):
    pkg = {"name": name, "version": version, "main": "index.js"}
    if scripts:
        pkg["scripts"] = scripts
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for path, text in (("package/package.json", json.dumps(pkg)), ("package/index.js", "module.exports = 1;\n")):
            data = text.encode(); info = tarfile.TarInfo(path); info.size = len(data); info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    open(f"{out}/{name}-{version}.tgz", "wb").write(data)
    doc = dict(pkg, _npmUser={"name": publisher}, dist={
        "tarball": f"https://registry.invalid/{name}/-/{name}-{version}.tgz",
        "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
        "shasum": hashlib.sha1(data).hexdigest()})
    if attest:
        doc["dist"]["attestations"] = {"url": "https://registry.invalid/-/npm/v1/attestations/x", "provenance": {}}
    json.dump(doc, open(f"{out}/{name}-{version}.json", "w"))
publish("grower", "1.0.0", "alice")
publish("grower", "1.1.0", "alice", {"postinstall": "node setup.js"})
publish("grower", "1.2.0", "alice", {"postinstall": "node setup.js --fast"})
publish("takeover", "1.0.0", "alice")
publish("takeover", "1.0.1", "alice")
publish("takeover", "1.0.2", "mallory", {"postinstall": "node index.js"})
publish("proven", "2.0.0", "alice", attest=True)
publish("proven", "2.0.1", "alice")
publish("steady", "3.1.0", "alice", {"install": "node-gyp rebuild"})
publish("steady", "3.1.1", "alice", {"install": "node-gyp rebuild"})
PY
python3 "$TESTS_DIR/registry_standin.py" "$reg" > "$T/port" 2> "$T/standin.err" &
_pids+=($!)
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
export SIGMA_NPM_REGISTRY=http://127.0.0.1:$(cat "$T/port")
field() {  # field NAME VERSION PYTHON-EXPR over the certificate c
	sigma registry show npm "$1" "$2" --json | python3 -c "import json,sys; c=json.load(sys.stdin); print($3)"
}
codes() { field "$1" "$2" "sorted({w['code'] for w in c.get('retained_warnings', []) + c.get('findings', [])})"; }
export -f field codes sigma

sigma certify npm grower 1.1.0 > /dev/null 2>&1
check "install scripts added since 1.0.0: a HIGH finding, flagged" \
	bash -c "[ \"\$(field grower 1.1.0 \"c['status']\")\" = flagged ] && codes grower 1.1.0 | grep -q install-scripts-added"
check "... and the certificate says what it was compared with" test "$(field grower 1.1.0 "c['changed_since']")" = 1.0.0
sigma certify npm grower 1.2.0 > /dev/null 2>&1
check "install scripts changed since 1.1.0: a MEDIUM finding naming both" \
	bash -c "codes grower 1.2.0 | grep -q install-scripts-changed"
sigma certify npm takeover 1.0.2 > /dev/null 2>&1
check "a new publisher adding install scripts: blocked (the takeover pattern)" \
	bash -c "[ \"\$(field takeover 1.0.2 \"c['status']\")\" = blocked ] && codes takeover 1.0.2 | grep -q publisher-and-scripts"
check "... with the new publisher named" bash -c "codes takeover 1.0.2 | grep -q new-publisher"
sigma certify npm proven 2.0.1 > /dev/null 2>&1
check "provenance dropped within the major line: HIGH, flagged" \
	bash -c "[ \"\$(field proven 2.0.1 \"c['status']\")\" != certified ] && codes proven 2.0.1 | grep -q provenance-dropped"
sigma certify npm steady 3.1.1 > /dev/null 2>&1
compared=no
codes steady 3.1.1 > "$T/steady" && [ "$(field steady 3.1.1 "c['changed_since']")" = 3.1.0 ] && compared=yes
check "an unchanged patch release (compared with 3.1.0) gets none of these" \
	bash -c "[ $compared = yes ] && grep -q '^\[' '$T/steady' && ! grep -qE 'install-scripts|new-publisher|provenance-dropped' '$T/steady'"
done_testing
