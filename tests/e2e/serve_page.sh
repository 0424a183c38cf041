#!/usr/bin/env bash
# serve_page.sh: the certificate page behind a pull request's status shows
# the base commit and the dependency diff against it, the fixes (without
# saying each why twice), every advisory linked to its OSV record, and the
# packages left unreviewed under their reason; it renders in headless
# Chromium when there is one. A private repository's page opens only with
# the signed link the status carries: no signature, a forged one, or an
# expired one get the same 404 an unknown certificate gets.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

SECRET=page-secret
start_standin
cat > "$T/serve.config" <<EOF
[forge "gh"]
	type = github
	url = $STANDIN
	secret = $SECRET
[sigma]
	failOnSeverity = high
[serve]
	mirrors = $T/mirrors
[repository "gh-app"]
	forge = gh
	name = octo/app
	url = $T/app.git
[repository "gh-secret"]
	forge = gh
	name = octo/secret
	url = $T/app.git
EOF
git init -q --bare "$T/app.git"
w=$(new_clone work "$T/app.git")
npm_project "$w" '{"express":"4.19.2","debug":"4.3.4"}' "$(lock_entry express 4.19.2),$(lock_entry debug 4.3.4)"
git -C "$w" add -A && git -C "$w" commit -qm base && git -C "$w" push -q origin HEAD:main 2>/dev/null
base=$(git -C "$w" rev-parse HEAD)
git -C "$w" checkout -qb feature
npm_project "$w" '{"express":"4.21.0","left-pad":"1.3.0","minimist":"1.2.5"}' \
	"$(lock_entry express 4.21.0),$(lock_entry left-pad 1.3.0),$(lock_entry minimist 1.2.5)"
git -C "$w" commit -qam deps && git -C "$w" push -q origin feature 2>/dev/null
head=$(git -C "$w" rev-parse HEAD)
sigma registry block npm left-pad 1.3.0 --reason "malware: MAL-2024-0001" >/dev/null
sigma registry import "$TESTS_DIR/fixtures/osv/GHSA-xvch-5gv4-984h.json" >/dev/null

start_serve --config "$T/serve.config" --workers 1
# final_url REPO: the target_url of the final status posted for REPO.
final_url() {
	curl -s "$STANDIN/_statuses" | python3 -c 'import json,sys
print([s for s in json.load(sys.stdin) if s["repo"]==sys.argv[1] and s["state"]!="pending"][0]["fields"]["target_url"])' "$1"
}
has_final() { curl -s "$STANDIN/_statuses" | grep "\"repo\": \"$1\"" | grep -q '"state": "failure"'; }

payload github-pr "$T/pr.json" sha=$head base=$base clone="$T/app.git" repo=octo/app
gh_deliver "$SERVE/webhook/gh" "$T/pr.json" page-1 >/dev/null
check "the job ends in a final status" wait_until 20 has_final octo/app
url=$(final_url octo/app)
curl -s -H 'Accept: text/html' "$url" > "$T/page.html"
check "the page names the base commit" grep -q "against the base commit <code>$base</code>" "$T/page.html"
check "the diff: left-pad added, direct, blocked, rejects" \
	grep -q '<tr class=added><td>added</td><td>left-pad</td><td>1.3.0</td><td>direct</td><td>blocked: rejects</td></tr>' "$T/page.html"
check "the diff: express changed 4.19.2 -> 4.21.0" \
	grep -q '<tr class=changed><td>changed</td><td>express</td><td>4.19.2 &rarr; 4.21.0</td><td>direct</td>' "$T/page.html"
check "the diff: debug removed" grep -q '<tr class=removed><td>removed</td><td>debug</td><td>4.3.4</td>' "$T/page.html"
sed -n '/<h2>How to fix<\/h2>/,/<\/pre>/p' "$T/page.html" > "$T/fix.txt"
check "the fix for the blocked package" grep -q 'fix: *remove left-pad from package.json' "$T/fix.txt"
check "the fix for the advisory: upgrade to 1.2.6" grep -q 'fix: *upgrade minimist to 1.2.6 or later' "$T/fix.txt"
check "the fixes do not repeat the why (it is in the tables)" sh -c "! grep -q 'why:' '$T/fix.txt'"
check "each why appears once on the page" test "$(grep -o 'malware: MAL-2024-0001' "$T/page.html" | wc -l)" = 1
check "the advisory links to its OSV record" \
	grep -q '<a href="https://osv.dev/vulnerability/GHSA-xvch-5gv4-984h">GHSA-xvch-5gv4-984h</a> <b>fails</b>' "$T/page.html"
check "the advisory's severity and fixed version" grep -q '<td>critical</td><td>1.2.6</td>' "$T/page.html"
check "unreviewed packages are listed under their reason, said once" \
	sh -c "grep -c 'certification failed: no npm registry configured' '$T/page.html' | grep -qx 1 &&
	       grep -q '<code>express@4.21.0</code> <small>npm, direct</small>, <code>minimist@1.2.5</code>' '$T/page.html'"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
	profile=$(mktemp -d "$T/chromium.XXXXXX")
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --user-data-dir="$profile" \
		--enable-logging=stderr --v=0 --dump-dom "$url" > "$T/dom.html" 2> "$T/chromium.err"
	check "Chromium: the DOM shows the change" grep -q '4.19.2 → 4.21.0' "$T/dom.html"
	check "Chromium: the DOM links the advisory" grep -q 'href="https://osv.dev/vulnerability/GHSA-xvch-5gv4-984h"' "$T/dom.html"
	if grep -E 'CONSOLE|Uncaught|Refused to|Content Security Policy' "$T/chromium.err" > "$T/page-errors"; then
		nok "Chromium: no console error or blocked resource"
		sed 's/^/# /' "$T/page-errors"
	else
		ok "Chromium: no console error or blocked resource"
	fi
