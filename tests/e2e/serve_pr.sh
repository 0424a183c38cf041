#!/usr/bin/env bash
# serve_pr.sh: sigma serve end to end. A real bare repository, real
# deliveries (the fixture payloads pointed at it), a real fetch into a
# mirror, the hook's scan, and commit statuses posted to the forge
# stand-in over loopback HTTP, for GitHub, Gitea and GitLab. Then the
# status delivery rules: 5xx and 429 retried, another 4xx final.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

SECRET="It's a Secret to Everybody"
GLTOKEN=gl-hook-token
start_standin --token api-token
cat > "$T/serve.config" <<EOF
[forge "gh"]
	type = github
	url = $STANDIN
	secret = $SECRET
	token = api-token
[forge "gt"]
	type = gitea
	url = $STANDIN/api/v1
	secret = $SECRET
	token = api-token
	context = sigma/gitea
[forge "gl"]
	type = gitlab
	url = $STANDIN/api/v4
	secret = $GLTOKEN
	token = api-token
[serve]
	mirrors = $T/mirrors
	retryBase = 50
	retryMax = 2000
[repository "gh-app"]
	forge = gh
	name = octo/app
	url = $T/app.git
[repository "gt-app"]
	forge = gt
	name = octo/app
	url = $T/app.git
[repository "gl-app"]
	forge = gl
	name = octo/app
	url = $T/app.git
EOF

# The repository: main depends on express; feature adds left-pad, which is blocked.
git init -q --bare "$T/app.git"
w=$(new_clone work "$T/app.git")
npm_project "$w" '{"express":"4.19.2"}' "$(lock_entry express 4.19.2)"
git -C "$w" add -A && git -C "$w" commit -qm base && git -C "$w" push -q origin HEAD:main 2>/dev/null
base=$(git -C "$w" rev-parse HEAD)
git -C "$w" checkout -qb feature
npm_project "$w" '{"express":"4.19.2","left-pad":"1.3.0"}' "$(lock_entry express 4.19.2),$(lock_entry left-pad 1.3.0)"
git -C "$w" commit -qam "add left-pad" && git -C "$w" push -q origin feature 2>/dev/null
bad=$(git -C "$w" rev-parse HEAD)
sigma registry block npm left-pad 1.3.0 --reason "malware: MAL-2024-0001" >/dev/null

start_serve --config "$T/serve.config" --workers 2
check "serve starts and prints its address" test -n "$SERVE"

