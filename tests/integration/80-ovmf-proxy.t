#!/bin/bash
# Real UEFI firmware network-boots through bootward in proxyDHCP mode.  On one
# bridged segment: dnsmasq hands out addresses, bootward (dhcp proxy) adds the
# boot file, and a qemu guest running OVMF (its own PXE client: the NIC has no
# option ROM) boots from the network.  The firmware must get bootward's proxy
# offer, a lease from dnsmasq and the whole of ipxe.efi over TFTP; iPXE then
# starts, asks again as user class iPXE and fetches its script.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../e2e/common.sh"

IPXE_EFI=/usr/lib/ipxe/ipxe.efi
e2e_require
[ -n "$OVMF_CODE" ] || { echo "1..0 # SKIP OVMF firmware not installed (ovmf)"; exit 0; }
[ -r "$IPXE_EFI" ] || { echo "1..0 # SKIP $IPXE_EFI not installed (ipxe)"; exit 0; }
command -v dnsmasq > /dev/null || { echo "1..0 # SKIP dnsmasq not installed"; exit 0; }
LIMIT=150     # seconds the guest may take for the whole boot

# The segment: a bridge namespace joining bootward, dnsmasq and the guest's tap.
e2e_segment dnsmasq

cp -L "$IPXE_EFI" "$ROOT/ipxe.efi"
printf '#!ipxe\necho %s ${net0/ip}\nsleep 300\n' "$MARK" > "$ROOT/boot.ipxe"
chmod 644 "$ROOT/ipxe.efi" "$ROOT/boot.ipxe"
EFI_SIZE=$(stat -c %s "$ROOT/ipxe.efi")
cat > "$WORK/test.policy" <<P
dhcp proxy
class ipxe match user-class "iPXE" boot tftp "boot.ipxe"
class uefi match arch 7 9 boot tftp "ipxe.efi"
class bios match arch 0 boot tftp "undionly.kpxe"
tftp root "$ROOT"
P
start_broker
wait_log "dhcpd.*event=ready mode=proxy" 1 || bail "dhcpd did not start in proxy mode"

# The guest: OVMF, no disk, the NIC first in the boot order and without an
# option ROM; it runs until iPXE's script has printed its mark.
e2e_boot uefi "$MARK"

# dnsmasq logs each option on its own line, keyed by the exchange's xid.
fw_xid=$(sed -n "s/.* \([0-9]*\) DHCPDISCOVER([^)]*) $MAC.*/\1/p" "$DLOG" | head -n 1)
check "the firmware's DISCOVER says PXEClient, architecture 7 (x64 UEFI)" \
    grep -q " ${fw_xid:-none} vendor class: PXEClient:Arch:00007:" "$DLOG"
check "bootward answered that same DISCOVER with a proxy offer for ipxe.efi, no address" \
    grep -q "event=dhcp type=DHCPDISCOVER mac=$MAC xid=$(printf 0x%08x "${fw_xid:-0}") action=proxy-offer address=- class=uefi boot=ipxe.efi " "$LOG"
check "dnsmasq leased the firmware an address" \
    grep -Eq "DHCPACK\([^)]*\) $NET\.(1[5-9][0-9]|200) $MAC" "$DLOG"
check "the firmware fetched the whole of ipxe.efi from bootward over TFTP" \
    grep -Eq "event=transfer client=$NET\.[0-9]+:[0-9]+ op=read file=ipxe\.efi .*bytes=$EFI_SIZE .*outcome=\"ok\"" "$LOG"
check "bootward never offered an address" test -z "$(grep 'dhcpd.*action=' "$LOG" | grep -v 'address=- ')"
# iPXE, started from the file, asks again (user class iPXE) and runs its script.
check "iPXE started and asked bootward again as user class iPXE" \
    grep -q "event=dhcp type=DHCPDISCOVER mac=$MAC .*action=proxy-offer address=- class=ipxe boot=boot.ipxe " "$LOG"
check "iPXE fetched its script from bootward" \
    grep -Eq "event=transfer client=$NET\.[0-9]+:[0-9]+ op=read file=boot\.ipxe .*outcome=\"ok\"" "$LOG"
check "iPXE ran the script with an address from dnsmasq" \
    grep -Eqa "$MARK $NET\.(1[5-9][0-9]|200)" "$SERIAL"
finish
