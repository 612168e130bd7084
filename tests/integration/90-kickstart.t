#!/bin/bash
# Per-host boot scripts and kickstarts served by the real broker: curl in two
# client hosts fetches /ks/boot.ipxe (the host is found by its fixed address
# or by its MAC in the server's neighbour table), then its kickstart with the
# token the script carries, as text, cpio, CMS and minisign signatures
# (checked with openssl cms and minisign).  Two hosts get different
# kickstarts as the template says; wrong, forged, expired and reused tokens
# get 404 and a log record; the token never reaches the access log; after
# a reload that takes a host's kickstart away its token stops working; the
# signing and token keys are in the broker's memory and not in httpsd's;
# /ks/ requests beyond key-ops-rate get 503; httpsd killed amid /ks/
# requests is restarted and serves again.
. "$(dirname "$0")/lib.sh"

watchdog 85
CNS2=bw-k$TID
trap 'ip netns del "$CNS2" 2>/dev/null; cleanup' EXIT

for t in curl openssl minisign cpio; do
    command -v $t > /dev/null || { echo "1..0 # SKIP $t not installed"; exit 0; }
done

BW=$BUILD/bootward
T=$STATE/trust
NET2=10.232.$NET_ID
MAC1=52:54:00:aa:$(printf %02x $((TID & 255))):01
MAC2=52:54:00:aa:$(printf %02x $((TID & 255))):02
setup_net
ip -n "$CNS" link set "bwc$TID" address "$MAC1"
ip -n "$CNS" addr add "10.231.$NET_ID.3/24" dev "bwc$TID"   # a fixed address of another host's MAC
ip netns add "$CNS2" || bail "namespace"
ip link add "bwk$TID" netns "$SNS" type veth peer name "bwl$TID" netns "$CNS2" || bail "veth"
ip -n "$CNS2" link set "bwl$TID" address "$MAC2"
ip -n "$SNS" addr add "$NET2.1/24" dev "bwk$TID"
ip -n "$CNS2" addr add "$NET2.2/24" dev "bwl$TID"
ip -n "$SNS" link set "bwk$TID" up
ip -n "$CNS2" link set "bwl$TID" up
ip -n "$CNS2" link set lo up
C2() { ip netns exec "$CNS2" "$@"; }

"$BW" trust init --state "$STATE" --name "$SRV" --name "$NET2.1" --name boot.test > "$WORK/init.out" 2>&1 ||
    { cat "$WORK/init.out"; bail "trust init failed"; }
mkdir -p "$ROOT/c7" "$WORK/ks" "$WORK/got"
cat > "$WORK/ks/c7.ks" <<'EOF'
text
network --hostname=${hostname} --ip=${ip} --netmask=${netmask} --gateway=${gateway} --nameserver=${dns}
# mac=${mac} server=${server} domain=${domain}
# self=${ks_url}
rootpw --iscrypted $6$Zz1pS8aE$Q0Gm7bmvOYuj7Qc/7uH2yNSk5oK1
%post
echo "$${HOSTNAME}" > /etc/motd
%end
EOF

write_ks_policy() { # [host web01's kickstart]
    cat > "$WORK/test.policy" <<EOF
https root "$ROOT"
dhcp authoritative
subnet 10.231.$NET_ID.0/24 {
    range 10.231.$NET_ID.100 10.231.$NET_ID.120
    router 10.231.$NET_ID.254
    dns 10.231.$NET_ID.1 10.231.$NET_ID.9
    domain lab.test
}
subnet $NET2.0/24 range $NET2.100 $NET2.120
host web01 mac $MAC1 ${1:+kickstart $1}
host web02 mac $MAC2 address $NET2.2 kickstart c7once
host web03 mac 52:54:00:bb:00:03 address 10.231.$NET_ID.3 kickstart c7
kickstart c7 {
    template "$WORK/ks/c7.ks"
    kernel "/c7/vmlinuz"
    initrd "/c7/initrd.img"
    append "inst.ks=\${ks_url} ip=\${ip}::\${gateway}:\${netmask}:\${hostname}::none"
}
kickstart c7once template "$WORK/ks/c7.ks" kernel "/c7/vmlinuz" lifetime 10m one-time on
EOF
}
write_ks_policy c7
start_broker
wait_log "httpsd\[[0-9]*\] .*event=ready" 1 || bail "httpsd did not start"
hpid=$(httpsd_pid)