# --- GitHub pull request with a blocked direct dependency -> failure
payload github-pr "$T/pr.json" sha=$bad base=$base clone="$T/app.git" repo=octo/app
code=$(gh_deliver "$SERVE/webhook/gh" "$T/pr.json" pr-1)
check "PR delivery answered 202" test "$code" = 202
check "a final status arrives" wait_until 20 has_finals $bad 1
statuses | grep "\"$bad\"" > "$T/bad.jsonl"
check "pending came first, then failure" test "$(python3 -c 'import json,sys
print(" ".join(json.loads(l)["state"] for l in open(sys.argv[1])))' "$T/bad.jsonl")" = "pending failure"
read -r desc ctx url kind repo < <(python3 -c 'import json,sys
s=[json.loads(l) for l in open(sys.argv[1])][-1]; f=s["fields"]
print(json.dumps(f["description"]).replace(" ","_"), f["context"], f["target_url"], s["kind"], s["repo"])' "$T/bad.jsonl")
check "status went to the GitHub path of octo/app" test "$kind/$repo" = github/octo/app
check "context is the default sigma/supply-chain" test "$ctx" = sigma/supply-chain
check "description names the blocked package" grep -q 'left-pad@1.3.0' <<< "$desc"
check "description is at most 140 characters" test "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1].replace("_"," "))))' "$desc")" -le 140
case $url in "$SERVE"/certificates/*) ok "target_url points at this service's certificate page" ;;
	*) nok "target_url points at this service's certificate page ($url)" ;; esac
check "target_url serves the certificate as JSON" \
	sh -c "curl -sf '$url' | python3 -c 'import json,sys; c=json.load(sys.stdin); sys.exit(0 if c[\"decision\"]==\"rejected\" and c[\"subject\"][\"commit\"]==\"$bad\" else 1)'"
curl -s -H 'Accept: text/html' -D "$T/html.h" "$url" > "$T/cert.html"
check "target_url serves HTML to a browser" grep -q 'Blocked packages' "$T/cert.html"
check "the HTML page shows the blocked package and its reason" grep -q 'MAL-2024-0001' "$T/cert.html"
check "the HTML page forbids scripts (CSP)" grep -qi "content-security-policy: default-src 'none'" "$T/html.h"
check "the commit was fetched into a bare mirror" test -d "$T/mirrors/gh/octo/app.git/objects"
check "/packages/npm/left-pad/1.3.0 is the blocked record" \
	sh -c "curl -sf '$SERVE/packages/npm/left-pad/1.3.0' | grep -q '\"blocked\"'"
check "/packages of an unknown package is 404" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE/packages/npm/not-there/1.0.0")" = 404
check "an unknown certificate is 404" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE/certificates/$(printf '0%.0s' $(seq 64))")" = 404

# --- GitHub push of main (nothing blocked) -> success
payload github-push "$T/push.json" sha=$base clone="$T/app.git" repo=octo/app
code=$(gh_deliver "$SERVE/webhook/gh" "$T/push.json" push-1 push)
check "push delivery answered 202" test "$code" = 202
check "push ends in success" wait_until 20 sh -c "curl -s '$STANDIN/_statuses' | grep -q '\"sha\": \"$base\".*\"state\": \"success\"'"

# --- Gitea pull request (X-Gitea-Signature, /api/v1, own context)
git -C "$w" commit -q --allow-empty -m gitea && git -C "$w" push -q origin feature 2>/dev/null
gsha=$(git -C "$w" rev-parse HEAD)
payload gitea-pr "$T/gitea.json" sha=$gsha base=$base clone="$T/app.git" repo=octo/app
code=$(deliver "$SERVE/webhook/gt" "$T/gitea.json" "X-Gitea-Event: pull_request" "X-Gitea-Delivery: gt-1" \
	"X-Gitea-Signature: $(sign "$SECRET" "$T/gitea.json")")
check "Gitea delivery answered 202" test "$code" = 202
check "Gitea status: failure under /api/v1 with its context" wait_until 20 sh -c \
	"curl -s '$STANDIN/_statuses' | grep '\"sha\": \"$gsha\"' | grep '\"kind\": \"gitea\"' | grep '\"state\": \"failure\"' | grep -q sigma/gitea"

# --- GitLab merge request (X-Gitlab-Token, project id, 'failed', 'name')
git -C "$w" commit -q --allow-empty -m gitlab && git -C "$w" push -q origin feature 2>/dev/null
lsha=$(git -C "$w" rev-parse HEAD)
payload gitlab-mr "$T/mr.json" sha=$lsha clone="$T/app.git" repo=octo/app project=14
code=$(deliver "$SERVE/webhook/gl" "$T/mr.json" "X-Gitlab-Event: Merge Request Hook" \
	"Idempotency-Key: gl-1" "X-Gitlab-Token: $GLTOKEN")
check "GitLab delivery answered 202" test "$code" = 202
check "GitLab status: 'failed' on project 14, named by context" wait_until 20 sh -c \
	"curl -s '$STANDIN/_statuses' | grep '\"sha\": \"$lsha\"' | grep '\"repo\": \"14\"' | grep '\"state\": \"failed\"' | grep -q '\"name\": \"sigma/supply-chain\"'"

# --- Delivery of statuses: 500 twice, then accepted; posted once.
git -C "$w" commit -q --allow-empty -m retry && git -C "$w" push -q origin feature 2>/dev/null
rsha=$(git -C "$w" rev-parse HEAD)
curl -s -X POST -d '{"status":500,"count":2}' "$STANDIN/_fail" >/dev/null
payload github-pr "$T/r.json" sha=$rsha base=$base clone="$T/app.git" repo=octo/app
gh_deliver "$SERVE/webhook/gh" "$T/r.json" retry-1 >/dev/null
check "after two 500s the statuses still arrive" wait_until 20 has_finals $rsha 1
n500=$(curl -s "$STANDIN/_attempts" | grep -o "\"sha\": \"$rsha\"[^}]*}[^}]*\"code\": 500" | wc -l)
check "the 500s were retried (2 refused attempts seen)" test "$n500" = 2
sleep 0.5
check "and the final status was stored exactly once" test "$(final_count $rsha)" = 1

# --- 429 with Retry-After: 1 -> waits at least that long.
git -C "$w" commit -q --allow-empty -m ratelimit && git -C "$w" push -q origin feature 2>/dev/null
qsha=$(git -C "$w" rev-parse HEAD)
curl -s -X POST -d '{"status":429,"count":1,"retry_after":1}' "$STANDIN/_fail" >/dev/null
payload github-pr "$T/q.json" sha=$qsha base=$base clone="$T/app.git" repo=octo/app
gh_deliver "$SERVE/webhook/gh" "$T/q.json" ratelimit-1 >/dev/null
check "after a 429 the statuses arrive" wait_until 20 has_finals $qsha 1
gap=$(curl -s "$STANDIN/_attempts" | python3 -c 'import json,sys
a=[x for x in json.load(sys.stdin) if x["sha"]==sys.argv[1]]
print(int((a[1]["at"]-a[0]["at"])*1000) if len(a)>1 and a[0]["code"]==429 else -1)' "$qsha")
check "Retry-After was honoured (next attempt $gap ms later, >= 900)" test "$gap" -ge 900

# --- 422 on the pending status: final, not retried; the final status still comes.
git -C "$w" commit -q --allow-empty -m refused && git -C "$w" push -q origin feature 2>/dev/null
fsha=$(git -C "$w" rev-parse HEAD)
curl -s -X POST -d '{"status":422,"count":1}' "$STANDIN/_fail" >/dev/null
payload github-pr "$T/f.json" sha=$fsha base=$base clone="$T/app.git" repo=octo/app
gh_deliver "$SERVE/webhook/gh" "$T/f.json" refused-1 >/dev/null
check "after a 422 the final status still arrives" wait_until 20 has_finals $fsha 1
n=$(curl -s "$STANDIN/_attempts" | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["sha"]==sys.argv[1]))' "$fsha")
check "the refused status was not retried (2 attempts in all, got $n)" test "$n" = 2
check "the refusal is logged" grep -q 'refused, not retried: HTTP 422' "$T/serve.err"

# --- Metrics
curl -s "$SERVE/metrics" > "$T/metrics"
check "metrics: deliveries by forge, event and outcome" \
	grep -q 'sigma_webhook_deliveries_total{forge="gh",event="pull_request",outcome="queued"} 4' "$T/metrics"
check "metrics: status posts by result" grep -q 'sigma_status_posts_total{result="retry"} [1-9]' "$T/metrics"
check "metrics: job latency histogram" grep -q 'sigma_job_latency_seconds_count [1-9]' "$T/metrics"
check "metrics: queue depth" grep -q 'sigma_queue_jobs{state="queued"} 0' "$T/metrics"
check "no token or secret in the log" sh -c "! grep -q -e api-token -e '$GLTOKEN' -e 'Secret to' '$T/serve.err'"

stop_serve
check "SIGTERM stops it cleanly" grep -q 'sigma serve: stopped' "$T/serve.err"
done_testing