else
	skip "headless Chromium: $CHROMIUM is not installed"
fi

check "no private repository yet: /packages answers anyone" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE/packages/npm/left-pad/1.3.0")" = 200

# --- A private repository: only the signed link opens its page.
payload github-pr "$T/priv.json" sha=$head base=$base clone="$T/app.git" repo=octo/secret number=11
python3 - "$T/priv.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["repository"]["private"] = True; json.dump(d, open(sys.argv[1], "w"))
PY
gh_deliver "$SERVE/webhook/gh" "$T/priv.json" page-2 >/dev/null
check "private: the job ends in a final status" wait_until 20 has_final octo/secret
purl=$(final_url octo/secret)
id=$(sed -n 's|.*/certificates/\([0-9a-f]\{64\}\)?.*|\1|p' <<< "$purl")
case $purl in "$SERVE/certificates/$id?exp="*"&sig="*) ok "private: the status links with exp and sig" ;;
	*) nok "private: the status links with exp and sig ($purl)" ;; esac
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
check "private: the signed link serves the JSON" test "$(code "$purl")" = 200
check "private: the signed link serves the HTML page" test "$(code -H 'Accept: text/html' "$purl")" = 200
check "private: the page shows its diff" grep -q 'Dependency changes' "$T/body"
jsonlink=$(sed -n 's|.*<a href="?\([^"]*\)">JSON</a>.*|\1|p' "$T/body" | sed 's/&amp;/\&/g')
check "private: the page's JSON link keeps the signature" \
	test "$(code "$SERVE/certificates/$id?$jsonlink")" = 200
code -H 'Accept: text/html' "$purl" >/dev/null
reclink=$(sed -n 's|.*<a href="\.\./\(packages/npm/left-pad/1\.3\.0?[^"]*\)">record</a>.*|\1|p' "$T/body" | sed 's/&amp;/\&/g')
check "private: the page links left-pad's record, signed" test -n "$reclink"
check "private: that link opens the record" test "$(code "$SERVE/$reclink")" = 200
check "private: the record is left-pad's" grep -q '"blocked"' "$T/body"
check "private: /packages without a signature: 404" test "$(code "$SERVE/packages/npm/left-pad/1.3.0")" = 404
check "private: a package link's signature does not open another package" \
	test "$(code "$SERVE/packages/npm/minimist/1.2.5?${reclink#*\?}")" = 404
check "private: no signature: 404, not 403" test "$(code "$SERVE/certificates/$id")" = 404
cp "$T/body" "$T/unsigned.body"
code "$SERVE/certificates/$(printf 'f%.0s' $(seq 64))" >/dev/null
check "private: the 404 says what an unknown id's does" cmp -s "$T/body" "$T/unsigned.body"
check "private: a 16-digit prefix without signature: 404" test "$(code "$SERVE/certificates/${id:0:16}")" = 404
# A certificate with no row saying whether its repository is private (a
# hook push's, or a job that stopped before recording it) is closed too,
# once any private repository has been judged here.
sqlite3 "$SIGMA_DB" "UPDATE webhook_findings SET certificate_id='moved-$id' WHERE certificate_id='$id'"
check "no privacy row: without a signature, still 404" test "$(code "$SERVE/certificates/$id")" = 404
check "... with the signed link, served" test "$(code "$purl")" = 200
sqlite3 "$SIGMA_DB" "UPDATE webhook_findings SET certificate_id='$id' WHERE certificate_id='moved-$id'"
exp=$(sed -n 's/.*exp=\([0-9]*\).*/\1/p' <<< "$purl")
sig=$(sed -n 's/.*sig=\([0-9a-f]*\).*/\1/p' <<< "$purl")
forged=$(printf '%s' "$sig" | tr '0-9a-f' '1-9a-f0')
check "private: a forged signature: 404" test "$(code "$SERVE/certificates/$id?exp=$exp&sig=$forged")" = 404
check "private: a later expiry under the old signature: 404" \
	test "$(code "$SERVE/certificates/$id?exp=$((exp + 1))&sig=$sig")" = 404
# The key lives in the database: sign by hand, once expired and once not,
# so the expired link is refused for its expiry alone.
key=$(sqlite3 "$SIGMA_DB" "SELECT value FROM webhook_meta WHERE key='link_secret'")
hand() { printf '%s' "$id.$1" | openssl dgst -sha256 -hmac "$key" -r | cut -d' ' -f1; }
past=$(( $(date +%s) - 10 )); later=$(( $(date +%s) + 600 ))
check "private: a link signed with the stored key opens it" \
	test "$(code "$SERVE/certificates/$id?exp=$later&sig=$(hand $later)")" = 200
check "private: an expired link signed with the stored key: 404" \
	test "$(code "$SERVE/certificates/$id?exp=$past&sig=$(hand $past)")" = 404
check "public: the other repository's page needs no signature" \
	test "$(code "$(sed 's/?.*//' <<< "$url")")" = 200
stop_serve
old=$SERVE
start_serve --config "$T/serve.config" --workers 1
check "private: the signed link still opens after a restart (the key is kept)" \
	test "$(code "$SERVE${purl#"$old"}")" = 200
stop_serve
done_testing