# get NS URL-PATH [curl options...]: fetch into $WORK/got/body, headers into
# $WORK/got/head; prints the HTTP status.
get() {
    local ns=$1 path=$2 host=$SRV; shift 2
    [ "$ns" = C2 ] && host=$NET2.1
    $ns curl -sS --max-time 5 --cacert "$T/ca.crt" -D "$WORK/got/head" -o "$WORK/got/body" \
        -w '%{http_code}' "$@" "https://$host$path" 2>>"$WORK/curl.err"
}
token_of() { sed -n 's|^initrd --name ks.cfg https://[^/]*/ks/\([A-Za-z0-9_-]*\)/ks.cfg /ks.cfg$|\1|p' "$1"; }
cms_ok() { openssl cms -verify -binary -inform DER -in "$1" -content "$2" -CAfile "$T/ca.crt" -purpose any \
               -out /dev/null > /dev/null 2>&1; }
logged() { grep -q -- "$1" "$LOG"; }
fails() { ! "$@"; }

# ---- web01: found by its MAC in the neighbour table ----------------------------
code=$(get C /ks/boot.ipxe)
cp "$WORK/got/body" "$WORK/web01.ipxe"
check "web01: /ks/boot.ipxe is 200 ($code)" test "$code" = 200
check "web01: sent with Cache-Control: no-store" grep -qi '^Cache-Control: no-store' "$WORK/got/head"
TOK1=$(token_of "$WORK/web01.ipxe")
check "web01: the script carries a 47-character token (${#TOK1})" test "${#TOK1}" = 47
B="https://$SRV"
K="kernel --name kernel $B/c7/vmlinuz inst.ks=$B/ks/$TOK1/ks.cfg ip=10.231.$NET_ID.2::10.231.$NET_ID.254:255.255.255.0:web01::none"
cat > "$WORK/want.ipxe" <<EOF
imgtrust --permanent
iseq \${platform} efi && goto efi ||
$K
imgverify kernel $B/c7/vmlinuz.sig
initrd --name initrd $B/c7/initrd.img
imgverify initrd $B/c7/initrd.img.sig
initrd --name ks.cfg $B/ks/$TOK1/ks.cfg /ks.cfg
imgverify ks.cfg $B/ks/$TOK1/ks.cfg.sig
boot
:efi
$K initrd=initrd initrd=ks.cpio
imgverify kernel $B/c7/vmlinuz.sig
initrd --name initrd $B/c7/initrd.img
imgverify initrd $B/c7/initrd.img.sig
initrd --name ks.cpio $B/ks/$TOK1/ks.cpio
imgverify ks.cpio $B/ks/$TOK1/ks.cpio.sig
boot
EOF
check "web01: the script trusts, fetches and verifies every image, BIOS and UEFI branches" \
    diff -u "$WORK/want.ipxe" <(grep -v '^#' "$WORK/web01.ipxe")
check "web01: the script starts with #!ipxe and names the host" \
    test "$(head -n 2 "$WORK/web01.ipxe" | tr '\n' '|')" = "#!ipxe|# bootward boot script for host web01 ($MAC1), kickstart c7.|"
check "web01: the broker logged the script for web01 by MAC" \
    logged "event=kickstart client=$CLI what=boot.ipxe host=web01 mac=$MAC1 token=[0-9a-f]\{16\} status=200 kickstart=c7"

code=$(get C "/ks/$TOK1/ks.cfg"); cp "$WORK/got/body" "$WORK/web01.ks"
check "web01: ks.cfg with the token is 200 ($code)" test "$code" = 200
check "web01: ks.cfg sent with Cache-Control: no-store" grep -qi '^Cache-Control: no-store' "$WORK/got/head"
sed -e "s/\${hostname}/web01/; s/\${ip}/10.231.$NET_ID.2/; s/\${netmask}/255.255.255.0/" \
    -e "s/\${gateway}/10.231.$NET_ID.254/; s/\${dns}/10.231.$NET_ID.1,10.231.$NET_ID.9/" \
    -e "s/\${mac}/$MAC1/; s/\${server}/$SRV/; s/\${domain}/lab.test/" \
    -e "s|\${ks_url}|$B/ks/$TOK1/ks.cfg|; s/\\\$\\\$[{]/\${/" "$WORK/ks/c7.ks" > "$WORK/want.ks"
