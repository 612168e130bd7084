#!/bin/bash
# httpsd with real clients: curl (GET, HEAD, ranges, conditionals, keep-alive,
# errors), openssl s_client (each offered TLS 1.2 suite, TLS 1.3, refused
# suites, the chain), a 1 GiB download, traversal and symlink escapes, request
# smuggling and malformed heads, slowloris and connection floods past the
# caps, plain HTTP off and on, ciphers forward-secret, key-ops-rate.  Three
# broker runs (A: defaults with a short header timeout, B: caps + plain HTTP +
# forward-secret, C: key-ops-rate).  httpsprobe.py sends what curl and openssl
# cannot: exact bytes over TLS, half-open and flooding connections.
. "$(dirname "$0")/lib.sh"

PROBE=$(dirname "$0")/httpsprobe.py
P() { C timeout 60 "$SCAPY_PY" "$PROBE" "$@"; }
CLI2=10.231.$NET_ID.3
CLI3=10.231.$NET_ID.4
CLI4=10.231.$NET_ID.5

setup_net
for a in "$CLI2" "$CLI3" "$CLI4"; do ip -n "$CNS" addr add "$a/24" dev "bwc$TID"; done

make_file small 1000
make_file page 300000
make_file dir/inner 500
echo "bootward-secret-outside-the-root" > "$WORK/secret"; chmod 644 "$WORK/secret"
ln -s /etc/passwd "$ROOT/link-abs"
ln -s ../secret "$ROOT/link-rel"
ln -s ../../../../../../../../etc/passwd "$ROOT/link-deep"
ln -s page "$ROOT/link-ok"
# 1 GiB of real (not sparse) data: AES-CTR of zeros is fast and incompressible.
head -c 1073741824 /dev/zero | openssl enc -aes-128-ctr -K 000102030405060708090a0b0c0d0e0f \
    -iv 00000000000000000000000000000000 -bufsize 1048576 -out "$ROOT/big" || bail "cannot make the 1 GiB file"
chmod 644 "$ROOT/big"
BIG_SUM=$(openssl dgst -sha256 -r "$ROOT/big" | cut -d' ' -f1)

# https_policy SETTING...: an https statement serving $ROOT, in $WORK/test.policy
https_policy() {
    {
        echo "https {"
        echo "    root \"$ROOT\""
        for l in "$@"; do echo "    $l"; done
        echo "}"
    } > "$WORK/test.policy"
}
start_httpsd() {
    start_broker
    wait_log 'httpsd\[[0-9]*\] .*event=ready' 1 || bail "httpsd did not become ready"
}

