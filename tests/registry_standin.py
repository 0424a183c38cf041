#!/usr/bin/env python3
"""registry_standin.py: a package registry on 127.0.0.1 for sigma's tests.

Serves the real wire formats from a directory:
  npm   GET /{name}/{version}        the version document  (ROOT/npm/NAME-VERSION.json,
                                     scoped names as @scope__name; '/' may come as %2f)
        GET /{name}                  the packument (every version of NAME in ROOT/npm)
        GET /{name}/-/{base}-{v}.tgz the tarball (ROOT/npm/NAME-VERSION.tgz)
        A .tgz without its .json gets a document made from the tarball's own
        package.json, with dist.integrity (sha512) and dist.shasum computed.
        "https://registry.invalid/" in documents becomes this server's base URL.
  PyPI  GET /pypi/{name}/{version}/json   the JSON API document, built from
                                     ROOT/pypi/NAME-VERSION*.tar.gz|.zip|.whl
        GET /packages/{filename}     the file itself

Test controls (POST /_control with a JSON object; every key optional):
  {"corrupt": ["left-pad-1.3.0.tgz"]}   serve those files with one byte changed
  {"fail": {"/left-pad/1.3.0": 2}}      answer 500 to the next 2 requests of a path
  {"delay": {"/ms/2.1.3": 5}}           sleep that many seconds before answering
  {"oversize": {"lodash-4.17.21.tgz": 8388608}}  serve that many bytes instead
                                        (no Content-Length: the client must cap the stream)
  {"redirect": {"/x/-/x-1.0.0.tgz": "http://127.0.0.1:9/y.tgz"}}  answer 302 with that
                                        Location (a request with a query string is served)
  {"published": {"left-pad@1.3.0": "2026-12-05T10:00:00.000Z"}}  the packument's time
                                        for that version (others: 2020-01-01T00:00:00.000Z)
  {"reset": true}                       forget all of the above and the counters
GET /_stats gives {"total": N, "paths": {path: count}, "clients": [addresses]}
(control and stats requests are not counted).

Listens on 127.0.0.1 only, on a random port, and prints the port on stdout.
"""
import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "fixtures", "registry")
LOCK = threading.Lock()
STATE = {"corrupt": set(), "fail": {}, "delay": {}, "oversize": {}, "redirect": {}, "published": {}, "total": 0,
         "paths": {}, "clients": set()}


