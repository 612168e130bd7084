#!/usr/bin/python3
"""httpsprobe.py — a scriptable HTTPS peer for what curl and openssl cannot
express: exact request bytes over TLS, many half-open connections held at
once (slowloris), and connection floods from chosen source addresses.
Standard library only.  Prints result lines; every wait is bounded.

  raw SRV PORT CAFILE BYTES...         each BYTES (a Python bytes literal) is
                                       sent in one write on a TLS connection of
                                       its own; prints, one line each, the
                                       statuses of the responses and whether
                                       the server closed the connection
  slowloris SRV PORT CAFILE NPLAIN NTLS HEADER_TIMEOUT_S
                                       NPLAIN TCP connections that send 3 bytes
                                       of a TLS record and stop; NTLS TLS
                                       connections that send a request head a
                                       byte at a time; prints READY when all are
                                       open, then per kind how many the server
                                       closed and how long after opening
  handshakes SRV PORT CAFILE N         N TLS handshakes one after the other;
                                       prints how many succeeded and failed and
                                       the slowest one
  flood SRV PORT RELEASE_FILE ADDR:N...
                                       N plain TCP connections from each ADDR;
                                       prints per address how many the server
                                       kept open, then READY, and holds the open
                                       ones until RELEASE_FILE exists
"""
import ast
import os
import select
import socket
import ssl
import sys
import time


def out(*a):
    print(*a, flush=True)


