#!/usr/bin/env bash
# serve_unconfirmed.sh: a status whose post cannot be confirmed is posted
# all the same (issue 13, finding 10). The forge keeps the first post but
# answers 500 (the ambiguous case), and every listing of the commit's
# statuses fails, so sigma can never learn whether the post landed. After
# a bounded number of checks it posts again; the final status follows, and
# never before the pending one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

SECRET=unconfirmed-secret
start_standin
gh_config "$STANDIN" <<EOF
[repository "octo/app"]
	forge = gh
	url = $T/app.git
$(fast_serve_section)
EOF
app_repo '{"express":"4.19.2"}' "$(lock_entry express 4.19.2)"
sha=$APP_SHA

curl -s -X POST -d '{"status": 500, "count": 1, "store": true}' "$STANDIN/_fail" > /dev/null
curl -s -X POST -d '{"count": -1}' "$STANDIN/_fail_list" > /dev/null
start_serve --config "$T/serve.config" --workers 1
payload github-pr "$T/pr.json" sha=$sha clone="$T/app.git" repo=octo/app
check "delivery: 202" test "$(gh_deliver "$SERVE/webhook/gh" "$T/pr.json" u1)" = 202
check "the final status arrives although no listing ever answers" wait_until 20 has_finals $sha 1
states=$(statuses | python3 -c 'import json,sys
print(" ".join(json.loads(l)["state"] for l in sys.stdin if json.loads(l)["sha"]==sys.argv[1]))' $sha)
check "pending (kept by the 500), pending again, then the final one: $states" \
	test "$states" = "pending pending success"
lists=$(curl -s "$STANDIN/_lists")
check "sigma tried to settle first, 3 checks: $lists" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["count"]==3 and d["failed"]==3 else 1)' "$lists"
check "the log says it posts again" grep -q "still unconfirmed after 3 checks: posting again" "$T/serve.err"
stop_serve
done_testing
