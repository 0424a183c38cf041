#!/usr/bin/env bash
# serve_outbox.sh: statuses for pushes. A real `git push` to a bare
# repository with the sigma hook leaves an outbox row when it is accepted;
# `sigma serve` posts that push's status to the forge stand-in, linking to
# the certificate the hook stored. One config file serves both.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

start_standin
srv=$(new_server app)
cat > "$SIGMA_CONFIG" <<EOF
[forge "gh"]
	type = github
	url = $STANDIN
	secret = not-used-here
[repository "$srv"]
	forge = gh
	name = octo/app
	path = $srv
[serve]
	outboxDelay = 0
	retryBase = 50
EOF

w=$(new_clone work "$srv")
npm_project "$w" '{"express":"4.19.2"}' "$(lock_entry express 4.19.2)"
git -C "$w" add -A && git -C "$w" commit -qm base
check "an accepted push" git -C "$w" push -q origin HEAD:main 2>/dev/null
good=$(git -C "$w" rev-parse HEAD)
rows=$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM webhook_jobs WHERE kind='outbox'" 2>/dev/null || echo 0)
check "leaves one outbox row" test "$rows" = 1

sigma registry block npm left-pad 1.3.0 --reason "malware" >/dev/null
npm_project "$w" '{"express":"4.19.2","left-pad":"1.3.0"}' "$(lock_entry express 4.19.2),$(lock_entry left-pad 1.3.0)"
git -C "$w" commit -qam "add left-pad"
if git -C "$w" push -q origin HEAD:main 2>/dev/null; then nok "a push with a blocked package is refused"; else ok "a push with a blocked package is refused"; fi
bad=$(git -C "$w" rev-parse HEAD)
rows=$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM webhook_jobs WHERE kind='outbox'" 2>/dev/null || echo 0)
check "a refused push leaves no outbox row" test "$rows" = 1
# Two refs in one push, the first clean, the second refused: git takes
# neither, so neither may get a status.
clean=$(git -C "$w" commit-tree -p "$good" -m "clean side" "$good^{tree}")
git -C "$w" push origin "$clean:refs/heads/aaa-clean" "$bad:refs/heads/zzz-blocked" > "$T/two-refs" 2>&1
check "... (the first ref was judged accepted, the second refused)" \
	bash -c "grep -q 'refs/heads/aaa-clean.*accepted' '$T/two-refs' && grep -q 'push refused for refs/heads/zzz-blocked' '$T/two-refs'"
rows=$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM webhook_jobs WHERE kind='outbox'" 2>/dev/null || echo 0)
check "a push refused for one ref leaves no outbox row for its accepted refs" test "$rows" = 1

# GitHub Enterprise's hook environment names the repository.
git -C "$w" reset -q --hard "$good"
git -C "$w" commit -q --allow-empty -m second
GITHUB_REPO_NAME=octo/other git -C "$w" push -q origin HEAD:main 2>/dev/null
other=$(git -C "$w" rev-parse HEAD)

start_serve
check "serve reads the same config file (SIGMA_CONFIG)" test -n "$SERVE"
check "the push's status is posted" wait_until 20 has_finals $good 1
statuses | grep "\"$good\"" > "$T/good.jsonl"
read -r state repo url < <(python3 -c 'import json,sys
s=json.loads(open(sys.argv[1]).readline()); print(s["state"], s["repo"], s["fields"]["target_url"])' "$T/good.jsonl")
check "success, on the forge's name for the repository" test "$state $repo" = "success octo/app"
check "only the final status for a push (no pending)" test "$(wc -l < "$T/good.jsonl")" = 1
check "its target_url serves the hook's certificate" \
	sh -c "curl -sf '$url' | grep -q '\"commit\":\"$good\"'"
check "GITHUB_REPO_NAME picks the forge's name (octo/other)" wait_until 20 sh -c \
	"curl -s '$STANDIN/_statuses' | grep '\"sha\": \"$other\"' | grep -q '\"repo\": \"octo/other\"'"
check "the refused push got no status" test "$(final_count $bad)" = 0
stop_serve
done_testing
