#!/bin/bash
# The workers' confinement, read from /proc of the running tftpd, dhcpd and
# httpsd, and the real sandbox routine attempting forbidden actions
# (tests/sandbox/probe.c).
. "$(dirname "$0")/lib.sh"

setup_net
make_file inside.txt 10
HROOT=$WORK/http
mkdir -p "$HROOT"; chmod 755 "$HROOT"
head -c 10 /dev/urandom > "$HROOT/inside.txt"; chmod 644 "$HROOT/inside.txt"
write_policy
printf 'dhcp authoritative\nsubnet 10.231.%s.0/24 {\n  range 10.231.%s.100 10.231.%s.110\n}\n' \
    "$NET_ID" "$NET_ID" "$NET_ID" >> "$WORK/test.policy"
printf 'https {\n  root "%s"\n  port 443\n}\n' "$HROOT" >> "$WORK/test.policy"
make_test_pki
start_broker
wait_log "dhcpd.*event=ready" 1 || bail "dhcpd did not start"
wait_log "httpsd.*event=ready" 1 || bail "httpsd did not start"
pid=$(tftpd_pid)
st=/proc/$pid/status
field() { awk -v k="$1:" '$1 == k { print $2 }' "$st"; }

check "tftpd is running (pid $pid)" test -n "$pid"
uid=$(field Uid); gid=$(field Gid)
check "tftpd runs as uid 61102 (got $uid), not root" test "$uid" = 61102
check "tftpd's uid differs from the broker's" test "$uid" != "$(awk '$1 == "Uid:" { print $2 }' /proc/$BROKER_PID/status)"
check "tftpd runs as gid 61102 (got $gid)" test "$gid" = 61102
check "tftpd has no supplementary groups" test -z "$(field Groups)"
check "CapEff is 0 ($(field CapEff))" test "$(field CapEff)" = 0000000000000000
check "CapPrm is 0" test "$(field CapPrm)" = 0000000000000000
check "CapBnd is 0" test "$(field CapBnd)" = 0000000000000000
check "CapAmb is 0" test "$(field CapAmb)" = 0000000000000000
check "NoNewPrivs is 1" test "$(field NoNewPrivs)" = 1
check "Seccomp is 2 (filter)" test "$(field Seccomp)" = 2
check "its root is the TFTP root ($(readlink /proc/$pid/root))" test "$(readlink /proc/$pid/root)" = "$ROOT"
check "its cwd is its root" test "$(readlink /proc/$pid/cwd)" = "$ROOT"
for ns in net mnt ipc uts; do
    check "own $ns namespace" test "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/$BROKER_PID/ns/$ns)"
done
check "its only network is the fds it was given (no interfaces but lo, down)" \
    test "$(nsenter -t "$pid" -n ip -o link | grep -vc ' lo:')" = 0
check "its root is mounted read-only" nsenter -t "$pid" -m awk -v r="$ROOT" '$5 == r && $6 ~ /^ro,/ { f = 1 } END { exit !f }' /proc/self/mountinfo
fds=$(ls /proc/$pid/fd | wc -l)
check "it holds only its fds: 3 std + ipc + listen + 64 pool + epoll ($fds)" test "$fds" = 70
check "the policy it was given is a sealed memfd, since closed" test -z "$(ls -l /proc/$pid/fd | grep memfd)"

# dhcpd: the same confinement, its own uid, and only its state directory.
dpid=$(pgrep -P "$BROKER_PID" -x bootward-dhcpd | head -n 1)
dfield() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$dpid/status"; }
check "dhcpd is running (pid $dpid)" test -n "$dpid"
check "dhcpd runs as uid 61101 (got $(dfield Uid)), not tftpd's" test "$(dfield Uid)" = 61101
check "dhcpd: CapEff, CapPrm, CapBnd all 0" \
    test "$(dfield CapEff)$(dfield CapPrm)$(dfield CapBnd)" = 000000000000000000000000000000000000000000000000
check "dhcpd: NoNewPrivs 1, Seccomp 2" test "$(dfield NoNewPrivs)$(dfield Seccomp)" = 12
check "dhcpd's root is its state directory" test "$(readlink /proc/$dpid/root)" = "$STATE/dhcpd"
check "which only dhcpd's uid can enter" test "$(stat -c '%u %a' "$STATE/dhcpd")" = "61101 700"
check "dhcpd has its own network namespace" test "$(readlink /proc/$dpid/ns/net)" != "$(readlink /proc/$BROKER_PID/ns/net)"
check "dhcpd and tftpd do not share namespaces" test "$(readlink /proc/$dpid/ns/mnt)" != "$(readlink /proc/$pid/ns/mnt)"
check "dhcpd holds its journal" test -n "$(ls -l /proc/$dpid/fd | grep leases.journal)"

# httpsd: the same confinement, its own uid, the served root read-only, and
# neither the key nor the state directory within reach.
hpid=$(httpsd_pid)
hfield() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$hpid/status"; }
check "httpsd is running (pid $hpid)" test -n "$hpid"
check "httpsd runs as uid 61103 (got $(hfield Uid)), not tftpd's or dhcpd's" test "$(hfield Uid)" = 61103
check "httpsd runs as gid 61103 (got $(hfield Gid))" test "$(hfield Gid)" = 61103
check "httpsd has no supplementary groups" test -z "$(hfield Groups)"
check "httpsd: CapEff, CapPrm, CapBnd, CapAmb all 0" \
    test "$(hfield CapEff)$(hfield CapPrm)$(hfield CapBnd)$(hfield CapAmb)" = 0000000000000000000000000000000000000000000000000000000000000000
