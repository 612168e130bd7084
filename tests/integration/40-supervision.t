#!/bin/bash
# Supervision: a worker killed mid-transfer is restarted at once and the
# ports never close; SIGHUP reloads (a bad policy keeps the old one); SIGTERM
# stops everything; without root, serve refuses clearly.
. "$(dirname "$0")/lib.sh"

setup_net
make_file big 52428800
make_file small 3000
write_policy
start_broker
pid1=$(tftpd_pid)

# Kill tftpd -9 during a download.
C curl -s --tftp-blksize 512 -o "$WORK/partial" "tftp://$SRV/big" &
cpid=$!
sleep 0.5
kill -9 "$pid1"
t0=$(date +%s%N)
ok_restart=
for i in $(seq 1 40); do
    if C curl -sf -m 2 -o "$WORK/after" "tftp://$SRV/small"; then ok_restart=1; break; fi
    sleep 0.05
done
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check "after kill -9 a new download succeeds within 2 s (${ms} ms)" test -n "$ok_restart" -a "$ms" -lt 2000
check "the new download is intact" cmp -s "$WORK/after" "$ROOT/small"
pid2=$(tftpd_pid)
check "a new tftpd pid ($pid1 -> $pid2)" test -n "$pid2" -a "$pid2" != "$pid1"
grep -q "event=worker-exit worker=tftpd pid=$pid1 killed signal=KILL restart_in_ms=" "$LOG"
check "the death is logged with its signal and the restart delay" test $? = 0
kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
check "UDP 69 stayed bound in the broker throughout" udp_bound 69

# Repeated deaths back off instead of spinning.
for i in 1 2 3; do
    p=$(tftpd_pid); [ -n "$p" ] && kill -9 "$p"; sleep 0.3
done
grep -Eq 'restart_in_ms=(400|800|1600)' "$LOG"
check "repeated deaths back off" test $? = 0
wait_log "event=ready" 3 40

# SIGHUP with a bad policy: rejected, old policy keeps serving.
cp "$WORK/test.policy" "$WORK/good.policy"
printf 'tftp {\n  root "%s"\n  prots 1-2\n}\n' "$ROOT" > "$WORK/test.policy"
pid_before=$(tftpd_pid)
kill -HUP "$BROKER_PID"
wait_log "event=reload outcome=rejected" 1 30
check "a bad policy on SIGHUP is rejected" test $? = 0
grep -q 'test.policy:3:3: unknown setting' "$LOG"
check "the rejection names file:line:column" test $? = 0
check "the old tftpd keeps running" test "$(tftpd_pid)" = "$pid_before"
C curl -sf -o "$WORK/still" "tftp://$SRV/small"
check "and keeps serving" cmp -s "$WORK/still" "$ROOT/small"

# SIGHUP with a good new policy: new root and ports.
mkdir -p "$WORK/root2"; chmod 755 "$WORK/root2"; echo "second root" > "$WORK/root2/hello"; chmod 644 "$WORK/root2/hello"
printf 'tftp {\n  root "%s"\n  ports 6000-6009\n}\n' "$WORK/root2" > "$WORK/test.policy"
kill -HUP "$BROKER_PID"
wait_log "event=reload outcome=accepted" 1 30
check "a good policy on SIGHUP is accepted" test $? = 0
ok_new=
for i in $(seq 1 20); do
    C curl -sf -m 2 -o "$WORK/hello" "tftp://$SRV/hello" && { ok_new=1; break; }
    sleep 0.1
done
check "the new root is served after reload" test -n "$ok_new"
check "from the new port pool" udp_bound 6000
check "the old pool is closed" udp_free 5000

# SIGTERM stops the broker and its worker.
wpid=$(tftpd_pid)
kill -TERM "$BROKER_PID"; wait "$BROKER_PID"; rc=$?; BROKER_PID=
check "SIGTERM: broker exits 0 (rc $rc)" test "$rc" = 0
check "SIGTERM: the worker is gone" test ! -e "/proc/$wpid"
check "SIGTERM: the stop is logged" grep -q "event=stopped" "$LOG"

# Without root or capabilities: refuses with a clear message.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD/bootward" serve --foreground \
      --policy "$WORK/good.policy" --state "$WORK/nostate" --libexec "$BUILD" 2>&1); rc=$?
check "as nobody, serve exits 1 (rc $rc)" test "$rc" = 1
case "$out" in *"must run as root, or with the capabilities"*) ok "and says why" ;; *) not_ok "and says why ($out)" ;; esac

# Two brokers on one state directory: the second refuses.
start_broker
out=$(S "$BUILD/bootward" serve --foreground --policy "$WORK/good.policy" --state "$STATE" --libexec "$BUILD" 2>&1); rc=$?
case "$out" in *"another bootward serve uses this state directory"*) ok "a second broker on the same state refuses" ;; *) not_ok "second broker refuses ($out)" ;; esac
finish
