#!/bin/bash
# DHCP in authoritative mode against real clients (dhclient, udhcpc), the
# boot decision by client class (scapy-built PXE, UEFI, ARM64, UEFI HTTP and
# iPXE requests), relays with option 82, static hosts and denied MACs.
. "$(dirname "$0")/lib.sh"

setup_net
NET=10.231.$NET_ID
IF=bwc$TID
cat > "$WORK/test.policy" <<P
dhcp authoritative
subnet $NET.0/24 {
    range $NET.100 $NET.110
    router $NET.1
    dns $NET.1
    domain "lab.test"
    lease 600s
}
host static01 mac 02:00:00:00:00:42 address $NET.42
deny mac 02:00:00:00:00:66
class ipxe     match user-class "iPXE"          boot http "/boot/\${class}-\${arch}.ipxe"
class bios     match arch 0                     boot tftp "undionly.kpxe"
class uefi     match arch 7 9                   boot tftp "ipxe.efi"
class arm64    match arch 11                    boot tftp "arm64/ipxe.efi"
class httpboot match vendor-class "HTTPClient"  boot http "/boot/ipxe.efi"
tftp root "$ROOT"
P
start_broker
wait_log "dhcpd.*event=ready" 1 || bail "dhcpd did not start"
P() { C "$SCAPY_PY" "$(dirname "$0")/dhcpprobe.py" --iface "$IF" "$@"; }

# dhclient: the whole DORA, options, then INIT-REBOOT and RELEASE.
cat > "$WORK/dhscript" <<S
#!/bin/sh
echo "\$reason ip=\$new_ip_address mask=\$new_subnet_mask routers=\$new_routers dns=\$new_domain_name_servers domain=\$new_domain_name lease=\$new_dhcp_lease_time" >> $WORK/dh.log
case "\$reason" in BOUND|RENEW|REBIND|REBOOT) ip addr replace "\$new_ip_address/24" dev "\$interface" ;; esac
exit 0
S
chmod +x "$WORK/dhscript"
dh() { C dhclient -1 -sf "$WORK/dhscript" -lf "$WORK/dh.leases" -pf "$WORK/dh.pid" "$@" "$IF" >/dev/null 2>&1; }
dh
check "dhclient gets a lease from the range" grep -q "^BOUND ip=$NET.10[0-9] " "$WORK/dh.log"
check "with mask, router, DNS, domain and lease time" \
    grep -q "mask=255.255.255.0 routers=$NET.1 dns=$NET.1 domain=lab.test lease=600" "$WORK/dh.log"
ip1=$(sed -n 's/^BOUND ip=\([^ ]*\).*/\1/p' "$WORK/dh.log" | head -n 1)
C kill "$(cat "$WORK/dh.pid")" 2>/dev/null
dh
check "dhclient restarted with its lease asks again (INIT-REBOOT) and keeps $ip1" \
    grep -q "^REBOOT ip=$ip1 " "$WORK/dh.log"
C kill "$(cat "$WORK/dh.pid")" 2>/dev/null
dh -r
wait_log "type=DHCPRELEASE .*action=release address=$ip1" 1 30
check "dhclient -r releases it" test $? = 0
C ip addr flush dev "$IF" scope global; C ip addr add "$CLI/24" dev "$IF"

# udhcpc (busybox): lease, then release when it is stopped (from the address it got).
printf '#!/bin/sh\necho "$1 ip=$ip" >> %s\n[ "$1" = bound ] && ip addr add "$ip/24" dev "$interface"\nexit 0\n' \
    "$WORK/ud.log" > "$WORK/udscript"
chmod +x "$WORK/udscript"
ip netns exec "$CNS" udhcpc -i "$IF" -f -R -s "$WORK/udscript" -t 3 >/dev/null 2>&1 &
udpid=$!
for i in $(seq 50); do grep -q "^bound" "$WORK/ud.log" 2>/dev/null && break; sleep 0.1; done
check "udhcpc gets a lease" grep -q "^bound ip=$NET.10" "$WORK/ud.log"
udip=$(sed -n 's/^bound ip=//p' "$WORK/ud.log" | head -n 1)
kill -USR1 "$udpid"    # renew now: a unicast REQUEST from its address (RENEWING)
for i in $(seq 50); do grep -q "^renew" "$WORK/ud.log" && break; sleep 0.1; done
check "udhcpc renews its lease" grep -q "^renew ip=$udip" "$WORK/ud.log"
check "the renewal was answered unicast to the client's address" \
    grep -q "type=DHCPREQUEST .*action=ack address=$udip .*to=$udip:68" "$LOG"