check "web01: ks.cfg is the template rendered for web01" diff -u "$WORK/want.ks" "$WORK/web01.ks"
code=$(get C "/ks/$TOK1/ks.cfg.sig"); cp "$WORK/got/body" "$WORK/web01.ks.sig"
check "web01: ks.cfg.sig is 200 ($code)" test "$code" = 200
check "web01: openssl cms -verify accepts ks.cfg.sig against ca.crt" cms_ok "$WORK/web01.ks.sig" "$WORK/web01.ks"
printf 'x' >> "$WORK/web01.ks.bad"; cat "$WORK/web01.ks" >> "$WORK/web01.ks.bad"
check "web01: ... and rejects it for a changed kickstart" fails cms_ok "$WORK/web01.ks.sig" "$WORK/web01.ks.bad"
openssl cms -cmsout -print -inform DER -in "$WORK/web01.ks.sig" > "$WORK/print"
check "web01: the signature has no signed attributes" grep -Pzq '\n\s+signedAttrs:\n\s+<ABSENT>' "$WORK/print"
code=$(get C "/ks/$TOK1/ks.cfg.minisig"); cp "$WORK/got/body" "$WORK/got/ks.cfg.minisig"
cp "$WORK/web01.ks" "$WORK/got/ks.cfg"
check "web01: minisign -V accepts ks.cfg.minisig ($code)" minisign -Vq -m "$WORK/got/ks.cfg" -p "$T/minisign.pub"
code=$(get C "/ks/$TOK1/ks.cpio"); cp "$WORK/got/body" "$WORK/web01.cpio"
check "web01: ks.cpio is 200 ($code)" test "$code" = 200
mkdir -p "$WORK/unpack" && (cd "$WORK/unpack" && cpio -i --quiet < "$WORK/web01.cpio")
check "web01: ks.cpio unpacks to the same bytes as ks.cfg" cmp "$WORK/unpack/ks.cfg" "$WORK/web01.ks"
check "web01: ... at mode 0600 ($(stat -c %a "$WORK/unpack/ks.cfg"))" test "$(stat -c %a "$WORK/unpack/ks.cfg")" = 600
code=$(get C "/ks/$TOK1/ks.cpio.sig"); cp "$WORK/got/body" "$WORK/web01.cpio.sig"
check "web01: ks.cpio.sig verifies the archive ($code)" cms_ok "$WORK/web01.cpio.sig" "$WORK/web01.cpio"
code=$(get C "/ks/$TOK1/ks.cfg")
check "web01 (not one-time): the kickstart can be fetched again, the same bytes ($code)" cmp "$WORK/got/body" "$WORK/web01.ks"

# ---- web02: a fixed address, in another namespace, one-time --------------------
code=$(get C2 /ks/boot.ipxe); cp "$WORK/got/body" "$WORK/web02.ipxe"
TOK2=$(token_of "$WORK/web02.ipxe")
check "web02: its own script ($code), with its own token" test "$code" = 200 -a "${#TOK2}" = 47 -a "$TOK2" != "$TOK1"
check "web02: the script says the URLs work once" grep -q '^# Its kickstart URLs work until .*, once\.$' "$WORK/web02.ipxe"
check "web02: no initrd line for a kickstart without initrd, and no append" \
    test "$(grep -c '^initrd --name initrd' "$WORK/web02.ipxe")" = 0 -a "$(grep -c "^kernel --name kernel https://$NET2.1/c7/vmlinuz\$" "$WORK/web02.ipxe")" = 1
code=$(get C2 "/ks/$TOK2/ks.cfg" -I)
check "web02: HEAD ks.cfg is 200 and does not use the one-time token ($code)" test "$code" = 200
code=$(get C2 "/ks/$TOK2/ks.cfg"); cp "$WORK/got/body" "$WORK/web02.ks"
check "web02: the first GET of ks.cfg is 200 ($code)" test "$code" = 200
check "web02: its kickstart says web02 and its address" \
    grep -q "^network --hostname=web02 --ip=$NET2.2 --netmask=255.255.255.0 --gateway= --nameserver=\$" "$WORK/web02.ks"
