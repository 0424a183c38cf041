#!/usr/bin/env bash
# serve_slowloris.sh: slow connections do not make sigma serve unreachable
# (issue 13, finding 4). About 2,000 connections from 40 loopback source
# addresses each send the start of a request and then one header line per
# second, for 9 s, reopening whatever the server closes. Meanwhile a
# correctly signed delivery must be answered 202 within 1 s, and /healthz
# within 1 s, both while the first connections are open and after they
# have been cut and reopened. The receive deadline (3 s here) is absolute:
# no trickling connection may live much past it. One address opening 100
# connections keeps at most serve.maxConnectionsPerAddress (64).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

SECRET=slow-secret
gh_config http://127.0.0.1:9 <<EOF
[serve]
	receiveTimeout = 3000
	maxConnectionsPerAddress = 64
EOF
start_serve --config "$T/serve.config" --workers 0
check "serve starts" test -n "$SERVE"
port=${SERVE##*:}

# timed WANT delivery|healthz: answered WANT within 1 s (timings logged).
timed() {
	local want=$1 what=$2 got
	if [ "$what" = delivery ]; then
		got=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' -X POST -H 'Content-Type: application/json' \
			-H 'X-GitHub-Event: push' -H "X-GitHub-Delivery: slow-$RANDOM$RANDOM" \
			-H "X-Hub-Signature-256: sha256=$(sign "$SECRET" "$T/push.json")" --data-binary @"$T/push.json" \
			"$SERVE/webhook/gh")
	else
		got=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "$SERVE/healthz")
	fi
	echo "$got" >> "$T/timings"
	echo "$got" | awk -v w="$want" '{ exit !($1 == w && $2 < 1.0) }'
}
# A push payload (judged, so it is queued: the whole path to the commit).
payload github-push "$T/push.json" sha=1111111111111111111111111111111111111111 clone=http://127.0.0.1:9/o/r.git repo=octo/app

python3 "$TESTS_DIR/hostile_client.py" slowloris "$port" --conns 2000 --addrs 40 --every 1 --seconds 9 \
	--ready "$T/ready" > "$T/slow.json" &
client=$!
_pids+=($client)
for _ in $(seq 300); do [ -s "$T/ready" ] && break; sleep 0.05; done
opened=$(cat "$T/ready" 2>/dev/null || echo 0)
[ "$opened" -lt 2000 ] && echo "# only $opened slow connections could be opened here (RLIMIT_NOFILE)"
check "the slow connections are open ($opened)" test "$opened" -ge 1000
check "while they are open: a signed delivery answered 202 within 1 s" timed 202 delivery
check "while they are open: /healthz answered within 1 s" timed 200 healthz
sleep 4
check "after the deadline, with the attack reopening: 202 within 1 s" timed 202 delivery
check "... and /healthz within 1 s" timed 200 healthz
wait $client
sed 's/^/# /' "$T/timings"
echo "# slowloris: $(cat "$T/slow.json")"
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/slow.json" "$1"; }
check "the server cut the trickling connections (absolute deadline, not reset by each line)" \
	test "$(field closed_by_server)" -ge "$opened"
check "none lived much past the 3 s deadline (longest $(field max_closed_lifetime_s) s)" \
	python3 -c "import sys; sys.exit(0 if $(field max_closed_lifetime_s) < 4.5 else 1)"
check "the log says why" grep -q "sent no complete request within 3000 ms" "$T/serve.err"
cut=$(curl -s "$SERVE/metrics" | awk '/^sigma_webhook_connections_cut_total/ {print $2}')
check "/metrics counts them ($cut)" test "${cut:-0}" -ge "$opened"

python3 "$TESTS_DIR/hostile_client.py" perip "$port" --conns 100 --addr 127.0.0.250 > "$T/perip.json"
echo "# one address: $(cat "$T/perip.json")"
check "100 connections from one address: the 36 over the limit are closed at once" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["closed_by_server"] >= 36 else 1)' "$T/perip.json"
check "the server is still up" kill -0 "$SERVE_PID"
stop_serve
done_testing
