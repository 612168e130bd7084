#!/bin/bash
# A verified boot: a diskless UEFI guest runs an iPXE with HTTPS and image
# trust that trusts only the CA of `bootward trust init` (see trusting-ipxe).
# iPXE chains the script of `bootward ipxe embed`, which fetches the
# broker's boot script for the guest's host over HTTPS from the server's DNS
# name (a name in server.crt, which the broker then uses in the script's
# URLs, as the Host header names it); that script runs
# imgtrust --permanent and then fetches the kernel, the initrd and the
# host's kickstart (ks.cpio, with its one-time token) over HTTPS, each
# checked by imgverify against the .sig beside it: the kernel's and
# initrd's made by `bootward sign`, the kickstart's by the broker on the fly.
# Then the guest boots again with the kernel's signature swapped for the
# initrd's (a good signature of another file): iPXE refuses to boot it.
# Last, with `ciphers forward-secret` this iPXE (AES-CBC with RSA key
# exchange only, as iPXE before v2.0) cannot connect at all, as
# bootward.policy(5) says.
# See common.sh.
. "$(dirname "$0")/../integration/lib.sh"
E2E_VERIFY=on
. "$(dirname "$0")/common.sh"
e2e_require
[ -n "$OVMF_CODE" ] || bail "OVMF firmware not installed (ovmf)"
e2e_serve authoritative ks-arp
e2e_boot uefi
check "iPXE fetched the embedded script of bootward ipxe embed (as menu.ipxe) over TFTP" \
    grep -Eq "event=transfer client=$NET\.[0-9]+:[0-9]+ op=read file=menu\.ipxe .*bytes=$(stat -c %s "$ROOT/menu.ipxe") .*outcome=\"ok\"" "$LOG"
for f in vmlinuz.sig initrd.img.sig; do
    check "iPXE fetched $f over HTTPS" \
        grep -Eq "$E2E_GET target=/$f status=200 " "$LOG"
done
check "iPXE looked up the server's name ($E2E_HOST) by DNS" \
    grep -Eq "query\[A\] $E2E_HOST from $NET\.1[0-2][0-9]" "$DLOG"
check "the embedded script names the server by that name" grep -q "^chain https://$E2E_HOST/ks/boot\.ipxe " "$ROOT/menu.ipxe"
check "the broker signed the guest's kickstart for iPXE (ks.cpio.sig)" \
    grep -Eq "event=kickstart client=$NET\.[0-9]+ what=ks\.cpio\.sig host=vm mac=$MAC .*status=200 " "$LOG"
e2e_checks
check "iPXE reported no verification error" bash -c "! grep -aq 'Could not verify' '$SERIAL'"

# The kernel's signature now belongs to another file.
cp "$ROOT/initrd.img.sig" "$ROOT/vmlinuz.sig"
mv "$SERIAL" "$WORK/serial-1.log"
e2e_boot uefi 'trying the next boot device'
check "iPXE refused the kernel: imgverify failed" console 'Could not verify: Permission denied'
check "the embedded script reported it and gave up (exit 1)" \
    console 'bootward: no verified boot \(error 0x[0-9a-f]+\); trying the next boot device'
check "the kernel did not start" bash -c "! grep -aq BOOTWARD-E2E-MARKER '$SERIAL'"

# forward-secret: only ECDHE suites, which this iPXE does not have.
sed -i 's/^    plain-http 80$/&\n    ciphers forward-secret/' "$WORK/test.policy"
kill -HUP "$BROKER_PID"
wait_log "httpsd.*event=ready .*ciphers=forward-secret" 1 || bail "httpsd did not reload with ciphers forward-secret"
mv "$SERIAL" "$WORK/serial-2.log"
e2e_boot uefi 'trying the next boot device'
check "with ciphers forward-secret, iPXE cannot fetch its boot script" \
    console "^https://$E2E_HOST/ks/boot\.ipxe\.\.\. Operation not permitted"
check "httpsd logged the handshakes: no shared cipher" \
    grep -Eq "httpsd.*event=tls-error client=$NET\.1[0-2][0-9]:[0-9]+ during=handshake .*NO_SHARED_CIPHER" "$LOG"
finish