check "web01 and web02 got different kickstarts" fails cmp -s "$WORK/web01.ks" "$WORK/web02.ks"
code=$(get C2 "/ks/$TOK2/ks.cfg")
check "web02: the second GET of the one-time ks.cfg is 404 ($code)" test "$code" = 404
check "web02: ... logged as a reused token" logged "what=ks.cfg host=web02 mac=$MAC2 .*status=404 error=\"one-time token already used\""
code=$(get C2 "/ks/$TOK2/ks.cpio")
check "web02: the same token's ks.cpio is refused too ($code)" test "$code" = 404
code=$(get C2 "/ks/$TOK2/ks.cfg.sig"); cp "$WORK/got/body" "$WORK/web02.ks.sig"
check "web02: its signature still verifies after use ($code)" cms_ok "$WORK/web02.ks.sig" "$WORK/web02.ks"
code=$(get C "/ks/$TOK2/ks.cfg")
check "web02's used token from another client is 404 too ($code)" test "$code" = 404

# ---- the URLs' host ----------------------------------------------------------------
C curl -sS --max-time 5 --cacert "$T/ca.crt" --resolve "boot.test:443:$SRV" -o "$WORK/got/dns.ipxe" \
    https://boot.test/ks/boot.ipxe 2>>"$WORK/curl.err"
check "reached as boot.test (a name of server.crt), the script's URLs use boot.test" \
    test "$(grep -c 'https://boot.test/' "$WORK/got/dns.ipxe")" = 12
C curl -sS --max-time 5 --cacert "$T/ca.crt" -H 'Host: evil.example' -o "$WORK/got/evil.ipxe" \
    "https://$SRV/ks/boot.ipxe" 2>>"$WORK/curl.err"
check "a Host header naming another server is ignored: the URLs use the address" \
    test "$(grep -c "https://$SRV/" "$WORK/got/evil.ipxe")" = 12 -a "$(grep -c evil "$WORK/got/evil.ipxe")" = 0

# ---- refusals ------------------------------------------------------------------
code=$(get C /ks/boot.ipxe --interface 10.231.$NET_ID.3)
check "a client on web03's fixed address with another MAC gets no script ($code)" test "$code" = 404
check "... logged" logged "client=10.231.$NET_ID.3 what=boot.ipxe host=web03 mac=$MAC1 .*status=404 error=\"the client has the host's fixed address but another MAC\""
last=${TOK1: -1}; [ "$last" = A ] && swap=B || swap=A
code=$(get C "/ks/${TOK1%?}$swap/ks.cfg")
check "a token with one character changed is 404 ($code)" test "$code" = 404
check "... logged as forged or malformed" logged 'what=ks.cfg host=- mac=- token=- status=404 error="\(forged\|malformed\) token"'
code=$(get C "/ks/abc/ks.cfg")
check "a short token is 404 ($code)" test "$code" = 404
code=$(get C "/ks/$TOK1/passwd")
check "another name under a token is 404 ($code)" test "$code" = 404
code=$(get C "/ks/$TOK1%21/ks.cfg")
check "a token with a non-alphabet byte is 404 ($code)" test "$code" = 404
# Tokens made with the real key (as only the broker could): expired, and for
# an unknown MAC; then one made with another key.
cat > "$WORK/mint.py" <<'EOF'
import base64, hashlib, hmac, os, struct, sys
key = open(sys.argv[1], "rb").read()
expiry, mac = int(sys.argv[2]), bytes.fromhex(sys.argv[3].replace(":", ""))
body = bytes([1]) + struct.pack(">I", expiry) + mac + os.urandom(8)
tag = hmac.new(key, body, hashlib.sha256).digest()[:16]
print(base64.urlsafe_b64encode(body + tag).decode().rstrip("="))
EOF
now=$(date +%s)
EXP=$(python3 "$WORK/mint.py" "$T/token.key" $((now - 5)) "$MAC1")
code=$(get C "/ks/$EXP/ks.cfg")
check "a genuine token that expired 5 s ago is 404 ($code)" test "$code" = 404
check "... logged as expired, with the host" logged "what=ks.cfg host=web01 mac=$MAC1 token=[0-9a-f]* status=404 error=\"expired token\""
FRESH=$(python3 "$WORK/mint.py" "$T/token.key" $((now + 300)) "$MAC1")
code=$(get C "/ks/$FRESH/ks.cfg")
check "control: the same minting with the real key and a future expiry is 200 ($code)" test "$code" = 200
LONG=$(python3 "$WORK/mint.py" "$T/token.key" $((now + 86400)) "$MAC1")
code=$(get C "/ks/$LONG/ks.cfg")
check "a token outliving the kickstart's lifetime (1h) is 404 ($code)" test "$code" = 404
head -c 32 /dev/urandom > "$WORK/other.key"
OTHER=$(python3 "$WORK/mint.py" "$WORK/other.key" $((now + 300)) "$MAC1")
code=$(get C "/ks/$OTHER/ks.cfg")
check "a token made with another key is 404 ($code)" test "$code" = 404
check "... logged as forged" logged 'status=404 error="forged token"'
NOHOST=$(python3 "$WORK/mint.py" "$T/token.key" $((now + 300)) 52:54:00:ee:ee:ee)
code=$(get C "/ks/$NOHOST/ks.cfg")
check "a genuine token for a MAC no host has is 404 ($code)" test "$code" = 404
code=$(C curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST --cacert "$T/ca.crt" "https://$SRV/ks/boot.ipxe")
check "POST /ks/boot.ipxe is 405 ($code)" test "$code" = 405