def file_key(name):
    return name.replace("/", "__")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def base(self):
        return "http://%s" % self.headers.get("Host", "127.0.0.1")

    def send(self, code, body, ctype="application/json"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if self.path != "/_control":
            return self.send(404, '{"error":"not found"}')
        n = int(self.headers.get("Content-Length", "0"))
        ctl = json.loads(self.rfile.read(n) or b"{}")
        with LOCK:
            if ctl.get("reset"):
                STATE.update(corrupt=set(), fail={}, delay={}, oversize={}, redirect={}, published={}, total=0,
                             paths={})
            STATE["corrupt"].update(ctl.get("corrupt", []))
            STATE["fail"].update(ctl.get("fail", {}))
            STATE["delay"].update(ctl.get("delay", {}))
            STATE["oversize"].update(ctl.get("oversize", {}))
            STATE["redirect"].update(ctl.get("redirect", {}))
            STATE["published"].update(ctl.get("published", {}))
        self.send(200, "{}")

    def do_GET(self):
        path = urllib.parse.unquote(self.path.split("?")[0])
        if path == "/_stats":
            with LOCK:
                return self.send(200, json.dumps({"total": STATE["total"], "paths": STATE["paths"],
                                                  "clients": sorted(STATE["clients"])}))
        with LOCK:
            STATE["total"] += 1
            STATE["clients"].add(self.client_address[0])
            STATE["paths"][path] = STATE["paths"].get(path, 0) + 1
            delay = STATE["delay"].get(path, 0)
            failing = STATE["fail"].get(path, 0)
            location = STATE["redirect"].get(path) if "?" not in self.path else None
            if failing:
                STATE["fail"][path] = failing - 1
        if delay:
            time.sleep(delay)
        if failing:
            return self.send(500, '{"error":"stand-in told to fail"}')
        if location:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            if path.startswith("/pypi/"):
                return self.pypi_doc(path)
            if path.startswith("/packages/"):
                return self.file(os.path.join(ROOT, "pypi"), path[len("/packages/"):])
            return self.npm(path)
        except FileNotFoundError:
            return self.send(404, '{"error":"Not found"}')

    # ---------------------------------------------------------------- files

    def file(self, folder, filename):
        if "/" in filename or filename.startswith("."):
            raise FileNotFoundError(filename)
        with LOCK:
            oversize = STATE["oversize"].get(filename)
            corrupt = filename in STATE["corrupt"]
        if oversize:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"\0" * 65536
            try:
                for _ in range(0, oversize, len(chunk)):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return
        with open(os.path.join(folder, filename), "rb") as f:
            data = bytearray(f.read())
        if corrupt:
            data[len(data) // 2] ^= 0x01
        self.send(200, bytes(data), "application/octet-stream")

    # ---------------------------------------------------------------- npm

    def npm_version_doc(self, name, version):
        stem = os.path.join(ROOT, "npm", "%s-%s" % (file_key(name), version))
        if os.path.exists(stem + ".json"):
            with open(stem + ".json") as f:
                text = f.read()
        elif os.path.exists(stem + ".tgz"):
            with open(stem + ".tgz", "rb") as f:
                data = f.read()
            with tarfile.open(fileobj=io.BytesIO(data)) as t:
                member = next(m for m in t.getmembers() if m.name.endswith("package.json") and m.name.count("/") == 1)
                doc = json.load(t.extractfile(member))
            doc["_id"] = "%s@%s" % (name, version)
            doc["dist"] = {
                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
                "shasum": hashlib.sha1(data).hexdigest(),
                "tarball": "https://registry.invalid/%s/-/%s-%s.tgz" % (name, name.split("/")[-1], version),
            }
            text = json.dumps(doc)
        else:
            raise FileNotFoundError(stem)
        return json.loads(text.replace("https://registry.invalid/", self.base() + "/"))

    def npm(self, path):
        parts = [p for p in path.split("/") if p]
        if parts and parts[0].startswith("@") and len(parts) >= 2:
            parts = [parts[0] + "/" + parts[1]] + parts[2:]
        if len(parts) == 3 and parts[1] == "-":
            name, filename = parts[0], parts[2]
            base = name.split("/")[-1]
            version = filename[len(base) + 1:-len(".tgz")]
            return self.file(os.path.join(ROOT, "npm"), "%s-%s.tgz" % (file_key(name), version))
        if len(parts) == 2:
            return self.send(200, json.dumps(self.npm_version_doc(parts[0], parts[1])))
        if len(parts) == 1:
            name = parts[0]
            prefix = file_key(name) + "-"
            versions = {}
            for f in sorted(os.listdir(os.path.join(ROOT, "npm"))):
                if f.startswith(prefix) and (f.endswith(".json") or f.endswith(".tgz")):
                    v = f[len(prefix):].rsplit(".", 1)[0]
                    if v[:1].isdigit() and v not in versions:
                        versions[v] = self.npm_version_doc(name, v)
            if not versions:
                raise FileNotFoundError(name)
            latest = sorted(versions)[-1]
            with LOCK:
                times = {v: STATE["published"].get("%s@%s" % (name, v), "2020-01-01T00:00:00.000Z") for v in versions}
            times.update(created="2019-01-01T00:00:00.000Z", modified=max(times.values()))
            return self.send(200, json.dumps({"name": name, "dist-tags": {"latest": latest}, "versions": versions,
                                              "time": times}))
        raise FileNotFoundError(path)

    # ---------------------------------------------------------------- PyPI

    def pypi_doc(self, path):
        parts = [p for p in path.split("/") if p]
        if len(parts) != 4 or parts[3] != "json":
            raise FileNotFoundError(path)
        name, version = parts[1], parts[2]
        folder = os.path.join(ROOT, "pypi")
        norm = name.lower().replace("-", "_")
        urls = []
        for f in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            stem = f.lower().replace("-", "_")
            if not stem.startswith("%s_%s" % (norm, version.lower())):
                continue
            if not (f.endswith(".tar.gz") or f.endswith(".zip") or f.endswith(".whl")):
                continue
            with open(os.path.join(folder, f), "rb") as fh:
                data = fh.read()
            urls.append({
                "filename": f,
                "packagetype": "bdist_wheel" if f.endswith(".whl") else "sdist",
                "url": "%s/packages/%s" % (self.base(), f),
                "size": len(data),
                "digests": {"sha256": hashlib.sha256(data).hexdigest(), "md5": hashlib.md5(data).hexdigest()},
            })
        if not urls:
            raise FileNotFoundError(path)
        info = {"name": name, "version": version, "summary": "stand-in package"}
        return self.send(200, json.dumps({"info": info, "urls": urls, "vulnerabilities": []}))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (timeout and size-cap tests) is expected.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
