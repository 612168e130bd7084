#!/bin/bash
# `bootward trust init` and `show`: the CA, server and code-signing
# certificates checked with openssl (chain, names, key usages, no OCSP/CRL/AIA
# locations, back-dated start, SHA-256, random serials), file modes, a second
# run that changes nothing, a refusal for other names without --rotate, a
# rotation that keeps the CA, missing files re-made one by one, a missing CA
# key refused, non-root refused.  Then the real broker serves HTTPS with what
# init made, checked from the client namespace with openssl s_client and curl,
# and serves the rotated certificate after SIGHUP.  Last, `bootward ipxe
# embed`: the files it writes, its choice and checking of --server, and its
# refusals.
. "$(dirname "$0")/lib.sh"

watchdog 58

BW=$BUILD/bootward
T=$STATE/trust
OUT=$WORK/out
mkdir -p "$OUT"
HOST=$(hostname)
ALL="ca.crt ca.key server.crt server.key codesign.crt codesign.key token.key minisign.key minisign.pub"

# sums FILE...: one line per file, "name sha256", for comparing runs
sums() { local f; for f in "$@"; do echo "$f $(sha256sum < "$T/$f" | cut -d' ' -f1)"; done; }
text() { openssl x509 -in "$T/$1" -noout -text; }
ext() { openssl x509 -in "$T/$1" -noout -ext "$2" 2>/dev/null | tail -n +2 | sed 's/^ *//' | tr '\n' ' ' | sed 's/ $//'; }
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 2>/dev/null | cut -d= -f2; }
epoch() { date -u -d "$(openssl x509 -in "$T/$1" -noout "-$2" | cut -d= -f2)" +%s; }
mode() { stat -c %a "$1"; }
vfy() { openssl verify "$@" > /dev/null 2>&1; }

# ---- non-root is refused, and creates nothing ----------------------------------
setpriv --reuid=65534 --regid=65534 --clear-groups "$BW" trust init --state "$STATE" --name "$SRV" \
    > "$OUT/nonroot" 2>&1; rc=$?
check "non-root: refused with exit 1 ($rc)" test "$rc" = 1
check "non-root: says it must run as root ($(head -n 1 "$OUT/nonroot"))" grep -q 'must run as root' "$OUT/nonroot"
check "non-root: no state directory made" test ! -e "$STATE"

# ---- first run -----------------------------------------------------------------
"$BW" trust init --state "$STATE" --name "$SRV" --name boot.test > "$OUT/init1" 2>&1; rc=$?
check "init: exit 0 ($rc)" test "$rc" = 0
[ "$rc" = 0 ] || { diag "$(cat "$OUT/init1")"; bail "trust init failed"; }
check "init: every file exists ($(cd "$T" && ls -A | tr '\n' ' '))" \
    test "$(cd "$T" && ls -A | sort | tr '\n' ' ')" = "$(echo $ALL | tr ' ' '\n' | sort | tr '\n' ' ')"
check "init: the state directory is mode 0700 ($(mode "$STATE"))" test "$(mode "$STATE")" = 700
check "init: trust/ is mode 0700, owned by root ($(stat -c '%a %u' "$T"))" test "$(stat -c '%a %u' "$T")" = "700 0"
for f in ca.key server.key codesign.key token.key minisign.key; do
    check "init: $f is mode 0600, owned by root ($(stat -c '%a %u' "$T/$f"))" test "$(stat -c '%a %u' "$T/$f")" = "600 0"
done
check "init: token.key holds 32 bytes ($(stat -c %s "$T/token.key"))" test "$(stat -c %s "$T/token.key")" = 32
check "init: the output reports the created files" grep -q '^  server.crt  *created ' "$OUT/init1"

