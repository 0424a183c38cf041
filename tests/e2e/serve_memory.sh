#!/usr/bin/env bash
# serve_memory.sh: unsigned bodies cannot fill sigma serve's memory (issue
# 13, finding 5). 100 connections at once each announce and send a 25 MiB
# body with a signature of the right shape but wrong (so the headers alone
# cannot refuse it). Bodies not yet verified share serve.unverifiedBytes
# (64 MiB by default): the rest get 503 before a byte of their body is
# read. The peak resident size of the process (VmHWM) must stay under
# 256 MB; before the budget it reached 1 GiB with 40 such bodies.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

[ -r /proc/self/status ] || { skip "no /proc/PID/status to read VmHWM from"; done_testing; exit 0; }
SECRET=memory-secret
gh_config http://127.0.0.1:9 < /dev/null
start_serve --config "$T/serve.config" --workers 0
check "serve starts" test -n "$SERVE"
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$SERVE_PID/status"; }
before=$(hwm)
zeros=0000000000000000000000000000000000000000000000000000000000000000
python3 "$TESTS_DIR/hostile_client.py" bodies "${SERVE##*:}" --conns 100 --mib 25 \
	--header "X-GitHub-Event: push" --header "X-Hub-Signature-256: sha256=$zeros" > "$T/bodies.json"
after=$(hwm)
echo "# VmHWM before: $before kB, after 100 x 25 MiB unsigned: $after kB; answers: $(cat "$T/bodies.json")"
check "peak RSS under 256 MB ($((after / 1024)) MB)" test "$after" -lt $((256 * 1024))
codes() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["codes"].get(sys.argv[2], 0))' "$T/bodies.json" "$1"; }
check "bodies within the budget were read and refused: 401 ($(codes 401))" test "$(codes 401)" -ge 1
check "the others were turned away on their headers: 503 ($(codes 503))" test "$(codes 503)" -ge 1
check "the log names the budget" grep -q "serve.unverifiedBytes" "$T/serve.err"
check "/metrics counts them as busy" sh -c "curl -s '$SERVE/metrics' | grep -q 'event=\"push\",outcome=\"busy\"} $(codes 503)'"
payload github-push "$T/push.json" sha=1111111111111111111111111111111111111111 clone=http://127.0.0.1:9/o/r.git repo=octo/app
check "the budget is free again: a signed delivery gets 202" \
	test "$(deliver "$SERVE/webhook/gh" "$T/push.json" "X-GitHub-Event: push" "X-GitHub-Delivery: m1" \
		"X-Hub-Signature-256: sha256=$(sign "$SECRET" "$T/push.json")")" = 202
stop_serve
done_testing
