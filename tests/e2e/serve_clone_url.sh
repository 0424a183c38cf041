#!/usr/bin/env bash
# serve_clone_url.sh: where a payload may send sigma serve (issue 13,
# finding 7). A signed payload names the clone URL; it must not be able to
# collect the forge token on another host:port, nor make the service read
# a path on this machine (file:// or a plain path) unless a [repository]
# section of that same forge maps it. Two forge stand-ins: the forge's own
# (its origin is the forge's) and another on a second loopback port, both
# recording every git request and its Authorization header.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

SECRET=clone-secret
TOKEN=forge-api-token-7f3a
start_standin --token "$TOKEN"
FORGE=$STANDIN
start_standin
OTHER=$STANDIN
STANDIN=$FORGE
cat > "$T/serve.config" <<EOF
[forge "gh"]
	type = github
	url = $FORGE
	secret = $SECRET
	token = $TOKEN
[forge "gt"]
	type = gitea
	url = $FORGE/api/v1
	secret = $SECRET
	token = $TOKEN
	context = sigma/gitea
[repository "octo/mapped"]
	forge = gh
	url = $T/app.git
$(fast_serve_section)
EOF
app_repo
sha=$APP_SHA
app_commit
sha2=$APP_SHA
app_commit
sha3=$APP_SHA
start_serve --config "$T/serve.config" --workers 1
check "serve starts" test -n "$SERVE"
check "the two stand-ins listen on two ports ($FORGE, $OTHER)" test "$FORGE" != "$OTHER"

# status_of SHA: "state<TAB>description" of the last status for SHA.
status_of() {
	curl -s "$FORGE/_statuses" | python3 -c 'import json,sys
s=[x for x in json.load(sys.stdin) if x["sha"]==sys.argv[1]]
print(s[-1]["state"] + "\t" + (s[-1]["fields"].get("description") or "") if s else "")' "$1"
}
final_is() { status_of "$1" | grep -q "^$2"; }
status_says() { status_of "$1" | grep -qF "$2"; }
git_seen() {  # git_seen BASE: the git requests BASE recorded, one JSON per line
	curl -s "$1/_git" | python3 -c 'import json,sys
for r in json.load(sys.stdin): print(json.dumps(r))'
}

# 1. A clone URL on another host:port: never contacted, the job refused.
payload github-pr "$T/p1.json" sha=$sha clone="$OTHER/octo/app.git" repo=octo/app number=1
check "delivery naming another host: 202" test "$(gh_deliver "$SERVE/webhook/gh" "$T/p1.json" d1)" = 202
check "... the job ends in an error status" wait_until 15 final_is $sha error
check "... which says the clone URL is not on the forge" status_says $sha "is not on http://127.0.0.1:${FORGE##*:}"
check "... the other host saw no git request at all" test -z "$(git_seen "$OTHER")"
check "... and so never the token" sh -c "! curl -s '$OTHER/_git' | grep -q Authorization"

# 2. file:// and a plain path from a payload: refused (no mapping for octo/app).
payload github-pr "$T/p2.json" sha=$sha2 clone="file://$T/app.git" repo=octo/app number=2
gh_deliver "$SERVE/webhook/gh" "$T/p2.json" d2 > /dev/null
check "a file:// clone URL from a payload: error status" wait_until 15 final_is $sha2 error
check "... saying why" status_says $sha2 "file://$T/app.git is not on"
payload github-pr "$T/p3.json" sha=$sha3 clone="$T/app.git" repo=octo/app number=3
gh_deliver "$SERVE/webhook/gh" "$T/p3.json" d3 > /dev/null
check "a local path from a payload: error status" wait_until 15 final_is $sha3 error
check "... saying why" status_says $sha3 "$T/app.git is not on"
check "no mirror was made for any of them" test ! -e "$T/mirrors/gh/octo/app.git"

# 3. The same path mapped by a [repository] section of this forge: judged.
payload github-pr "$T/p4.json" sha=$sha clone="$OTHER/ignored.git" repo=octo/mapped number=4
gh_deliver "$SERVE/webhook/gh" "$T/p4.json" d4 > /dev/null
check "a clone URL mapped by [repository] url: judged (success)" wait_until 20 final_is $sha success
check "... and the payload's URL was not used" test -z "$(git_seen "$OTHER")"

# 4. That mapping is gh's: a Gitea delivery for octo/mapped does not get it.
payload gitea-pr "$T/p5.json" sha=$sha2 clone="file://$T/app.git" repo=octo/mapped number=5
code=$(deliver "$SERVE/webhook/gt" "$T/p5.json" "X-Gitea-Event: pull_request" "X-Gitea-Delivery: d5" \
	"X-Gitea-Signature: $(sign "$SECRET" "$T/p5.json")")
check "Gitea delivery for a name gh maps: 202" test "$code" = 202
gitea_error() {
	curl -s "$FORGE/_statuses" | python3 -c 'import json,sys
print(any(x["sha"]==sys.argv[1] and x["kind"]=="gitea" and x["state"]=="error" for x in json.load(sys.stdin)))' "$1" |
		grep -q True
}
check "... refused: [repository] sections match per forge" wait_until 15 gitea_error $sha2

# 5. Control: a clone URL on the forge's own origin gets the token offered.
payload github-pr "$T/p6.json" sha=$sha3 clone="$FORGE/octo/own.git" repo=octo/own number=6
gh_deliver "$SERVE/webhook/gh" "$T/p6.json" d6 > /dev/null
offered() { curl -s "$FORGE/_git" | grep -q '"authorization": "Basic'; }
check "control: the forge's own origin is asked, and is offered the token" wait_until 15 offered
want=$(printf 'x-access-token:%s' "$TOKEN" | base64)
check "... as x-access-token basic credentials" sh -c "curl -s '$FORGE/_git' | grep -q 'Basic $want'"
check "the token never reached the other host" sh -c "! curl -s '$OTHER/_git' | grep -q '$want'"
check "no token in the log" sh -c "! grep -q '$TOKEN' '$T/serve.err'"
stop_serve
done_testing