# the CA
check "ca: subject CN=bootward CA $HOST" test "$(openssl x509 -in "$T/ca.crt" -noout -subject -nameopt RFC2253)" = "subject=CN=bootward CA $HOST"
check "ca: self-signed" vfy -CAfile "$T/ca.crt" "$T/ca.crt"
check "ca: RSA 3072" grep -q 'Public-Key: (3072 bit)' <(text ca.crt)
check "ca: ca.key is an RSA key that matches ca.crt" \
    test "$(openssl pkey -in "$T/ca.key" -pubout 2>/dev/null)" = "$(openssl x509 -in "$T/ca.crt" -noout -pubkey)"
check "ca: basicConstraints critical CA:TRUE ($(ext ca.crt basicConstraints))" \
    test "$(openssl x509 -in "$T/ca.crt" -noout -ext basicConstraints | tr -d '\n ')" = "X509v3BasicConstraints:criticalCA:TRUE"
check "ca: keyUsage critical keyCertSign, cRLSign ($(ext ca.crt keyUsage))" \
    test "$(openssl x509 -in "$T/ca.crt" -noout -ext keyUsage | tr -d '\n ')" = "X509v3KeyUsage:criticalCertificateSign,CRLSign"
check "ca: has a subjectKeyIdentifier" test -n "$(ext ca.crt subjectKeyIdentifier)"
now=$(date -u +%s)
nb=$(epoch ca.crt startdate); na=$(epoch ca.crt enddate)
check "ca: starts about 2 days ago ($(( (now - nb) / 3600 )) h)" test $((now - nb)) -ge 169200 -a $((now - nb)) -le 176400
check "ca: valid for 20 years ($(( (na - now) / 86400 )) days)" test $(( (na - now) / 86400 )) -ge 7300 -a $(( (na - now) / 86400 )) -le 7306

# the server certificate
check "server: verifies against ca.crt" vfy -CAfile "$T/ca.crt" "$T/server.crt"
check "server: one certificate in server.crt" test "$(grep -c 'BEGIN CERTIFICATE' "$T/server.crt")" = 1
check "server: CN is the first name" test "$(openssl x509 -in "$T/server.crt" -noout -subject -nameopt RFC2253)" = "subject=CN=$SRV"
check "server: subjectAltName IP:$SRV, DNS:boot.test ($(ext server.crt subjectAltName))" \
    test "$(ext server.crt subjectAltName)" = "IP Address:$SRV, DNS:boot.test"
check "server: extendedKeyUsage serverAuth ($(ext server.crt extendedKeyUsage))" \
    test "$(ext server.crt extendedKeyUsage)" = "TLS Web Server Authentication"
check "server: keyUsage critical digitalSignature, keyEncipherment" \
    test "$(openssl x509 -in "$T/server.crt" -noout -ext keyUsage | tr -d '\n ')" = "X509v3KeyUsage:criticalDigitalSignature,KeyEncipherment"
check "server: basicConstraints critical CA:FALSE" \
    test "$(openssl x509 -in "$T/server.crt" -noout -ext basicConstraints | tr -d '\n ')" = "X509v3BasicConstraints:criticalCA:FALSE"
check "server: authorityKeyIdentifier is ca.crt's subjectKeyIdentifier" \
    test -n "$(ext ca.crt subjectKeyIdentifier)" -a "$(ext server.crt authorityKeyIdentifier | sed 's/^keyid://')" = "$(ext ca.crt subjectKeyIdentifier)"
check "server: RSA 2048" grep -q 'Public-Key: (2048 bit)' <(text server.crt)
check "server: server.key matches server.crt" \
    test "$(openssl pkey -in "$T/server.key" -pubout 2>/dev/null)" = "$(openssl x509 -in "$T/server.crt" -noout -pubkey)"
check "server: passes openssl's SSL-server purpose check" \
    vfy -CAfile "$T/ca.crt" -purpose sslserver -verify_ip "$SRV" "$T/server.crt"
nb=$(epoch server.crt startdate); na=$(epoch server.crt enddate)
check "server: notBefore at least a day in the past ($(( (now - nb) / 3600 )) h)" test $((now - nb)) -ge 86400 -a $((now - nb)) -le 176400
check "server: valid for 825 days ($(( (na - now) / 86400 )) days)" test $(( (na - now) / 86400 )) -ge 824 -a $(( (na - now) / 86400 )) -le 825