def tls_context(cafile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    ctx.check_hostname = True
    return ctx


def tls_connect(ctx, srv, port, timeout=5.0):
    s = socket.create_connection((srv, port), timeout=timeout)
    return ctx.wrap_socket(s, server_hostname=srv)


def parse_responses(data):
    """Statuses of the complete responses in data (Content-Length bodies)."""
    statuses = []
    while True:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            break
        head = data[:end].decode("latin-1").split("\r\n")
        parts = head[0].split(" ")
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            statuses.append("garbage")
            break
        length = 0
        for h in head[1:]:
            k, _, v = h.partition(":")
            if k.strip().lower() == "content-length":
                length = int(v.strip())
        if len(data) < end + 4 + length:
            statuses.append(parts[1] + "(short)")
            break
        statuses.append(parts[1])
        data = data[end + 4 + length:]
    return statuses


def cmd_raw(srv, port, cafile, *literals):
    ctx = tls_context(cafile)
    for literal in literals:
        s = tls_connect(ctx, srv, int(port))
        s.sendall(ast.literal_eval(literal))
        data, eof = b"", "no"
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except (ssl.SSLEOFError, ConnectionResetError):
                eof = "yes"
                break
            if not chunk:
                eof = "yes"
                break
            data += chunk
        s.close()
        out("statuses=%s eof=%s" % (",".join(parse_responses(data)) or "none", eof))


def closed_now(s):
    """True when the server has closed s (EOF or reset); never blocks."""
    try:
        if isinstance(s, ssl.SSLSocket):
            while True:
                if not s.recv(4096):
                    return True
        return not s.recv(4096, socket.MSG_DONTWAIT)
    except (ssl.SSLWantReadError, BlockingIOError):
        return False
    except (ssl.SSLError, OSError):
        return True


def cmd_slowloris(srv, port, cafile, nplain, ntls, header_timeout):
    port, nplain, ntls, header_timeout = int(port), int(nplain), int(ntls), float(header_timeout)
    ctx = tls_context(cafile)
    conns = []  # [socket, opened_at, closed_at, bytes of the head still to send, kind]
    head = b"GET /small HTTP/1.1\r\nHost: " + srv.encode() + b"\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    # Interleaved, so that both kinds are among the first the server logs.
    order = sorted([((i + 0.5) / nplain, "plain") for i in range(nplain)] +
                   [((i + 0.5) / ntls, "tls") for i in range(ntls)])
    for _, kind in order:
        if kind == "plain":
            s = socket.create_connection((srv, port), timeout=5.0)
            s.sendall(b"\x16\x03\x01")  # the start of a TLS record, then nothing
            s.setblocking(False)
            conns.append([s, time.monotonic(), None, b"", kind])
        else:
            t0 = time.monotonic()
            s = tls_connect(ctx, srv, port)
            s.setblocking(False)
            conns.append([s, t0, None, head, kind])
    out("READY open=%d" % len(conns))
    deadline = time.monotonic() + header_timeout + 5.0
    next_byte = time.monotonic()
    while time.monotonic() < deadline and any(c[2] is None for c in conns):
        now = time.monotonic()
        if now >= next_byte:  # one more byte of the head on every TLS connection
            next_byte = now + 0.3
            for c in conns:
                if c[2] is None and len(c[3]) > 4:
                    try:
                        c[0].send(c[3][:1])
                        c[3] = c[3][1:]
                    except (ssl.SSLWantWriteError, BlockingIOError):
                        pass
                    except OSError:
                        c[2] = time.monotonic()
        live = [c[0] for c in conns if c[2] is None]
        r, _, _ = select.select(live, [], [], 0.05)
        for s in r:
            c = next(c for c in conns if c[0] is s)
            if closed_now(s):
                c[2] = time.monotonic()
    for kind in ("plain", "tls"):
        group = [c for c in conns if c[4] == kind]
        ages = [c[2] - c[1] for c in group if c[2] is not None] or [-1.0]
        out("%s closed=%d/%d min_s=%.2f max_s=%.2f" % (
            kind, sum(1 for c in group if c[2] is not None), len(group), min(ages), max(ages)))
    for c in conns:
        c[0].close()


def cmd_flood(srv, port, release, specs):
    port = int(port)
    groups = []
    for spec in specs:
        addr, _, n = spec.rpartition(":")
        socks = []
        for _ in range(int(n)):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((addr, 0))
            s.settimeout(3.0)
            s.connect((srv, port))
            s.setblocking(False)
            socks.append(s)
        groups.append((addr, socks))
    # The server closes refused connections as it accepts them: wait until
    # the count of closed ones stays the same for a second (at most 5 s).
    closed = set()
    last_change, give_up = time.monotonic(), time.monotonic() + 5.0
    while time.monotonic() - last_change < 1.0 and time.monotonic() < give_up:
        live = [s for _, g in groups for s in g if s not in closed]
        r, _, _ = select.select(live, [], [], 0.05) if live else ([], [], [])
        for s in r:
            if closed_now(s):
                closed.add(s)
                last_change = time.monotonic()
    for addr, g in groups:
        out("%s open=%d closed=%d" % (addr, sum(1 for s in g if s not in closed), sum(1 for s in g if s in closed)))
    out("READY")
    give_up = time.monotonic() + 30.0
    while not os.path.exists(release) and time.monotonic() < give_up:
        time.sleep(0.05)
    # Still open after the hold? (the server must not have dropped them meanwhile)
    live = [s for _, g in groups for s in g if s not in closed]
    r, _, _ = select.select(live, [], [], 0) if live else ([], [], [])
    out("dropped-while-held=%d" % sum(1 for s in r if closed_now(s)))
    for _, g in groups:
        for s in g:
            s.close()


def cmd_handshakes(srv, port, cafile, n):
    ctx = tls_context(cafile)
    good = bad = 0
    slowest = 0.0
    for _ in range(int(n)):
        t0 = time.monotonic()
        try:
            tls_connect(ctx, srv, int(port)).close()
            good += 1
        except (ssl.SSLError, OSError):
            bad += 1
        slowest = max(slowest, time.monotonic() - t0)
    out("ok=%d failed=%d slowest_s=%.2f" % (good, bad, slowest))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "raw":
        cmd_raw(*args)
    elif cmd == "slowloris":
        cmd_slowloris(*args)
    elif cmd == "handshakes":
        cmd_handshakes(*args)
    elif cmd == "flood":
        cmd_flood(args[0], args[1], args[2], args[3:])
    else:
        sys.exit("usage: see the top of " + sys.argv[0])


if __name__ == "__main__":
    main()
