# lib.sh — shared set-up for integration tests (TAP, run by prove).
#
# Each test script gets two network namespaces joined by a veth pair: a
# server host (bootward) at $SRV and a client host at $CLI, both on addresses
# that exist only inside those namespaces.  Everything is torn down on exit.
set -u

BUILD=${BOOTWARD_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
SCAPY_PY=/usr/bin/python3   # Debian's python, where python3-scapy lives

_tap_n=0
_tap_failed=0
# finish: print the plan (TAP allows it last) and exit non-zero on any failure.
finish() { echo "1..$_tap_n"; exit $((_tap_failed > 0)); }
ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
bail() { echo "Bail out! $*"; exit 1; }

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (network namespaces)"; exit 0; }

TID=$$
NET_ID=$(( (TID % 200) + 20 ))
SNS=bw-s$TID
CNS=bw-c$TID
SRV=10.231.$NET_ID.1
CLI=10.231.$NET_ID.2
WORK=$(mktemp -d /tmp/bootward-test.XXXXXX)
chmod 755 "$WORK"
ROOT=$WORK/root
STATE=$WORK/state
LOG=$WORK/broker.log
mkdir -p "$ROOT"
chmod 755 "$ROOT"
BROKER_PID=

cleanup() {
    [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
    stop_broker
    ip netns del "$SNS" 2>/dev/null
    ip netns del "$CNS" 2>/dev/null
    if { [ "$_tap_failed" != 0 ] || [ -n "${BW_KEEP_LOG:-}" ]; } && [ -f "$LOG" ]; then
        diag "broker log:"; tail -n 60 "$LOG" | diag "$(cat)"
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# watchdog SECONDS: whatever hangs, the script is stopped (and cleaned up)
# after SECONDS.
WATCHDOG=
watchdog() {
    ( for _ in $(seq 1 "$1"); do sleep 1; done
      echo "Bail out! $(basename "$0") ran over $1 s"; kill -TERM $$ ) &
    WATCHDOG=$!
}

setup_net() {
    ip netns add "$SNS" && ip netns add "$CNS" || bail "cannot create namespaces"
    ip link add "bws$TID" netns "$SNS" type veth peer name "bwc$TID" netns "$CNS" || bail "veth"
    ip -n "$SNS" link set lo up
    ip -n "$CNS" link set lo up
    ip -n "$SNS" addr add "$SRV/24" dev "bws$TID"
    ip -n "$CNS" addr add "$CLI/24" dev "bwc$TID"
    ip -n "$SNS" link set "bws$TID" up
    ip -n "$CNS" link set "bwc$TID" up
}
S() { ip netns exec "$SNS" "$@"; }
C() { ip netns exec "$CNS" "$@"; }

# write_policy [extra tftp settings...]: the test policy in $WORK/test.policy
write_policy() {
    {
        echo "tftp {"
        echo "    root \"$ROOT\""
        echo "    ports 5000-5063"
        for l in "$@"; do echo "    $l"; done
        echo "}"
    } > "$WORK/test.policy"
}

start_broker() {
    : > "$LOG"
    ip netns exec "$SNS" "$BUILD/bootward" serve --foreground --policy "$WORK/test.policy" --state "$STATE" \
        --libexec "$BUILD" >>"$LOG" 2>&1 &
    BROKER_PID=$!
    wait_log "event=ready" 1 || { cat "$LOG" >&2; bail "broker did not become ready"; }
}

# reload_broker: SIGHUP, then wait until the broker has accepted the policy
# and a new httpsd is ready.
reload_broker() {
    local r h
    r=$(grep -c "event=reload outcome=accepted" "$LOG")
    h=$(grep -c "httpsd\[[0-9]*\] .*event=ready" "$LOG")
    kill -HUP "$BROKER_PID"
    wait_log "event=reload outcome=accepted" $((r + 1)) || bail "reload failed"
    wait_log "httpsd\[[0-9]*\] .*event=ready" $((h + 1)) || bail "httpsd did not restart"
}

stop_broker() {
    [ -n "$BROKER_PID" ] || return 0
    kill -TERM "$BROKER_PID" 2>/dev/null
    wait "$BROKER_PID" 2>/dev/null
    BROKER_PID=
}

# wait_log PATTERN COUNT [TENTHS]: wait until PATTERN appears COUNT times in the log.
wait_log() {
    local i n
    for i in $(seq 1 "${3:-100}"); do
        n=$(grep -c -- "$1" "$LOG" 2>/dev/null || true)
        [ "${n:-0}" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# tftpd_pid: pid of the running tftpd worker (child of the broker).
tftpd_pid() { pgrep -P "$BROKER_PID" -x bootward-tftpd | head -n 1; }

# make_file NAME BYTES: a file of random bytes in the served root.
make_file() {
    mkdir -p "$(dirname "$ROOT/$1")"
    head -c "$2" /dev/urandom > "$ROOT/$1"
    chmod 644 "$ROOT/$1"
}
# udp_bound PORT: something in the server namespace has UDP PORT bound.
udp_bound() { [ -n "$(S ss -Hlun "sport = :$1")" ]; }
udp_free() { ! udp_bound "$1"; }
sum() { sha256sum "$1" | cut -d' ' -f1; }

# make_test_pki [NAME...]: a throwaway CA and an RSA-2048 server certificate
# for $SRV (and the extra DNS NAMEs) in $STATE/trust, as the broker expects
# them: server.crt, ca.crt, server.key (0600).  The CA is $WORK/ca.crt.
make_test_pki() {
    local t=$STATE/trust san="IP:$SRV,IP:127.0.0.1" n
    for n in "$@"; do san="$san,DNS:$n"; done
    mkdir -p "$t" && chmod 700 "$STATE" "$t"
    printf '[srv]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
        "$san" > "$WORK/ext.cnf"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/ca.key" -out "$t/ca.crt" -days 30 \
        -subj /CN=bootward-test-ca 2>/dev/null &&
    openssl req -newkey rsa:2048 -nodes -keyout "$t/server.key" -out "$WORK/server.csr" \
        -subj /CN=bootward-test 2>/dev/null &&
    openssl x509 -req -in "$WORK/server.csr" -CA "$t/ca.crt" -CAkey "$WORK/ca.key" -CAcreateserial \
        -out "$t/server.crt" -days 30 -extfile "$WORK/ext.cnf" -extensions srv 2>/dev/null ||
        bail "cannot make the test PKI"
    chmod 600 "$t/server.key"
    cp "$t/ca.crt" "$WORK/ca.crt"
}

# httpsd_pid: pid of the running httpsd worker.
httpsd_pid() { pgrep -P "$BROKER_PID" -x bootward-httpsd | head -n 1; }