OUT=$WORK/out
mkdir -p "$OUT"
CURL() { C curl -sS --max-time 20 --cacert "$WORK/ca.crt" "$@"; }
# code ARGS...: the HTTP status (000: no answer); body in $OUT/body, head in $OUT/head
code() { rm -f "$OUT/body" "$OUT/head"; CURL -o "$OUT/body" -D "$OUT/head" -w '%{http_code}' "$@" 2>/dev/null; }
# header NAME: its value in $OUT/head (last response), without CR
header() { grep -i "^$1:" "$OUT/head" | tail -n 1 | cut -d: -f2- | sed 's/^ *//' | tr -d '\r'; }
same_as() { [ -f "$OUT/body" ] && cmp -s "$OUT/body" "$1"; }
no_leak() { [ ! -f "$OUT/body" ] || ! grep -qE 'root:x?:0:0|bootward-secret' "$OUT/body"; }
established() { S ss -Htn state established "( sport = :443 )" | wc -l; }
# busy: connections to :443 the server has not closed yet
busy() { S ss -Htn state established state close-wait "( sport = :443 )" | wc -l; }
# wait_out PATTERN FILE TENTHS: wait until PATTERN appears in FILE
wait_out() {
    local i
    for i in $(seq 1 "$3"); do grep -q -- "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
U=https://$SRV

# ---- run A: defaults, with a short header timeout and room for slowloris ------
make_test_pki
https_policy "header-timeout 3s" "max-per-client 200"
start_httpsd
pid_a=$(httpsd_pid)
check "httpsd is running" test -n "$pid_a"

# 1. curl over HTTPS
r=$(code "$U/small"); check "GET: 200 ($r)" test "$r" = 200
check "GET: content matches" same_as "$ROOT/small"
r=$(code -I "$U/page"); check "HEAD: 200 ($r)" test "$r" = 200
check "HEAD: Content-Length is the file size ($(header Content-Length))" test "$(header Content-Length)" = 300000
wait_log 'method=HEAD target=/page status=200 bytes=0 ' 1
check "HEAD: no body sent (access log bytes=0)" test $? = 0
etag=$(header ETag); lm=$(header Last-Modified)
check "HEAD: ETag and Last-Modified present ($etag; $lm)" test -n "$etag" -a -n "$lm"

r=$(code -r 100-199 "$U/page"); check "range 100-199: 206 ($r)" test "$r" = 206
check "range: Content-Range ($(header Content-Range))" test "$(header Content-Range)" = "bytes 100-199/300000"
tail -c +101 "$ROOT/page" | head -c 100 > "$OUT/slice"
check "range: the 100 bytes match" same_as "$OUT/slice"
r=$(code -r 300000-300010 "$U/page"); check "range beyond EOF: 416 ($r)" test "$r" = 416
check "416 carries Content-Range: bytes */300000 ($(header Content-Range))" test "$(header Content-Range)" = "bytes */300000"
r=$(code -r 0-1,5-6 "$U/page"); check "multiple ranges ignored: 200 ($r)" test "$r" = 200
check "multiple ranges: the whole file" same_as "$ROOT/page"

r=$(code -H "If-None-Match: $etag" "$U/page"); check "If-None-Match with the ETag: 304 ($r)" test "$r" = 304
check "304 has no body" test ! -s "$OUT/body"
r=$(code -H 'If-None-Match: "other"' "$U/page"); check "If-None-Match with another tag: 200 ($r)" test "$r" = 200
r=$(code -H "If-Modified-Since: $lm" "$U/page"); check "If-Modified-Since Last-Modified: 304 ($r)" test "$r" = 304
r=$(code -H "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT" "$U/page")
check "If-Modified-Since in 2000: 200 ($r)" test "$r" = 200

n0=$(grep -c 'event=http ' "$LOG")
CURL -v -o "$OUT/k1" "$U/small" -o "$OUT/k2" "$U/page" -o "$OUT/k3" "$U/dir/inner" 2> "$OUT/ka.err"
check "keep-alive: three files fetched" cmp -s "$OUT/k3" "$ROOT/dir/inner"
check "keep-alive: curl re-used its connection twice" \
    test "$(grep -c 'Re-using existing' "$OUT/ka.err")" = 2
wait_log 'event=http ' $((n0 + 3))
n=$(grep 'event=http ' "$LOG" | tail -n +$((n0 + 1)) | grep -o 'client=[^ ]*' | sort -u | wc -l)
check "keep-alive: the server logged the three requests from one connection (client ports: $n)" test "$n" = 1

r=$(code "$U/missing"); check "missing file: 404 ($r)" test "$r" = 404
for m in DELETE POST PUT; do
    r=$(code -X "$m" "$U/small"); check "$m: 405 ($r)" test "$r" = 405
done
check "405 says Allow: GET, HEAD ($(header Allow))" test "$(header Allow)" = "GET, HEAD"
r=$(code "$U/dir/"); check "listing off: directory 403 ($r)" test "$r" = 403

# A kickstart F.ks is also F.ks.cpio: a newc archive holding ks.cfg.
printf 'text\nrootpw --iscrypted $6$salt$hash\n' > "$ROOT/host1.ks"
chmod 644 "$ROOT/host1.ks"
r=$(code "$U/host1.ks.cpio"); check "kickstart as cpio: 200 ($r)" test "$r" = 200
check "kickstart as cpio: Content-Type application/x-cpio" test "$(header Content-Type)" = application/x-cpio
mkdir -p "$OUT/unpack"
(cd "$OUT/unpack" && cpio -id --quiet < "$OUT/body") 2>/dev/null
check "kickstart as cpio: unpacks to ks.cfg with the same bytes" cmp -s "$OUT/unpack/ks.cfg" "$ROOT/host1.ks"
check "kickstart as cpio: ks.cfg is mode 0600" test "$(stat -c %a "$OUT/unpack/ks.cfg")" = 600
etag=$(header ETag)
r=$(code -H "If-None-Match: $etag" "$U/host1.ks.cpio"); check "kickstart as cpio: 304 for its ETag ($r)" test "$r" = 304
r=$(code "$U/small.cpio"); check "only kickstarts (.ks, .cfg) get a cpio form: 404 ($r)" test "$r" = 404
r=$(code "$U/none.ks.cpio"); check "cpio of a missing kickstart: 404 ($r)" test "$r" = 404
r=$(code "$U/dir"); check "listing off: directory without slash 403 ($r)" test "$r" = 403
r=$(code "$U/"); check "listing off: the root 403 ($r)" test "$r" = 403

# 2. openssl s_client: suites, versions, chain
sclient() {
    printf 'GET /small HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$SRV" |
        C timeout 15 openssl s_client -connect "$SRV:443" -CAfile "$WORK/ca.crt" -verify_ip "$SRV" \
            -ign_eof "$@" > "$OUT/sc" 2>&1
}
# negotiated VERSION SUITE: what s_client's session summary says
negotiated() { grep -q "^ *Protocol *: $1\$" "$OUT/sc" && grep -q "^ *Cipher *: $2\$" "$OUT/sc"; }
for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 AES128-GCM-SHA256 AES256-GCM-SHA384 \
         AES128-SHA AES256-SHA; do
    sclient -tls1_2 -cipher "$c:@SECLEVEL=0"; rc=$?
    check "TLS 1.2 $c: handshake (rc=$rc)" negotiated TLSv1.2 "$c"
    check "TLS 1.2 $c: HTTP answer" grep -q '^HTTP/1.1 200 OK' "$OUT/sc"
done
sclient -tls1_3; rc=$?
check "TLS 1.3 handshake (rc=$rc)" grep -q 'New, TLSv1.3, Cipher is TLS_' "$OUT/sc"
check "TLS 1.3 HTTP answer" grep -q '^HTTP/1.1 200 OK' "$OUT/sc"
check "chain verifies against the CA" grep -q 'Verify return code: 0 (ok)' "$OUT/sc"
# refused: s_client reached the server, which answered with an alert and no HTTP
refused() { grep -q '^CONNECTED(' "$OUT/sc" && grep -q "$1" "$OUT/sc" && ! grep -q '^HTTP/1.1' "$OUT/sc"; }
for c in AES128-SHA256 AES256-SHA256 ECDHE-RSA-AES128-SHA256 ECDHE-RSA-AES128-SHA ECDHE-RSA-CHACHA20-POLY1305; do
    sclient -tls1_2 -cipher "$c:@SECLEVEL=0"; rc=$?
    check "TLS 1.2 $c refused (rc=$rc)" refused 'alert handshake failure'
done
sclient -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'; rc=$?
check "TLS 1.1 refused (rc=$rc)" refused 'alert protocol version'
wait_log 'event=tls-error .*during=handshake' 1
check "refused handshakes are logged as tls-error" test $? = 0

sclient -showcerts
check "-showcerts: 2 certificates sent" test "$(grep -c -- '-----BEGIN CERTIFICATE-----' "$OUT/sc")" = 2
awk -v dir="$OUT" '/-----BEGIN CERTIFICATE-----/ { n++; w = 1 } w { print > (dir "/chain" n ".pem") }
    /-----END CERTIFICATE-----/ { w = 0 }' "$OUT/sc"
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 2>/dev/null; }
check "certificate 0 is the server certificate" test -n "$(fp "$OUT/chain1.pem")" -a "$(fp "$OUT/chain1.pem")" = "$(fp "$STATE/trust/server.crt")"
check "certificate 1 is the CA root" test -n "$(fp "$OUT/chain2.pem")" -a "$(fp "$OUT/chain2.pem")" = "$(fp "$WORK/ca.crt")"
r=$(C curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$U/small" 2>/dev/null)
check "without the CA curl does not trust the server ($r)" test "$r" = 000

# 3. 1 GiB over HTTPS, then its last MiB by range
start=$(date +%s)
got=$(set -o pipefail; CURL --max-time 60 "$U/big" | openssl dgst -sha256 -r | cut -d' ' -f1); rc=$?
diag "1 GiB over HTTPS: $(( $(date +%s) - start )) s"
check "1 GiB download: sha256 matches (curl rc=$rc)" test "$rc" = 0 -a "$got" = "$BIG_SUM"
wait_log 'target=/big status=200 bytes=1073741824 ' 1
check "1 GiB download logged with its size" test $? = 0
r=$(code -r -1048576 "$U/big"); check "last MiB by suffix range: 206 ($r)" test "$r" = 206
check "last MiB: Content-Range ($(header Content-Range))" \
    test "$(header Content-Range)" = "bytes 1072693248-1073741823/1073741824"
tail -c 1048576 "$ROOT/big" > "$OUT/tail"
check "last MiB matches" same_as "$OUT/tail"
r=$(code -r 1072693248- "$U/big"); check "last MiB by offset: 206 ($r)" test "$r" = 206
check "last MiB by offset matches" same_as "$OUT/tail"
rm -f "$ROOT/big" "$OUT/tail" "$OUT/body"

# 4. traversal and escapes: never file content, 400 or 403 as the parser decides
for t in "/../etc/passwd 403" "/dir/../../etc/passwd 403" "/%2e%2e/etc/passwd 403" "/%2E%2E/%2e%2e/etc/passwd 403" \
         "/dir/%2e%2e/%2e%2e/etc/passwd 403" "/..%2fetc%2fpasswd 403" "/a%2fb 403" "/dir%2finner 403" \
         "/..%5c..%5cetc%5cpasswd 403" "/%2e/small 403" "/dir/%2e/inner 403" "/./small 403" \
         "/%00 400" "/small%00 400" "/%c0%ae%c0%ae/etc/passwd 400" "/%c0%afetc%c0%afpasswd 400" \
         "/%e0%80%ae%e0%80%ae/etc/passwd 400" "/%zz 400"; do
    read -r target want <<< "$t"
    r=$(code --path-as-is "$U$target")
    check "$target: $want ($r)" test "$r" = "$want"
    check "$target: nothing leaked" no_leak
done
for l in link-abs link-rel link-deep; do
    r=$(code "$U/$l")
    case "$r" in 403|404) ok "symlink $l stays in the chroot ($r)" ;; *) not_ok "symlink $l stays in the chroot ($r)" ;; esac
    check "symlink $l: nothing leaked" no_leak
