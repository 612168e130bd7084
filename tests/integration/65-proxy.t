#!/bin/bash
# proxyDHCP beside dnsmasq: three hosts on one bridged segment.  dnsmasq
# hands out addresses; bootward (dhcp proxy) adds boot information for PXE
# clients only, never an address, on port 67 and on 4011.
. "$(dirname "$0")/lib.sh"

NET=10.231.$NET_ID
SW=bw-w$TID
DNS=bw-d$TID
IFC=bwc$TID
cleanup_more() { ip netns del "$SW" 2>/dev/null; ip netns del "$DNS" 2>/dev/null; }
trap 'cleanup_more; cleanup' EXIT
ip netns add "$SNS"; ip netns add "$CNS"; ip netns add "$SW"; ip netns add "$DNS"
ip -n "$SW" link add br0 type bridge && ip -n "$SW" link set br0 up
for pair in "s:$SNS:$NET.1" "c:$CNS:$NET.2" "d:$DNS:$NET.3"; do
    IFS=: read -r tag ns addr <<< "$pair"
    ip link add "bw$tag$TID" netns "$ns" type veth peer name "bw${tag}x$TID" netns "$SW"
    ip -n "$SW" link set "bw${tag}x$TID" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$addr/24" dev "bw$tag$TID"
    ip -n "$ns" link set "bw$tag$TID" up
done
ip netns exec "$DNS" dnsmasq -d -q --port=0 --no-ping --bind-interfaces --interface="bwd$TID" \
    --dhcp-range="$NET.150,$NET.200,255.255.255.0,10m" --dhcp-leasefile="$WORK/dnsmasq.leases" \
    --pid-file="$WORK/dnsmasq.pid" --log-facility="$WORK/dnsmasq.log" > /dev/null 2>&1 &
dnsmasq_pid=$!
cat > "$WORK/test.policy" <<P
dhcp proxy
class uefi match arch 7 boot tftp "ipxe.efi"
class bios match arch 0 boot tftp "undionly.kpxe"
tftp root "$ROOT"
P
start_broker
wait_log "dhcpd.*event=ready mode=proxy" 1 || bail "dhcpd did not start in proxy mode"
sleep 0.5
P() { C "$SCAPY_PY" "$(dirname "$0")/dhcpprobe.py" --iface "$IFC" "$@"; }

r=$(P --mac 02:00:00:00:20:01 --arch 0 --vendor "PXEClient:Arch:00000:UNDI:002001" --timeout 3)
diag "$r"
case "$r" in *"OFFER yiaddr=$NET.1"[5-9]?" "*"from=$NET.3:67"*) ok "dnsmasq offers the PXE client an address" ;; *) not_ok "dnsmasq offers an address" ;; esac
case "$r" in *"OFFER yiaddr=0.0.0.0 siaddr=$NET.1 file=undionly.kpxe opt66=$NET.1 opt67=undionly.kpxe opt60=PXEClient opt43=060108ff "*"from=$NET.1:67"*) ok "bootward's proxy offer: no address, boot file, PXEClient, discovery control" ;;
    *) not_ok "bootward proxy offer" ;; esac
check "bootward never offered an address" test -z "$(grep 'dhcpd.*action=' "$LOG" | grep -v 'address=- ')"

r=$(P --mac 02:00:00:00:20:02 --arch 7 --vendor "PXEClient:Arch:00007:UNDI:003016" --timeout 3)
case "$r" in *"yiaddr=0.0.0.0 "*" file=ipxe.efi "*) ok "UEFI client: ipxe.efi by proxy" ;; *) not_ok "UEFI by proxy ($r)" ;; esac

# Boot server discovery on 4011 (UEFI firmware asks the proxy directly).
r=$(P --mac 02:00:00:00:20:02 --arch 7 --vendor "PXEClient:Arch:00007:UNDI:003016" --type request \
      --server "$NET.1" --port 4011)
case "$r" in "ACK yiaddr=0.0.0.0 siaddr=$NET.1 file=ipxe.efi "*"from=$NET.1:4011") ok "port 4011 REQUEST answered with the boot file, unicast" ;;
    *) not_ok "port 4011 ($r)" ;; esac

# A client that is not PXE is dnsmasq's business only.
printf '#!/bin/sh\n[ "$1" = bound ] && echo "bound $ip $siaddr $boot_file" >> %s\nexit 0\n' "$WORK/ud.log" > "$WORK/udscript"
chmod +x "$WORK/udscript"
C udhcpc -i "$IFC" -n -q -f -s "$WORK/udscript" -t 3 > /dev/null 2>&1
check "udhcpc gets its lease from dnsmasq" grep -q "^bound $NET.1[5-9][0-9] " "$WORK/ud.log"
check "bootward ignores the non-PXE client" grep -q 'reason="not a PXE client (proxy mode)"' "$LOG"
check "dnsmasq recorded the lease (it is the only server giving addresses)" test -s "$WORK/dnsmasq.leases"
kill "$dnsmasq_pid" 2>/dev/null; wait "$dnsmasq_pid" 2>/dev/null
finish
