#!/usr/bin/env bash
# serve.sh: sigma serve under load, on loopback only. Not part of `make check`.
#
#   1. ingest: wrk sends signed PR deliveries with distinct ids for DURATION
#      seconds; sigma serve (--workers 0: receive only) commits each job to
#      SQLite (synchronous=FULL, group commit) before answering 202. Reports
#      deliveries/s, latency percentiles, and checks that the database holds
#      exactly one job per 202.
#   2. drain: JOBS deliveries are queued, then a service with WORKERS workers
#      scans each commit and posts pending + final statuses to the forge
#      stand-in. Reports jobs/s and statuses/s until every final status is
#      stored at the stand-in.
#
# Usage: bench/serve.sh [DURATION=10] [CONNECTIONS=32] [JOBS=1000] [WORKERS=2]
set -u
DURATION=${1:-10} CONNECTIONS=${2:-32} JOBS=${3:-1000} WORKERS=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
export SIGMA_BIN=${SIGMA_BIN:-$here/../sigma}
. "$here/../tests/lib.sh"
. "$here/../tests/serve_lib.sh"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }

SECRET=bench-secret
start_standin
cat > "$T/serve.config" <<CFG
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
CFG
git init -q --bare "$T/app.git"
w=$(new_clone work "$T/app.git")
npm_project "$w" '{"express":"4.19.2","left-pad":"1.3.0"}' "$(lock_entry express 4.19.2 '{"body-parser":"1.20.2"}'),$(lock_entry body-parser 1.20.2),$(lock_entry left-pad 1.3.0)"
git -C "$w" add -A && git -C "$w" commit -qm deps && git -C "$w" push -q origin HEAD:main 2>/dev/null
sha=$(git -C "$w" rev-parse HEAD)
payload github-pr "$T/pr.json" sha=$sha clone="$T/app.git" repo=octo/app ref=main
sig=$(sign "$SECRET" "$T/pr.json")
echo "# payload: $(wc -c < "$T/pr.json") bytes (GitHub pull_request.opened fixture)"
echo "# machine: $(nproc) cores, $(uname -r), sqlite $(sqlite3 --version | cut -d' ' -f1)"

# --- 1. ingest
export SIGMA_DB=$T/ingest.db
"$SIGMA_BIN" registry init > /dev/null  # only `registry init` creates a registry
start_serve --config "$T/serve.config" --workers 0
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$here/serve-deliveries.lua" "$SERVE" \
	-- "$T/pr.json" "$sig" run1 > "$T/wrk.out" 2>&1
stop_serve
cat "$T/wrk.out"
non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$T/wrk.out")
total=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.out")
jobs=$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM webhook_jobs")
echo "# ingest: $total requests, ${non2xx:-0} non-2xx, $jobs jobs in the database after SIGTERM"

# --- 2. drain
export SIGMA_DB=$T/drain.db
"$SIGMA_BIN" registry init > /dev/null
# One commit per job: statuses of one commit are posted strictly in order,
# which would serialise the whole drain on a single sha.
for i in $(seq "$JOBS"); do git -C "$w" commit -q --allow-empty -m "c$i"; done
git -C "$w" push -q origin HEAD:main 2>/dev/null
git -C "$w" rev-list --max-count="$JOBS" HEAD > "$T/shas"
python3 - "$T" "$SECRET" <<'PY'
import hashlib, hmac, json, sys
t, secret = sys.argv[1], sys.argv[2].encode()
d = json.load(open(t + "/pr.json"))
for i, sha in enumerate(open(t + "/shas").read().split(), 1):
    d["pull_request"]["head"]["sha"] = sha
    d["number"] = i
    body = json.dumps(d).encode()
    open("%s/d%d.json" % (t, i), "wb").write(body)
    open("%s/d%d.sig" % (t, i), "w").write(hmac.new(secret, body, hashlib.sha256).hexdigest())
PY
start_serve --config "$T/serve.config" --workers 0
for i in $(seq "$JOBS"); do echo "$i"; done | xargs -P 8 -I{} sh -c 'curl -s -o /dev/null -X POST \
	-H "Content-Type: application/json" -H "X-GitHub-Event: pull_request" -H "X-GitHub-Delivery: drain-{}" \
	-H "X-Hub-Signature-256: sha256=$(cat '"$T"'/d{}.sig)" --data-binary @'"$T"'/d{}.json '"$SERVE"'/webhook/gh'
stop_serve
queued=$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM webhook_jobs WHERE state='queued'")
start=$(date +%s%N)
start_serve --config "$T/serve.config" --workers "$WORKERS"
finals() { sqlite3 "$SIGMA_DB" "SELECT count(*) FROM webhook_statuses WHERE final=1 AND done=1"; }
jobs_done() { sqlite3 "$SIGMA_DB" "SELECT count(*) FROM webhook_jobs WHERE state='done'"; }
while [ "$(jobs_done)" -lt "$queued" ]; do sleep 0.1; done
t_jobs=$(( ($(date +%s%N) - start) / 1000000 ))
while [ "$(finals)" -lt "$queued" ]; do sleep 0.1; done
t_all=$(( ($(date +%s%N) - start) / 1000000 ))
stop_serve
posted=$(curl -s "$STANDIN/_statuses" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "# drain: $queued jobs, $WORKERS workers: all judged in $t_jobs ms ($(( queued * 1000 / (t_jobs > 0 ? t_jobs : 1) )) jobs/s);"
echo "#        all $posted statuses (pending + final) at the stand-in in $t_all ms ($(( posted * 1000 / (t_all > 0 ? t_all : 1) )) statuses/s)"
