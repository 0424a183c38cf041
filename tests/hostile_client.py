#!/usr/bin/env python3
"""hostile_client.py: the attacks of issue 13 on sigma serve, loopback only,
each bounded in connections and time. Prints one JSON object on stdout.

  slowloris PORT --conns N --addrs A --every S --seconds D --ready FILE
      N connections spread over source addresses 127.0.0.2 .. 127.0.0.(A+1),
      each sending the start of a POST and then one header line every S
      seconds, for D seconds. A connection the server closes is reopened
      (the attack goes on). FILE is written once all N are open. Reports
      how many were opened, how many the server closed, and the longest a
      closed one had lived.
  perip PORT --conns N --addr ADDR
      N connections from one address that send nothing; after 1 s, how many
      the server has already closed.
  bodies PORT --conns N --mib M --path P --header "K: V" ...
      N concurrent POSTs announcing M MiB each, sent in 256 KiB pieces until
      the server answers or closes. Reports the status codes.
  raw PORT FILE
      send FILE's bytes as they are (a request with bytes curl refuses to
      send); print the status line.
"""
import json
import resource
import selectors
import socket
import sys
import threading
import time


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, max(soft, want)) if hard != resource.RLIM_INFINITY else max(soft, want)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def opt(args, name, default, conv=str):
    if name in args:
        return conv(args[args.index(name) + 1])
    return default


def connect(port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    return s


def slowloris(port, args):
    n = opt(args, "--conns", 2000, int)
    addrs = opt(args, "--addrs", 40, int)
    every = opt(args, "--every", 1.0, float)
    seconds = opt(args, "--seconds", 8.0, float)
    ready = opt(args, "--ready", None)
    limit = raise_nofile(n + 64)
    if limit < n + 64:
        n = max(1, limit - 64)
    sel = selectors.DefaultSelector()
    born = {}
    stats = {"wanted": opt(args, "--conns", 2000, int), "opened": 0, "closed_by_server": 0,
             "max_closed_lifetime_s": 0.0, "connect_errors": 0, "open_at_end": 0}
    start = time.time()

    def open_one(i):
        src = "127.0.0.%d" % (2 + i % addrs)
        try:
            s = connect(port, src)
            s.send(b"POST /webhook/gh HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n")
        except OSError:
            stats["connect_errors"] += 1
            return
        born[s] = (time.time(), i)
        sel.register(s, selectors.EVENT_READ)
        stats["opened"] += 1

    for i in range(n):
        open_one(i)
    if ready:
        with open(ready, "w") as f:
            f.write("%d\n" % len(born))
    next_line = time.time() + every
    while time.time() - start < seconds:
        for key, _ in sel.select(timeout=0.1):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                t0, i = born.pop(s)
                sel.unregister(s)
                s.close()
                stats["closed_by_server"] += 1
                stats["max_closed_lifetime_s"] = max(stats["max_closed_lifetime_s"], time.time() - t0)
                open_one(i)
        if time.time() >= next_line:
            next_line += every
            for s in list(born):
                try:
                    s.send(b"X-Slow: x\r\n")
                except OSError:
                    pass
    stats["open_at_end"] = len(born)
    stats["nofile"] = limit
    for s in born:
        s.close()
    return stats


def perip(port, args):
    n = opt(args, "--conns", 100, int)
    addr = opt(args, "--addr", "127.0.0.250")
    raise_nofile(n + 64)
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(port, addr))
        except OSError:
            pass
    time.sleep(1.0)
    closed = 0
    for s in socks:
        try:
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    for s in socks:
        s.close()
    return {"opened": len(socks), "closed_by_server": closed}


def bodies(port, args):
    n = opt(args, "--conns", 100, int)
    mib = opt(args, "--mib", 25, int)
    path = opt(args, "--path", "/webhook/gh")
    headers = [args[i + 1] for i, a in enumerate(args) if a == "--header"]
    raise_nofile(n + 64)
    size = mib << 20
    codes = []
    lock = threading.Lock()
    chunk = b"0" * (256 << 10)

    def one():
        code = "none"
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            head = "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (path, size)
            head += "".join(h + "\r\n" for h in headers) + "\r\n"
            s.sendall(head.encode())
            sent = 0
            try:
                while sent < size:
                    s.sendall(chunk[: min(len(chunk), size - sent)])
                    sent += min(len(chunk), size - sent)
            except OSError:
                pass
            try:
                line = s.recv(64).split(b"\r\n")[0].decode(errors="replace")
                code = line.split(" ")[1] if " " in line else "closed"
            except OSError:
                code = "reset"
            s.close()
        except OSError:
            code = "connect_error"
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    out = {}
    for c in codes:
        out[c] = out.get(c, 0) + 1
    return {"codes": out}


def raw(port, args):
    data = open(args[0], "rb").read()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    answer = b""
    try:
        while b"\r\n" not in answer:
            more = s.recv(4096)
            if not more:
                break
            answer += more
    except OSError:
        pass
    s.close()
    return {"status": answer.split(b"\r\n")[0].decode(errors="replace")}


def main():
    cmd, port, rest = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    fn = {"slowloris": slowloris, "perip": perip, "bodies": bodies, "raw": raw}[cmd]
    print(json.dumps(fn(port, rest)), flush=True)


if __name__ == "__main__":
    main()