# the code-signing certificate
check "codesign: verifies against ca.crt" vfy -CAfile "$T/ca.crt" "$T/codesign.crt"
check "codesign: CN=bootward code signing $HOST" \
    test "$(openssl x509 -in "$T/codesign.crt" -noout -subject -nameopt RFC2253)" = "subject=CN=bootward code signing $HOST"
check "codesign: extendedKeyUsage codeSigning ($(ext codesign.crt extendedKeyUsage))" \
    test "$(ext codesign.crt extendedKeyUsage)" = "Code Signing"
check "codesign: keyUsage critical digitalSignature only" \
    test "$(openssl x509 -in "$T/codesign.crt" -noout -ext keyUsage | tr -d '\n ')" = "X509v3KeyUsage:criticalDigitalSignature"
check "codesign: basicConstraints CA:FALSE ($(ext codesign.crt basicConstraints))" \
    test "$(ext codesign.crt basicConstraints)" = "CA:FALSE"
check "codesign: codesign.key matches codesign.crt" \
    test "$(openssl pkey -in "$T/codesign.key" -pubout 2>/dev/null)" = "$(openssl x509 -in "$T/codesign.crt" -noout -pubkey)"
check "codesign: notBefore at least a day in the past" test $((now - $(epoch codesign.crt startdate))) -ge 86400
# openssl cms signs and verifies with it as iPXE's imgverify would use it
echo "#!ipxe" > "$OUT/boot.ipxe"
openssl cms -sign -binary -noattr -in "$OUT/boot.ipxe" -signer "$T/codesign.crt" -inkey "$T/codesign.key" \
    -outform DER -out "$OUT/boot.ipxe.sig" 2>/dev/null
# (OpenSSL 3.0 has no codeSigning purpose: the EKU is checked above, as iPXE does)
check "codesign: a CMS signature made with it verifies against ca.crt" \
    openssl cms -verify -binary -inform DER -in "$OUT/boot.ipxe.sig" -content "$OUT/boot.ipxe" \
    -CAfile "$T/ca.crt" -purpose any -out /dev/null 2>/dev/null

for c in ca.crt server.crt codesign.crt; do
    check "$c: signed with sha256WithRSAEncryption" \
        test "$(text "$c" | grep -c 'Signature Algorithm: sha256WithRSAEncryption')" = 2
    check "$c: no OCSP, CRL or AIA locations" \
        test -z "$(text "$c" | grep -E 'OCSP|CRL Distribution|Authority Information Access|URI:')"
    s=$(openssl x509 -in "$T/$c" -noout -serial | cut -d= -f2)
    check "$c: a 16-byte positive serial ($s)" test "${#s}" = 32 -a "$(printf %d "0x${s:0:1}")" -lt 8
done
s1=$(openssl x509 -in "$T/server.crt" -noout -serial); s2=$(openssl x509 -in "$T/codesign.crt" -noout -serial)
check "serials differ" test "$s1" != "$s2"
check "init: prints the SHA-256 fingerprint of ca.crt" \
    grep -q "^SHA-256 fingerprint of ca.crt: $(fp "$T/ca.crt")\$" "$OUT/init1"

# ---- a second run changes nothing ----------------------------------------------
sums $ALL > "$OUT/sums1"
ls -li --time-style=+%s.%N "$T" > "$OUT/ls1"
"$BW" trust init --state "$STATE" --name boot.test --name "$SRV" > "$OUT/init2" 2>&1; rc=$?
check "second run: exit 0 ($rc)" test "$rc" = 0
sums $ALL > "$OUT/sums2"
ls -li --time-style=+%s.%N "$T" > "$OUT/ls2"
check "second run: every file has the same bytes" cmp -s "$OUT/sums1" "$OUT/sums2"
check "second run: not even rewritten (same inodes and times)" cmp -s "$OUT/ls1" "$OUT/ls2"
check "second run: says nothing to do" grep -q '^nothing to do' "$OUT/init2"
check "second run: shows the names and the fingerprint" \
    eval 'grep -q "names IP:$SRV DNS:boot.test" "$OUT/init2" && grep -q "$(fp "$T/ca.crt")" "$OUT/init2"'
