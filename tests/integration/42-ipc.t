#!/bin/bash
# What a worker says is untrusted: a hostile worker binary sends the broker
# malformed messages.  The broker relays only the valid record, logs each
# rejection, kills the worker after 8, restarts it, and keeps running.
. "$(dirname "$0")/lib.sh"

setup_net
write_policy
FAKE=$(cd "$(dirname "$0")/fake" && pwd)
: > "$LOG"
ip netns exec "$SNS" "$BUILD/bootward" serve --foreground --policy "$WORK/test.policy" --state "$STATE" \
    --libexec "$FAKE" >>"$LOG" 2>&1 &
BROKER_PID=$!
wait_log "action=kill" 1 50
check "a worker sending malformed messages is killed" test $? = 0
check "the valid record was relayed, tagged by the broker" grep -Eq 'tftpd\[[0-9]+\] level=info event=hostile-hello' "$LOG"
for why in "message of bad size" "length field disagrees with message size" "nonzero flags" \
           "unknown message type from worker" "log record with unprintable byte" "log record with unknown level"; do
    check "rejected: $why" grep -q "event=ipc worker=tftpd pid=[0-9]* error=\"$why\"" "$LOG"
done
check "no forged log line reached the log" test -z "$(grep -x 'b' "$LOG")"
wait_log "event=spawn worker=tftpd" 2 30
check "the worker is restarted after the kill" test $? = 0
check "the broker is still running" kill -0 "$BROKER_PID"
check "a record sent with an fd is relayed" grep -q 'level=info event=with-fd' "$LOG"
check "but the fd is not kept by the broker" \
    test -z "$(find /proc/$BROKER_PID/fd -mindepth 1 -name '[0-9]*' ! -name 0 ! -name 1 ! -name 2 -lname 'pipe:*')"
finish
