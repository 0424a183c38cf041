#!/usr/bin/env python3
"""gen_chain.py N DIR: write DIR/package.json and DIR/package-lock.json (v3)
whose N packages form one chain: the project depends on c0, c0 on c1, ...,
c(N-2) on c(N-1). The worst shape for anything that is quadratic in the
depth (each package's shortest chain from a direct dependency is as long as
its position). Installed flat, as npm would, with fake integrity values."""
import hashlib, base64, json, os, sys

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    pkgs = {"": {"name": "chain", "version": "1.0.0", "dependencies": {"c0": "1.0.0"}}}
    for i in range(n):
        name = "c%d" % i
        digest = base64.b64encode(hashlib.sha512(name.encode()).digest()).decode()
        e = {"version": "1.0.0",
             "resolved": "https://registry.npmjs.org/%s/-/%s-1.0.0.tgz" % (name, name),
             "integrity": "sha512-" + digest}
        if i + 1 < n:
            e["dependencies"] = {"c%d" % (i + 1): "1.0.0"}
        pkgs["node_modules/" + name] = e
    lock = {"name": "chain", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": pkgs}
    with open(os.path.join(out, "package-lock.json"), "w") as f:
        json.dump(lock, f, separators=(",", ":"))
    with open(os.path.join(out, "package.json"), "w") as f:
        json.dump({"name": "chain", "version": "1.0.0", "dependencies": {"c0": "1.0.0"}}, f)

main()