"$BW" trust show --state "$STATE" > "$OUT/show" 2>&1; rc=$?
check "show: exit 0 ($rc), every file ok" test "$rc" = 0 -a "$(grep -c -E '^  [a-z.]+ +ok( |$)' "$OUT/show")" = 9

# ---- other names without --rotate: refused, nothing changed ----------------------
"$BW" trust init --state "$STATE" --name other.test > "$OUT/other" 2>&1; rc=$?
check "other names: exit 1 ($rc)" test "$rc" = 1
check "other names: suggests --rotate ($(head -n 1 "$OUT/other"))" grep -q -- '--rotate' "$OUT/other"
sums $ALL > "$OUT/sums3"
check "other names: nothing changed" cmp -s "$OUT/sums1" "$OUT/sums3"
"$BW" trust init --state "$STATE" --name 'bad_name!' > "$OUT/bad" 2>&1; rc=$?
check "an invalid name is refused (exit $rc): $(head -n 1 "$OUT/bad")" test "$rc" = 2

# ---- a missing CA key: refused, the CA is never replaced ---------------------------
mv "$T/ca.key" "$WORK/ca.key.away"
"$BW" trust init --state "$STATE" > "$OUT/noca" 2>&1; rc=$?
check "ca.key missing: exit 1 ($rc)" test "$rc" = 1
check "ca.key missing: names the file ($(head -n 1 "$OUT/noca"))" grep -q "$T/ca.crt exists but ca.key does not" "$OUT/noca"
check "ca.key missing: ca.crt kept, nothing made" test "$(sums ca.crt)" = "$(grep '^ca.crt ' "$OUT/sums1")" -a ! -e "$T/ca.key"
mv "$WORK/ca.key.away" "$T/ca.key"

# ---- an exposed key is refused --------------------------------------------------
chmod 644 "$T/server.key"
"$BW" trust init --state "$STATE" > "$OUT/exposed" 2>&1; rc=$?
check "server.key mode 0644: exit 1 ($rc), says why ($(head -n 1 "$OUT/exposed"))" \
    grep -q "server.key: a secret key must be mode 0600" "$OUT/exposed"
chmod 600 "$T/server.key"

# ---- a missing leaf file is made alone ---------------------------------------------
rm "$T/codesign.crt"
"$BW" trust init --state "$STATE" > "$OUT/leaf" 2>&1; rc=$?
sums $ALL > "$OUT/sums4"
check "codesign.crt missing: exit 0 ($rc)" test "$rc" = 0
check "codesign.crt missing: made again, for the same key" \
    test "$(openssl pkey -in "$T/codesign.key" -pubout 2>/dev/null)" = "$(openssl x509 -in "$T/codesign.crt" -noout -pubkey)"
check "codesign.crt missing: every other file unchanged" \
    test "$(grep -v '^codesign.crt ' "$OUT/sums1")" = "$(grep -v '^codesign.crt ' "$OUT/sums4")"
check "codesign.crt missing: the new one verifies" vfy -CAfile "$T/ca.crt" "$T/codesign.crt"
sums $ALL > "$OUT/sums1"

