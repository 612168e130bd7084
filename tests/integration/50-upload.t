#!/bin/bash
# Uploads, when the policy enables them: into the upload directory only,
# size-capped, never overwriting, no partial files left behind.
. "$(dirname "$0")/lib.sh"

setup_net
make_file served 100
write_policy 'upload "incoming"' "upload-max 1M"
start_broker
UP=$ROOT/incoming
check "the broker created the upload directory for tftpd's uid only" \
    test "$(stat -c '%u %a' "$UP")" = "61102 700"

head -c 300000 /dev/urandom > "$WORK/log1"
C tftp "$SRV" -m binary -c put "$WORK/log1" log1 >/dev/null 2>&1
check "tftp-hpa put stores the file in the upload directory" cmp -s "$WORK/log1" "$UP/log1"
C atftp --put -l "$WORK/log1" -r log2 --option "blksize 1468" --option "windowsize 8" --option "tsize 300000" "$SRV" >/dev/null 2>&1
check "atftp put with blksize, windowsize and tsize" cmp -s "$WORK/log1" "$UP/log2"
C curl -sf -T "$WORK/log1" "tftp://$SRV/log3"
check "curl put" cmp -s "$WORK/log1" "$UP/log3"

head -c 1000 /dev/urandom > "$WORK/other"
out=$(C tftp "$SRV" -m binary -c put "$WORK/other" log1 2>&1)
check "an existing file is never overwritten" cmp -s "$WORK/log1" "$UP/log1"
case "$out" in *"already exists"*) ok "and the client is told: $out" ;; *) not_ok "client told file exists ($out)" ;; esac

head -c 2000000 /dev/urandom > "$WORK/huge"
out=$(C atftp --put -l "$WORK/huge" -r huge1 --option "tsize 2000000" "$SRV" 2>&1)
check "a declared size over upload-max is refused" test ! -e "$UP/huge1"
C tftp "$SRV" -m binary -c put "$WORK/huge" huge2 >/dev/null 2>&1
check "an undeclared upload stops at upload-max and leaves nothing behind" test ! -e "$UP/huge2"
grep -q 'op=write file=incoming/huge2 .*outcome=' "$LOG"
check "the failed upload is logged" test $? = 0

C tftp "$SRV" -m binary -c put "$WORK/other" ../escape >/dev/null 2>&1
check "an upload name with .. is refused" test ! -e "$ROOT/escape" -a ! -e "$WORK/escape"
C tftp "$SRV" -m binary -c put "$WORK/other" served >/dev/null 2>&1
check "uploads cannot replace served files" test "$(stat -c %s "$ROOT/served")" = 100
check "(the name lands under the upload directory instead)" cmp -s "$WORK/other" "$UP/served"
printf 'a\nb\r\nc\n' > "$WORK/text"
C tftp "$SRV" -m netascii -c put "$WORK/text" text >/dev/null 2>&1
check "netascii upload round trip" cmp -s "$WORK/text" "$UP/text"
C curl -sf -o "$WORK/back" "tftp://$SRV/incoming/log1"
check "uploaded files are readable back over TFTP" cmp -s "$WORK/back" "$WORK/log1"
finish
