#!/bin/bash
# Downloads with real TFTP clients (tftp-hpa, atftp, curl), with and without
# options, across block-size boundaries and a 100 MiB file; checksums compared.
. "$(dirname "$0")/lib.sh"

setup_net
make_file empty 0
make_file s511 511
make_file s512 512
make_file s513 513
make_file b1468x3 4404
make_file b8192x2 16384
make_file b65464x2 130928
make_file sub/dir/file 70000
make_file big 104857600
write_policy "max-per-client 8"
start_broker

OUT=$WORK/out
mkdir -p "$OUT"
same() { [ -f "$OUT/$2" ] && [ "$(sum "$ROOT/$1")" = "$(sum "$OUT/$2")" ]; }

# tftp-hpa sends no options: plain RFC 1350 with 512-byte blocks.
for f in empty s511 s512 s513 b1468x3 sub/dir/file; do
    o=hpa-$(echo "$f" | tr / _)
    C tftp "$SRV" -m binary -c get "$f" "$OUT/$o" >/dev/null 2>&1
    check "tftp-hpa get $f" same "$f" "$o"
done
C tftp "$SRV" -m binary -c get /s513 "$OUT/hpa-abs" >/dev/null 2>&1
check "tftp-hpa: a leading / is relative to the root" same s513 hpa-abs

# curl: sends tsize and blksize (RFC 2347/2348/2349).
for bs in 512 1468 8192 65464; do
    files="b1468x3 b8192x2 b65464x2"
    [ "$bs" = 512 ] && files="s511 s513 $files"
    for f in $files; do
        o=curl-$bs-$f
        C curl -sf --tftp-blksize "$bs" -o "$OUT/$o" "tftp://$SRV/$f"
        check "curl blksize $bs get $f" same "$f" "$o"
    done
done
C curl -sf --tftp-no-options -o "$OUT/curl-noopt" "tftp://$SRV/b8192x2"
check "curl without options" same b8192x2 curl-noopt
C curl -sf -o "$OUT/curl-empty" "tftp://$SRV/empty"
check "curl get a 0-byte file" same empty curl-empty

# atftp: blksize, tsize and windowsize (RFC 7440).
for ws in 1 8 64; do
    o=atftp-ws$ws
    C atftp --get -r b65464x2 -l "$OUT/$o" --option "blksize 1468" --option "windowsize $ws" \
        --option "tsize 0" "$SRV" >/dev/null 2>&1
    check "atftp blksize 1468 windowsize $ws" same b65464x2 "$o"
done
C atftp --get -r s512 -l "$OUT/atftp-512" "$SRV" >/dev/null 2>&1
check "atftp without options, exactly one block" same s512 atftp-512
grep -q 'file=b65464x2 .*options="blksize=1468 tsize=130928 windowsize=64' "$LOG"
check "the transfer log line records the negotiated options" test $? = 0

# 100 MiB: more than 65535 blocks at 512 and at 1468 bytes, so block numbers roll over.
C tftp "$SRV" -m binary -c get big "$OUT/big-hpa" >/dev/null 2>&1
check "tftp-hpa 100 MiB with 512-byte blocks (block numbers wrap)" same big big-hpa
rm -f "$OUT/big-hpa"
C atftp --get -r big -l "$OUT/big-atftp" --option "blksize 1468" --option "windowsize 16" "$SRV" >/dev/null 2>&1
check "atftp 100 MiB blksize 1468 windowsize 16" same big big-atftp
rm -f "$OUT/big-atftp"
C curl -sf --tftp-blksize 65464 -o "$OUT/big-curl" "tftp://$SRV/big"
check "curl 100 MiB blksize 65464" same big big-curl
rm -f "$OUT/big-curl"
C curl -sf --tftp-blksize 1468 -o "$OUT/big-curl2" "tftp://$SRV/big"
check "curl 100 MiB blksize 1468" same big big-curl2
rm -f "$OUT/big-curl2"

# netascii: LF becomes CR LF on the wire and back again at the client.
printf 'line one\nline two\r\nbare CR\rend\n' > "$ROOT/text.txt"; chmod 644 "$ROOT/text.txt"
C tftp "$SRV" -m netascii -c get text.txt "$OUT/text-hpa" >/dev/null 2>&1
check "tftp-hpa netascii round trip" same text.txt text-hpa
grep -q 'file=text.txt mode=netascii' "$LOG"
check "netascii transfer logged as such" test $? = 0

# tsize: the OACK carries the file size (atftp --trace shows it).
C atftp --get -r b8192x2 -l "$OUT/ts" --option "tsize 0" --trace "$SRV" > "$WORK/atftp.out" 2>&1
grep -q "received OACK <tsize: 16384," "$WORK/atftp.out"
check "tsize answered with the file size" test $? = 0

# Missing files get a TFTP error, not a timeout.
start=$(date +%s)
C curl -s -o /dev/null "tftp://$SRV/no-such-file"; rc=$?
check "missing file: curl reports TFTP file not found (exit 68)" test $rc = 68
check "missing file answered at once" test $(( $(date +%s) - start )) -lt 3
finish