# ---- the token stays out of the logs ---------------------------------------------
check "no log record holds a whole token" bash -c "! grep -q -e '$TOK1' -e '$TOK2' -e '$FRESH' '$LOG'"
check "httpsd logged the ks.cfg requests with the token hidden" logged "target=\"\?/ks/\*/ks.cfg\"\? status=200"

# ---- the keys are in the broker, not in httpsd ----------------------------------
mskey=$(awk '{ print substr($3, 1, 64) }' "$T/minisign.key")
scan=$(timeout 40 "$SCAPY_PY" "$(dirname "$0")/memscan.py" --rsa "$T/codesign.key" --rsa "$T/server.key" \
        --raw "minisign.seed=$mskey" --raw "token.key=$(xxd -p -c 64 "$T/token.key")" "$BROKER_PID" "$hpid")
diag "$scan"
bline=$(echo "$scan" | grep "^pid=$BROKER_PID ")
hline=$(echo "$scan" | grep "^pid=$hpid ")
hits() { echo "$1" | tr ' ' '\n' | awk -F= -v re="$2" '$1 ~ re { s += $2 } END { print s + 0 }'; }
check "control: the broker's memory holds codesign.key's d, p or q ($(hits "$bline" '^codesign[.][dpq]-'))" \
    test "$(hits "$bline" '^codesign[.][dpq]-')" -gt 0
check "control: the broker's memory holds the minisign seed ($(hits "$bline" '^minisign'))" test "$(hits "$bline" '^minisign')" -gt 0
check "control: the broker's memory holds token.key ($(hits "$bline" '^token'))" test "$(hits "$bline" '^token')" -gt 0
check "httpsd is the process that served all of the above" test "$(httpsd_pid)" = "$hpid"
check "httpsd's memory holds no codesign.key or server.key secret ($(hits "$hline" '^(codesign|server)[.]([dpq]-|pem)'))" \
    test "$(hits "$hline" '^(codesign|server)[.]([dpq]-|pem)')" = 0
check "httpsd's memory holds neither the minisign seed nor token.key ($(hits "$hline" '^(minisign|token)'))" \
    test "$(hits "$hline" '^(minisign|token)')" = 0
check "httpsd's root holds no key file" test -z "$(find "$ROOT" -name '*.key')"

# ---- reload: web01 loses its kickstart -------------------------------------------
write_ks_policy ""
reload_broker
code=$(get C "/ks/$TOK1/ks.cfg")
check "after a reload that takes web01's kickstart away, its token is 404 ($code)" test "$code" = 404
check "... logged" logged 'host=web01 .*status=404 error="the host no longer has a kickstart"'
code=$(get C /ks/boot.ipxe)
check "... and it gets no boot script ($code)" test "$code" = 404
check "... logged" logged 'what=boot.ipxe host=web01 .*status=404 error="the host has no kickstart"'
code=$(get C2 "/ks/$TOK2/ks.cfg")
check "web02's used one-time token stays used across the reload ($code)" test "$code" = 404

# ---- the broker refuses to serve kickstarts without the signing keys ------------
stop_broker
mv "$T/codesign.key" "$WORK/codesign.key"
"$BW" serve --foreground --policy "$WORK/test.policy" --state "$STATE" --libexec "$BUILD" > "$WORK/nokey.out" 2>&1
rc=$?
check "without codesign.key the broker does not start (rc=$rc)" test "$rc" = 1
check "... and says which file is missing: $(head -n 1 "$WORK/nokey.out")" grep -q 'codesign.key' "$WORK/nokey.out"
mv "$WORK/codesign.key" "$T/codesign.key"

