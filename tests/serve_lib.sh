# serve_lib.sh: helpers for sigma serve's end-to-end tests. Source it after
# tests/lib.sh. Everything listens on 127.0.0.1 at random ports.
#
#   start_standin [ARGS]     the forge stand-in; sets STANDIN (its base URL)
#   gh_config URL < EXTRA    $T/serve.config: forge "gh" (GitHub at URL,
#                            secret $SECRET), then the lines on stdin
#   fast_serve_section       prints a [serve] section: mirrors in $T, fast retries
#   app_repo [DEPS LOCK]     a bare $T/app.git with one pushed commit (an npm
#                            project when DEPS and LOCK are given), work tree
#                            $APP_WORK; sets APP_SHA
#   app_commit               one more empty commit pushed; sets APP_SHA
#   start_serve [ARGS]       sigma serve --listen 127.0.0.1:0; sets SERVE,
#                            SERVE_PID; logs in $T/serve.err
#   stop_serve               SIGTERM, and wait
#   sign SECRET FILE         hex HMAC-SHA256 of FILE
#   deliver URL FILE HEADER...  POST FILE; prints the HTTP code, body in $T/resp
#   wait_until SECONDS CMD...   poll CMD every 0.1 s
WEBHOOK_FIXTURES=$TESTS_DIR/fixtures/webhooks

start_standin() {
	# Emptied here, not by the redirection below: that happens in the
	# child, and a second stand-in could otherwise read the first's port.
	: > "$T/standin.out"
	python3 "$TESTS_DIR/forge_standin.py" "$@" > "$T/standin.out" 2> "$T/standin.err" &
	_pids+=($!)
	STANDIN_PID=$!
	local i
	for i in $(seq 100); do
		[ -s "$T/standin.out" ] && break
		sleep 0.05
	done
	STANDIN=http://127.0.0.1:$(head -1 "$T/standin.out")
}

gh_config() {
	{
		printf '[forge "gh"]\n\ttype = github\n\turl = %s\n\tsecret = %s\n' "$1" "$SECRET"
		cat
	} > "$T/serve.config"
}

fast_serve_section() {
	printf '[serve]\n\tmirrors = %s\n\tretryBase = 50\n\tretryMax = 200\n' "$T/mirrors"
}

