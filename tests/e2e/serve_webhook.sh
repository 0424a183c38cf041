#!/usr/bin/env bash
# serve_webhook.sh: the receiving side, with the real payloads of GitHub,
# Gitea and GitLab (tests/fixtures/webhooks, copied from
# shared/fixtures/webhooks) replayed with correct, wrong and missing
# signatures. Runs with --workers 0: deliveries are queued, never fetched
# (their clone URLs are public hosts, and tests stay on loopback).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

SECRET="It's a Secret to Everybody"
GITEA_SECRET='IsWishesWereHorsesWedAllBeEatingSteak!'
GLTOKEN='gitlab token with spaces'
cat > "$T/serve.config" <<EOF
[forge "gh"]
	type = github
	url = http://127.0.0.1:9
	secret = $SECRET
[forge "gt"]
	type = gitea
	url = http://127.0.0.1:9/api/v1
	secret = $GITEA_SECRET
[forge "gl"]
	type = gitlab
	url = http://127.0.0.1:9/api/v4
	secret = $GLTOKEN
EOF
start_serve --config "$T/serve.config" --workers 0
jobs_count() { sqlite3 "$SIGMA_DB" "SELECT count(*) FROM webhook_jobs"; }
gh=$WEBHOOK_FIXTURES/github gt=$WEBHOOK_FIXTURES/gitea gl=$WEBHOOK_FIXTURES/gitlab

# --- GitHub
for f in pull_request.opened pull_request.synchronize pull_request.reopened push.normal push.created; do
	ev=${f%%.*}
	code=$(gh_deliver "$SERVE/webhook/gh" "$gh/$f.json" "gh-$f" "$ev")
	check "GitHub $f, signed: 202 queued" sh -c "test $code = 202 && grep -q '\"queued\"' '$T/resp'"
done
for f in pull_request.closed push.branch-deleted push.tag-deleted; do
	ev=${f%%.*}
	code=$(gh_deliver "$SERVE/webhook/gh" "$gh/$f.json" "gh-$f" "$ev")
	check "GitHub $f: 202 ignored" sh -c "test $code = 202 && grep -q '\"ignored\"' '$T/resp'"
done
code=$(gh_deliver "$SERVE/webhook/gh" "$gh/ping.json" gh-ping ping)
check "GitHub ping: 202 ignored" sh -c "test $code = 202 && grep -q '\"ignored\"' '$T/resp'"
before=$(jobs_count)
code=$(gh_deliver "$SERVE/webhook/gh" "$gh/pull_request.opened.json" gh-pull_request.opened)
check "the same delivery id again: 200, not queued twice" sh -c "test $code = 200 && test $(jobs_count) = $before"

# The captured delivery and its HMAC from github/HEADERS.md (its own secret).
code=$(deliver "$SERVE/webhook/gh" "$gh/push.normal.json" "X-GitHub-Event: push" "X-GitHub-Delivery: 05974692-c799-11f0-8999-843b48c89eba" \
	"X-Hub-Signature-256: sha256=0387235249a69255fdc2eb64205892f619ecf4cffdf87895366f808ab7516a41")
check "a signature made with another secret: 401" test "$code" = 401
sig=$(sign "$SECRET" "$gh/pull_request.opened.json")
code=$(deliver "$SERVE/webhook/gh" "$gh/pull_request.opened.json" "X-GitHub-Event: pull_request" "X-GitHub-Delivery: w1" \
	"X-Hub-Signature-256: sha256=${sig%?}0")
check "one wrong hex digit: 401" test "$code" = 401
code=$(deliver "$SERVE/webhook/gh" "$gh/pull_request.opened.json" "X-GitHub-Event: pull_request" "X-GitHub-Delivery: w2" \
	"X-Hub-Signature-256: $sig")
check "a signature without 'sha256=': 401" test "$code" = 401
code=$(deliver "$SERVE/webhook/gh" "$gh/pull_request.opened.json" "X-GitHub-Event: pull_request" "X-GitHub-Delivery: w3")
check "no signature: 401" test "$code" = 401
printf ' ' >> "$T/tampered.json"; cat "$gh/pull_request.opened.json" >> "$T/tampered.json"
code=$(deliver "$SERVE/webhook/gh" "$T/tampered.json" "X-GitHub-Event: pull_request" "X-GitHub-Delivery: w4" \
	"X-Hub-Signature-256: sha256=$sig")
check "a body changed by one byte: 401" test "$code" = 401
check "nothing was queued by the refused deliveries" test "$(jobs_count)" = "$before"

# Form-encoded GitHub delivery: the signature covers the body as sent.
python3 -c 'import sys,urllib.parse; sys.stdout.write("payload="+urllib.parse.quote_plus(open(sys.argv[1]).read()))' \
	"$gh/pull_request.opened.json" > "$T/form.txt"
