#!/bin/bash
# A diskless BIOS guest (SeaBIOS, the NIC's iPXE option ROM) boots from
# bootward in authoritative DHCP mode: its host statement's fixed address,
# then the boot script the broker generates for that host, kernel and initrd
# over HTTP, and the host's kickstart, rendered from its template, fetched
# once with the script's token and placed at /ks.cfg by name.  See common.sh.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/common.sh"
e2e_require
e2e_serve authoritative ks
e2e_boot bios
check "bootward leased the guest its host statement's fixed address" \
    grep -Eq "event=dhcp type=DHCPREQUEST mac=$MAC .*action=ack address=$NET\.50 " "$LOG"
e2e_checks
finish
