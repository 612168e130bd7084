#!/bin/bash
# A diskless BIOS guest (SeaBIOS, the NIC's iPXE option ROM) boots from
# bootward in authoritative DHCP mode: lease, TFTP, iPXE script, kernel and
# initrd over HTTP, kickstart as a cpio initrd.  See common.sh.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/common.sh"
e2e_require
e2e_serve authoritative
e2e_boot bios
check "bootward leased the guest an address" \
    grep -Eq "event=dhcp type=DHCPREQUEST mac=$MAC .*action=ack address=$NET\.1[0-2][0-9] " "$LOG"
check "the guest's iPXE ROM was recognised as iPXE and sent to its script" \
    grep -Eq "event=dhcp type=DHCP(DISCOVER|REQUEST) mac=$MAC .*class=ipxe boot=boot\.ipxe " "$LOG"
e2e_checks
finish
