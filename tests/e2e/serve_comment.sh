#!/usr/bin/env bash
# serve_comment.sh: sigma serve keeps one comment per pull request up to
# date, at the stand-ins of GitHub (issue comments), Gitea (issue comments
# under /api/v1) and GitLab (merge request notes): created on the first
# delivery, edited (never a second one) when the pull request gets a new
# head; found by its hidden marker when this service has no record of it;
# someone else's comment is left alone; `comment = false` posts none; a
# comment the forge refuses never holds up the status.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

SECRET="comment-secret"
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
[forge "gl"]
	type = gitlab
	url = $STANDIN/api/v4
	secret = $GLTOKEN
	token = api-token
[forge "quiet"]
	type = github
	url = $STANDIN
	secret = $SECRET
	token = api-token
	comment = false
[sigma]
	failOnSeverity = high
[serve]
	mirrors = $T/mirrors
	retryBase = 50
	retryMax = 500
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
[repository "quiet-app"]
	forge = quiet
	name = octo/quiet
	url = $T/app.git
EOF

# main: express and debug. feature: express upgraded, debug dropped,
# left-pad (blocked) and minimist 1.2.5 (a critical advisory) added.
git init -q --bare "$T/app.git"
w=$(new_clone work "$T/app.git")
npm_project "$w" '{"express":"4.19.2","debug":"4.3.4"}' "$(lock_entry express 4.19.2),$(lock_entry debug 4.3.4)"
git -C "$w" add -A && git -C "$w" commit -qm base && git -C "$w" push -q origin HEAD:main 2>/dev/null
base=$(git -C "$w" rev-parse HEAD)
git -C "$w" checkout -qb feature
npm_project "$w" '{"express":"4.21.0","left-pad":"1.3.0","minimist":"1.2.5"}' \
	"$(lock_entry express 4.21.0),$(lock_entry left-pad 1.3.0),$(lock_entry minimist 1.2.5)"
git -C "$w" commit -qam "deps" && git -C "$w" push -q origin feature 2>/dev/null
head1=$(git -C "$w" rev-parse HEAD)
git -C "$w" commit -q --allow-empty -m again && git -C "$w" push -q origin feature 2>/dev/null
head2=$(git -C "$w" rev-parse HEAD)
sigma registry block npm left-pad 1.3.0 --reason "malware: MAL-2024-0001" >/dev/null
sigma registry import "$TESTS_DIR/fixtures/osv/GHSA-xvch-5gv4-984h.json" >/dev/null

start_serve --config "$T/serve.config" --workers 2
check "serve starts" test -n "$SERVE"