done
r=$(code "$U/link-ok"); check "a symlink inside the root is served ($r)" test "$r" = 200
check "a symlink inside the root: content matches" same_as "$ROOT/page"

# 5. smuggling and malformed heads, raw over TLS: one answer, then the close.
# One probe run sends each request on a connection of its own.
H="Host: $SRV\\r\\n"
G="GET /small HTTP/1.1\\r\\n$H\\r\\n"
S1="GET /small HTTP/1.1\\r\\n$H"
raw_desc=() raw_req=() raw_want=()
raw_case() { raw_desc+=("$1"); raw_req+=("b'$2'"); raw_want+=("$3"); }
raw_case "pipelined keep-alive: two answers then close" \
    "$S1\\r\\nGET /page HTTP/1.1\\r\\n${H}Connection: close\\r\\n\\r\\n" "statuses=200,200 eof=yes"
raw_case "Content-Length + Transfer-Encoding: 400 and close" \
    "${S1}Content-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n$G" "statuses=400 eof=yes"
raw_case "Transfer-Encoding + Content-Length: 400 and close" \
    "${S1}Transfer-Encoding: chunked\\r\\nContent-Length: 5\\r\\n\\r\\n0\\r\\n\\r\\n$G" "statuses=400 eof=yes"
raw_case "conflicting Content-Length: 400 and close" \
    "${S1}Content-Length: 5\\r\\nContent-Length: 6\\r\\n\\r\\nhello$G" "statuses=400 eof=yes"