check "httpsd: NoNewPrivs 1" test "$(hfield NoNewPrivs)" = 1
check "httpsd: Seccomp 2 (filter)" test "$(hfield Seccomp)" = 2
check "httpsd: RLIMIT_CORE 0 and RLIMIT_NPROC 0" \
    test "$(awk '/^Max core file size/ { print $5 $6 } /^Max processes/ { print $3 $4 }' /proc/$hpid/limits | tr -d '\n')" = 0000
check "httpsd is not dumpable (its /proc files belong to root)" test "$(stat -c %u /proc/$hpid/fd)" = 0
check "httpsd's root is the HTTPS root ($(readlink /proc/$hpid/root))" test "$(readlink /proc/$hpid/root)" = "$HROOT"
check "httpsd's cwd is its root" test "$(readlink /proc/$hpid/cwd)" = "$HROOT"
check "httpsd's root is mounted read-only" \
    nsenter -t "$hpid" -m awk -v r="$HROOT" '$5 == r && $6 ~ /^ro,/ { f = 1 } END { exit !f }' /proc/self/mountinfo
for ns in net mnt ipc uts; do
    check "httpsd has its own $ns namespace" test "$(readlink /proc/$hpid/ns/$ns)" != "$(readlink /proc/$BROKER_PID/ns/$ns)"
done
check "httpsd and tftpd do not share namespaces" test "$(readlink /proc/$hpid/ns/mnt)" != "$(readlink /proc/$pid/ns/mnt)"
check "httpsd's only network is the fds it was given (no interfaces but lo)" \
    test "$(nsenter -t "$hpid" -n ip -o link | grep -vc ' lo:')" = 0
check "the state directory (and the TLS key) does not exist under httpsd's root" \
    test ! -e "/proc/$hpid/root$STATE" -a ! -e "/proc/$hpid/root$STATE/trust/server.key"
hfds=$(ls /proc/$hpid/fd | wc -l)
diag "httpsd fds: $(ls -l /proc/$hpid/fd | awk 'NR > 1 { print $9, $11 }' | tr '\n' ' ')"
check "httpsd holds only its fds: 3 std + ipc + one TCP listener + epoll ($hfds)" test "$hfds" = 6
check "the chain memfd it was given is closed" test -z "$(ls -l /proc/$hpid/fd | grep memfd)"

# The real sandbox routine, then one forbidden action each.  The probe runs
# in the server namespace: its listening socket is never on the host.
probe() { S "$BUILD/tests/sandbox-probe" "$ROOT" 61102 "$1" "$2" >/dev/null 2>&1; echo $?; }
SIGSYS_STATUS=$((128 + 31))
for a in socket socket-unix execve ptrace setuid fork mmap-exec open-write create-root mkdir; do
    r=$(probe - $a)
    check "sandboxed $a is killed by seccomp (status $r)" test "$r" = $SIGSYS_STATUS
done
for a in open-outside open-dotdot; do
    r=$(probe - $a)
    check "sandboxed $a fails: nothing outside the root exists (status $r)" test "$r" = 3
done
check "sandboxed read inside the root works (the probe is not just dying)" test "$(probe - open-inside)" = 0
mkdir -p "$ROOT/incoming"; chown 61102:61102 "$ROOT/incoming"
check "with uploads: creating a new file in the upload dir works" test "$(probe incoming create-upload)" = 0
check "with uploads: reopening it for writing is killed" test "$(probe incoming overwrite-upload)" = $SIGSYS_STATUS
check "with uploads: the rest of the root is read-only (EROFS)" test "$(probe incoming create-root)" = 3
# httpsd's extra calls are httpsd's alone: each kills under tftpd's list.
for a in accept4-nonsocket shutdown getdents64 sendfile getrandom; do
    r=$(probe - $a)
    check "tftpd sandbox: $a is killed (status $r)" test "$r" = $SIGSYS_STATUS
done

# The httpsd sandbox (kind WORKER_HTTPSD, uid 61103, the HTTPS root).
hprobe() { S "$BUILD/tests/sandbox-probe" "$HROOT" 61103 - "$1" httpsd >"$WORK/hprobe.out" 2>&1; echo $?; }
for a in socket socket-unix connect-new execve ptrace setuid fork mmap-exec open-write create-root mkdir; do
    r=$(hprobe $a)
    check "httpsd sandbox: $a is killed by seccomp (status $r)" test "$r" = $SIGSYS_STATUS
done
hout() { tail -n 1 "$WORK/hprobe.out"; }
# failed_with STATUS TEXT: the probe exited 3 and reported TEXT (an errno).
failed_with() { [ "$1" = 3 ] && grep -q "$2" "$WORK/hprobe.out"; }
r=$(hprobe accept4-nonsocket)
check "httpsd sandbox: accept4 is allowed: on a non-listening fd it fails, not killed (status $r, $(hout))" \
    failed_with "$r" "Socket operation on non-socket"
r=$(hprobe accept4-listener)
check "httpsd sandbox: accept4 on a listener with nothing pending fails EAGAIN (status $r, $(hout))" \
    failed_with "$r" "Resource temporarily unavailable"
r=$(hprobe connect-listener)
check "httpsd sandbox: connecting out with the listening socket it was given fails (status $r, $(hout))" \
    test "$r" = 3
r=$(hprobe shutdown)
check "httpsd sandbox: shutdown is allowed, not killed (status $r)" test "$r" = 0 -o "$r" = 3
for a in getdents64 sendfile getrandom open-inside; do
    r=$(hprobe $a)
    check "httpsd sandbox: $a works (status $r)" test "$r" = 0
done
for a in open-outside open-dotdot "open:$STATE/trust/server.key"; do
    r=$(hprobe "$a")
    check "httpsd sandbox: $a fails: nothing outside the root exists (status $r)" test "$r" = 3
done
finish