# comments KIND REPO NUMBER: the stand-in's comments on one pull request, one JSON per line.
comments() {
	curl -s "$STANDIN/_comments" | python3 -c 'import json,sys
k,r,n=sys.argv[1],sys.argv[2],int(sys.argv[3])
for c in json.load(sys.stdin):
    if c["kind"]==k and c["repo"]==r and c["number"]==n: print(json.dumps(c))' "$@"
}
# edited_times KIND REPO NUMBER N: exactly one comment of sigma's there, edited N times.
edited_times() {
	test "$(comments "$1" "$2" "$3" | grep -c 'sigma:pr-comment')" = 1 &&
	test "$(comments "$1" "$2" "$3" | grep 'sigma:pr-comment' | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["edits"])')" = "$4"
}
body_of() { comments "$1" "$2" "$3" | grep 'sigma:pr-comment' | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["body"])'; }
ops() { curl -s "$STANDIN/_comment_ops" | python3 -c 'import json,sys
k,o=sys.argv[1],sys.argv[2]
print(sum(1 for x in json.load(sys.stdin) if x["kind"]==k and x["op"]==o and x["code"]<300))' "$@"; }

# --- GitHub: created once, then edited for the new head.
payload github-pr "$T/gh1.json" sha=$head1 base=$base clone="$T/app.git" repo=octo/app number=7
gh_deliver "$SERVE/webhook/gh" "$T/gh1.json" gh-1 >/dev/null
check "GitHub: a comment is created on PR 7" wait_until 20 edited_times github octo/app 7 0
body_of github octo/app 7 > "$T/gh-body.md"
check "GitHub: the comment carries the hidden marker" grep -q '^<!-- sigma:pr-comment -->' "$T/gh-body.md"
check "GitHub: the comment says rejected" grep -q 'rejected' "$T/gh-body.md"
check "GitHub: the base commit is named" grep -q "against \`${base:0:12}\`" "$T/gh-body.md"
check "GitHub: the lockfile's diff is there" grep -q '`package-lock.json`' "$T/gh-body.md"
check "GitHub: express changed 4.19.2 -> 4.21.0, direct" grep -q '| ~ | `express` | `4.19.2` → `4.21.0` | direct |' "$T/gh-body.md"
check "GitHub: left-pad added, blocked, rejects" grep -q '| + | `left-pad` | `1.3.0` | direct | blocked: rejects |' "$T/gh-body.md"
check "GitHub: minimist added with its advisory" grep -q '| + | `minimist` | `1.2.5` | direct | .*1 advisory: rejects |' "$T/gh-body.md"
check "GitHub: debug removed" grep -q '| &minus; | `debug` | `4.3.4` | direct |' "$T/gh-body.md"
check "GitHub: the why is given" grep -q 'malware: MAL-2024-0001' "$T/gh-body.md"
check "GitHub: the fix is given (upgrade minimist to 1.2.6)" grep -q 'fix: *upgrade minimist to 1.2.6 or later' "$T/gh-body.md"
check "GitHub: the why is given once" test "$(grep -c 'malware: MAL-2024-0001' "$T/gh-body.md")" = 1
check "GitHub: the certificate is linked" grep -q "](${SERVE}/certificates/[0-9a-f]\{64\})" "$T/gh-body.md"
check "GitHub: unreviewed packages are listed under their reason" \
	grep -q '^- certification failed: no npm registry configured.*: `express@4.21.0`, `minimist@1.2.5`$' "$T/gh-body.md"
check "GitHub: each reason is said once" test "$(grep -c 'no npm registry configured' "$T/gh-body.md")" = 1

payload github-pr "$T/gh2.json" sha=$head2 base=$base clone="$T/app.git" repo=octo/app number=7 action=synchronize
gh_deliver "$SERVE/webhook/gh" "$T/gh2.json" gh-2 >/dev/null
check "GitHub: the new head edits the comment (still one)" wait_until 20 edited_times github octo/app 7 1
check "GitHub: the edited comment names the new head" sh -c "curl -s '$STANDIN/_comments' | grep -q '${head2:0:12}'"
check "GitHub: one create in all" test "$(ops github create)" = 1
check "GitHub: the edit went straight to the recorded id (no listing)" test "$(ops github list)" = 1

# --- Gitea: a comment of sigma's already there (made before this
# database knew it) is found by its marker and edited; someone else's
# comment on the same pull request is left alone.
curl -s -X POST -d '{"kind":"gitea","repo":"octo/app","number":8,"body":"looks good to me"}' "$STANDIN/_comment_note" >/dev/null
curl -s -X POST -d '{"kind":"gitea","repo":"octo/app","number":8,"body":"<!-- sigma:pr-comment -->\nold"}' "$STANDIN/_comment_note" >/dev/null
gitea_deliver() {
	payload gitea-pr "$T/$2.json" sha=$1 base=$base clone="$T/app.git" repo=octo/app number=8
	deliver "$SERVE/webhook/gt" "$T/$2.json" "X-Gitea-Event: pull_request" "X-Gitea-Delivery: $2" \
		"X-Gitea-Signature: $(sign "$SECRET" "$T/$2.json")" >/dev/null
}
gitea_deliver $head1 gt-1
check "Gitea: the marked comment is edited, not duplicated" wait_until 20 edited_times gitea octo/app 8 1
check "Gitea: it now holds the diff" sh -c "curl -s '$STANDIN/_comments' | grep -q 'left-pad'"
check "Gitea: someone else's comment is untouched" \
	sh -c "comments() { :; }; curl -s '$STANDIN/_comments' | grep -q '\"body\": \"looks good to me\", \"edits\": 0'"
gitea_deliver $head2 gt-2
check "Gitea: the second head edits it again" wait_until 20 edited_times gitea octo/app 8 2
check "Gitea: no comment created" test "$(ops gitea create)" = 0

# --- GitLab: notes on the merge request, in the target project (14).
gitlab_deliver() {
	payload gitlab-mr "$T/$2.json" sha=$1 clone="$T/app.git" repo=octo/app project=14 target=main
	deliver "$SERVE/webhook/gl" "$T/$2.json" "X-Gitlab-Event: Merge Request Hook" "Idempotency-Key: $2" \
		"X-Gitlab-Token: $GLTOKEN" >/dev/null
}
iid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["object_attributes"]["iid"])' "$WEBHOOK_FIXTURES/gitlab/merge_request.json")
tgt=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["object_attributes"]["target_project_id"])' "$WEBHOOK_FIXTURES/gitlab/merge_request.json")
gitlab_deliver $head1 gl-1
check "GitLab: a note is created on the merge request" wait_until 20 edited_times gitlab "$tgt" "$iid" 0
body_of gitlab "$tgt" "$iid" > "$T/gl-body.md"
check "GitLab: no base commit is sent; the merge base with the target branch is used" \
	grep -q "against \`${base:0:12}\`" "$T/gl-body.md"
