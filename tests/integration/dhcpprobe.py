#!/usr/bin/python3
"""dhcpprobe.py — send one DHCP message built with scapy from the client
namespace and print what comes back, one line per reply:
    TYPE yiaddr=A siaddr=S file=F opt66=.. opt67=.. opt60=.. opt43=.. opt82=HEX to=PORT
Used for what dhclient and udhcpc cannot express: client architecture,
vendor and user classes, relays with option 82."""
import argparse
import socket
import sys

from scapy.all import BOOTP, DHCP, raw

TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--mac", default="02:00:00:00:10:01")
    ap.add_argument("--type", default="discover")
    ap.add_argument("--arch", type=int)
    ap.add_argument("--vendor")
    ap.add_argument("--user-class")
    ap.add_argument("--ipxe", action="store_true", help="send option 175 like iPXE")
    ap.add_argument("--relay", help="giaddr: act as a relay agent at this address (listens on 67)")
    ap.add_argument("--opt82", help="relay agent information, hex")
    ap.add_argument("--server", default="255.255.255.255")
    ap.add_argument("--port", type=int, default=67)
    ap.add_argument("--requested")
    ap.add_argument("--server-id")
    ap.add_argument("--timeout", type=float, default=2.0)
    a = ap.parse_args()

    mtype = {"discover": 1, "request": 3, "inform": 8, "release": 7, "decline": 4}[a.type]
    opts = [("message-type", mtype)]
    if a.requested:
        opts.append(("requested_addr", a.requested))
    if a.server_id:
        opts.append(("server_id", a.server_id))
    if a.vendor:
        opts.append(("vendor_class_id", a.vendor.encode()))
    if a.arch is not None:
        opts.append((93, a.arch.to_bytes(2, "big")))
        opts.append((94, b"\x01\x02\x01"))
        opts.append((97, b"\x00" + bytes(range(16))))
    if a.user_class:
        opts.append((77, a.user_class.encode()))
    if a.ipxe:
        opts.append((175, b"\x13\x01\x01"))
    opts.append(("param_req_list", [1, 3, 6, 12, 15, 66, 67, 43, 60, 97]))
    if a.opt82:
        opts.append((82, bytes.fromhex(a.opt82)))
    opts.append("end")
    mac = bytes.fromhex(a.mac.replace(":", ""))
    pkt = BOOTP(op=1, chaddr=mac + b"\x00" * 10, xid=0x12345678, flags=0x8000,
                giaddr=a.relay or "0.0.0.0", hops=1 if a.relay else 0) / DHCP(options=opts)

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
    s.bind(("", 67 if a.relay else 68))
    s.settimeout(a.timeout)
    s.sendto(raw(pkt), (a.server, a.port))
    got = 0
    while True:
        try:
            data, src = s.recvfrom(4096)
        except socket.timeout:
            break
        r = BOOTP(data)
        if r.op != 2 or r.xid != 0x12345678:
            continue
        got += 1
        o = {}
        for x in r[DHCP].options if DHCP in r else []:
            if isinstance(x, tuple):
                o[x[0]] = x[1:] if len(x) > 2 else x[1]
        t = TYPES.get(o.get("message-type"), "?")
        def s_(v):
            return v.decode(errors="replace") if isinstance(v, bytes) else str(v)
        f = r.file.rstrip(b"\x00").decode(errors="replace")
        line = "%s yiaddr=%s siaddr=%s file=%s" % (t, r.yiaddr, r.siaddr, f or "-")
        for key, name in (("tftp_server_name", "opt66"), ("boot-file-name", "opt67"),
                          ("vendor_class_id", "opt60"), ("vendor_specific", "opt43"),
                          ("router", "router"), ("lease_time", "lease"), ("error_message", "msg")):
            if key in o:
                v = o[key]
                line += " %s=%s" % (name, v.hex() if key == "vendor_specific" else s_(v))
        if 82 in o or "relay_agent_information" in o:
            v = o.get(82, o.get("relay_agent_information"))
            line += " opt82=%s" % (v.hex() if isinstance(v, bytes) else raw(v).hex() if hasattr(v, "__bytes__") else v)
        line += " from=%s:%d" % src
        print(line)
        if a.type != "discover":
            break
    if not got:
        print("NONE")


main()
