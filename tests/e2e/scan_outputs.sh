#!/usr/bin/env bash
# scan_outputs.sh: `sigma scan --format table|json|sarif|cyclonedx|spdx|markdown
# [-o FILE]` (hook/output.c) on a real project (tests/fixtures/npm/express-api)
# with a blocked direct package (lodash), a blocked L1 one (ms 2.1.3), a
# blocked deeper one that only warns (ms 2.0.0), an advisory that fails
# (minimist 1.2.5, GHSA-xvch-5gv4-984h, sigma.failOnSeverity high) and a
# waived one (minimist 1.2.0 under mocha). SARIF and CycloneDX are
# validated against their official schemas, SPDX by hand
# (tests/validate_output.py, tests/fixtures/schemas/README.md).
source "$(dirname "$0")/../lib.sh"
V="python3 $TESTS_DIR/validate_output.py"
have_jsonschema=1
python3 -c 'import jsonschema' 2> /dev/null || have_jsonschema=0
p=$T/proj
cp -r "$FIXTURES/npm/express-api" "$p"
python3 - "$p" <<'EOF'
import json, sys
root = sys.argv[1]
m = json.load(open(root + "/package.json"))
m["dependencies"]["minimist"] = "1.2.5"
json.dump(m, open(root + "/package.json", "w"), indent=2)
lock = json.load(open(root + "/package-lock.json"))
pk = lock["packages"]
pk[""]["dependencies"]["minimist"] = "1.2.5"
pk["node_modules/minimist"] = {
    "version": "1.2.5", "resolved": "https://registry.invalid/minimist/-/minimist-1.2.5.tgz",
    "integrity": "sha512-FM9nNUYrRBAELZQT3xeZQ7fmMOBg6nWNmJKTcgsJeaLstP/UODVpGsr5OhXhhXg6f+qtJ8uiZ+PUxkDWcgIXLw=="}
pk["node_modules/mocha"].setdefault("dependencies", {})["minimist"] = "1.2.0"
pk["node_modules/mocha/node_modules/minimist"] = {
    "version": "1.2.0", "resolved": "https://registry.invalid/minimist/-/minimist-1.2.0.tgz",
    "integrity": "sha1-o1AIsg9BOD7sH7kU9M1d95omQoQ=", "dev": True}
json.dump(lock, open(root + "/package-lock.json", "w"), indent=2)
EOF
sigma registry import "$FIXTURES/osv/GHSA-xvch-5gv4-984h.json" > /dev/null
git config --file "$SIGMA_CONFIG" sigma.failOnSeverity high
sigma registry block npm lodash 4.18.1 --reason "test: direct" > /dev/null
sigma registry block npm ms 2.1.3 --reason "test: transitive" > /dev/null
sigma registry block npm ms 2.0.0 --reason "test: deep" > /dev/null
sigma registry allow npm minimist 1.2.0 --reason "dev only | not shipped" > /dev/null
o=$T/o
mkdir -p "$o"
main_db=$SIGMA_DB

# ---------------------------------------------------------------- table, json
sigma scan "$p" > "$o/table" 2> "$o/err"; rc=$?
check "no --format: the table report, rejected (exit $rc)" test "$rc" -eq 1
check "... as report_print writes it" grep -q '^  x lodash@4.18.1 (npm), direct dependency' "$o/table"
sigma scan --format table "$p" > "$o/table2" 2> /dev/null
check "--format table is the same report" cmp -s "$o/table" "$o/table2"
sigma scan --json "$p" > "$o/json1" 2> /dev/null; rc1=$?
sigma scan --format json "$p" > "$o/json2" 2> /dev/null; rc2=$?
same_cert() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for d in (a, b):
    for k in ("id", "signature", "issued", "issued_at", "time", "timestamp"):
        d.pop(k, None)
sys.exit(0 if a.get("schema", "").startswith("sigma.certificate/") and a == b else 1)
EOF
}
check "--format json is the certificate --json prints (exit $rc1, $rc2)" \
	sh -c "[ $rc1 -eq 1 ] && [ $rc2 -eq 1 ]" && check "... the same document" same_cert "$o/json1" "$o/json2"

