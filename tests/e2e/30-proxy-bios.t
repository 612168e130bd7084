#!/bin/bash
# proxyDHCP: dnsmasq on the same segment hands out the address, bootward
# (dhcp proxy) supplies only the boot information, and a diskless BIOS guest
# still boots to the installer.  See common.sh.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/common.sh"
e2e_require
e2e_serve proxy
e2e_boot bios
check "dnsmasq leased the guest an address" grep -Eq "DHCPACK\([^)]*\) $NET\.(1[5-9][0-9]|200) $MAC" "$DLOG"
check "bootward answered as a proxy, never with an address" \
    test -z "$(grep 'dhcpd.*action=' "$LOG" | grep -v 'address=- ')"
check "bootward's proxy offer sent the guest's iPXE to its script" \
    grep -Eq "event=dhcp type=DHCPDISCOVER mac=$MAC .*action=proxy-offer address=- class=ipxe boot=boot\.ipxe " "$LOG"
e2e_checks
finish
