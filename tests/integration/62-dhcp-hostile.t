#!/bin/bash
# Hostile DHCP traffic: malformed packets (scapy) and a DISCOVER flood from
# random MACs (pool starvation).  dhcpd drops and counts, stays up, keeps its
# memory bounded, and serves a real client once the flood's offers lapse.
. "$(dirname "$0")/lib.sh"

setup_net
NET=10.231.$NET_ID
IF=bwc$TID
cat > "$WORK/test.policy" <<P
dhcp authoritative {
    offer-hold 5s
    discover-rate-per-mac 2
    discover-rate 300
}
subnet $NET.0/24 {
    range $NET.100 $NET.120
}
P
start_broker
wait_log "dhcpd.*event=ready" 1 || bail "dhcpd did not start"
dpid=$(pgrep -P "$BROKER_PID" -x bootward-dhcpd | head -n 1)
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$dpid/status"; }
rss0=$(rss)

C "$SCAPY_PY" - "$IF" <<'PY' >/dev/null 2>&1
import os, random, sys
from scapy.all import Ether, IP, UDP, BOOTP, DHCP, Raw, sendp, raw, conf
conf.verb = 0
iface = sys.argv[1]
random.seed(11)
def frame(payload, sport=68):
    return Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=sport, dport=67) / Raw(payload)
good = raw(BOOTP(op=1, chaddr=b"\x02\x00\x00\x00\x30\x01" + b"\x00" * 10, xid=7) / DHCP(options=[("message-type", 1), "end"]))
pkts = [b"", b"\x01", good[:100], good[:239], good[:240], good[:-1],
        good[:236] + b"\x00\x00\x00\x00" + good[240:],          # bad cookie
        good[:2] + b"\x11" + good[3:],                           # hlen 17
        good[:240] + b"\x35\x05\x01",                            # option past the end
        good[:240] + b"\x34\x01\x03\x35\x01\x01\xff",            # overload with empty file/sname
        good[:240] + b"\x3d\x01\x01\x35\x01\x01\xff",            # client id too short
        good[:240] + b"\x35\x01\x09\xff",                        # unknown message type
        good[:240] + b"\x5d\x03\x00\x00\x00\x35\x01\x01\xff",    # odd arch length
        good + b"\x00" * 1000]
for i in range(600):
    b = bytearray(good)
    for _ in range(random.randrange(1, 8)):
        b[random.randrange(len(b))] = random.randrange(256)
    pkts.append(bytes(b))
pkts += [os.urandom(random.randrange(0, 600)) for _ in range(300)]
sendp([frame(p) for p in pkts], iface=iface)
PY
check "scapy sent about 900 malformed packets" test $? = 0
sleep 1
check "dhcpd survived them (same pid)" test "$(pgrep -P "$BROKER_PID" -x bootward-dhcpd | head -n 1)" = "$dpid"
check "they were logged as malformed (rate-limited)" grep -q 'event=dhcp-malformed' "$LOG"

# Starvation: 3000 DISCOVERs from random MACs.
before=$(grep -c 'type=DHCPDISCOVER .*action=offer' "$LOG")
C "$SCAPY_PY" - "$IF" <<'PY' >/dev/null 2>&1
import random, sys
from scapy.all import Ether, IP, UDP, BOOTP, DHCP, sendp, conf
conf.verb = 0
random.seed(5)
pk = []
for i in range(3000):
    mac = bytes([2] + [random.randrange(256) for _ in range(5)])
    pk.append(Ether(dst="ff:ff:ff:ff:ff:ff", src=mac) / IP(src="0.0.0.0", dst="255.255.255.255") /
              UDP(sport=68, dport=67) / BOOTP(op=1, chaddr=mac + b"\x00" * 10, xid=i) /
              DHCP(options=[("message-type", 1), "end"]))
sendp(pk, iface=sys.argv[1])
PY
sleep 1
check "dhcpd survived the flood (same pid)" test "$(pgrep -P "$BROKER_PID" -x bootward-dhcpd | head -n 1)" = "$dpid"
offers=$(( $(grep -c 'type=DHCPDISCOVER .*action=offer' "$LOG") - before ))
check "the flood got at most the pool's 21 offers ($offers)" test "$offers" -le 21
check "the rest were refused: pool exhausted or rate limited" grep -Eq 'reason="(no free address|rate limited)"' "$LOG"
rss1=$(rss)
check "dhcpd's memory stayed bounded (${rss0} kB -> ${rss1} kB)" test $((rss1 - rss0)) -lt 4096
sleep 5   # offer-hold: the flood's offers lapse
out=$(C udhcpc -i "$IF" -n -q -f -s /bin/true -t 3 2>&1)
case "$out" in *"lease of $NET.1"*" obtained"*) ok "a real client gets a lease after the flood's offers lapse" ;; *) not_ok "client after flood ($out)" ;; esac
finish