# ---------------------------------------------------------------- schemas
for f in sarif cyclonedx spdx; do
	sigma scan --format $f "$p" > "$o/$f" 2> "$o/err"; rc=$?
	check "--format $f: rejected (exit $rc)" test "$rc" -eq 1
	if [ $have_jsonschema = 1 ] || [ $f = spdx ]; then
		if $V $f "$o/$f" > "$o/valid" 2>&1; then ok "... valid ($f)"; else nok "... valid ($f)"; sed 's/^/# /' "$o/valid"; fi
	else
		skip "python3-jsonschema is not installed (contrib/debian-packages)"
	fi
done
# The validators themselves can fail: a document missing what the schema
# requires is refused by each.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["runs"][0]["tool"]["driver"]["name"]; json.dump(d,open(sys.argv[2],"w"))' \
	"$o/sarif" "$o/bad.sarif"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["components"][0]["hashes"]=[{"alg":"SHA-512","content":"xyz"}]; json.dump(d,open(sys.argv[2],"w"))' \
	"$o/cyclonedx" "$o/bad.cyclonedx"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["relationships"][1]["relatedSpdxElement"]="SPDXRef-nothing"; json.dump(d,open(sys.argv[2],"w"))' \
	"$o/spdx" "$o/bad.spdx"
for f in sarif cyclonedx spdx; do
	if [ $have_jsonschema = 1 ] || [ $f = spdx ]; then
		check "the $f validator refuses a broken document" sh -c "! $V $f '$o/bad.$f' > /dev/null 2>&1"
	else
		skip "python3-jsonschema is not installed"
	fi
done

# ---------------------------------------------------------------- SARIF content
sarif_facts() {
	python3 - "$1" "$2" <<'EOF'
import json, os, sys
doc, root = json.load(open(sys.argv[1])), sys.argv[2]
run = doc["runs"][0]
rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
assert run["tool"]["driver"]["name"] == "sigma", "driver name"
seen = {}
for r in run["results"]:
    props = r["properties"]
    name = props["purl"].split("/")[-1]
    seen[name] = r["level"]
    assert rules[r["ruleIndex"]] == r["ruleId"], "ruleIndex points at its rule"
    loc = r["locations"][0]["physicalLocation"]
    text = open(os.path.join(root, loc["artifactLocation"]["uri"])).read().split("\n")
    line = text[loc["region"]["startLine"] - 1]
    pkg = name.split("@")[0]
    assert pkg in line, "%s: line %d is %r" % (name, loc["region"]["startLine"], line)
    for rel in r.get("relatedLocations", []):
        ml = rel["physicalLocation"]
        mt = open(os.path.join(root, ml["artifactLocation"]["uri"])).read().split("\n")
        assert ml["artifactLocation"]["uri"] == "package.json", "related location is the manifest"
        assert '"%s"' % pkg in mt[ml["region"]["startLine"] - 1], "%s: manifest line" % name
    if props["depth"] == 0:
        assert r.get("relatedLocations"), "%s: a direct one has its manifest line" % name
want = {"lodash@4.18.1": "error", "minimist@1.2.5": "error", "ms@2.1.3": "error", "ms@2.0.0": "warning"}
assert all(seen.get(k) == v for k, v in want.items()), seen
assert "minimist@1.2.0" not in seen, "a waived advisory is no result"
assert {"blocked", "advisory"} <= set(rules), rules
assert [r for r in run["results"] if r["ruleId"] == "advisory"][0]["properties"]["fixed"] == "1.2.6"
EOF
}
check "SARIF: lodash, minimist 1.2.5, ms 2.1.3 are errors, ms 2.0.0 a warning, each at a lockfile line naming it, direct ones with their package.json line" \
	sarif_facts "$o/sarif" "$p"
# The line is the package's own entry, not a first mention elsewhere.
line=$(python3 -c 'import json,sys; print([r for r in json.load(open(sys.argv[1]))["runs"][0]["results"] if "lodash" in r["properties"]["purl"]][0]["locations"][0]["physicalLocation"]["region"]["startLine"])' "$o/sarif")
check "... lodash's line is its \"node_modules/lodash\" entry (line $line)" \
	sh -c "sed -n '${line}p' '$p/package-lock.json' | grep -q '\"node_modules/lodash\": {'"