# ---- one-time tokens issued before a restart are refused -----------------------
write_ks_policy c7
start_broker
wait_log "httpsd\[[0-9]*\] .*event=ready" 1 || bail "httpsd did not start"
code=$(get C2 /ks/boot.ipxe); TOK3=$(token_of "$WORK/got/body")
stop_broker
sleep 1.1
start_broker
wait_log "httpsd\[[0-9]*\] .*event=ready" 1 || bail "httpsd did not start"
code=$(get C2 "/ks/$TOK3/ks.cfg")
check "an unused one-time token from before a broker restart is 404 ($code)" test "$code" = 404
check "... logged" logged 'error="one-time token issued before the broker started"'

# ---- each /ks/ request counts against key-ops-rate ------------------------------
sed -i "s|^https root \"$ROOT\"\$|https root \"$ROOT\" key-ops-rate 6|" "$WORK/test.policy"
reload_broker
args=()
for i in $(seq 1 24); do args+=(-o /dev/null "https://$SRV/ks/boot.ipxe"); done
codes=$(C curl -s --max-time 10 --cacert "$T/ca.crt" -w '%{http_code}\n' "${args[@]}" | sort | uniq -c | tr -s ' \n' ' ')
sleep 1.1
code=$(get C /ks/boot.ipxe)
n200=$(awk '{ for (i = 1; i < NF; i += 2) if ($(i + 1) == 200) print $i }' <<< " $codes")
check "key-ops-rate 6: of 24 boot scripts asked at once, at most 12 (two seconds' worth) get 200, the rest 503 ($codes)" \
    bash -c "[[ ' $codes' =~ ' '[0-9]+' 503' ]] && [ '${n200:-0}' -ge 1 ] && [ '${n200:-0}' -le 12 ]"
check "... the refusals logged with the limit" grep -Eq "broker.*event=key-rate refused=[0-9]+ limit_per_s=6" "$LOG"
check "... and a request in the next second is served ($code)" test "$code" = 200

# ---- httpsd killed while the broker answers /ks/ requests ---------------------------
# key-ops-rate as high as it goes, so that no handshake or request is refused
# for the rate (tested above): what a client loses is what the kill cuts.
sed -i "s| key-ops-rate 6\$| key-ops-rate 100000|" "$WORK/test.policy"
reload_broker
ready=$(grep -c "httpsd\[[0-9]*\] .*event=ready" "$LOG")
hpid=$(httpsd_pid)
args=()
for i in $(seq 1 1000); do args+=(-o /dev/null "https://$SRV/ks/boot.ipxe"); done
pids=()
for i in 1 2 3 4; do
    C curl -s --max-time 10 --cacert "$T/ca.crt" -w '%{http_code} %{errormsg}\n' "${args[@]}" > "$WORK/kill$i.codes" &
    pids+=($!)
done
served=$(grep -c "target=/ks/boot.ipxe" "$LOG")
wait_log "target=/ks/boot.ipxe" $((served + 100)) 50
kill -KILL "$hpid"
wait "${pids[@]}"
lost=$(cat "$WORK"/kill?.codes | grep -vc '^200 ')
last=$(for i in 1 2 3 4; do tail -n 1 "$WORK/kill$i.codes" | cut -d' ' -f1; done | tr '\n' ' ')
after=$(sed -n "/event=worker-exit worker=httpsd pid=$hpid /,\$p" "$LOG" | grep -c "target=/ks/boot.ipxe")
diag "of 4000 requests: $(cut -d' ' -f1 "$WORK"/kill?.codes | sort | uniq -c | tr -s ' \n' ' ')"
cat "$WORK"/kill?.codes | grep -v '^200 ' | sort | uniq -c | diag "$(cat)"
wait_log "httpsd\[[0-9]*\] .*event=ready" $((ready + 1)) 50 || diag "httpsd not ready after kill -9"
code=$(get C /ks/boot.ipxe)
check "the kill came amid the requests: $after were served by the new httpsd" test "$after" -ge 1
check "each client's last request was served ($last)" test "$last" = "200 200 200 200 "
check "only requests in flight were lost, at most 2 a client ($lost)" test "$lost" -le 8
check "httpsd killed amid /ks/ requests: the broker restarts it and it serves the script ($code)" test "$code" = 200
check "... the broker is the same process and logged the death" \
    bash -c "kill -0 $BROKER_PID && grep -q 'event=worker-exit worker=httpsd pid=$hpid killed signal=KILL' '$LOG'"

finish