code=$(curl -s -o "$T/resp" -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
	-H "X-GitHub-Event: pull_request" -H "X-GitHub-Delivery: form-1" \
	-H "X-Hub-Signature-256: sha256=$(sign "$SECRET" "$T/form.txt")" --data-binary @"$T/form.txt" "$SERVE/webhook/gh")
check "GitHub form-encoded delivery: 202 queued" sh -c "test $code = 202 && grep -q queued '$T/resp'"

# --- Gitea: the test vectors from gitea/HEADERS.md, byte for byte.
code=$(deliver "$SERVE/webhook/gt" "$gt/pull_request.opened.json" "X-Gitea-Event: pull_request" "X-Gitea-Delivery: gt-1" \
	"X-Gitea-Signature: 65c18a212efc7bde0f336acaec87f596fe20e80b2a0e7e51a790dd38393ff771")
check "Gitea pull_request.opened with its published signature: 202 queued" sh -c "test $code = 202 && grep -q queued '$T/resp'"
code=$(deliver "$SERVE/webhook/gt" "$gt/push.created.json" "X-Gitea-Event: push" "X-Gitea-Delivery: gt-2" \
	"X-Gitea-Signature: 60fe446c74fa0cb9474f98cc557db79e10c7aaf22cf324ad65239600b9e4d915")
check "Gitea push.created with its published signature: 202 queued" sh -c "test $code = 202 && grep -q queued '$T/resp'"
code=$(deliver "$SERVE/webhook/gt" "$gt/delete.branch.json" "X-Gitea-Event: delete" "X-Gitea-Delivery: gt-3" \
	"X-Gitea-Signature: 84307b509e663cd897bc719b2a564e64fa4af8716fda389488f18369139e0fdd")
check "Gitea delete event: 202 ignored" sh -c "test $code = 202 && grep -q ignored '$T/resp'"
for f in pull_request.synchronized pull_request.reopened push.normal; do
	code=$(deliver "$SERVE/webhook/gt" "$gt/$f.json" "X-Gitea-Event: ${f%%.*}" "X-Gitea-Delivery: gt-$f" \
		"X-Gitea-Signature: $(sign "$GITEA_SECRET" "$gt/$f.json")")
	check "Gitea $f: 202 queued" sh -c "test $code = 202 && grep -q queued '$T/resp'"
done
code=$(deliver "$SERVE/webhook/gt" "$gt/pull_request.closed-merged.json" "X-Gitea-Event: pull_request" "X-Gitea-Delivery: gt-m" \
	"X-Gitea-Signature: $(sign "$GITEA_SECRET" "$gt/pull_request.closed-merged.json")")
check "Gitea merged PR: 202 ignored" sh -c "test $code = 202 && grep -q ignored '$T/resp'"
code=$(deliver "$SERVE/webhook/gt" "$gt/push.normal.json" "X-Gitea-Event: push" "X-Gitea-Delivery: gt-w" \
	"X-Gitea-Signature: $(sign wrong "$gt/push.normal.json")")
check "Gitea with a wrong secret: 401" test "$code" = 401
code=$(deliver "$SERVE/webhook/gt" "$gt/push.docs-example.json" "X-Gitea-Event: push" "X-Gitea-Delivery: gt-h" \
	"X-Hub-Signature-256: sha256=$(sign "$GITEA_SECRET" "$gt/push.docs-example.json")")
check "Gitea signed only with X-Hub-Signature-256: accepted" test "$code" = 202

# --- GitLab: the token, compared in constant time.
code=$(deliver "$SERVE/webhook/gl" "$gl/merge_request.json" "X-Gitlab-Event: Merge Request Hook" \
	"X-Gitlab-Event-UUID: 0f490e30-2db8-4091-91a1-52fe67960342" "X-Gitlab-Token: $GLTOKEN")
check "GitLab merge request with the token: 202 queued" sh -c "test $code = 202 && grep -q queued '$T/resp'"
code=$(deliver "$SERVE/webhook/gl" "$gl/push.json" "X-Gitlab-Event: Push Hook" \
	"X-Gitlab-Event-UUID: 0f490e30-2db8-4091-91a1-52fe67960342" "X-Gitlab-Token: $GLTOKEN")
check "GitLab push sharing the event UUID is a different delivery: 202 queued" sh -c "test $code = 202 && grep -q queued '$T/resp'"
code=$(deliver "$SERVE/webhook/gl" "$gl/push.json" "X-Gitlab-Event: Push Hook" \
	"X-Gitlab-Event-UUID: 0f490e30-2db8-4091-91a1-52fe67960342" "X-Gitlab-Token: $GLTOKEN")
check "GitLab push redelivered: 200" test "$code" = 200
code=$(deliver "$SERVE/webhook/gl" "$gl/push.json" "X-Gitlab-Event: Push Hook" "X-Gitlab-Token: ${GLTOKEN}x")
check "GitLab with a wrong token: 401" test "$code" = 401
code=$(deliver "$SERVE/webhook/gl" "$gl/push.json" "X-Gitlab-Event: Push Hook")
check "GitLab without a token: 401" test "$code" = 401

