#!/usr/bin/env bash
# serve_crash.sh: kill -9 in the middle of a burst. Every delivery that was
# answered 202 (or 200) before the kill must end, after a restart, in
# exactly one final commit status at the forge stand-in; deliveries cut
# off before their answer are redelivered, as a forge would.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

SECRET=crash-secret
N=40
start_standin
# Slow posts, so the kill finds statuses in flight and jobs still queued.
curl -s -X POST -d '{"ms":25}' "$STANDIN/_delay" >/dev/null
cat > "$T/serve.config" <<EOF
[forge "gh"]
	type = github
	url = $STANDIN
	secret = $SECRET
[serve]
	mirrors = $T/mirrors
	retryBase = 50
	retryMax = 500
[repository "gh-app"]
	forge = gh
	name = octo/app
	url = $T/app.git
EOF

git init -q --bare "$T/app.git"
w=$(new_clone work "$T/app.git")
npm_project "$w" '{"express":"4.19.2"}' "$(lock_entry express 4.19.2)"
git -C "$w" add -A && git -C "$w" commit -qm base
for i in $(seq $N); do git -C "$w" commit -q --allow-empty -m "c$i"; done
git -C "$w" push -q origin HEAD:main 2>/dev/null
git -C "$w" rev-list --max-count=$N HEAD > "$T/shas"
# One payload per commit (one python run: each start costs ~0.1 s).
payload github-pr "$T/p0.json" sha=0000000000000000000000000000000000000000 clone="$T/app.git" repo=octo/app ref=main
python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
base = json.load(open(t + "/p0.json"))
for i, sha in enumerate(open(t + "/shas").read().split(), 1):
    base["pull_request"]["head"]["sha"] = sha
    base["number"] = i
    json.dump(base, open("%s/p%d.json" % (t, i), "w"))
PY

send() { # send I: one delivery, its answer appended to $T/answers
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-H "X-GitHub-Event: pull_request" -H "X-GitHub-Delivery: burst-$1" \
		-H "X-Hub-Signature-256: sha256=$(sign "$SECRET" "$T/p$1.json")" \
		--data-binary @"$T/p$1.json" "$SERVE/webhook/gh")
	echo "$1 $code" >> "$T/answers"
}

start_serve --config "$T/serve.config" --workers 2
: > "$T/answers"
senders=()
for i in $(seq $N); do
	send "$i" &
	senders+=($!)
	[ $((i % 4)) = 0 ] && sleep 0.02
	[ "$i" = $((N * 2 / 3)) ] && { sleep 0.3; kill -9 "$SERVE_PID"; }
done
wait "${senders[@]}" 2>/dev/null
acked=$(awk '$2 == 202 || $2 == 200 {print $1}' "$T/answers" | sort -n)
nacked=$(echo "$acked" | grep -c . || true)
posted_before=$(curl -s "$STANDIN/_statuses" | python3 -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s["state"]!="pending"))')
diag() { echo "# $*"; }
diag "acknowledged before the kill: $nacked of $N; final statuses already posted: $posted_before"
check "the kill came mid-burst (some acknowledged, some not)" test "$nacked" -gt 0 -a "$nacked" -lt $N
check "and mid-work (not every acknowledged one was finished)" test "$posted_before" -lt "$nacked"

# Restart; the forge redelivers what got no answer.
start_serve --config "$T/serve.config" --workers 2
check "the restarted service is up" test -n "$SERVE"
for i in $(seq $N); do
	grep -qx "$i" <<< "$acked" || send "$i"
done
# final_counts: "SHA COUNT" for every commit of the burst, from one read.
final_counts() {
	curl -s "$STANDIN/_statuses" | python3 -c 'import json,sys
c={}
for s in json.load(sys.stdin):
    if s["state"] != "pending": c[s["sha"]] = c.get(s["sha"], 0) + 1
for sha in open(sys.argv[1]).read().split(): print(sha, c.get(sha, 0))' "$T/shas"
}
all_final() { ! final_counts | awk '$2 == 0 {z=1} END {exit !z}'; }
check "every delivery ends in a final status" wait_until 60 all_final
sleep 0.5
final_counts > "$T/counts"
dups=$(awk '$2 != 1' "$T/counts" | wc -l)
awk '$2 != 1 {print "# " $1 ": " $2 " final statuses"}' "$T/counts"
check "exactly one final status for each of the $N deliveries" test "$dups" = 0
grep -q 'put back in the queue' "$T/serve.err" && ok "jobs left running by the killed process were put back" ||
	ok "no job was running at the kill # (nothing to put back)"
stop_serve
done_testing
