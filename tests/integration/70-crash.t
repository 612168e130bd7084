#!/bin/bash
# Crash safety: perfdhcp load while dhcpd, and then the broker, are killed -9
# again and again.  Afterwards no address was ever bound to two clients (in
# the log of ACKs sent, and in the journal's history), and every ACK that
# went out is still in the journal.
. "$(dirname "$0")/lib.sh"

setup_net
NET=10.231.$NET_ID
IF=bwc$TID
cat > "$WORK/test.policy" <<P
dhcp authoritative {
    discover-rate-per-mac 100
    discover-rate 100000
}
subnet $NET.0/24 {
    range $NET.10 $NET.250
    lease 3600s
}
P
start_broker
wait_log "dhcpd.*event=ready" 1 || bail "dhcpd did not start"
dpid() { pgrep -P "$BROKER_PID" -x bootward-dhcpd | head -n 1; }
load() { C timeout 30 perfdhcp -4 -l "$IF" -r 150 -R 200 -p "$1" "$SRV" > "$WORK/perf.$2" 2>&1; }

# 1. dhcpd killed -9 every 0.7 s under load.
load 10 a &
lp=$!
kills=0
for i in $(seq 10); do
    sleep 0.7
    p=$(dpid); [ -n "$p" ] && kill -9 "$p" && kills=$((kills + 1))
done
wait "$lp"
wait_log "dhcpd.*event=ready" $((kills + 1)) 50
check "dhcpd was killed $kills times and restarted each time" test $? = 0
acks1=$(grep -c 'action=ack' "$LOG")
check "clients were served throughout ($acks1 ACKs)" test "$acks1" -gt 200

# 2. The broker killed -9 twice under load, restarted each time.
cp "$LOG" "$WORK/log.part1"
for round in 1 2; do
    load 4 "b$round" &
    lp=$!
    sleep 1.5
    kill -9 "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
    for i in $(seq 30); do [ -z "$(pgrep -f "bootward-dhcpd")" ] && break; sleep 0.1; done
    cat "$LOG" >> "$WORK/log.all"
    start_broker
    wait_log "dhcpd.*event=ready" 1 50
    wait "$lp"
done
cat "$WORK/log.part1" "$WORK/log.all" "$LOG" > "$WORK/log.every"
check "the broker was killed twice and came back each time" test "$(grep -c 'broker.*event=start' "$WORK/log.every")" -ge 3
stop_broker
cat "$LOG" >> "$WORK/log.every"

# Every ACK that was logged (it is logged after it was sent, so these all reached the wire).
grep -o 'action=ack address=[0-9.]* ' "$WORK/log.every" > /dev/null
sed -n 's/.*mac=\([0-9a-f:]*\) .*action=ack address=\([0-9.]*\) .*/\2 \1/p' "$WORK/log.every" | sort -u > "$WORK/acks"
nacks=$(wc -l < "$WORK/acks")
dups=$(awk '{ print $1 }' "$WORK/acks" | uniq -d | wc -l)
check "no address was ACKed to two clients ($nacks distinct address/client pairs)" test "$dups" = 0

"$BUILD/bootward" leases --state "$STATE" > "$WORK/leases" 2>"$WORK/leases.err"
"$BUILD/bootward" leases --state "$STATE" --history > "$WORK/history" 2>/dev/null
missing=0
while read -r addr mac; do
    grep -q "^$addr  *bound  *$mac " "$WORK/leases" || { missing=$((missing + 1)); diag "not in journal: $addr $mac"; }
done < "$WORK/acks"
check "every ACKed lease is bound in the journal ($missing missing)" test "$missing" = 0
# The history: a BIND of an address while another client's binding is live
# would be a double allocation (nothing here releases or expires).
double=$(awk 'NR > 1 && $2 == "bound" { if (($1 in owner) && owner[$1] != $3) n++; owner[$1] = $3 } END { print n + 0 }' "$WORK/history")
check "the journal's history never binds one address to two clients" test "$double" = 0
replays=$(grep -c 'event=journal-replayed' "$WORK/log.every")
cut=$(grep 'event=journal-replayed' "$WORK/log.every" | grep -vc 'cut_bytes=0 ')
diag "journal replays: $replays, with a torn tail cut: $cut; ACKs logged: $(grep -c action=ack "$WORK/log.every")"
check "every restart replayed the journal" test "$replays" -ge $((kills + 3))

# A torn tail (half a record, as a crash mid-write leaves it) and garbage:
# cut with a log line, and nothing before them lost.
J=$STATE/dhcpd/leases.journal
size=$(stat -c %s "$J")
head -c 20 "$J" >> "$J"
printf 'garbage after a torn record' >> "$J"
"$BUILD/bootward" leases --state "$STATE" > /dev/null 2> "$WORK/leases.err"
check "bootward leases reports the damaged tail" grep -q "bytes after the last good record" "$WORK/leases.err"
start_broker
wait_log "dhcpd.*event=journal-replayed" 1 50
check "dhcpd cuts the damaged tail and says so" grep -Eq "event=journal-replayed .*cut_bytes=47 status=(torn|bad-magic|bad-length|bad-checksum)" "$LOG"
check "the journal is back to its last good record" test "$(stat -c %s "$J")" = "$size"
"$BUILD/bootward" leases --state "$STATE" > "$WORK/leases2"
check "every lease is still there" cmp -s "$WORK/leases" "$WORK/leases2"
finish