# ---- the broker serves what init made ---------------------------------------------
setup_net
echo "served over tls" > "$ROOT/file"; chmod 644 "$ROOT/file"
{ echo "https {"; echo "    root \"$ROOT\""; echo "}"; } > "$WORK/test.policy"
start_broker
wait_log 'httpsd\[[0-9]*\] .*event=ready' 1 || bail "httpsd did not become ready"
sclient() {
    printf 'GET /file HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$SRV" |
        C timeout 10 openssl s_client -connect "$SRV:443" -CAfile "$T/ca.crt" -verify_return_error \
            -verify_ip "$SRV" -showcerts -ign_eof "$@" > "$OUT/sc" 2>&1
}
sclient; rc=$?
check "s_client: verifies the chain for IP $SRV (rc=$rc)" grep -q 'Verify return code: 0 (ok)' "$OUT/sc"
check "s_client: the file is served" grep -q '^served over tls' "$OUT/sc"
check "s_client: 2 certificates sent" test "$(grep -c -- '-----BEGIN CERTIFICATE-----' "$OUT/sc")" = 2
# split_chain: the certificates s_client printed, as $OUT/chain1.pem, chain2.pem...
split_chain() {
    rm -f "$OUT"/chain*.pem
    awk -v dir="$OUT" '/-----BEGIN CERTIFICATE-----/ { n++; w = 1 } w { print > (dir "/chain" n ".pem") }
        /-----END CERTIFICATE-----/ { w = 0 }' "$OUT/sc"
}
split_chain
check "s_client: certificate 0 is server.crt" test -n "$(fp "$OUT/chain1.pem")" -a "$(fp "$OUT/chain1.pem")" = "$(fp "$T/server.crt")"
check "s_client: certificate 1, the last, is ca.crt" test -n "$(fp "$OUT/chain2.pem")" -a "$(fp "$OUT/chain2.pem")" = "$(fp "$T/ca.crt")"
C curl -sS --max-time 10 --cacert "$T/ca.crt" --resolve "boot.test:443:$SRV" -o "$OUT/got" https://boot.test/file \
    2> "$OUT/curl.err"; rc=$?
check "curl https://boot.test/file verified by ca.crt (rc=$rc)" cmp -s "$OUT/got" "$ROOT/file"
C curl -sS --max-time 10 --cacert "$T/ca.crt" --resolve "other.test:443:$SRV" -o /dev/null https://other.test/file \
    2> "$OUT/curl2.err"; rc=$?
check "curl https://other.test/ fails: not a name in the certificate (rc=$rc)" test "$rc" = 60

# ---- --rotate: new server and code-signing keys, the CA kept; SIGHUP serves it --------
"$BW" trust init --state "$STATE" --rotate > "$OUT/rotate" 2>&1; rc=$?
sums $ALL > "$OUT/sums5"
check "rotate: exit 0 ($rc)" test "$rc" = 0
for f in server.crt server.key codesign.crt codesign.key; do
    check "rotate: $f replaced" test "$(grep "^$f " "$OUT/sums1")" != "$(grep "^$f " "$OUT/sums5")"
done
for f in ca.crt ca.key token.key minisign.key minisign.pub; do
    check "rotate: $f kept" test "$(grep "^$f " "$OUT/sums1")" = "$(grep "^$f " "$OUT/sums5")"
done
check "rotate: the server keeps its names ($(ext server.crt subjectAltName))" \
    test "$(ext server.crt subjectAltName)" = "IP Address:$SRV, DNS:boot.test"
check "rotate: the new certificates verify" vfy -CAfile "$T/ca.crt" "$T/server.crt" "$T/codesign.crt"
check "rotate: keys still mode 0600" test "$(mode "$T/server.key") $(mode "$T/codesign.key")" = "600 600"
check "rotate: no temporary files left ($(ls -A "$T" | tr '\n' ' '))" test "$(ls -A "$T" | wc -l)" = 9
kill -HUP "$BROKER_PID"
wait_log 'httpsd\[[0-9]*\] .*event=ready' 2 || diag "httpsd not ready again after SIGHUP"
sclient; rc=$?
split_chain
check "after SIGHUP: the chain verifies (rc=$rc)" grep -q 'Verify return code: 0 (ok)' "$OUT/sc"
check "after SIGHUP: the rotated server.crt is served" \
    test -n "$(fp "$OUT/chain1.pem")" -a "$(fp "$OUT/chain1.pem")" = "$(fp "$T/server.crt")"

