#!/bin/bash
# Without --foreground the broker detaches and its records, and its workers',
# go to syslog.  A private mount namespace gets its own /dev with a /dev/log
# socket read by this test, so the host's syslog is not involved.
. "$(dirname "$0")/lib.sh"

setup_net
make_file f 1000
write_policy
SYSLOG=$WORK/syslog.txt
: > "$SYSLOG"
unshare --mount --propagation private bash -c '
    set -e
    mount -t tmpfs -o mode=0755 devtmp /dev
    mknod -m 666 /dev/null c 1 3
    "$1" -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
import os; os.chmod(\"/dev/log\", 0o666)
with open(sys.argv[1], \"a\") as f:
    while True:
        f.write(s.recv(8192).decode(errors=\"replace\") + \"\\n\"); f.flush()
" "$2" &
    for i in $(seq 50); do [ -S /dev/log ] && break; sleep 0.05; done
    ip netns exec "$3" "$4/bootward" serve --policy "$5" --state "$6" --libexec "$4"
    echo "serve returned $?" >> "$2.rc"
    sleep 3   # keep the namespace (and its /dev/log reader) while the daemon starts
    kill %1
' - "$SCAPY_PY" "$SYSLOG" "$SNS" "$BUILD" "$WORK/test.policy" "$STATE" &
upid=$!
for i in $(seq 50); do grep -q 'event=ready' "$SYSLOG" && break; sleep 0.1; done
check "serve without --foreground returns at once with status 0" grep -q "serve returned 0" "$SYSLOG.rc"
bpid=$(pgrep -f "bootward serve --policy $WORK/test.policy" | head -n 1)
check "the broker keeps running detached (pid $bpid)" test -n "$bpid"
check "its parent is not the shell that started it" test "$(ps -o ppid= -p "$bpid" | tr -d ' ')" != "$upid"
check "broker records reach syslog" grep -Eq 'bootward\[[0-9]+\]: broker\[[0-9]+\] level=info event=start' "$SYSLOG"
check "worker records reach syslog, tagged tftpd" grep -Eq 'tftpd\[[0-9]+\] level=info event=ready' "$SYSLOG"
C curl -sf -o "$WORK/f.out" "tftp://$SRV/f"
check "the daemon serves" cmp -s "$WORK/f.out" "$ROOT/f"
for i in $(seq 30); do grep -q 'event=transfer' "$SYSLOG" && break; sleep 0.1; done
check "transfer records reach syslog" grep -q 'event=transfer .*file=f ' "$SYSLOG"
check "syslog records carry the daemon facility and info priority (<30>)" grep -q '^<30>' "$SYSLOG"
kill -TERM "$bpid"
for i in $(seq 30); do kill -0 "$bpid" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM stops the daemon" test ! -e "/proc/$bpid"
wait "$upid" 2>/dev/null
finish
