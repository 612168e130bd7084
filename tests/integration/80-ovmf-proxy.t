#!/bin/bash
# Real UEFI firmware network-boots through bootward in proxyDHCP mode.  On one
# bridged segment: dnsmasq hands out addresses, bootward (dhcp proxy) adds the
# boot file, and a qemu guest running OVMF (its own PXE client: the NIC has no
# option ROM) boots from the network.  The firmware must get bootward's proxy
# offer, a lease from dnsmasq and the whole of ipxe.efi over TFTP; iPXE then
# starts, asks again as user class iPXE and fetches its script.
. "$(dirname "$0")/lib.sh"

QEMU=$(command -v qemu-system-x86_64)
IPXE_EFI=/usr/lib/ipxe/ipxe.efi
OVMF_CODE= OVMF_VARS=
for pair in OVMF_CODE_4M.fd:OVMF_VARS_4M.fd OVMF_CODE.fd:OVMF_VARS.fd; do
    if [ -f "/usr/share/OVMF/${pair%%:*}" ] && [ -f "/usr/share/OVMF/${pair##*:}" ]; then
        OVMF_CODE=/usr/share/OVMF/${pair%%:*} OVMF_VARS=/usr/share/OVMF/${pair##*:}
        break
    fi
done
[ -n "$QEMU" ] || { echo "1..0 # SKIP qemu-system-x86_64 not installed (qemu-system-x86)"; exit 0; }
[ -n "$OVMF_CODE" ] || { echo "1..0 # SKIP OVMF firmware not installed (ovmf)"; exit 0; }
[ -r "$IPXE_EFI" ] || { echo "1..0 # SKIP $IPXE_EFI not installed (ipxe)"; exit 0; }
command -v dnsmasq > /dev/null || { echo "1..0 # SKIP dnsmasq not installed"; exit 0; }
[ -c /dev/net/tun ] || { echo "1..0 # SKIP no /dev/net/tun"; exit 0; }

NET=10.231.$NET_ID
SW=bw-w$TID
DNS=bw-d$TID
TAP=bwt$TID
MAC=$(printf '52:54:00:%02x:%02x:%02x' $(((TID >> 16) & 255)) $(((TID >> 8) & 255)) $((TID & 255)))
SERIAL=$WORK/serial.log
DLOG=$WORK/dnsmasq.log
MARK=bootward-ovmf-proxy-$TID
LIMIT=150     # seconds the guest may take for the whole boot
qemu_pid= dnsmasq_pid=

stop_guest() {
    [ -n "$qemu_pid" ] || return 0
    kill -TERM "$qemu_pid" 2>/dev/null
    wait "$qemu_pid" 2>/dev/null
    qemu_pid=
}
cleanup_more() {
    stop_guest
    if [ -n "$dnsmasq_pid" ]; then kill "$dnsmasq_pid" 2>/dev/null; wait "$dnsmasq_pid" 2>/dev/null; fi
    if [ "$_tap_failed" != 0 ]; then
        [ -f "$SERIAL" ] && { diag "guest serial console:"; sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\r//g' "$SERIAL" | grep -v '^[[:space:]]*$' | tail -n 60 | diag "$(cat)"; }
        [ -f "$DLOG" ] && { diag "dnsmasq log:"; tail -n 40 "$DLOG" | diag "$(cat)"; }
    fi
    ip netns del "$SW" 2>/dev/null; ip netns del "$DNS" 2>/dev/null
}
trap 'cleanup_more; cleanup' EXIT

# The segment: a bridge namespace joining bootward, dnsmasq and the guest's tap.
ip netns add "$SNS" && ip netns add "$SW" && ip netns add "$DNS" || bail "cannot create namespaces"
ip -n "$SW" link add br0 type bridge && ip -n "$SW" link set br0 up || bail "bridge"
for pair in "s:$SNS:$NET.1" "d:$DNS:$NET.3"; do
    IFS=: read -r tag ns addr <<< "$pair"
    ip link add "bw$tag$TID" netns "$ns" type veth peer name "bw${tag}x$TID" netns "$SW" || bail "veth"
    ip -n "$SW" link set "bw${tag}x$TID" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$addr/24" dev "bw$tag$TID"
    ip -n "$ns" link set "bw$tag$TID" up
done
ip -n "$SW" tuntap add dev "$TAP" mode tap || bail "cannot create tap device"
ip -n "$SW" link set "$TAP" master br0 up

ip netns exec "$DNS" dnsmasq -d -q --log-dhcp --port=0 --no-ping --bind-interfaces --interface="bwd$TID" \
    --dhcp-range="$NET.150,$NET.200,255.255.255.0,10m" --dhcp-leasefile="$WORK/dnsmasq.leases" \
    --pid-file="$WORK/dnsmasq.pid" --log-facility="$DLOG" > /dev/null 2>&1 &
dnsmasq_pid=$!

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
# option ROM, its only network the tap on the bridge.
cp "$OVMF_VARS" "$WORK/vars.fd"
t0=$(date +%s)
timeout -k 5 $((LIMIT + 20)) ip netns exec "$SW" "$QEMU" -accel tcg -m 512 -smp 1 \
    -nodefaults -display none -vga none -monitor none -serial "file:$SERIAL" -no-reboot \
    -drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
    -drive "if=pflash,format=raw,unit=1,file=$WORK/vars.fd" \
    -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" \
    -device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=,bootindex=1" \
    -boot order=n > "$WORK/qemu.out" 2>&1 &
qemu_pid=$!

# Wait for the end of the chain (iPXE's script ran), the guest's exit or the limit.
while [ $(($(date +%s) - t0)) -lt "$LIMIT" ]; do
    grep -qa "$MARK" "$SERIAL" 2>/dev/null && break
    kill -0 "$qemu_pid" 2>/dev/null || break
    sleep 1
done
elapsed=$(($(date +%s) - t0))
sleep 0.5
stop_guest
diag "guest ran ${elapsed}s (mac $MAC, ipxe.efi $EFI_SIZE bytes)"
qout=$(grep -v 'terminating on signal' "$WORK/qemu.out" | head -c 2000)
[ -z "$qout" ] || diag "qemu: $qout"
grep -E "event=(dhcp|transfer)" "$LOG" | sed 's/^[^ ]* //' | diag "$(cat)"

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
