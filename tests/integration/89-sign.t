#!/bin/bash
# bootward sign: FILE.sig is a detached CMS signature that `openssl cms
# -verify` accepts against ca.crt and that has the shape iPXE's imgverify
# needs (no signedAttrs, signer and root inside, signer with keyUsage
# digitalSignature and extendedKeyUsage codeSigning); FILE.minisig is one
# that minisign accepts, prehashed, with the file name in its trusted
# comment.  Tampered files fail both.  Certificates iPXE would refuse, keys
# lying about, non-root callers and bad files are refused with clear errors.
# No network: the test uses no namespaces.
. "$(dirname "$0")/lib.sh"

watchdog 28

BW=$BUILD/bootward
FILES=$WORK/files
mkdir -p "$FILES"

# make_codesign_pki STATE_DIR EXTENSIONS: a fresh root CA and a code-signing
# key and certificate issued by it, in STATE_DIR/trust, as `trust init`
# would leave them (without the minisign pair).  The CA key is $WORK/ca-$$.key.
make_codesign_pki() {
    local t=$1/trust ext=$2 tag
    tag=$(basename "$1")
    mkdir -p "$t" && chmod 700 "$1" "$t"
    printf '[cs]\n%s\n' "$ext" > "$WORK/$tag.cnf"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/$tag-ca.key" -out "$t/ca.crt" -days 30 \
        -subj "/CN=bootward-test-ca-$tag" -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null &&
    openssl req -newkey rsa:2048 -nodes -keyout "$t/codesign.key" -out "$WORK/$tag.csr" \
        -subj "/CN=bootward-test-codesign-$tag" 2>/dev/null &&
    openssl x509 -req -in "$WORK/$tag.csr" -CA "$t/ca.crt" -CAkey "$WORK/$tag-ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -out "$t/codesign.crt" -days 30 \
        -extfile "$WORK/$tag.cnf" -extensions cs 2>/dev/null ||
        bail "cannot make the test PKI for $tag"
    chmod 600 "$t/codesign.key"
}
GOOD_EXT='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=codeSigning'

# fails COMMAND...: the command exits non-zero (check cannot take "!").
fails() { ! "$@"; }