kill -TERM "$udpid"; wait "$udpid" 2>/dev/null
wait_log "type=DHCPRELEASE" 2 30
check "udhcpc -R releases it when stopped" test $? = 0
C ip addr flush dev "$IF" scope global; C ip addr add "$CLI/24" dev "$IF"

# Static host and denied MAC.
C ip link set "$IF" address 02:00:00:00:00:42
out=$(C udhcpc -i "$IF" -n -q -f -s /bin/true -t 3 2>&1)
case "$out" in *"lease of $NET.42 obtained"*) ok "a static host gets its fixed address" ;; *) not_ok "static host ($out)" ;; esac
check "and its hostname is logged nowhere wrong: the journal record is written" grep -q "action=ack address=$NET.42" "$LOG"
C ip link set "$IF" address 02:00:00:00:00:66
out=$(C udhcpc -i "$IF" -n -q -f -s /bin/true -t 2 -T 1 2>&1)
case "$out" in *"obtained"*) not_ok "a denied MAC gets nothing ($out)" ;; *) ok "a denied MAC gets nothing" ;; esac
check "the denial is logged" grep -q "mac=02:00:00:00:00:66 .*reason=\"denied by policy\"" "$LOG"
C ip link set "$IF" address 02:00:00:00:00:99

# The boot decision by client class (PXEClient vendor class, option 93).
r=$(P --mac 02:00:00:00:10:01 --arch 0 --vendor "PXEClient:Arch:00000:UNDI:002001")
case "$r" in "OFFER yiaddr=$NET.1"*" siaddr=$SRV file=undionly.kpxe opt66=$SRV opt67=undionly.kpxe"*) ok "BIOS (arch 0) gets undionly.kpxe over TFTP" ;; *) not_ok "BIOS boot ($r)" ;; esac
r=$(P --mac 02:00:00:00:10:02 --arch 7 --vendor "PXEClient:Arch:00007:UNDI:003016")
case "$r" in *" file=ipxe.efi "*) ok "UEFI x86-64 (arch 7) gets ipxe.efi" ;; *) not_ok "UEFI 7 ($r)" ;; esac
r=$(P --mac 02:00:00:00:10:03 --arch 9 --vendor "PXEClient:Arch:00009:UNDI:003016")
case "$r" in *" file=ipxe.efi "*) ok "UEFI x86-64 (arch 9) gets ipxe.efi" ;; *) not_ok "UEFI 9 ($r)" ;; esac
r=$(P --mac 02:00:00:00:10:04 --arch 11 --vendor "PXEClient:Arch:00011:UNDI:003016")
case "$r" in *" file=arm64/ipxe.efi "*) ok "ARM64 UEFI (arch 11) gets arm64/ipxe.efi" ;; *) not_ok "ARM64 ($r)" ;; esac
r=$(P --mac 02:00:00:00:10:05 --arch 16 --vendor "HTTPClient:Arch:00016:UNDI:003001")
case "$r" in *" file=http://$SRV/boot/ipxe.efi "*"opt60=HTTPClient"*) ok "UEFI HTTP boot gets a URL and HTTPClient echoed" ;; *) not_ok "HTTP boot ($r)" ;; esac
r=$(P --mac 02:00:00:00:10:06 --arch 0 --vendor "PXEClient:Arch:00000:UNDI:002001" --user-class iPXE --ipxe)
case "$r" in *" file=http://$SRV/boot/ipxe-0.ipxe "*) ok "iPXE on BIOS gets its script, not iPXE again" ;; *) not_ok "iPXE ($r)" ;; esac
r=$(P --mac 02:00:00:00:10:07)
case "$r" in "OFFER "*" file=- "*) ok "a client that is not PXE gets an address and no boot file" ;; *) not_ok "non-PXE ($r)" ;; esac
grep -q "class=uefi boot=ipxe.efi" "$LOG"
check "the log names the class and boot file" test $? = 0

# Relay: giaddr set, option 82 echoed unchanged, reply to the relay on 67.
r=$(P --mac 02:00:00:00:10:08 --relay "$CLI" --server "$SRV" --opt82 0106657468302f3102060a0b0c0d0e0f)
case "$r" in "OFFER yiaddr=$NET.1"*"opt82=0106657468302f3102060a0b0c0d0e0f from=$SRV:67") ok "relayed DISCOVER answered to the relay with option 82 intact" ;;
    *) not_ok "relay ($r)" ;; esac
check "the relayed answer is logged as such" grep -q "relayed=yes" "$LOG"
finish
