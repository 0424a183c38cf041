#!/usr/bin/env bash
# advisories.sh: OSV advisories judge pushes. Real records (GHSA for
# minimist and Jinja2) are matched by range on real pushes: a warning with
# the fixed version by default; a refusal at sigma.failOnSeverity, with the
# depth rule; an unknown severity counts as failing; waivers (one advisory,
# expiring, over a block only with --override-block) are honoured and shown;
# import is incremental and a withdrawn record stops counting.
source "$(dirname "$0")/../lib.sh"
out=$T/out
server=$(new_server app)
work=$(new_clone work "$server")
cd "$work"
sigma registry import "$FIXTURES/osv/GHSA-xvch-5gv4-984h.json" > /dev/null
sigma registry import "$FIXTURES/osv/GHSA-g3rq-g295-4j3m.json" > /dev/null

push() {  # push MESSAGE: commit everything and push; output in $out, status returned
	git add -A && git commit -qm "$1" && git push origin HEAD:main > "$out" 2>&1
}
undo() { git reset -q --hard HEAD~1; }
cert_of() {  # the stored certificate of HEAD
	sqlite3 "$SIGMA_DB" "SELECT certificate FROM submission_certificates WHERE commit_oid='$(git rev-parse HEAD)'"
}

npm_project . '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
push base > /dev/null

# --- by default advisories warn, with the fix --------------------------------------
npm_project . '{"left-pad":"1.3.0","minimist":"1.2.5"}' "$(lock_entry left-pad 1.3.0),$(lock_entry minimist 1.2.5)"
check "minimist 1.2.5 with a critical advisory: accepted by default (failOnSeverity = none)" push minimist
check "... with a warning naming the advisory, its severity, score and alias" \
	grep -q "why: .*advisory GHSA-xvch-5gv4-984h (critical 9.8; CVE-2021-44906)" "$out"
check "... and the version that fixes it" grep -q "fix: .*minimist is fixed in 1.2.6" "$out"
cert_of > "$T/cert.json"
check "the certificate lists it on the package: id, severity, score, fixed, not failing" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
p = [p for p in c["packages"] if p["name"] == "minimist"][0]
a = p["advisories"][0]
sys.exit(0 if (a["id"], a["severity"], a["score"], a["fixed"], a["fails"], a["aliases"]) ==
         ("GHSA-xvch-5gv4-984h", "critical", 9.8, "1.2.6", False, ["CVE-2021-44906"])
         and p["purl"] == "pkg:npm/minimist@1.2.5" else 1)' "$T/cert.json"
echo x > x && push already > /dev/null
check "an advisory already there before the push is not warned about again" bash -c "! grep -q GHSA '$out'"
git reset -q --hard HEAD~2 && git push -qf origin HEAD:main 2> /dev/null

# --- failOnSeverity -------------------------------------------------------------------------
git config --file "$SIGMA_CONFIG" sigma.failOnSeverity high
npm_project . '{"left-pad":"1.3.0","minimist":"1.2.5"}' "$(lock_entry left-pad 1.3.0),$(lock_entry minimist 1.2.5)"
if push fail-high; then nok "failOnSeverity = high: the critical advisory refuses the push"; else ok "failOnSeverity = high: the critical advisory refuses the push"; fi
check "... advising the upgrade to the fixed version in package.json" grep -q "fix: .*upgrade minimist to 1.2.6 or later in package.json" "$out"
undo
npm_project . '{"left-pad":"1.3.0","mkdirp":"0.5.5"}' \
	"$(lock_entry left-pad 1.3.0),$(lock_entry mkdirp 0.5.5 '{"a":"1.0.0"}'),$(lock_entry a 1.0.0 '{"minimist":"1.2.5"}'),$(lock_entry minimist 1.2.5)"
check "at L2 (deeper than sigma.rejectDepth) the same advisory only warns" push deep
check "... saying so" grep -q "warning: minimist@1.2.5 (npm), L2" "$out"
git reset -q --hard HEAD~1 && git push -qf origin HEAD:main 2> /dev/null
git config --file "$SIGMA_CONFIG" sigma.failOnSeverity critical
printf 'Jinja2==2.11.2\n' > requirements.txt
check "failOnSeverity = critical: a moderate advisory (CVSS 5.3) on Jinja2 warns" push jinja
check "... as moderate 5.3, fixed in 2.11.3" \
	bash -c "grep -q 'advisory GHSA-g3rq-g295-4j3m (moderate 5.3' '$out' && grep -q 'fixed in 2.11.3' '$out'"
git rm -q requirements.txt && git commit -qm "no jinja" && git push -q origin HEAD:main 2> /dev/null

# An advisory whose severity nobody stated counts as at the threshold.
cat > "$T/GHSA-test-unkn-own0.json" <<'JSON'
{"id":"GHSA-test-unkn-own0","modified":"2026-01-01T00:00:00Z","summary":"no severity given",
 "affected":[{"package":{"ecosystem":"npm","name":"is-odd"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"3.0.1"}]}]}]}
JSON
sigma registry import "$T/GHSA-test-unkn-own0.json" > /dev/null
npm_project . '{"left-pad":"1.3.0","is-odd":"3.0.0"}' "$(lock_entry left-pad 1.3.0),$(lock_entry is-odd 3.0.0)"
if push unknown; then nok "an advisory of unknown severity refuses under failOnSeverity (fail closed)"; else ok "an advisory of unknown severity refuses under failOnSeverity (fail closed)"; fi
check "... saying its severity is unknown" grep -q "GHSA-test-unkn-own0 (unknown)" "$out"
undo

