#!/bin/bash
# A diskless UEFI guest (OVMF, no option ROM: the firmware's own PXE client)
# boots from bootward in authoritative DHCP mode.  The firmware asks for an
# x64 UEFI boot program (architecture 7), fetches ipxe.efi over TFTP with its
# options, iPXE asks again as user class iPXE and runs the boot script the
# broker generates for the guest's host statement (found by its MAC, the
# host has no fixed address), which boots the kernel with the host's
# kickstart as a cpio initrd fetched once with the script's token.  See
# common.sh.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/common.sh"
e2e_require
e2e_serve authoritative ks-arp
e2e_boot uefi
check "the firmware asked as architecture 7 and was offered ipxe.efi" \
    grep -Eq "event=dhcp type=DHCPDISCOVER mac=$MAC .*class=uefi boot=ipxe\.efi " "$LOG"
check "the firmware fetched the whole of ipxe.efi over TFTP" \
    grep -Eq "event=transfer client=$NET\.[0-9]+:[0-9]+ op=read file=ipxe\.efi .*bytes=$(stat -c %s "$ROOT/ipxe.efi") .*outcome=\"ok\"" "$LOG"
opts=$(grep -E "event=transfer .*file=ipxe\.efi .*outcome=\"ok\"" "$LOG" | grep -o 'options="[^"]*"' | head -n 1)
diag "firmware TFTP options: ${opts:-none}"
check "the firmware negotiated blksize for ipxe.efi" \
    grep -Eq "file=ipxe\.efi .*options=\"[^\"]*blksize=[0-9]+" "$LOG"
check "the firmware negotiated windowsize (RFC 7440) for ipxe.efi" \
    grep -Eq "file=ipxe\.efi .*options=\"[^\"]*windowsize=[0-9]+" "$LOG"
check "bootward leased the guest an address" \
    grep -Eq "event=dhcp type=DHCPREQUEST mac=$MAC .*action=ack address=$NET\.1[0-2][0-9] " "$LOG"
e2e_checks
finish
