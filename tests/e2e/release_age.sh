#!/usr/bin/env bash
# release_age.sh: sigma.minimumReleaseAge, a cooldown on new versions.
# Certification records when each version was published (the registry
# stand-in serves a real packument with its `time` map); the hook, offline,
# refuses a version published too recently at any depth, saying when it
# becomes acceptable and which older version already is; excluded names
# pass; an unknown publish time warns or refuses per sigma.unknownReleaseAge;
# a waiver lets an urgent release through and the certificate shows it.
source "$(dirname "$0")/../lib.sh"
unset http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
out=$T/out
reg=$T/reg
mkdir -p "$reg/npm"
cp "$FIXTURES"/registry/npm/ms-2.1.3.* "$FIXTURES"/registry/npm/debug-4.3.4.* "$reg/npm/"
# An older ms, so that the refusal can name a version old enough.
python3 - "$reg" <<'PY'
import io, json, sys, tarfile
reg = sys.argv[1]
with tarfile.open(f"{reg}/npm/ms-2.1.2.tgz", "w:gz") as t:
    data = json.dumps({"name": "ms", "version": "2.1.2"}).encode()
    info = tarfile.TarInfo("package/package.json"); info.size = len(data); info.mtime = 0
    t.addfile(info, io.BytesIO(data))
PY
python3 "$TESTS_DIR/registry_standin.py" "$reg" > "$T/port" 2> "$T/standin.err" &
_pids+=($!)
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
base=http://127.0.0.1:$(cat "$T/port")
export SIGMA_NPM_REGISTRY=$base
yesterday=$(date -u -d '1 day ago' +%Y-%m-%dT%H:%M:%S.000Z)
curl -s -X POST "$base/_control" -d "{\"published\": {\"ms@2.1.3\": \"$yesterday\", \"debug@4.3.4\": \"$yesterday\"}}" > /dev/null
sigma certify npm ms 2.1.3 > /dev/null 2>&1
sigma certify npm debug 4.3.4 > /dev/null 2>&1
check "certification records when versions were published (from the packument)" \
	test "$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM releases WHERE ecosystem='npm' AND name='ms'")" -eq 2

server=$(new_server app)
work=$(new_clone work "$server")
cd "$work"
echo app > README && git add -A && git commit -qm start && git push -q origin HEAD:main 2> /dev/null
# A lock entry with the integrity the registry published (what npm writes).
real_entry() {  # real_entry NAME VERSION [DEPS_JSON]
	local sri
	sri=$(sigma registry show npm "$1" "$2" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["integrity"].split()[0])')
	printf '"node_modules/%s":{"version":"%s","resolved":"https://registry.invalid/%s/-/%s-%s.tgz","integrity":"%s"%s}' \
		"$1" "$2" "$1" "$1" "$2" "$sri" "${3:+,\"dependencies\":$3}"
}
git config --file "$SIGMA_CONFIG" sigma.minimumReleaseAge 3d
npm_project . '{"ms":"2.1.3"}' "$(real_entry ms 2.1.3)"
git add -A && git commit -qm young
if git push origin HEAD:main > "$out" 2>&1; then nok "a version published yesterday is refused under a 3-day cooldown"; else ok "a version published yesterday is refused under a 3-day cooldown"; fi
check "... saying how long ago and when it becomes acceptable" \
	grep -q "why: .*release-age: published 2[34] h ago (.*); acceptable from 20..-..-.. ..:.. UTC (sigma.minimumReleaseAge = 3 days)" "$out"
check "... and which older version is old enough" grep -q "fix: .*or use ms@2.1.2" "$out"
npm_project . '{"express-like":"1.0.0"}' "$(lock_entry express-like 1.0.0 '{"debug":"4.3.4"}'),$(real_entry debug 4.3.4)"
git add -A && git commit -qm deep
if git push origin HEAD:main > "$out" 2>&1; then nok "a too-new version is refused at L1 too (any depth)"; else ok "a too-new version is refused at L1 too (any depth)"; fi
check "... (debug@4.3.4)" grep -q "x debug@4.3.4" "$out"
git reset -q --hard HEAD~1

git config --file "$SIGMA_CONFIG" sigma.minimumReleaseAgeExclude "@ours/*, m?"
check "a name matching sigma.minimumReleaseAgeExclude is not checked" git push -q origin HEAD:main 2> /dev/null
git config --file "$SIGMA_CONFIG" --unset sigma.minimumReleaseAgeExclude
git reset -q --hard HEAD~1 && git push -qf origin HEAD:main 2> /dev/null

# Unknown publish time: never certified here.
npm_project . '{"never-seen":"1.0.0"}' "$(lock_entry never-seen 1.0.0)"
git add -A && git commit -qm unknown
check "an unknown publish time warns by default" bash -c "git push origin HEAD:main > '$out' 2>&1"
check "... saying the registry does not know when it was published" \
	grep -q "warning: never-seen@1.0.0.*" "$out"
git reset -q --hard HEAD~1 && git push -qf origin HEAD:main 2> /dev/null
git config --file "$SIGMA_CONFIG" sigma.unknownReleaseAge refuse
npm_project . '{"never-seen":"1.0.0"}' "$(lock_entry never-seen 1.0.0)"
git add -A && git commit -qm unknown2
if git push origin HEAD:main > "$out" 2>&1; then nok "... and refuses under sigma.unknownReleaseAge = refuse"; else ok "... and refuses under sigma.unknownReleaseAge = refuse"; fi
check "... saying the registry does not know when it was published" \
	grep -q "release-age-unknown: when never-seen@1.0.0 was published is not known" "$out"
git reset -q --hard HEAD~1
git config --file "$SIGMA_CONFIG" --unset sigma.unknownReleaseAge

# A waiver for an urgent release.
sigma registry allow npm ms 2.1.3 --reason "security fix we need today" > /dev/null
npm_project . '{"ms":"2.1.3"}' "$(real_entry ms 2.1.3)"
git add -A && git commit -qm urgent
check "a waiver lets the young version through" git push -q origin HEAD:main 2> /dev/null
check "... and the certificate shows it" bash -c "sqlite3 '$SIGMA_DB' \"SELECT certificate FROM submission_certificates WHERE commit_oid='\$(git rev-parse HEAD)'\" | grep -q '\"waiver\":\"security fix we need today (by '"
git config --file "$SIGMA_CONFIG" sigma.minimumReleaseAge fortnight
echo x > x && git add -A && git commit -qm bad-setting
if git push origin HEAD:main > "$out" 2>&1; then nok "a duration sigma cannot read fails closed"; else ok "a duration sigma cannot read fails closed"; fi
check "... naming the key" grep -q "sigma.minimumReleaseAge: expected a duration" "$out"
done_testing