# --- waivers ----------------------------------------------------------------------------------
git config --file "$SIGMA_CONFIG" sigma.failOnSeverity low
npm_project . '{"left-pad":"1.3.0","minimist":"1.2.5"}' "$(lock_entry left-pad 1.3.0),$(lock_entry minimist 1.2.5)"
git add -A && git commit -qm waived
sigma registry allow npm minimist 1.2.5 --advisory GHSA-xvch-5gv4-984h --reason "only parses our own argv" > "$out"
check "registry allow records a waiver for one advisory" grep -q "allowed npm minimist 1.2.5 for advisory GHSA-xvch-5gv4-984h" "$out"
check "a waived advisory no longer refuses the push" git push -q origin HEAD:main 2> /dev/null
cert_of > "$T/cert.json"
check "... and the certificate shows it waived, with the reason and who waived it" python3 -c '
import json, sys, getpass
c = json.load(open(sys.argv[1]))
p = [p for p in c["packages"] if p["name"] == "minimist"][0]
a = p["advisories"][0]
sys.exit(0 if a["waived"].startswith("only parses our own argv (by ") and not a["fails"] and p["effect"] == "none" else 1)' "$T/cert.json"
sigma registry list --waivers > "$out"
check "registry list --waivers shows it" grep -q "minimist .*1.2.5 .*advisory GHSA-xvch-5gv4-984h" "$out"
git reset -q --hard HEAD~1 && git push -qf origin HEAD:main 2> /dev/null

sigma registry disallow npm minimist 1.2.5 --advisory GHSA-xvch-5gv4-984h > /dev/null
sigma registry allow npm minimist 1.2.5 --reason "reviewed" --expires 2020-01-31 > /dev/null
npm_project . '{"left-pad":"1.3.0","minimist":"1.2.5"}' "$(lock_entry left-pad 1.3.0),$(lock_entry minimist 1.2.5)"
if push expired; then nok "an expired waiver is ignored"; else ok "an expired waiver is ignored"; fi
check "... and named as expired in the refusal" grep -q "its waiver expired on 2020-01-31" "$out"
undo
sigma registry disallow npm minimist 1.2.5 > /dev/null
check "registry allow refuses '*' (a waiver is for a reviewed version), exit 2" \
	bash -c "'$SIGMA_BIN' registry allow npm minimist '*' --reason x 2> /dev/null; [ \$? -eq 2 ]"
check "... and a day that does not exist" \
	bash -c "'$SIGMA_BIN' registry allow npm minimist 1.2.5 --reason x --expires 2026-02-30 2> /dev/null; [ \$? -eq 2 ]"
check "registry disallow ends it (and a second time says there was none, exit 1)" \
	bash -c "! '$SIGMA_BIN' registry disallow npm minimist 1.2.5 2> /dev/null"

sigma registry block npm left-pad 1.3.1 --reason "compromised release" > /dev/null
sigma registry allow npm left-pad 1.3.1 --reason "we vendor a reviewed copy" > /dev/null
npm_project . '{"left-pad":"1.3.1"}' "$(lock_entry left-pad 1.3.1)"
if push block-waived; then nok "a waiver does not override an admin's block"; else ok "a waiver does not override an admin's block"; fi
check "... and the refusal says so" grep -q "a waiver exists for this version, but it does not override blocks" "$out"
sigma registry allow npm left-pad 1.3.1 --reason "we vendor a reviewed copy" --override-block > /dev/null
check "with --override-block it does" git push -q origin HEAD:main 2> /dev/null
git reset -q --hard HEAD~1 && git push -qf origin HEAD:main 2> /dev/null

# --- the import is incremental; a withdrawn record stops counting -------------------
sigma registry import "$FIXTURES/osv/GHSA-xvch-5gv4-984h.json" > "$out"
check "importing the same record again changes nothing" grep -q "1 unchanged" "$out"
python3 - "$FIXTURES/osv/GHSA-xvch-5gv4-984h.json" "$T/withdrawn.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["modified"] = "2099-01-01T00:00:00Z"; r["withdrawn"] = "2099-01-01T00:00:00Z"
json.dump(r, open(sys.argv[2], "w"))
PY
sigma registry import "$T/withdrawn.json" > "$out"
check "a withdrawn version of the record is imported as withdrawn" grep -q "1 withdrawn" "$out"
npm_project . '{"left-pad":"1.3.0","minimist":"1.2.5"}' "$(lock_entry left-pad 1.3.0),$(lock_entry minimist 1.2.5)"
check "... and minimist 1.2.5 is no longer refused" push after-withdrawal
check "sigma doctor: the OSV data is fresh" bash -c "'$SIGMA_BIN' doctor | grep -q '^ok    osv '"
sqlite3 "$SIGMA_DB" "UPDATE advisories SET imported_at = '2020-01-01T00:00:00Z'"
check "... and warns when the last import is over a week old" \
	bash -c "'$SIGMA_BIN' doctor | grep -q '^warn  osv .*days ago: is the import still running'"
sigma registry status > "$out"
check "registry status says what is held and when OSV data was imported" \
	bash -c "grep -q '^osv: .*advisories' '$out' && grep -q '^imported: *20' '$out' && grep -q '^waivers: *1' '$out'"
done_testing