raw_case "Content-Length list of two values: 400 and close" \
    "${S1}Content-Length: 5, 6\\r\\n\\r\\nhello$G" "statuses=400 eof=yes"
raw_case "whitespace before the colon: 400 and close" \
    "${S1}Transfer-Encoding : chunked\\r\\n\\r\\n0\\r\\n\\r\\n$G" "statuses=400 eof=yes"
raw_case "Content-Length with a sign: 400 and close" \
    "${S1}Content-Length: +5\\r\\n\\r\\nhello$G" "statuses=400 eof=yes"
raw_case "obs-fold: 400 and close" \
    "${S1}X-A: a\\r\\n Transfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n$G" "statuses=400 eof=yes"
raw_case "a body on GET: 413 and close" "${S1}Content-Length: 5\\r\\n\\r\\nhello$G" "statuses=413 eof=yes"
raw_case "a chunked body on GET: 413 and close" \
    "${S1}Transfer-Encoding: chunked\\r\\n\\r\\n5\\r\\nhello\\r\\n0\\r\\n\\r\\n$G" "statuses=413 eof=yes"
raw_case "Content-Length: 0 on GET is no body: two answers" \
    "${S1}Content-Length: 0\\r\\n\\r\\n${S1}Connection: close\\r\\n\\r\\n" "statuses=200,200 eof=yes"