# --- Limits and routing
head -c $((25 * 1024 * 1024 + 1)) /dev/zero > "$T/big"
code=$(deliver "$SERVE/webhook/gh" "$T/big" "X-GitHub-Event: push")
check "a body over 25 MiB: 413" test "$code" = 413
# (a signature of the right shape: without one the headers alone get 401)
zeros=0000000000000000000000000000000000000000000000000000000000000000
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' -H 'X-GitHub-Event: push' \
	-H "X-Hub-Signature-256: sha256=$zeros" --data-binary @"$T/big" "$SERVE/webhook/gh")
check "a chunked body over 25 MiB: 413" test "$code" = 413
code=$(gh_deliver "$SERVE/webhook/nope" "$gh/push.normal.json" x push)
check "an unknown forge: 404" test "$code" = 404
check "GET on a webhook: 405" test "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE/webhook/gh")" = 405
echo -n '{"not json' > "$T/bad.json"
code=$(gh_deliver "$SERVE/webhook/gh" "$T/bad.json" bad-1)
check "a signed body that is not JSON: 400" test "$code" = 400
# The body is read without a JSON tree (webhook/payload.c): escapes are
# decoded, the first of two equal keys counts, and only one object is taken.
a40=$(printf 'a%.0s' $(seq 40)) b40=$(printf 'b%.0s' $(seq 40))
printf '{"action":"op\\u0065ned","number":5,"pull_request":{"head":{"sha":"\\u0061%s","ref":"f\\/x",' "${a40:1}" > "$T/esc.json"
printf '"repo":{"clone_url":"https:\\/\\/example.invalid\\/x.git"}},"base":{"sha":"%s"}},' "$b40" >> "$T/esc.json"
printf '"repository":{"full_name":"octo\\/app","full_name":"evil\\/other"}}' >> "$T/esc.json"
code=$(gh_deliver "$SERVE/webhook/gh" "$T/esc.json" esc-1)
spec=$(sqlite3 "$SIGMA_DB" "SELECT spec FROM webhook_jobs WHERE delivery='esc-1'")
check "escaped strings are decoded, the first of two equal keys counts: 202 queued" sh -c "test $code = 202 &&
	echo '$spec' | grep -q '\"repository\":\"octo/app\"' && echo '$spec' | grep -q '\"sha\":\"$a40\"' &&
	echo '$spec' | grep -q '\"clone_url\":\"https://example.invalid/x.git\"' && echo '$spec' | grep -q '\"ref\":\"f/x\"'"
printf '{"action":"closed","action":"opened"}' > "$T/dup.json"
code=$(gh_deliver "$SERVE/webhook/gh" "$T/dup.json" dup-1)
check "a repeated key: the first one counts (202 ignored)" sh -c "test $code = 202 && grep -q ignored '$T/resp'"
cp "$T/esc.json" "$T/trailing.json" && printf ' {}' >> "$T/trailing.json"
code=$(gh_deliver "$SERVE/webhook/gh" "$T/trailing.json" trailing-1)
check "text after the JSON object: 400" test "$code" = 400
check "/healthz" test "$(curl -s "$SERVE/healthz")" = ok
check "the server is still up after all that" kill -0 "$SERVE_PID"
check "queued jobs match the 202s" test "$(jobs_count)" = 15
curl -s "$SERVE/metrics" > "$T/metrics"
check "metrics count the refusals" grep -q 'forge="gh",event="pull_request",outcome="unauthorized"} 4' "$T/metrics"
check "metrics say no OSV data was imported yet" grep -q '^sigma_osv_last_import_timestamp_seconds 0$' "$T/metrics"
sigma registry import "$FIXTURES/osv" > /dev/null
curl -s "$SERVE/metrics" > "$T/metrics"
check "... and after an import, what is held and when (within the last minute)" python3 -c '
import re, sys, time
t = open(sys.argv[1]).read()
mal = int(re.search(r"^sigma_osv_records\{kind=\"malicious\"\} (\d+)$", t, re.M).group(1))
adv = int(re.search(r"^sigma_osv_records\{kind=\"advisory\"\} (\d+)$", t, re.M).group(1))
when = int(re.search(r"^sigma_osv_last_import_timestamp_seconds (\d+)$", t, re.M).group(1))
sys.exit(0 if mal == 10 and adv == 2 and abs(time.time() - when) < 60 else 1)' "$T/metrics"
check "no secret in the log" sh -c "! grep -q -e 'Secret to' -e WishesWere -e 'token with' '$T/serve.err'"

# A second service on the same database is refused.
"$SIGMA_BIN" serve --listen 127.0.0.1:0 --config "$T/serve.config" > /dev/null 2> "$T/second.err" &
p=$!; _pids+=($p)
wait_until 5 sh -c "! kill -0 $p 2>/dev/null"
check "a second sigma serve on the same database is refused" grep -q 'another sigma serve' "$T/second.err"
stop_serve
done_testing