app_repo() {
	git init -q --bare "$T/app.git"
	APP_WORK=$(new_clone work "$T/app.git")
	if [ $# -eq 2 ]; then
		npm_project "$APP_WORK" "$1" "$2"
		git -C "$APP_WORK" add -A && git -C "$APP_WORK" commit -qm one
	else
		git -C "$APP_WORK" commit -q --allow-empty -m one
	fi
	git -C "$APP_WORK" push -q origin HEAD:main 2>/dev/null
	APP_SHA=$(git -C "$APP_WORK" rev-parse HEAD)
}

app_commit() {
	git -C "$APP_WORK" commit -q --allow-empty -m more && git -C "$APP_WORK" push -q origin HEAD:main 2>/dev/null
	APP_SHA=$(git -C "$APP_WORK" rev-parse HEAD)
}

start_serve() {
	: > "$T/serve.out"
	"$SIGMA_BIN" serve --listen 127.0.0.1:0 "$@" > "$T/serve.out" 2>> "$T/serve.err" &
	SERVE_PID=$!
	_pids+=($SERVE_PID)
	local i
	for i in $(seq 200); do
		grep -q 'listening on' "$T/serve.out" 2>/dev/null && break
		kill -0 $SERVE_PID 2>/dev/null || break
		sleep 0.05
	done
	SERVE=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$T/serve.out")
}

stop_serve() {
	kill -TERM "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID" 2>/dev/null
}

sign() {
	openssl dgst -sha256 -hmac "$1" -r < "$2" | cut -d' ' -f1
}

deliver() {
	local url=$1 file=$2; shift 2
	local args=() h
	for h in "$@"; do args+=(-H "$h"); done
	curl -s -o "$T/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		"${args[@]}" --data-binary @"$file" "$url"
}

wait_until() {
	local secs=$1; shift
	local end=$(( $(date +%s%N) / 1000000 + secs * 1000 ))
	while ! "$@"; do
		[ $(( $(date +%s%N) / 1000000 )) -ge $end ] && return 1
		sleep 0.1
	done
}

# statuses [FILTER]: the stand-in's stored statuses, one JSON per line.
statuses() {
	curl -s "$STANDIN/_statuses" | python3 -c 'import json,sys
for s in json.load(sys.stdin): print(json.dumps(s))'
}

# payload KIND OUT key=value...: a real fixture payload with its commit,
# base, repository and clone URL replaced so it points at a local
# repository. KIND: github-pr, github-push, gitea-pr, gitlab-mr, gitlab-push.
# Keys: sha, base, repo (owner/name), clone (URL or path), ref, number,
# project (GitLab project id), target (GitLab target branch).
payload() {
	local kind=$1 out=$2; shift 2
	python3 - "$WEBHOOK_FIXTURES" "$kind" "$out" "$@" <<'PY'
import json, sys
fx, kind, out = sys.argv[1:4]
kv = dict(a.split("=", 1) for a in sys.argv[4:])
src = {"github-pr": "github/pull_request.opened.json", "github-push": "github/push.normal.json",
       "gitea-pr": "gitea/pull_request.opened.json", "gitlab-mr": "gitlab/merge_request.json",
       "gitlab-push": "gitlab/push.json"}[kind]
d = json.load(open(fx + "/" + src))
repo, clone = kv.get("repo", "octo/app"), kv.get("clone")
if kind in ("github-pr", "gitea-pr"):
    pr = d["pull_request"]
    pr["head"]["sha"] = kv["sha"]
    pr["base"]["sha"] = kv.get("base", pr["base"]["sha"])
    pr["head"]["ref"] = kv.get("ref", "feature")
    pr["head"]["repo"]["clone_url"] = clone
    d["repository"]["full_name"] = repo
    d["repository"]["clone_url"] = clone
    d["number"] = int(kv.get("number", "7"))
    if "action" in kv: d["action"] = kv["action"]
elif kind == "github-push":
    d["after"], d["before"] = kv["sha"], kv.get("base", "0" * 40)
    d["ref"] = kv.get("ref", "refs/heads/main")
    d["repository"]["full_name"], d["repository"]["clone_url"] = repo, clone
elif kind == "gitlab-mr":
    oa = d["object_attributes"]
    oa["last_commit"]["id"] = kv["sha"]
    oa["source"]["git_http_url"] = clone
    oa["source_branch"] = kv.get("ref", "feature")
    oa["source_project_id"] = int(kv.get("project", "14"))
    if "target" in kv: oa["target_branch"] = kv["target"]
    d["project"]["path_with_namespace"] = repo
elif kind == "gitlab-push":
    d["after"] = d["checkout_sha"] = kv["sha"]
    d["before"] = kv.get("base", "0" * 40)
    d["project"]["git_http_url"] = clone
    d["project"]["path_with_namespace"] = repo
    d["project_id"] = d["project"]["id"] = int(kv.get("project", "15"))
json.dump(d, open(out, "w"))
PY
}

# gh_deliver URL FILE ID [EVENT]: a correctly signed GitHub delivery ($SECRET).
gh_deliver() {
	deliver "$1" "$2" "X-GitHub-Event: ${4:-pull_request}" "X-GitHub-Delivery: $3" \
		"X-Hub-Signature-256: sha256=$(sign "$SECRET" "$2")"
}

# final_count SHA: how many final (non-pending) statuses the stand-in holds for SHA.
final_count() {
	curl -s "$STANDIN/_statuses" | python3 -c 'import json,sys
sha=sys.argv[1]
print(sum(1 for s in json.load(sys.stdin) if s["sha"]==sha and s["state"] not in ("pending","running")))' "$1"
}

# has_finals SHA N: the stand-in holds exactly N final statuses for SHA.
has_finals() { test "$(final_count "$1")" = "$2"; }
