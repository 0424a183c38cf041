#!/usr/bin/env bash
# serve_html.sh: the certificate page a maintainer opens from a status
# renders in headless Chromium (Debian's `chromium`) without errors: no
# console error, no blocked resource, no script, and the DOM holds the
# decision, the blocked package with its chain, the counts and the
# lockfile. Hostile names from a lockfile come out escaped.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	skip "headless Chromium: $CHROMIUM is not installed (apt-get install chromium)"
	done_testing
	exit 0
fi

SECRET=html-secret
start_standin
cat > "$T/serve.config" <<EOF
[forge "gh"]
	type = github
	url = $STANDIN
	secret = $SECRET
[serve]
	mirrors = $T/mirrors
[repository "gh-app"]
	forge = gh
	name = octo/app
	url = $T/app.git
EOF
git init -q --bare "$T/app.git"
w=$(new_clone work "$T/app.git")
# A transitive blocked package (chain express -> body-parser) and a direct
# one whose version string tries to inject markup.
evil='1.0.0<script>alert(1)</script>'
npm_project "$w" '{"express":"4.19.2","left-pad":"1.3.0","evil":"1.0.0"}' \
	"$(lock_entry express 4.19.2 '{"body-parser":"1.20.2"}'),$(lock_entry body-parser 1.20.2),$(lock_entry left-pad 1.3.0),$(lock_entry evil "$evil")"
git -C "$w" add -A && git -C "$w" commit -qm deps && git -C "$w" push -q origin HEAD:main 2>/dev/null
sha=$(git -C "$w" rev-parse HEAD)
sigma registry block npm left-pad 1.3.0 --reason "malware <b>bold</b>" >/dev/null
sigma registry block npm body-parser 1.20.2 --reason "compromised" >/dev/null
sigma registry block npm evil "$evil" --reason "x" >/dev/null

start_serve --config "$T/serve.config" --workers 1
payload github-pr "$T/pr.json" sha=$sha clone="$T/app.git" repo=octo/app
gh_deliver "$SERVE/webhook/gh" "$T/pr.json" html-1 >/dev/null
check "the job ends in a final status" wait_until 20 has_finals $sha 1
url=$(curl -s "$STANDIN/_statuses" | python3 -c 'import json,sys
print([s for s in json.load(sys.stdin) if s["sha"]==sys.argv[1] and s["state"]!="pending"][0]["fields"]["target_url"])' "$sha")

profile=$(mktemp -d "$T/chromium.XXXXXX")
timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
	--disable-component-update --disable-sync --user-data-dir="$profile" \
	--enable-logging=stderr --v=0 --dump-dom "$url" > "$T/dom.html" 2> "$T/chromium.err"
check "Chromium loads the page" test -s "$T/dom.html"
check "the DOM shows the decision" grep -q 'class="decision rejected"' "$T/dom.html"
check "the DOM shows the blocked transitive package with its chain" \
	grep -q 'express@4.19.2 → body-parser@1.20.2' "$T/dom.html"
check "the DOM shows the counts per depth" grep -q 'Packages per depth' "$T/dom.html"
check "the DOM shows the lockfile" grep -q 'package-lock.json' "$T/dom.html"
check "a hostile version string stays text (no <script> element)" sh -c "! grep -q '<script' '$T/dom.html'"
check "the reason's markup is escaped, not rendered" grep -q '&lt;b&gt;bold&lt;/b&gt;' "$T/dom.html"
# Console errors and CSP refusals are what "renders with errors" means.
if grep -E 'CONSOLE|Uncaught|Refused to|Content Security Policy' "$T/chromium.err" > "$T/page-errors"; then
	nok "no console error or blocked resource"
	sed 's/^/# /' "$T/page-errors"
else
	ok "no console error or blocked resource"
fi
stop_serve
done_testing