# ---------------------------------------------------------------- CycloneDX content
cdx_facts() {
	python3 - "$1" "$2" "$3" <<'EOF'
import base64, json, sys
bom, cert, root = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
lock = json.load(open(root + "/package-lock.json"))["packages"]
comps = {c["bom-ref"]: c for c in bom["components"]}
purls = {p["purl"] for p in cert["packages"]}
assert set(comps) == purls, "one component per package of the certificate: %d vs %d" % (len(comps), len(purls))
prop = lambda c, n: [p["value"] for p in c.get("properties", []) if p["name"] == n]
m = comps["pkg:npm/minimist@1.2.5"]
want = base64.b64decode(lock["node_modules/minimist"]["integrity"][7:]).hex()
assert m["hashes"] == [{"alg": "SHA-512", "content": want}], m["hashes"]
m0 = comps["pkg:npm/minimist@1.2.0"]
assert m0["hashes"][0]["alg"] == "SHA-1" and m0["hashes"][0]["content"] == base64.b64decode(
    lock["node_modules/mocha/node_modules/minimist"]["integrity"][5:]).hex()
assert m0["scope"] == "excluded" and comps["pkg:npm/lodash@4.18.1"]["scope"] == "required"
assert prop(comps["pkg:npm/lodash@4.18.1"], "sigma:status") == ["blocked"]
assert prop(comps["pkg:npm/lodash@4.18.1"], "sigma:effect") == ["reject"]
assert prop(comps["pkg:npm/ms@2.0.0"], "sigma:effect") == ["warn"]
assert prop(comps["pkg:npm/express@4.22.3"], "sigma:depth") == ["0"]
scoped = [c for c in bom["components"] if c["purl"].startswith("pkg:npm/%40")]
assert scoped and all(c["group"].startswith("@") and "/" not in c["name"] for c in scoped), "npm scope as group"
deps = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
root_ref = bom["metadata"]["component"]["bom-ref"]
assert "pkg:npm/lodash@4.18.1" in deps[root_ref] and "pkg:npm/ms@2.1.3" not in deps[root_ref]
jwt = [r for r in deps if r.startswith("pkg:npm/jsonwebtoken@")][0]
assert "pkg:npm/ms@2.1.3" in deps[jwt], deps[jwt]
vulns = [v for v in bom["vulnerabilities"] if v["affects"][0]["ref"] == "pkg:npm/minimist@1.2.5"]
assert len(vulns) == 1 and vulns[0]["id"] == "GHSA-xvch-5gv4-984h"
assert vulns[0]["ratings"][0]["severity"] == "critical" and vulns[0]["ratings"][0]["score"] == 9.8
assert vulns[0]["recommendation"] == "upgrade to 1.2.6"
waived = [v for v in bom["vulnerabilities"] if v["affects"][0]["ref"] == "pkg:npm/minimist@1.2.0"]
assert waived and any(p["name"] == "sigma:waived" for p in waived[0]["properties"])
assert waived[0]["analysis"]["detail"].startswith("waived in sigma's registry: dev only | not shipped")
assert "analysis" not in vulns[0], "a failing advisory has no waiver analysis"
EOF
}
check "CycloneDX: every package, hashes from the integrity (sha512, sha1) in hex, scope, status/effect/depth, scopes as group, the graph, the advisories with rating and fix" \
	cdx_facts "$o/cyclonedx" "$o/json1" "$p"

spdx_facts() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
d, cert = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
by_purl = {}
for p in d["packages"]:
    for r in p.get("externalRefs", []):
        if r["referenceType"] == "purl":
            by_purl[r["referenceLocator"]] = p["SPDXID"]
assert set(by_purl) == {p["purl"] for p in cert["packages"]}
rel = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in d["relationships"]}
assert ("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Root") in rel
assert ("SPDXRef-Root", "DEPENDS_ON", by_purl["pkg:npm/lodash@4.18.1"]) in rel
jwt = [k for k in by_purl if k.startswith("pkg:npm/jsonwebtoken@")][0]
assert (by_purl[jwt], "DEPENDS_ON", by_purl["pkg:npm/ms@2.1.3"]) in rel
m = [p for p in d["packages"] if p["SPDXID"] == by_purl["pkg:npm/minimist@1.2.5"]][0]
assert m["checksums"][0]["algorithm"] == "SHA512" and len(m["checksums"][0]["checksumValue"]) == 128
EOF
}
check "SPDX: a package per purl, DESCRIBES, root and package DEPENDS_ON, checksums" spdx_facts "$o/spdx" "$o/json1"

# ---------------------------------------------------------------- markdown
sigma scan --format markdown "$p" > "$o/md" 2> /dev/null; rc=$?
check "--format markdown: rejected (exit $rc)" test "$rc" -eq 1
check "... a headline with the decision" grep -q '^### ❌ sigma: rejected' "$o/md"
check "... a row for the blocked direct package, with its fix" \
	grep -q '^| ❌ | lodash@4.18.1 | direct | package-lock.json | blocked: admin: test: direct | remove it from package.json' "$o/md"