raw_case "a 3000-byte target: 414 and close" \
    "GET /$(printf 'a%.0s' $(seq 3000)) HTTP/1.1\\r\\n$H\\r\\n" "statuses=414 eof=yes"
raw_case "a 9000-byte header: 431 and close" \
    "${S1}X-Big: $(printf 'a%.0s' $(seq 9000))\\r\\n\\r\\n" "statuses=431 eof=yes"
raw_case "HTTP/2.0 request line: 505 and close" "GET /small HTTP/2.0\\r\\n$H\\r\\n" "statuses=505 eof=yes"
raw_case "HTTP/1.1 without Host: 400 and close" "GET /small HTTP/1.1\\r\\n\\r\\n" "statuses=400 eof=yes"
mapfile -t raw_got < <(P raw "$SRV" 443 "$WORK/ca.crt" "${raw_req[@]}" 2>&1)
for i in "${!raw_desc[@]}"; do
    r=${raw_got[$i]:-nothing}
    check "${raw_desc[$i]} ($r)" test "$r" = "${raw_want[$i]}"
done

# 6. slowloris: 80 TCP connections stuck in the TLS record header, 20 TLS
# connections sending their request head a byte at a time (header-timeout 3s)
P slowloris "$SRV" 443 "$WORK/ca.crt" 80 20 3 > "$OUT/slow" 2>&1 &
slow_pid=$!
wait_out READY "$OUT/slow" 150
check "slowloris: 100 connections open ($(head -n 1 "$OUT/slow"))" grep -q '^READY open=100' "$OUT/slow"
n=$(established)
check "slowloris: the server holds them ($n established)" test "$n" -ge 100
t0=$(date +%s%N)
r=$(code --max-time 5 "$U/small")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "slowloris: a normal curl is served meanwhile ($r)" test "$r" = 200
check "slowloris: ... quickly (${ms} ms)" test "$ms" -lt 1500
wait "$slow_pid"
check "slowloris probe finished" test $? = 0
diag "$(cat "$OUT/slow")"
for kind in plain tls; do
    line=$(grep "^$kind closed=" "$OUT/slow")
    closed=x total=y min_s=-1 max_s=99
    [ -n "$line" ] && read -r closed total min_s max_s <<< \
        "$(echo "$line" | sed 's/.*closed=\([0-9]*\)\/\([0-9]*\) min_s=\([0-9.-]*\) max_s=\([0-9.-]*\)/\1 \2 \3 \4/')"
    check "slowloris $kind: all closed by the server ($line)" test "$closed" = "$total"
    check "slowloris $kind: not before the header timeout (min $min_s s)" \
        awk -v v="$min_s" 'BEGIN { exit !(v >= 2.7) }'
    check "slowloris $kind: soon after it (max $max_s s)" awk -v v="$max_s" 'BEGIN { exit !(v <= 5.0) }'
done
check "timeouts logged during=handshake" grep -q 'event=timeout client=.* during=handshake' "$LOG"
check "timeouts logged during=request-head" grep -q 'event=timeout client=.* during=request-head' "$LOG"

