# listener.py: TCP and UDP listeners on 127.0.0.1 and [::1], one port.
#
#   python3 listener.py PORTFILE LOGFILE
#
# Picks a random free port usable on all four sockets, writes it to
# PORTFILE, then appends one line to LOGFILE for every connection or
# datagram received. Loopback only, by construction.
import os, random, select, socket, sys

port_file, log_file = sys.argv[1], sys.argv[2]
for _ in range(200):
    port = random.randint(20000, 60000)
    socks = []
    try:
        for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(fam, typ)
                s.bind((addr, port))
                if typ == socket.SOCK_STREAM:
                    s.listen(16)
                socks.append(s)
        break
    except OSError:
        for s in socks:
            s.close()
        socks = []
else:
    sys.exit("no free port")
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % port)
os.rename(port_file + ".tmp", port_file)
while True:
    ready, _, _ = select.select(socks, [], [])
    for s in ready:
        if s.type == socket.SOCK_STREAM:
            c, peer = s.accept()
            data = b""
            c.settimeout(0.5)
            try:
                data = c.recv(100)
            except OSError:
                pass
            c.close()
        else:
            data, peer = s.recvfrom(1000)
        with open(log_file, "a") as f:
            f.write("%s %r %r\n" % (s.type, peer, data[:40]))