check "... a row for the deeper one that only warns" grep -q '^| ⚠️ | ms@2.0.0 | L2 |' "$o/md"
check "... the advisory's fix" grep -q '| minimist@1.2.5 | direct | .*| upgrade to 1.2.6 or later |' "$o/md"
check "... the counts" grep -q '3 refused, 1 warning, 0 unreadable lockfiles, 2 advisories' "$o/md"
check "... the advisories folded away" grep -q '^<details><summary>Advisories (2)</summary>' "$o/md"
check "... a '|' from the registry is escaped, so it cannot split a row" grep -q 'waived: dev only \\| not shipped' "$o/md"
rows=$(grep -c '^|' "$o/md")
check "... and it stays short: a header, a rule and 4 rows ($rows)" test "$rows" -eq 6

# ---------------------------------------------------------------- -o
sigma scan --format sarif -o "$o/r.sarif" "$p" > "$o/stdout" 2> /dev/null; rc=$?
check "-o FILE: exit unchanged ($rc)" test "$rc" -eq 1
check "... nothing on stdout" test ! -s "$o/stdout"
check "... FILE holds what stdout would" cmp -s "$o/r.sarif" "$o/sarif"
check "... no temporary left beside it" sh -c "! ls -A '$o' | grep -q '^\.r\.sarif'"
sigma scan -o "$o/r.txt" "$p" > /dev/null 2>&1
check "-o with the table" cmp -s "$o/r.txt" "$o/table"
sigma scan --format sarif -o "$o/missing/dir/r.sarif" "$p" > /dev/null 2> "$o/err"; rc=$?
check "-o into a directory that does not exist: exit 2 ($rc)" test "$rc" -eq 2
check "... saying which file" grep -q "missing/dir/r.sarif: cannot write" "$o/err"
echo previous > "$o/keep.md"
sigma scan --format markdown -o "$o/keep.md" --repo "$T/none.git" --rev HEAD > /dev/null 2>&1; rc=$?
check "a scan that fails leaves FILE as it was (exit $rc)" sh -c "[ $rc -eq 2 ] && [ \"\$(cat '$o/keep.md')\" = previous ]"

# ---------------------------------------------------------------- --repo/--rev
# A repository of its own (a server with the hook would refuse the push).
srv=$T/app
git init -q "$srv"
cp -r "$p/." "$srv/"
(cd "$srv" && git add -A && git commit -qm deps && git branch side)
for f in sarif cyclonedx spdx markdown; do
	sigma scan --format $f --repo "$srv" --rev side > "$o/repo.$f" 2> "$o/err"; rc=$?
	check "--repo/--rev --format $f: rejected (exit $rc)" test "$rc" -eq 1
done
if [ $have_jsonschema = 1 ]; then
	check "... the commit's SARIF is valid" $V sarif "$o/repo.sarif"
	check "... and its CycloneDX" $V cyclonedx "$o/repo.cyclonedx"
else
	skip "python3-jsonschema is not installed"; skip "python3-jsonschema is not installed"
fi
check "... the lockfile lines read from the commit's tree" sarif_facts "$o/repo.sarif" "$p"
commit=$(git -C "$srv" rev-parse side)
check "... the markdown names the revision and the commit" grep -q " at side (\`${commit:0:12}\`)" "$o/repo.markdown"
check "... the CycloneDX root is the commit" \
	python3 -c "import json,sys; assert json.load(open('$o/repo.cyclonedx'))['metadata']['component']['version'] == '$commit'"
sigma scan --json -o "$o/repo.json" --repo "$srv" --rev side > "$o/stdout" 2> /dev/null; rc=$?
check "--repo --json -o: the certificate in FILE (exit $rc), nothing on stdout" \
	sh -c "[ $rc -eq 1 ] && [ ! -s '$o/stdout' ] && grep -q '\"schema\":\"sigma.certificate/v[0-9]\"' '$o/repo.json'"