# 8a. plain HTTP off: only the TLS port listens
listening=$(S ss -Hltn | awk '{ print $4 }' | tr '\n' ' ')
check "plain-http off: only :443 listens ($listening)" test "$listening" = "0.0.0.0:443 "
C curl -sS --max-time 5 -o /dev/null "http://$SRV/small" 2>/dev/null; rc=$?
check "plain-http off: http://$SRV/ cannot connect (curl rc=$rc)" test "$rc" = 7

# 9a. no crash through all of the above
check "httpsd survived run A (same pid)" test "$(httpsd_pid)" = "$pid_a"
check "run A: httpsd started once" test "$(grep -c 'event=spawn worker=httpsd' "$LOG")" = 1
check "run A: no level=err from httpsd" test "$(grep -c 'httpsd\[[0-9]*\] level=err' "$LOG")" = 0
cp "$LOG" "$WORK/broker-a.log"

# ---- run B: caps, plain HTTP on port 80, forward-secret suites -----------------
stop_broker
https_policy "max-per-client 20" "max-connections 60" "header-timeout 30s" "plain-http 80" \
    "ciphers forward-secret" "listing on"
start_httpsd
pid_b=$(httpsd_pid)
check "run B: httpsd is running" test -n "$pid_b"

# 7. connection flood: 100 connections from one address
P flood "$SRV" 443 "$OUT/release1" "$CLI:100" > "$OUT/flood1" 2>&1 &
flood_pid=$!
wait_out READY "$OUT/flood1" 200
r=$(grep "^$CLI " "$OUT/flood1")
check "flood: 20 of 100 connections stay open, 80 closed by the server ($r)" test "$r" = "$CLI open=20 closed=80"
r=$(code --interface "$CLI2" "$U/small")
check "flood: another client address is still served ($r)" test "$r" = 200
r=$(code "$U/small")
check "flood: the flooding address gets no more ($r)" test "$r" = 000
check "flood: refusals logged reason=max-per-client" \
    grep -q "event=refused client=$CLI reason=max-per-client" "$LOG"
touch "$OUT/release1"
wait "$flood_pid"
check "flood probe finished" test $? = 0
check "flood: the 20 were held until released ($(tail -n 1 "$OUT/flood1"))" grep -q '^dropped-while-held=0' "$OUT/flood1"
for i in $(seq 1 50); do [ "$(busy)" = 0 ] && break; sleep 0.1; done
check "flood: the server let go of the connections" test "$(busy)" = 0

# ... then 60 from three addresses fill max-connections; a fourth is refused
P flood "$SRV" 443 "$OUT/release2" "$CLI:20" "$CLI2:20" "$CLI3:20" "$CLI4:5" > "$OUT/flood2" 2>&1 &
flood_pid=$!
wait_out READY "$OUT/flood2" 200
r=$(grep -c ' open=20 closed=0$' "$OUT/flood2")
check "max-connections: 3 x 20 connections held ($(head -n 3 "$OUT/flood2" | tr '\n' ';'))" test "$r" = 3
r=$(grep "^$CLI4 " "$OUT/flood2")
check "max-connections: the 61st and later are closed ($r)" test "$r" = "$CLI4 open=0 closed=5"
check "max-connections: refusal logged" grep -q "event=refused client=$CLI4 reason=max-connections" "$LOG"
touch "$OUT/release2"
wait "$flood_pid"
check "flood probe 2 finished" test $? = 0
check "max-connections: the 60 were held until released" grep -q '^dropped-while-held=0' "$OUT/flood2"
for i in $(seq 1 50); do [ "$(busy)" = 0 ] && break; sleep 0.1; done
r=$(code --interface "$CLI4" "$U/small")
check "after the flood: served again ($r)" test "$r" = 200