check "GitLab: the note has the diff" grep -q '| ~ | `express` | `4.19.2` → `4.21.0` | direct |' "$T/gl-body.md"
gitlab_deliver $head2 gl-2
check "GitLab: the new head edits the note (still one)" wait_until 20 edited_times gitlab "$tgt" "$iid" 1
check "GitLab: one create in all" test "$(ops gitlab create)" = 1
# From a fork, the target branch fetched would be the fork's to forge:
# judged with no base (everything introduced), not against it.
payload gitlab-mr "$T/gl-fork.json" sha=$head2 clone="$T/app.git" repo=octo/app project=99 target=main
deliver "$SERVE/webhook/gl" "$T/gl-fork.json" "X-Gitlab-Event: Merge Request Hook" "Idempotency-Key: gl-fork" \
	"X-Gitlab-Token: $GLTOKEN" >/dev/null
check "GitLab: the fork's delivery edits the note" wait_until 20 edited_times gitlab "$tgt" "$iid" 2
body_of gitlab "$tgt" "$iid" > "$T/gl-fork.md"
check "GitLab: a merge request from a fork is not judged against the fork's target branch" \
	bash -c "grep -q sigma:pr-comment '$T/gl-fork.md' && ! grep -q 'against' '$T/gl-fork.md'"

# --- comment = false: the status, and no comment.
payload github-pr "$T/q.json" sha=$head1 base=$base clone="$T/app.git" repo=octo/quiet number=9
gh_deliver "$SERVE/webhook/quiet" "$T/q.json" quiet-1 >/dev/null
check "comment = false: the final status arrives" wait_until 20 sh -c \
	"curl -s '$STANDIN/_statuses' | grep '\"repo\": \"octo/quiet\"' | grep -q '\"state\": \"failure\"'"
sleep 0.3
check "comment = false: no comment request at all" \
	sh -c "! curl -s '$STANDIN/_comment_ops' | grep -q 'octo/quiet'"

# --- A forge refusing comments does not hold up the status.
curl -s -X POST -d '{"count":100}' "$STANDIN/_fail_comments" >/dev/null
git -C "$w" commit -q --allow-empty -m three && git -C "$w" push -q origin feature 2>/dev/null
head3=$(git -C "$w" rev-parse HEAD)
payload github-pr "$T/gh3.json" sha=$head3 base=$base clone="$T/app.git" repo=octo/app number=10
gh_deliver "$SERVE/webhook/gh" "$T/gh3.json" gh-3 >/dev/null
check "comments failing: the final status still arrives" wait_until 20 has_finals $head3 1
check "comments failing: logged as not posted" wait_until 5 grep -q 'comment gh octo/app#10: not posted' "$T/serve.err"
curl -s -X POST -d '{"count":0}' "$STANDIN/_fail_comments" >/dev/null
check "no token or secret in the log" sh -c "! grep -q -e api-token -e '$GLTOKEN' -e '$SECRET' '$T/serve.err'"
stop_serve
done_testing
