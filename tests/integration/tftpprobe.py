#!/usr/bin/python3
"""tftpprobe.py — a deliberately minimal, scriptable TFTP peer for tests that
real clients cannot express: exact request bytes, duplicate ACKs, strangers on
a transfer port, many open transfers.  Prints one result line per action."""
import ast
import socket
import struct
import sys


def rrq(name, mode=b"octet", opts=()):
    pkt = b"\x00\x01" + name + b"\x00" + mode + b"\x00"
    for k, v in opts:
        pkt += k + b"\x00" + v + b"\x00"
    return pkt


def describe(pkt):
    if len(pkt) < 2:
        return "SHORT"
    op = struct.unpack("!H", pkt[:2])[0]
    if op == 3:
        return "DATA %d %d" % (struct.unpack("!H", pkt[2:4])[0], len(pkt) - 4)
    if op == 5:
        return "ERROR %d %s" % (struct.unpack("!H", pkt[2:4])[0], pkt[4:].split(b"\x00")[0].decode(errors="replace"))
    if op == 6:
        return "OACK " + " ".join(x.decode(errors="replace") for x in pkt[2:].split(b"\x00") if x)
    return "OP %d" % op


def sock(src="", timeout=1.5):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(timeout)
    return s


def recv(s):
    try:
        data, addr = s.recvfrom(70000)
        return data, addr
    except socket.timeout:
        return None, None


def main():
    server, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if cmd == "request":
        # request NAME_AS_PYTHON_BYTES [WRQ]: the first answer to one request
        name = ast.literal_eval(args[0])  # a bytes literal such as b"../x"
        s = sock()
        pkt = rrq(name)
        if len(args) > 1 and args[1] == "WRQ":
            pkt = b"\x00\x02" + pkt[2:]
        s.sendto(pkt, (server, 69))
        data, _ = recv(s)
        print(describe(data) if data else "TIMEOUT")
    elif cmd == "dupack":
        # Three-block file; ACK block 1 three times: exactly one DATA 2 may come back.
        s = sock(timeout=0.4)
        s.sendto(rrq(args[0].encode()), (server, 69))
        data, addr = recv(s)
        if not data or not describe(data).startswith("DATA 1 "):
            print("UNEXPECTED", describe(data) if data else "TIMEOUT")
            return
        for _ in range(3):
            s.sendto(b"\x00\x04\x00\x01", addr)
        # Listen for less than the server's retransmission timeout (200 ms):
        # anything more than one DATA 2 here was caused by the duplicates.
        s.settimeout(0.1)
        count = 0
        while True:
            data, _ = recv(s)
            if data is None:
                break
            if describe(data).startswith("DATA 2 "):
                count += 1
        print("DATA2 x%d" % count)
    elif cmd == "stranger":
        # A packet to the transfer port from another port must not disturb the transfer.
        s = sock()
        s.sendto(rrq(args[0].encode()), (server, 69))
        data, addr = recv(s)
        other = sock(timeout=0.1)  # shorter than the server's retransmission timeout
        other.sendto(b"\x00\x04\x00\x01", addr)
        d2, _ = recv(other)
        got = describe(d2) if d2 else "TIMEOUT"
        block, total = 1, len(data) - 4
        while data and len(data) - 4 == 512:
            s.sendto(struct.pack("!HH", 4, block), addr)
            data, _ = recv(s)
            if not data:
                break
            block += 1
            total += len(data) - 4
        if data:
            s.sendto(struct.pack("!HH", 4, block), addr)
        print("stranger:", got, "| transfer bytes", total)
    elif cmd == "hold":
        # hold N NAME [SRC]: open N transfers from one address, never ACK; print each first answer.
        n, name = int(args[0]), args[1].encode()
        src = args[2] if len(args) > 2 else ""
        socks = []
        for _ in range(n):
            s = sock(src)
            s.sendto(rrq(name), (server, 69))
            socks.append(s)
        for s in socks:
            data, _ = recv(s)
            print(describe(data) if data else "TIMEOUT")
    elif cmd == "silent":
        # Request, then say nothing: count how many times DATA 1 arrives before the server gives up.
        s = sock(timeout=float(args[1]))
        s.sendto(rrq(args[0].encode()), (server, 69))
        count, last = 0, "TIMEOUT"
        while True:
            data, _ = recv(s)
            if data is None:
                break
            last = describe(data)
            count += last.startswith("DATA 1 ")
        print("DATA1 x%d then %s" % (count, last))
    else:
        sys.exit("unknown command " + cmd)


main()
