#!/usr/bin/env bash
# serve_deadline.sh: a job past its deadline fails closed (issue 13,
# finding 3, the serve half). Two slow steps, each made slow on loopback:
#   - judging: the package registry answers the certification of the one
#     unreviewed package after 3 s, with serve.jobTimeout = 1.5 s;
#   - fetching: the forge's git server answers after 3 s, with
#     serve.fetchTimeout = 1 s.
# Each job must end in an `error` status that names the deadline, instead
# of its verdict, and no job may end in `success`.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

SECRET=deadline-secret
start_standin
python3 "$TESTS_DIR/registry_standin.py" "$TESTS_DIR/fixtures/registry" > "$T/regport" 2> "$T/reg.err" &
_pids+=($!)
for _ in $(seq 50); do [ -s "$T/regport" ] && break; sleep 0.1; done
REG=http://127.0.0.1:$(cat "$T/regport")
export SIGMA_NPM_REGISTRY=$REG
curl -s -X POST -d '{"delay": {"/is-number": 3, "/is-number/7.0.0": 3, "/is-number/-/is-number-7.0.0.tgz": 3}}' \
	"$REG/_control" > /dev/null
gh_config "$STANDIN" <<EOF
[repository "octo/app"]
	forge = gh
	url = $T/app.git
$(fast_serve_section)
	jobTimeout = 1500
	fetchTimeout = 1000
EOF
app_repo '{"is-number":"7.0.0"}' "$(lock_entry is-number 7.0.0)"
sha=$APP_SHA
app_commit
sha2=$APP_SHA

start_serve --config "$T/serve.config" --workers 1
last_status() {
	curl -s "$STANDIN/_statuses" | python3 -c 'import json,sys
s=[x for x in json.load(sys.stdin) if x["sha"]==sys.argv[1] and x["state"]!="pending"]
print(s[-1]["state"] + " " + (s[-1]["fields"].get("description") or "") if s else "")' "$1"
}
final_is() { last_status "$1" | grep -q "^$2"; }

# 1. Judging past serve.jobTimeout.
payload github-pr "$T/p1.json" sha=$sha clone="$T/app.git" repo=octo/app number=1
start=$(date +%s%N)
check "delivery: 202" test "$(gh_deliver "$SERVE/webhook/gh" "$T/p1.json" j1)" = 202
check "judging past its deadline: an error status" wait_until 20 final_is $sha error
took=$(( ($(date +%s%N) - start) / 1000000 ))
check "... naming serve.jobTimeout: $(last_status $sha)" sh -c "curl -s '$STANDIN/_statuses' | grep -q 'serve.jobTimeout'"
hits=$(curl -s "$REG/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
check "... the slow certification was really under way ($hits registry requests, ${took} ms)" test "$hits" -ge 1
check "... and never success" sh -c "! curl -s '$STANDIN/_statuses' | grep -q '\"state\": \"success\"'"

# 2. A fetch past serve.fetchTimeout (the forge's own git server, slow).
curl -s -X POST -d '{"ms": 3000}' "$STANDIN/_git_delay" > /dev/null
payload github-pr "$T/p2.json" sha=$sha2 clone="$STANDIN/octo/slow.git" repo=octo/slow number=2
gh_deliver "$SERVE/webhook/gh" "$T/p2.json" j2 > /dev/null
check "a fetch past its deadline: an error status" wait_until 20 final_is $sha2 error
check "... naming serve.fetchTimeout: $(last_status $sha2)" sh -c "curl -s '$STANDIN/_statuses' | grep -q 'serve.fetchTimeout'"
gits=$(curl -s "$STANDIN/_git" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "... not retried past it ($gits git request)" test "$gits" = 1
check "no job ended in success" sh -c "! curl -s '$STANDIN/_statuses' | grep -q '\"state\": \"success\"'"
stop_serve
done_testing