"$BW" trust init --state "$STATE" --name "$SRV" --rotate > "$OUT/rename" 2>&1; rc=$?
check "rotate with --name: exit 0 ($rc), the names replaced ($(ext server.crt subjectAltName))" \
    test "$rc" = 0 -a "$(ext server.crt subjectAltName)" = "IP Address:$SRV"


# ---- bootward ipxe embed ---------------------------------------------------------
K=$WORK/kit
"$BW" ipxe embed --state "$STATE" --out "$K" > "$OUT/embed" 2>&1; rc=$?
check "ipxe embed: exit 0 ($rc)" test "$rc" = 0
check "ipxe embed: the script gets an address, then chains the host's boot script from the first name" \
    grep -Pzq "\ndhcp \|\| goto failed\nchain https://$SRV/ks/boot\.ipxe \|\| goto failed\n" "$K/embed.ipxe"
check "ipxe embed: the script starts #!ipxe and ends in exit 1 after a message" \
    test "$(head -n 1 "$K/embed.ipxe") $(tail -n 1 "$K/embed.ipxe")" = "#!ipxe exit 1"
check "ipxe embed: ca.crt is the CA, for TRUST=" \
    test -n "$(fp "$K/ca.crt")" -a "$(fp "$K/ca.crt")" = "$(fp "$T/ca.crt")"
check "ipxe embed: ca.crt holds the root only" test "$(grep -c 'BEGIN CERTIFICATE' "$K/ca.crt")" = 1
check "ipxe embed: general.h turns on HTTPS and image trust" \
    test "$(grep '^#define' "$K/config/local/general.h" | tr '\n' ' ')" = "#define DOWNLOAD_PROTO_HTTPS #define IMAGE_TRUST_CMD "
check "ipxe embed: prints the make command with EMBED= and TRUST=" \
    grep -q "EMBED=$K/embed.ipxe TRUST=$K/ca.crt" "$OUT/embed"
"$BW" ipxe embed --state "$STATE" --out "$K" --server "$SRV:8443" > "$OUT/embed2" 2>&1; rc=$?
check "ipxe embed --server ADDR:8443: exit 0 ($rc), the port in the URL" \
    grep -q "^chain https://$SRV:8443/ks/boot\.ipxe " "$K/embed.ipxe"
"$BW" ipxe embed --state "$STATE" --out "$K" --server "$SRV:443" > /dev/null 2>&1
check "ipxe embed --server ADDR:443: the default port is left out" \
    grep -q "^chain https://$SRV/ks/boot\.ipxe " "$K/embed.ipxe"
refused() { # DESCRIPTION RC PATTERN ARGS...: the command fails with RC and says PATTERN
    local d=$1 want=$2 pat=$3 rc
    shift 3
    "$BW" ipxe "$@" > "$OUT/refused" 2>&1; rc=$?
    check "ipxe $d: exit $want ($rc): $(head -n 1 "$OUT/refused")" \
        test "$rc" = "$want" -a -n "$(grep -- "$pat" "$OUT/refused")"
}
refused "embed --server a name not in server.crt" 1 "boot.other is not a name in server.crt" \
    embed --state "$STATE" --out "$WORK/kit2" --server boot.other
refused "embed --server ADDR:0" 1 "the port must be a number from 1 to 65535" \
    embed --state "$STATE" --out "$WORK/kit2" --server "$SRV:0"
refused "embed --server ADDR:x" 1 "the port must be a number" embed --state "$STATE" --out "$WORK/kit2" --server "$SRV:x"
refused "embed without trust init" 1 "run .bootward trust init. first" embed --state "$WORK/nostate" --out "$WORK/kit2"
refused "embed with an extra argument" 2 "unexpected argument 'x'" embed --state "$STATE" --out "$WORK/kit2" x
refused "with no command" 2 "usage: bootward ipxe embed"
check "ipxe embed: nothing written by the refused runs" test ! -e "$WORK/kit2"
"$BW" ipxe embed --help > "$OUT/help" 2>&1; rc=$?
check "ipxe embed --help: exit 0 ($rc), on stdout" grep -q "^usage: bootward ipxe embed" "$OUT/help"

finish