sigma scan -o "$o/repo.txt" --repo "$srv" --rev side > /dev/null 2>&1
check "--repo -o with the table" grep -q '^sigma: rejected: side' "$o/repo.txt"
# With --base, what the base already had only warns.
sigma scan --format sarif --repo "$srv" --rev side --base side > "$o/base.sarif" 2> /dev/null; rc=$?
check "--base side: nothing introduced, accepted (exit $rc)" test "$rc" -eq 0
check "... and SARIF says warnings only" \
	python3 -c "import json; r=json.load(open('$o/base.sarif'))['runs'][0]['results']; assert r and all(x['level']=='warning' for x in r)"

# ---------------------------------------------------------------- every lockfile format
# In each format's fixture, block its first direct package and its last
# transitive one, and ms (several versions in the npm fixtures): SARIF
# must put each at the line of that lockfile that starts its entry, for
# that version (PyPI names compared normalised, as PEP 503 does).
line_names() {
	python3 - "$1" "$2" "$3" <<'EOF'
import json, os, re, sys
doc, root = json.load(open(sys.argv[1])), sys.argv[2]
norm = lambda s: re.sub(r"[-_.]+", "-", s).lower()
res = doc["runs"][0]["results"]
assert len(res) == int(sys.argv[3]), "%s results, got %d" % (sys.argv[3], len(res))
for r in res:
    name = r["properties"]["purl"].split("/", 1)[1].rsplit("@", 1)[0].replace("%40", "@")
    loc = r["locations"][0]["physicalLocation"]
    text = open(os.path.join(root, loc["artifactLocation"]["uri"])).read().split("\n")
    n = loc["region"]["startLine"]
    line = text[n - 1]
    assert norm(name) in norm(line), "%s: line %d is %r" % (name, n, line)
    # The entry of this version, where a lockfile holds several (Pipfile.lock
    # puts the version after the hashes, and holds one version per name).
    version = r["properties"]["purl"].rsplit("@", 1)[1]
    if not loc["artifactLocation"]["uri"].endswith("Pipfile.lock"):
        assert version in "\n".join(text[n - 1:n + 2]), "%s@%s: line %d is another version's" % (name, version, n)
EOF
}
for d in yarn1/express-api berry/express-api pnpm/express-api pnpm5/pnpm5-app pnpm6/express-api bun/app \
         npm-v1/express-api python/pip-compile-click python/poetry-rich python/uv-flask python/pipenv-requests-html; do
	export SIGMA_DB=$T/formats-$(echo "$d" | tr / -).db
	sigma registry init > /dev/null
	sigma scan --json "$FIXTURES/$d" > "$o/f.json" 2> /dev/null
	picks=$(python3 -c '
import json, sys
pk = json.load(open(sys.argv[1]))["packages"]
d0 = [p for p in pk if p["depth"] == 0 and p["version"]]
dn = [p for p in pk if p["depth"] >= 1 and p["version"] and p["name"] != d0[0]["name"]]
for p in [d0[0]] + dn[-1:]:
    print(p["ecosystem"], p["name"], p["version"])' "$o/f.json")
	while read -r eco name ver; do sigma registry block "$eco" "$name" "$ver" --reason t > /dev/null; done <<< "$picks"
	case $d in python/*) ;; *) sigma registry block npm ms '*' --reason t > /dev/null ;; esac
	n=$(python3 -c '
import json, sys
picks = {tuple(l.split()[1:]) for l in sys.argv[2].splitlines()}
pk = json.load(open(sys.argv[1]))["packages"]
print(len([p for p in pk if (p["name"], p["version"]) in picks or (p["ecosystem"] == "npm" and p["name"] == "ms")]))' "$o/f.json" "$picks")
	sigma scan --format sarif "$FIXTURES/$d" > "$o/f.sarif" 2> /dev/null
	check "$d: each result at a lockfile line naming its package ($(echo $picks | tr '\n' ' '))" \
		line_names "$o/f.sarif" "$FIXTURES/$d" "$n"
done
export SIGMA_DB=$main_db

# ---------------------------------------------------------------- hostile names
# A name from a pushed lockfile may hold markdown and bytes that are not
# UTF-8: the markdown escapes it (a '|' would split the row), and every
# JSON document stays UTF-8.
h=$T/hostile
mkdir -p "$h"
python3 - "$h" <<'EOF'
import sys
root = sys.argv[1]
name = b"ev|l<b>`x`*\xff\xfe"
entry = b'"node_modules/' + name + b'":{"version":"1.0.0","resolved":"https://registry.invalid/x.tgz","integrity":"sha512-AAAA"}'
deps = b'{"' + name + b'":"1.0.0"}'
open(root + "/package.json", "wb").write(b'{"name":"app","version":"1.0.0","dependencies":' + deps + b'}\n')
open(root + "/package-lock.json", "wb").write(
    b'{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"app","version":"1.0.0","dependencies":'
    + deps + b'},\n' + entry + b'}}\n')
EOF
export SIGMA_DB=$T/hostile.db
sigma registry init > /dev/null
sigma registry block npm "$(printf 'ev|l<b>`x`*\377\376')" 1.0.0 --reason 'bad | worse' > /dev/null
sigma scan --format markdown "$h" > "$o/h.md" 2> "$o/err"; rc=$?
check "a hostile name is refused (exit $rc)" test "$rc" -eq 1
check "... its markdown row escapes |, <, >, \`, * and replaces the bytes that are not UTF-8" \
	grep -qF '| ❌ | ev\|l\<b\>\`x\`\*��@1.0.0 | direct |' "$o/h.md"
check "... the reason's | too" grep -qF 'blocked: admin: bad \| worse' "$o/h.md"
for f in sarif cyclonedx spdx; do
	sigma scan --format $f "$h" > "$o/h.$f" 2> /dev/null
	check "... --format $f is UTF-8 JSON" python3 -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))' "$o/h.$f"
done
if [ $have_jsonschema = 1 ]; then
	check "... and the SARIF still valid" $V sarif "$o/h.sarif"
else
	skip "python3-jsonschema is not installed"
fi
export SIGMA_DB=$main_db

# ---------------------------------------------------------------- an unreadable lockfile
# It is a SARIF result too (rule lockfile-error), at the line its message
# names; an error while sigma.onError = reject, a warning under accept.
b=$T/broken
mkdir -p "$b/sub"
printf '{"name":"a","lockfileVersion":3,\n"packages": {\n  "": {"dependencies": {"x": "1"}},\n  "node_modules/x": {"version": 1.0.0}\n}}\n' \
	> "$b/sub/package-lock.json"
sigma scan --format sarif "$b" > "$o/b.sarif" 2> /dev/null; rc=$?
check "an unreadable lockfile: rejected (exit $rc)" test "$rc" -eq 1
check "... a lockfile-error result, level error, at the line its message names (4)" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]["results"]
assert len(r) == 1 and r[0]["ruleId"] == "lockfile-error" and r[0]["level"] == "error", r
loc = r[0]["locations"][0]["physicalLocation"]
assert loc["artifactLocation"]["uri"] == "sub/package-lock.json" and loc["region"]["startLine"] == 4, loc' "$o/b.sarif"
accept=$T/accept.config
printf '[sigma]\n\tonError = accept\n' > "$accept"
SIGMA_CONFIG=$accept sigma scan --format sarif "$b" > "$o/b2.sarif" 2> /dev/null; rc=$?
check "... under sigma.onError = accept: accepted (exit $rc), and a warning" sh -c "[ $rc -eq 0 ] && grep -q '\"level\":[[:space:]]*\"warning\"' '$o/b2.sarif'"

# ---------------------------------------------------------------- usage
sigma scan --format yaml "$p" > "$o/stdout" 2> "$o/err"; rc=$?
check "a bad --format is a usage error (exit $rc)" test "$rc" -eq 2
check "... one line on stderr, nothing on stdout" sh -c "[ \$(wc -l < '$o/err') -eq 1 ] && [ ! -s '$o/stdout' ]"
check "... naming the formats" grep -q "unknown --format 'yaml' (table, json, sarif, cyclonedx, spdx, markdown)" "$o/err"
sigma scan "$p" --format > "$o/stdout" 2> "$o/err"; rc=$?
check "--format with nothing after it: exit $rc, one line" \
	sh -c "[ $rc -eq 2 ] && [ \$(wc -l < '$o/err') -eq 1 ] && grep -q -- '--format needs an argument' '$o/err'"

# ---------------------------------------------------------------- reproducible
SOURCE_DATE_EPOCH=86400 sigma scan --format cyclonedx "$p" > "$o/c1" 2> /dev/null
SOURCE_DATE_EPOCH=86400 sigma scan --format cyclonedx "$p" > "$o/c2" 2> /dev/null
check "SOURCE_DATE_EPOCH: the same document twice" cmp -s "$o/c1" "$o/c2"
check "... with its time" grep -q '"timestamp":[[:space:]]*"1970-01-02T00:00:00Z"' "$o/c1"
done_testing