# flip FILE: a copy of FILE with one byte changed (or one added if empty) in FILE.bad
flip() {
    python3 - "$1" "$1.bad" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
if d:
    d[len(d) // 2] ^= 0x01
else:
    d = bytearray(b"\n")
open(sys.argv[2], "wb").write(d)
EOF
}

make_codesign_pki "$STATE" "$GOOD_EXT"
T=$STATE/trust
CA=$T/ca.crt
PUB=$T/minisign.pub

: > "$FILES/empty"
printf 'x' > "$FILES/one"
head -c 1048576 /dev/urandom > "$FILES/big.img"
cat > "$FILES/centos7.ks" <<'EOF'
# kickstart
text
lang en_US.UTF-8
rootpw --iscrypted $6$saltsalt$hash
network --bootproto=dhcp
%packages
@core
%end
EOF
names="empty one big.img centos7.ks"

# ---- signing --------------------------------------------------------------
start=$(date +%s)
"$BW" sign --state "$STATE" $(for n in $names; do echo "$FILES/$n"; done) \
    > "$WORK/out" 2> "$WORK/err"
rc=$?
end=$(date +%s)
check "bootward sign exits 0 (rc $rc)" test "$rc" = 0
check "one line per file on standard output ($(wc -l < "$WORK/out") lines)" \
    test "$(wc -l < "$WORK/out")" = 4
check "it names each file and its SHA-256" \
    test "$(grep -c "^$FILES/big.img: sha256 $(sum "$FILES/big.img"), " "$WORK/out")" = 1
check "it says it created the missing minisign key pair" grep -q "created the minisign key pair" "$WORK/err"
[ "$rc" = 0 ] || diag "$(cat "$WORK/err")"

check "minisign.key is mode 0600" test "$(stat -c %a "$T/minisign.key")" = 600
check "minisign.key is one line: magic, key id, 64-byte secret key in hex" \
    grep -Eqx 'bootward-minisign-v1 [0-9A-F]{16} [0-9a-f]{128}' "$T/minisign.key"
check "minisign.pub is mode 0644, two lines" \
    test "$(stat -c %a "$PUB")" = 644 -a "$(wc -l < "$PUB")" = 2
keyid=$(awk '{print $2}' "$T/minisign.key")
check "minisign.pub names the key id $keyid" \
    test "$(head -n 1 "$PUB")" = "untrusted comment: minisign public key $keyid"
check "minisign.pub's key is \"Ed\", 8-byte id, 32-byte key" \
    test "$(sed -n 2p "$PUB" | base64 -d | head -c 2)" = Ed -a \
         "$(sed -n 2p "$PUB" | base64 -d | wc -c)" = 42

for n in $names; do
    f=$FILES/$n
    check "$n: $n.sig and $n.minisig exist, mode 0644" \
        test "$(stat -c %a "$f.sig" 2>/dev/null)" = 644 -a "$(stat -c %a "$f.minisig" 2>/dev/null)" = 644
    flip "$f"

    # CMS, as iPXE's imgverify reads it
    check "$n: openssl cms -verify accepts $n.sig against ca.crt" \
        openssl cms -verify -binary -inform DER -in "$f.sig" -content "$f" -CAfile "$CA" \
            -purpose any -out /dev/null -signer "$WORK/signer.pem" 2>/dev/null
    check "$n: openssl cms -verify rejects a tampered copy" \
        fails openssl cms -verify -binary -inform DER -in "$f.sig" -content "$f.bad" -CAfile "$CA" \
            -purpose any -out /dev/null 2>/dev/null
    openssl cms -cmsout -print -inform DER -in "$f.sig" > "$WORK/print" 2>&1
    check "$n: no signedAttrs (iPXE verifies over the file itself)" \
        grep -Pzq '\n\s+signedAttrs:\n\s+<ABSENT>' "$WORK/print"
    check "$n: detached (no eContent), signer by issuerAndSerialNumber, sha256 and rsaEncryption" \
        grep -Pzq '(?s)eContent: <ABSENT>.*d\.issuerAndSerialNumber:.*digestAlgorithm:\s*\n\s*algorithm: sha256 .*signatureAlgorithm:\s*\n\s*algorithm: rsaEncryption' "$WORK/print"
    check "$n: both certificates are inside (signer and root)" \
        test "$(grep -c 'subject: CN=bootward-test-codesign-state$' "$WORK/print")" = 1 -a \
             "$(grep -c 'subject: CN=bootward-test-ca-state$' "$WORK/print")" = 1
    check "$n: the signer has digitalSignature and codeSigning" \
        test "$(openssl x509 -in "$WORK/signer.pem" -noout -ext keyUsage,extendedKeyUsage 2>/dev/null |
                grep -c -e 'Digital Signature' -e 'Code Signing')" = 2

    # minisign
    check "$n: minisign -V accepts $n.minisig" minisign -Vm "$f" -p "$PUB" -q
    check "$n: minisign -V -H (prehashed only) accepts it" minisign -HVm "$f" -p "$PUB" -q
    check "$n: minisign -V rejects a tampered copy" \
        fails minisign -Vm "$f.bad" -x "$f.minisig" -p "$PUB" -q 2>/dev/null
    tc=$(minisign -Vm "$f" -p "$PUB" -Q 2>/dev/null)
    ts=${tc#timestamp:}; ts=${ts%%$'\t'*}
    check "$n: the trusted comment is timestamp and file name ('$tc')" \
        test "$tc" = "timestamp:$ts"$'\t'"file:$n" -a "$ts" -ge "$start" -a "$ts" -le "$end"
done

check "the trusted comment cannot be edited" bash -c '
    sed "3s/file:one/file:two/" "$1.minisig" > "$1.forged" && ! minisign -Vm "$1" -x "$1.forged" -p "$2" -q 2>/dev/null
' _ "$FILES/one" "$PUB"
check "a signature does not verify another file" \
    fails openssl cms -verify -binary -inform DER -in "$FILES/one.sig" -content "$FILES/empty" -CAfile "$CA" \
        -purpose any -out /dev/null 2>/dev/null
make_codesign_pki "$WORK/other" "$GOOD_EXT"
check "the signature does not verify against another root" \
    fails openssl cms -verify -binary -inform DER -in "$FILES/one.sig" -content "$FILES/one" \
        -CAfile "$WORK/other/trust/ca.crt" -purpose any -out /dev/null 2>/dev/null

# ---- signing again: same key, files replaced ----------------------------------
cp "$PUB" "$WORK/pub.saved"
echo "changed" >> "$FILES/centos7.ks"
"$BW" sign --state "$STATE" "$FILES/centos7.ks" > /dev/null 2> "$WORK/err2"
check "signing again creates no key" test ! -s "$WORK/err2"
check "minisign.pub is unchanged" cmp -s "$PUB" "$WORK/pub.saved"
check "the new signatures fit the changed file" bash -c '
    openssl cms -verify -binary -inform DER -in "$1.sig" -content "$1" -CAfile "$2" -purpose any -out /dev/null 2>/dev/null &&
    minisign -Vm "$1" -p "$3" -q' _ "$FILES/centos7.ks" "$CA" "$PUB"
check "no temporary files are left beside them" test -z "$(ls "$FILES" | grep tmp)"
rm "$PUB"
"$BW" sign --state "$STATE" "$FILES/one" > /dev/null 2>&1
check "a lost minisign.pub is written again from minisign.key, identical" cmp -s "$PUB" "$WORK/pub.saved"
mv "$T/minisign.key" "$WORK/key.saved"
"$BW" sign --state "$STATE" "$FILES/one" > /dev/null 2> "$WORK/err3"
rc=$?
check "minisign.pub without minisign.key: refused, no new key (rc $rc)" \
    test "$rc" = 1 -a ! -e "$T/minisign.key" -a -n "$(grep 'minisign.pub exists without' "$WORK/err3")"
mv "$WORK/key.saved" "$T/minisign.key"

# ---- refusals ------------------------------------------------------------------
# refuse STATE PATTERN DESCRIPTION: signing a new file fails with exit 1, the
# error matches PATTERN, and nothing is written.
refuse() {
    local st=$1 pat=$2 d=$3 f=$WORK/refused-$_tap_n rc
    echo data > "$f"
    "$BW" sign --state "$st" "$f" > /dev/null 2> "$WORK/err-r"
    rc=$?
    if [ "$rc" = 1 ] && grep -q -- "$pat" "$WORK/err-r" && [ ! -e "$f.sig" ] && [ ! -e "$f.minisig" ]; then
        ok "$d: $(head -n 1 "$WORK/err-r")"
    else
        not_ok "$d (rc $rc)"; diag "$(cat "$WORK/err-r")"
    fi
}
make_codesign_pki "$WORK/server" 'keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth'
refuse "$WORK/server" "extendedKeyUsage does not include codeSigning" \
    "a certificate without codeSigning is refused"
check "... before any minisign key is made" test ! -e "$WORK/server/trust/minisign.key"
make_codesign_pki "$WORK/noeku" 'keyUsage=critical,digitalSignature'
refuse "$WORK/noeku" "extendedKeyUsage does not include codeSigning" \
    "a certificate with no extendedKeyUsage is refused (iPXE reads that as none)"
make_codesign_pki "$WORK/noku" 'extendedKeyUsage=codeSigning'
refuse "$WORK/noku" "keyUsage does not include digitalSignature" \
    "a certificate with no keyUsage is refused (iPXE reads that as none)"
make_codesign_pki "$WORK/enc" 'keyUsage=critical,keyEncipherment
extendedKeyUsage=codeSigning'
refuse "$WORK/enc" "keyUsage does not include digitalSignature" \
    "a certificate whose keyUsage lacks digitalSignature is refused"
make_codesign_pki "$WORK/mixed" "$GOOD_EXT"
cp "$WORK/other/trust/ca.crt" "$WORK/mixed/trust/ca.crt"
refuse "$WORK/mixed" "codesign.crt does not verify against .*ca.crt" \
    "a certificate not issued by ca.crt is refused"
make_codesign_pki "$WORK/swapped" "$GOOD_EXT"
cp "$WORK/other/trust/codesign.key" "$WORK/swapped/trust/codesign.key"
refuse "$WORK/swapped" "codesign.key does not match" "a key that does not match the certificate is refused"
make_codesign_pki "$WORK/loose" "$GOOD_EXT"
chmod 644 "$WORK/loose/trust/codesign.key"
refuse "$WORK/loose" "codesign.key: a private key must be owned by uid 0 and mode 0600" \
    "a key readable by others is refused"
chmod 600 "$WORK/loose/trust/codesign.key"
"$BW" sign --state "$WORK/loose" "$FILES/one" > /dev/null 2>&1
chmod 644 "$WORK/loose/trust/minisign.key"
refuse "$WORK/loose" "minisign.key: a private key must be owned by uid 0 and mode 0600" \
    "a minisign key readable by others is refused"
chmod 600 "$WORK/loose/trust/minisign.key"
cp "$PUB" "$WORK/loose/trust/minisign.pub"
refuse "$WORK/loose" "minisign.pub does not hold the public key of" \
    "a minisign.pub of another key is refused"
refuse "$WORK/nowhere" "nowhere/trust/codesign.crt: No such file or directory" \
    "a state directory without trust files is refused, naming the file"

"$BW" sign --state "$STATE" "$FILES/one" "$FILES/missing" "$FILES" "$FILES/empty" > "$WORK/out4" 2> "$WORK/err4"
rc=$?
check "missing files and directories: exit 1 (rc $rc), the good files still signed" \
    test "$rc" = 1 -a "$(wc -l < "$WORK/out4")" = 2
check "... each bad file named with its reason" \
    test -n "$(grep -F "$FILES/missing: No such file or directory" "$WORK/err4")" -a \
         -n "$(grep -F "$FILES: not a regular file" "$WORK/err4")"
chmod 755 "$WORK" "$FILES"; chmod 644 "$FILES/one"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BW" sign --state "$STATE" "$FILES/one" 2>&1)
rc=$?
check "not root: refused (rc $rc: $out)" test "$rc" = 1 -a -n "$(echo "$out" | grep 'must run as root')"
"$BW" sign --state "$STATE" > /dev/null 2>&1
check "no FILE: usage error, exit 2" test $? = 2
check "--help prints the usage and exits 0" bash -c '"$1" sign --help | grep -q "usage: bootward sign"' _ "$BW"

finish