# 8b. plain HTTP on port 80
listening=$(S ss -Hltn | awk '{ print $4 }' | sort | tr '\n' ' ')
check "plain-http 80: :443 and :80 listen ($listening)" test "$listening" = "0.0.0.0:443 0.0.0.0:80 "
rm -f "$OUT/body"
r=$(C curl -sS --max-time 10 -o "$OUT/body" -w '%{http_code}' "http://$SRV/page" 2>/dev/null)
check "plain-http 80: GET 200 ($r)" test "$r" = 200
check "plain-http 80: content matches" same_as "$ROOT/page"
wait_log 'tls=off method=GET target=/page status=200 bytes=300000 ' 1
check "plain-http 80: logged tls=off" test $? = 0
r=$(C curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$SRV:443/page" 2>/dev/null)
check "plain HTTP to the TLS port gets no HTTP answer ($r)" test "$r" = 000

# ciphers forward-secret: only the ECDHE suites in TLS 1.2, TLS 1.3 as always
for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384; do
    sclient -tls1_2 -cipher "$c"; rc=$?
    check "forward-secret: $c accepted (rc=$rc)" negotiated TLSv1.2 "$c"
done
for c in AES128-GCM-SHA256 AES256-GCM-SHA384 AES128-SHA AES256-SHA; do
    sclient -tls1_2 -cipher "$c:@SECLEVEL=0"; rc=$?
    check "forward-secret: $c refused (rc=$rc)" refused 'alert handshake failure'
done
sclient -tls1_3; rc=$?
check "forward-secret: TLS 1.3 still works (rc=$rc)" grep -q '^HTTP/1.1 200 OK' "$OUT/sc"

# listing on: HTML listings, names escaped, directories redirected to their slash
: > "$ROOT/dir/a<b&c.txt"; chmod 644 "$ROOT/dir/a<b&c.txt"
r=$(code "$U/dir"); check "listing on: /dir is 301 ($r)" test "$r" = 301
check "listing on: to /dir/ ($(header Location))" test "$(header Location)" = /dir/
r=$(code "$U/dir/"); check "listing on: /dir/ is 200 ($r)" test "$r" = 200
check "listing on: text/html" test "$(header Content-Type)" = "text/html; charset=utf-8"
check "listing on: the listing links inner" grep -q '<a href="inner">inner</a>' "$OUT/body"
check "listing on: names are escaped for HTML and percent-encoded in links" \
    grep -qF '<a href="a%3Cb%26c.txt">a&lt;b&amp;c.txt</a>' "$OUT/body"
rm -f "$ROOT/dir/a<b&c.txt"

# 9b. no crash in run B
check "httpsd survived run B (same pid)" test "$(httpsd_pid)" = "$pid_b"
check "run B: httpsd started once" test "$(grep -c 'event=spawn worker=httpsd' "$LOG")" = 1
check "run B: no level=err from httpsd" test "$(grep -c 'httpsd\[[0-9]*\] level=err' "$LOG")" = 0

# ---- run C: key-ops-rate 3: a burst of handshakes beyond it fails at once -----
stop_broker
https_policy "key-ops-rate 3"
start_httpsd
pid_c=$(httpsd_pid)
r=$(P handshakes "$SRV" 443 "$WORK/ca.crt" 20)
good=0 bad=0 slowest=99
[[ "$r" =~ ^ok=([0-9]+)\ failed=([0-9]+)\ slowest_s=([0-9.]+)$ ]] &&
    good=${BASH_REMATCH[1]} bad=${BASH_REMATCH[2]} slowest=${BASH_REMATCH[3]}
check "key-ops-rate 3: of 20 quick handshakes 3 to 6 succeed ($r)" test "$good" -ge 3 -a "$good" -le 6
check "key-ops-rate 3: the others fail" test "$((good + bad))" = 20
check "key-ops-rate 3: failures are immediate (slowest $slowest s)" awk -v v="$slowest" 'BEGIN { exit !(v < 1.0) }'
for i in $(seq 1 30); do
    r=$(P handshakes "$SRV" 443 "$WORK/ca.crt" 1)
    [ "$r" = "${r#ok=1 }" ] || break
    sleep 0.1
done
check "key-ops-rate 3: a handshake succeeds again in the next second ($r)" test "$r" != "${r#ok=1 }"
wait_log 'event=key-rate refused=' 1
check "key-ops-rate: refusals logged by the broker" test $? = 0
check "key-ops-rate: httpsd survived (same pid)" test "$(httpsd_pid)" = "$pid_c"
finish
