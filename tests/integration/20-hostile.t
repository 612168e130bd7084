#!/bin/bash
# Hostile input: traversal, symlink escapes, uploads when disabled, malformed
# packets, strangers on transfer ports, duplicate ACKs, floods past the caps.
. "$(dirname "$0")/lib.sh"

setup_net
ip -n "$CNS" addr add "10.231.$NET_ID.3/24" dev "bwc$TID"
make_file s511 511
make_file three 1500
make_file sub/inner 100
echo "outside the root" > "$WORK/secret"; chmod 644 "$WORK/secret"
ln -s /etc/passwd "$ROOT/link-abs"
ln -s ../secret "$ROOT/link-rel"
ln -s ../../../../../../../../etc/passwd "$ROOT/link-deep"
ln -s s511 "$ROOT/alias"
write_policy "max-transfers 6" "max-per-client 3" "timeout 200ms" "retries 3"
start_broker
P() { C "$SCAPY_PY" "$(dirname "$0")/tftpprobe.py" "$SRV" "$@"; }
pid_before=$(tftpd_pid)

# Names that try to leave the served tree are access violations (error 2).
for n in 'b"../secret"' 'b"sub/../../secret"' 'b"/../secret"' 'b".."' 'b"sub/../s511"' \
         'b"..\\secret"' 'b"s511\x01"' 'b"./s511"' 'b"s511\x7f"' 'b""'; do
    r=$(P request "$n")
    case "$r" in "ERROR 2 "*|"ERROR 4 "*|"ERROR 0 "*) ok "refused $n ($r)" ;; *) not_ok "refused $n (got: $r)" ;; esac
done
r=$(P request 'b"'"$(printf 'a%.0s' $(seq 300))"'"'); case "$r" in ERROR*) ok "over-long name refused" ;; *) not_ok "over-long name refused ($r)" ;; esac

# Symlinks resolve inside the chroot: they can never reach outside files.
for l in link-abs link-rel link-deep; do
    r=$(P request "b\"$l\"")
    case "$r" in "ERROR 1 "*) ok "symlink $l does not escape ($r)" ;; *) not_ok "symlink $l does not escape (got: $r)" ;; esac
done
C curl -sf -o "$WORK/alias.out" "tftp://$SRV/alias"
check "a symlink inside the root still works" cmp -s "$WORK/alias.out" "$ROOT/s511"
C curl -sf -o "$WORK/leak" "tftp://$SRV/link-rel"
check "nothing outside the root was sent" test ! -s "$WORK/leak"

# Uploads are off unless the policy enables them.
r=$(P request 'b"new-file"' WRQ)
case "$r" in "ERROR 2 uploads are disabled") ok "WRQ refused: $r" ;; *) not_ok "WRQ refused (got: $r)" ;; esac
echo data > "$WORK/up"; C tftp "$SRV" -m binary -c put "$WORK/up" new-file >/dev/null 2>&1
check "tftp-hpa put left no file" test ! -e "$ROOT/new-file"

# Protocol behaviour that hostile or broken peers test.
r=$(P dupack three)
check "duplicate ACKs cause no duplicate DATA (got: $r)" test "$r" = "DATA2 x1"
r=$(P stranger three)
check "a stranger's packet on a transfer port is dropped and the transfer goes on ($r)" \
    test "$r" = "stranger: TIMEOUT | transfer bytes 1500"
r=$(P silent three 3)
check "a silent client gets the first block 1+3 times, then an error ($r)" test "$r" = "DATA1 x4 then ERROR 0 timeout"
wait_log 'file=three .*outcome="timeout' 1 30
check "the abandoned transfer is logged as a timeout" test $? = 0

# Caps: per client address, then overall.
r=$(P hold 4 s511 | tr '\n' ';')
case "$r" in "DATA 1 511;DATA 1 511;DATA 1 511;ERROR 0 too many transfers from your address;") ok "per-client cap ($r)" ;;
    *) not_ok "per-client cap (got: $r)" ;; esac
sleep 2.5   # held transfers time out (200+400+800+800 ms)
r=$( (P hold 3 s511 "$CLI"; P hold 3 s511 "10.231.$NET_ID.3") | tr '\n' ';')
check "six transfers from two addresses fit ($r)" test "$(echo "$r" | grep -o 'DATA 1 511' | wc -l)" = 6
sleep 2.5

# Malformed packets (scapy): truncated, bad opcodes, junk, oversized options.
C "$SCAPY_PY" - "$SRV" <<'PY' >/dev/null 2>&1
import os, random, sys
from scapy.all import IP, UDP, Raw, send, conf
conf.verb = 0
dst = sys.argv[1]
junk = [b"", b"\x00", b"\x00\x01", b"\x00\x01abc", b"\x00\x09xx", b"\xff\xff" + b"A" * 600,
        b"\x00\x01f\x00octet\x00blksize\x00", b"\x00\x01f\x00octet\x00blksize\x0099999999999999999999\x00",
        b"\x00\x01f\x00mail\x00", b"\x00\x03\x00\x01data", b"\x00\x04\x00\x01", b"\x00\x05\x00\x01err\x00",
        b"\x00\x06blksize\x00512\x00", b"\x00\x01" + b"A" * 1400, b"\x00\x01s511\x00octet\x00" + b"x\x00" * 600]
random.seed(7)
junk += [bytes(random.getrandbits(8) for _ in range(random.randrange(0, 600))) for _ in range(400)]
junk += [b"\x00" + bytes([random.randrange(1, 7)]) + os.urandom(random.randrange(0, 80)) for _ in range(400)]
for j in junk:
    send(IP(dst=dst) / UDP(sport=random.randrange(1024, 65535), dport=69) / Raw(j))
# a UDP header claiming more bytes than were sent
send(IP(dst=dst) / UDP(sport=4000, dport=69, len=200) / Raw(b"\x00\x01s511\x00"))
PY
check "scapy sent its malformed packets" test $? = 0
sleep 0.5
check "tftpd survived the malformed packets (same pid)" test "$(tftpd_pid)" = "$pid_before"
C curl -sf -o "$WORK/after" "tftp://$SRV/s511"
check "and still serves files" cmp -s "$WORK/after" "$ROOT/s511"
grep -q 'event=refused' "$LOG"
check "refusals are logged" test $? = 0
finish
