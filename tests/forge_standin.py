#!/usr/bin/env python3
"""forge_standin.py: a stand-in for the commit status APIs of GitHub, Gitea
and GitLab, for sigma serve's tests. Loopback only.

Serves on 127.0.0.1 at a random port and prints "PORT" on the first line
of stdout. Understands:

  POST [prefix]/repos/OWNER/REPO/statuses/SHA          GitHub, Gitea (/api/v1)
  POST [prefix]/projects/ID/statuses/SHA               GitLab (/api/v4)
  GET  [prefix]/repos/OWNER/REPO/commits/SHA/statuses  list (GitHub, Gitea)
  GET  [prefix]/projects/ID/repository/commits/SHA/statuses   list (GitLab)

and the pull request comments sigma keeps up to date:

  POST  [prefix]/repos/OWNER/REPO/issues/N/comments        create (GitHub, Gitea)
  GET   [prefix]/repos/OWNER/REPO/issues/N/comments        list (page, per_page / limit)
  PATCH [prefix]/repos/OWNER/REPO/issues/comments/ID       edit
  POST  [prefix]/projects/ID/merge_requests/IID/notes      create (GitLab)
  GET   [prefix]/projects/ID/merge_requests/IID/notes      list
  PUT   [prefix]/projects/ID/merge_requests/IID/notes/NID  edit

answering with each API's comment object (GitHub/Gitea: id, body, user,
html_url, created_at, updated_at; GitLab: id, body, author, noteable_type,
noteable_iid, system). A body must be a non-empty string (GitHub: at most
65536 characters). Comment ids are shared across kinds, as ids are unique
on any one forge.

and checks what the real APIs check: the state is one the forge knows,
GitHub's description is at most 140 characters, GitLab's target_url at
most 255, the context (GitLab: name) is set, the token (when --token) is
sent in the forge's header. A refused post answers 422/400/401 and is not
stored.

It also stands in for a git server that wants credentials: any GET
ending in /info/refs is recorded (path and Authorization header) and
answered 401 with a Basic challenge, so a client that has a token offers
it; the test reads what was offered.

Control (tests only):
  POST /_fail    {"status": 500, "count": 2, "retry_after": 1, "store": true}
                 the next COUNT status posts get STATUS (429 with Retry-After);
                 with "store", the status is kept all the same (an answer
                 lost after the forge acted: the ambiguous case)
  POST /_fail_list {"count": -1}   the next COUNT status listings get 500
                 (-1: all of them)
  POST /_delay   {"ms": 100}   every status post waits that long
  POST /_git_delay {"ms": 3000}  every git request waits that long
  GET  /_statuses              every stored status, in order (JSON array)
  GET  /_attempts              every status post, stored or not
  GET  /_lists                 {"count": N, "failed": M} status listings seen
  GET  /_git                   every git request: {"path", "authorization"}
  GET  /_comments              every comment as it is now: {"kind", "repo",
                               "number", "id", "body", "edits"}
  GET  /_comment_ops           every comment request: {"op": create | edit |
                               list, "kind", "repo", "number", "id", "code"}
  POST /_comment_note {"kind", "repo", "number", "body"}  a comment by someone
                               else (so sigma must not take it for its own)
  POST /_fail_comments {"count": N}  the next N comment requests get 500
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, unquote, parse_qs

GITHUB_STATES = {"pending", "success", "failure", "error"}
GITEA_STATES = GITHUB_STATES | {"warning", "skipped"}
GITLAB_STATES = {"pending", "running", "success", "failed", "canceled"}


class State:
    def __init__(self, token, record):
        self.lock = threading.Lock()
        self.statuses = []
        self.attempts = []
        self.fail_status = 0
        self.fail_count = 0
        self.retry_after = None
        self.fail_store = False
        self.fail_list = 0
        self.lists = 0
        self.lists_failed = 0
        self.git = []
        self.git_delay_ms = 0
        self.delay_ms = 0
        self.token = token
        self.record = record
        self.comments = {}
        self.comment_ops = []
        self.next_comment = 1000
        self.fail_comments = 0


def split(path):
    parts = [unquote(p) for p in urlsplit(path).path.split("/") if p]
    # Drop an API prefix: /api/v1 (Gitea), /api/v3 (GHE), /api/v4 (GitLab).
    if len(parts) >= 2 and parts[0] == "api" and parts[1].startswith("v"):
        parts = parts[2:]
    return parts


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle plus the
    # client's delayed ACK stall every keep-alive answer by 40 ms.
    disable_nagle_algorithm = True
    server_version = "forge-standin/1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, obj, headers=None):
        body = (json.dumps(obj) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def authorized(self, kind):
        st = self.server.state
        if not st.token:
            return True
        if kind == "gitlab":
            return self.headers.get("PRIVATE-TOKEN") == st.token
        auth = self.headers.get("Authorization") or ""
        return auth in ("Bearer " + st.token, "token " + st.token)

    def do_GET(self):
        st = self.server.state
        p = split(self.path)
        if p == ["_statuses"]:
            with st.lock:
                return self.answer(200, st.statuses)
        if p == ["_attempts"]:
            with st.lock:
                return self.answer(200, st.attempts)
        if p == ["_lists"]:
            with st.lock:
                return self.answer(200, {"count": st.lists, "failed": st.lists_failed})
        if p == ["_git"]:
            with st.lock:
                return self.answer(200, st.git)
        if p == ["_comments"]:
            with st.lock:
                return self.answer(200, list(st.comments.values()))
        if p == ["_comment_ops"]:
            with st.lock:
                return self.answer(200, st.comment_ops)
        c = self.comment_route(p)
        if c:
            return self.comments_api("GET", c, None)
        if urlsplit(self.path).path.endswith("/info/refs"):
            with st.lock:
                st.git.append({"path": self.path, "authorization": self.headers.get("Authorization")})
                delay = st.git_delay_ms
            if delay:
                time.sleep(delay / 1000.0)
            return self.answer(401, {"message": "Requires authentication"},
                               {"WWW-Authenticate": 'Basic realm="forge-standin"'})
        is_list = (len(p) == 6 and p[0] == "repos" and p[3] == "commits" and p[5] == "statuses") or \
                  (len(p) == 6 and p[0] == "projects" and p[2] == "repository" and p[5] == "statuses")
        if is_list:
            with st.lock:
                st.lists += 1
                failing = st.fail_list != 0
                if st.fail_list > 0:
                    st.fail_list -= 1
                if failing:
                    st.lists_failed += 1
            if failing:
                return self.answer(500, {"message": "injected listing failure"})
        if len(p) == 6 and p[0] == "repos" and p[3] == "commits" and p[5] == "statuses":
            repo, sha = p[1] + "/" + p[2], p[4]
            with st.lock:
                found = [s for s in st.statuses if s["kind"] != "gitlab" and s["repo"] == repo and s["sha"] == sha]
            return self.answer(200, [dict(s["fields"], state=s["fields"]["state"]) for s in reversed(found)])
        if len(p) == 6 and p[0] == "projects" and p[2] == "repository" and p[3] == "commits" and p[5] == "statuses":
            repo, sha = p[1], p[4]
            with st.lock:
                found = [s for s in st.statuses if s["kind"] == "gitlab" and s["repo"] == repo and s["sha"] == sha]
            out = []
            for s in reversed(found):
                f = dict(s["fields"])
                f["status"] = f.get("state")
                out.append(f)
            return self.answer(200, out)
        return self.answer(404, {"message": "Not Found"})

    def do_POST(self):
        st = self.server.state
        p = split(self.path)
        raw = self.body()
        if p == ["_fail"]:
            c = json.loads(raw or b"{}")
            with st.lock:
                st.fail_status = int(c.get("status", 500))
                st.fail_count = int(c.get("count", 1))
                st.retry_after = c.get("retry_after")
                st.fail_store = bool(c.get("store", False))
            return self.answer(200, {"ok": True})
        if p == ["_fail_list"]:
            c = json.loads(raw or b"{}")
            with st.lock:
                st.fail_list = int(c.get("count", -1))
            return self.answer(200, {"ok": True})
        if p == ["_git_delay"]:
            c = json.loads(raw or b"{}")
            with st.lock:
                st.git_delay_ms = int(c.get("ms", 0))
            return self.answer(200, {"ok": True})
        if p == ["_fail_comments"]:
            c = json.loads(raw or b"{}")
            with st.lock:
                st.fail_comments = int(c.get("count", 1))
            return self.answer(200, {"ok": True})
        if p == ["_comment_note"]:
            c = json.loads(raw or b"{}")
            with st.lock:
                st.next_comment += 1
                cid = st.next_comment
                st.comments[cid] = {"kind": c["kind"], "repo": c["repo"], "number": int(c["number"]),
                                    "id": cid, "body": c["body"], "edits": 0, "author": "someone"}
            return self.answer(200, {"id": cid})
        c = self.comment_route(p)
        if c:
            return self.comments_api("POST", c, raw)
        if p == ["_delay"]:
            c = json.loads(raw or b"{}")
            with st.lock:
                st.delay_ms = int(c.get("ms", 0))
            return self.answer(200, {"ok": True})
        if len(p) == 5 and p[0] == "repos" and p[3] == "statuses":
            kind, repo, sha = "github", p[1] + "/" + p[2], p[4]
            if "/api/v1/" in self.path:
                kind = "gitea"
        elif len(p) == 4 and p[0] == "projects" and p[2] == "statuses":
            kind, repo, sha = "gitlab", p[1], p[3]
        else:
            return self.answer(404, {"message": "Not Found"})
        if st.delay_ms:
            time.sleep(st.delay_ms / 1000.0)
        try:
            fields = json.loads(raw)
        except ValueError:
            fields = None
        attempt = {"kind": kind, "repo": repo, "sha": sha, "fields": fields, "at": time.time()}
        code, answer, headers = 201, None, {}
        stored_anyway = False
        with st.lock:
            if st.fail_count > 0:
                st.fail_count -= 1
                code = st.fail_status
                stored_anyway = st.fail_store
                answer = {"message": "injected failure"}
                if st.retry_after is not None:
                    headers["Retry-After"] = str(st.retry_after)
        if code == 201:
            code, answer = self.validate(kind, fields)
        if code == 201 and not self.authorized(kind):
            code, answer = 401, {"message": "Bad credentials"}
        if stored_anyway and self.validate(kind, fields)[0] == 201 and self.authorized(kind):
            stored_anyway = True
        else:
            stored_anyway = False
        attempt["code"] = code
        with st.lock:
            st.attempts.append(attempt)
            if code == 201 or stored_anyway:
                rec = {"kind": kind, "repo": repo, "sha": sha, "fields": fields,
                       "state": fields.get("state"), "at": time.time()}
                st.statuses.append(rec)
                if st.record:
                    with open(st.record, "a") as f:
                        f.write(json.dumps(rec) + "\n")
                if code == 201:
                    answer = dict(fields, id=len(st.statuses))
        return self.answer(code, answer, headers)

    def do_PATCH(self):
        c = self.comment_route(split(self.path))
        raw = self.body()
        if c and c[0] != "gitlab":
            return self.comments_api("PATCH", c, raw)
        return self.answer(404, {"message": "Not Found"})

    def do_PUT(self):
        c = self.comment_route(split(self.path))
        raw = self.body()
        if c and c[0] == "gitlab":
            return self.comments_api("PUT", c, raw)
        return self.answer(404, {"message": "Not Found"})

    def comment_route(self, p):
        """(kind, repo, number or None, comment id or None), or None."""
        gitea = "/api/v1/" in self.path
        if len(p) == 6 and p[0] == "repos" and p[3] == "issues" and p[5] == "comments" and p[4].isdigit():
            return ("gitea" if gitea else "github", p[1] + "/" + p[2], int(p[4]), None)
        if len(p) == 6 and p[0] == "repos" and p[3] == "issues" and p[4] == "comments" and p[5].isdigit():
            return ("gitea" if gitea else "github", p[1] + "/" + p[2], None, int(p[5]))
        if len(p) == 5 and p[0] == "projects" and p[2] == "merge_requests" and p[4] == "notes" and p[3].isdigit():
            return ("gitlab", p[1], int(p[3]), None)
        if len(p) == 6 and p[0] == "projects" and p[2] == "merge_requests" and p[4] == "notes" \
                and p[3].isdigit() and p[5].isdigit():
            return ("gitlab", p[1], int(p[3]), int(p[5]))
        return None

    @staticmethod
    def comment_json(c):
        if c["kind"] == "gitlab":
            return {"id": c["id"], "body": c["body"], "author": {"username": c.get("author", "sigma-bot")},
                    "noteable_type": "MergeRequest", "noteable_iid": c["number"], "system": False,
                    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
        return {"id": c["id"], "body": c["body"], "user": {"login": c.get("author", "sigma-bot")},
                "html_url": "http://forge.invalid/%s/pull/%d#issuecomment-%d" % (c["repo"], c["number"], c["id"]),
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}

    def comments_api(self, method, route, raw):
        st = self.server.state
        kind, repo, number, cid = route
        op = {"GET": "list", "POST": "create"}.get(method, "edit")
        rec = {"op": op, "kind": kind, "repo": repo, "number": number, "id": cid}

        def done(code, obj):
            rec["code"] = code
            with st.lock:
                st.comment_ops.append(rec)
            return self.answer(code, obj)

        with st.lock:
            failing = st.fail_comments > 0
            if failing:
                st.fail_comments -= 1
        if failing:
            return done(500, {"message": "injected comment failure"})
        if not self.authorized(kind):
            return done(401, {"message": "Bad credentials"})
        if method == "GET":
            q = parse_qs(urlsplit(self.path).query)
            size = int((q.get("limit") or q.get("per_page") or ["30"])[0])
            page = int((q.get("page") or ["1"])[0])
            with st.lock:
                mine = [c for c in sorted(st.comments.values(), key=lambda c: c["id"])
                        if c["kind"] == kind and c["repo"] == repo and c["number"] == number]
            return done(200, [self.comment_json(c) for c in mine[(page - 1) * size:page * size]])
        try:
            body = json.loads(raw).get("body")
        except (ValueError, AttributeError):
            body = None
        if not isinstance(body, str) or not body:
            return done(422 if kind != "gitlab" else 400, {"message": "body is missing"})
        if kind == "github" and len(body) > 65536:
            return done(422, {"message": "Validation Failed",
                              "errors": [{"field": "body", "code": "custom",
                                          "message": "body is too long (maximum is 65536 characters)"}]})
        with st.lock:
            if method == "POST":
                st.next_comment += 1
                cid = st.next_comment
                rec["id"] = cid
                c = st.comments[cid] = {"kind": kind, "repo": repo, "number": number, "id": cid,
                                        "body": body, "edits": 0}
                return_code = 201
            else:
                c = st.comments.get(cid)
                if not c or c["kind"] != kind or c["repo"] != repo or (number is not None and c["number"] != number):
                    c = None
                else:
                    c["body"] = body
                    c["edits"] += 1
                    rec["number"] = c["number"]
                return_code = 200
        if c is None:
            return done(404, {"message": "Not Found"})
        return done(return_code, self.comment_json(c))

    @staticmethod
    def validate(kind, f):
        if not isinstance(f, dict):
            return 400, {"message": "Problems parsing JSON"}
        if kind == "gitlab":
            if f.get("state") not in GITLAB_STATES:
                return 400, {"message": "state does not have a valid value"}
            if not f.get("name"):
                return 400, {"message": "name is missing"}
            if len(f.get("target_url") or "") > 255:
                return 400, {"message": {"target_url": ["is too long (maximum is 255 characters)"]}}
            return 201, None
        states = GITHUB_STATES if kind == "github" else GITEA_STATES
        if f.get("state") not in states:
            return 422, {"message": "Validation Failed", "errors": [{"field": "state", "code": "invalid"}]}
        if len(f.get("description") or "") > 140:
            return 422, {"message": "Validation Failed",
                         "errors": [{"field": "description", "code": "custom",
                                     "message": "description is too long (maximum is 140 characters)"}]}
        if not f.get("context"):
            return 422, {"message": "Validation Failed", "errors": [{"field": "context", "code": "missing"}]}
        return 201, None


def main():
    token, record = None, None
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "--token":
            token = args.pop(0)
        elif a == "--record":
            record = args.pop(0)
        else:
            sys.exit("usage: forge_standin.py [--token T] [--record FILE]")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(token, record)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
