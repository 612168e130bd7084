# common.sh — end-to-end PXE boots: a diskless QEMU guest boots from the
# real broker, with the firmware's own network boot client doing the talking.
#
# The segment is a bridge in its own namespace joining the server namespace
# (bootward at $NET.1), the guest's tap device and, for proxyDHCP, a
# namespace running dnsmasq ($NET.3).  The guest gets its address by DHCP,
# starts iPXE (the NIC's option ROM on BIOS, ipxe.efi over TFTP on UEFI),
# runs an iPXE script that downloads a kernel, an initrd and the kickstart
# from httpsd, and boots them.  The initrd's /init prints a marker, the
# kernel command line and /ks.cfg to the serial console, then powers off.
#
# The iPXE script is either a static file served over TFTP, or (e2e_serve
# MODE ks|ks-arp) the boot script the broker generates for the guest's host
# statement at /ks/boot.ipxe, whose kickstart URL carries a one-time token.
# Debian's iPXE has neither HTTPS nor image verification (IMAGE_TRUST_CMD),
# so with it that kickstart says verify off and everything is plain HTTP.
# With E2E_VERIFY=on (UEFI only) the guest runs an iPXE that has both and
# trusts only bootward's CA (see trusting-ipxe): it chains the script of
# `bootward ipxe embed`, fetches everything over HTTPS from the server's DNS
# name ($E2E_HOST, answered by a DNS-only dnsmasq at $NET.3, and a name in
# server.crt) and verifies every image with imgverify.
#
# Used by tests/e2e/*.t and tests/integration/80-ovmf-proxy.t after
# sourcing tests/integration/lib.sh.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PAYLOAD=${BOOTWARD_E2E_PAYLOAD:-$BUILD/e2e}
QEMU=$(command -v qemu-system-x86_64 || true)
NET=10.231.$NET_ID
SW=bw-w$TID
DNS=bw-d$TID
TAP=bwt$TID
MAC=$(printf '52:54:00:%02x:%02x:%02x' $(((TID >> 16) & 255)) $(((TID >> 8) & 255)) $((TID & 255)))
SERIAL=$WORK/serial.log
DLOG=$WORK/dnsmasq.log
MARK=bootward-e2e-$TID
LIMIT=${BOOTWARD_E2E_LIMIT:-240} # seconds the guest may take, firmware to power-off
qemu_pid= dnsmasq_pid=
E2E_KS= E2E_UEFI=0 # E2E_KS: ks or ks-arp, the guest boots the broker's generated script
E2E_VERIFY=${E2E_VERIFY:-off}
# The server's name in URLs, the access log's tls= field, the URL base.
if [ "$E2E_VERIFY" = on ]; then
    E2E_HOST=boot.e2e.test E2E_TLS='TLSv1\.[23]' E2E_URL=https://boot.e2e.test
else
    E2E_HOST=$NET.1 E2E_TLS=off E2E_URL=http://$NET.1
fi
E2E_GET="event=http client=$NET\.[0-9]+:[0-9]+ tls=$E2E_TLS method=GET" # httpsd's record of a guest's GET

stop_guest() {
    [ -n "$qemu_pid" ] || return 0
    kill -TERM "$qemu_pid" 2>/dev/null
    wait "$qemu_pid" 2>/dev/null
    qemu_pid=
}

e2e_cleanup() {
    stop_guest
    if [ -n "$dnsmasq_pid" ]; then kill "$dnsmasq_pid" 2>/dev/null; wait "$dnsmasq_pid" 2>/dev/null; fi
    if [ "$_tap_failed" != 0 ]; then
        [ -f "$SERIAL" ] && { diag "guest serial console:"; sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\r//g' "$SERIAL" | grep -av '^[[:space:]]*$' | tail -n 80 | diag "$(cat)"; }
        [ -f "$DLOG" ] && { diag "dnsmasq log:"; tail -n 30 "$DLOG" | diag "$(cat)"; }
    fi
    ip netns del "$SW" 2>/dev/null
    ip netns del "$DNS" 2>/dev/null
}
trap 'e2e_cleanup; cleanup' EXIT

# OVMF_CODE, OVMF_VARS: Debian's UEFI firmware (package ovmf), or empty.
OVMF_CODE= OVMF_VARS=
for pair in OVMF_CODE_4M.fd:OVMF_VARS_4M.fd OVMF_CODE.fd:OVMF_VARS.fd; do
    if [ -f "/usr/share/OVMF/${pair%%:*}" ] && [ -f "/usr/share/OVMF/${pair##*:}" ]; then
        OVMF_CODE=/usr/share/OVMF/${pair%%:*} OVMF_VARS=/usr/share/OVMF/${pair##*:}
        break
    fi
done

e2e_require() {
    [ -n "$QEMU" ] || { echo "1..0 # SKIP qemu-system-x86_64 not installed (qemu-system-x86)"; exit 0; }
    [ -c /dev/net/tun ] || { echo "1..0 # SKIP no /dev/net/tun"; exit 0; }
}

# e2e_serve authoritative|proxy [ks|ks-arp]: the segment, the payload and
# the broker, with DHCP in that mode, TFTP and plain HTTP.  With ks, iPXE is
# sent to the broker's generated boot script for host "vm" (the guest's MAC),
# which has the fixed address $NET.50 (ks) or none, so that the broker finds
# it by MAC in its neighbour table (ks-arp).
e2e_serve() {
    E2E_KS=${2:-}
    e2e_segment $([ "$1" = proxy ] && echo dnsmasq) $([ "$E2E_VERIFY" = on ] && echo dns)
    e2e_files
    e2e_policy "$1"
    if [ -n "$E2E_KS" ]; then
        "$BUILD/bootward" trust init --state "$STATE" --name "$NET.1" $([ "$E2E_HOST" != "$NET.1" ] && echo --name "$E2E_HOST") > "$WORK/trust.log" 2>&1 ||
            { cat "$WORK/trust.log" >&2; bail "bootward trust init failed"; }
        [ "$E2E_VERIFY" = on ] && e2e_verified_files
    else
        make_test_pki
    fi
    start_broker
    if [ "$1" = proxy ]; then
        wait_log "dhcpd.*event=ready mode=proxy" 1 || bail "dhcpd did not start in proxy mode"
    fi
    wait_log "httpsd.*event=ready" 1 || bail "httpsd did not start"
}

# e2e_segment [dnsmasq|dns]: the bridge, bootward's host, the tap, and
# dnsmasq's host, running a DHCP server (dnsmasq) or only a DNS server that
# knows $E2E_HOST (dns).
e2e_segment() {
    local hosts="s:$SNS:$NET.1" pair tag ns addr
    [ -n "${1:-}" ] && hosts="$hosts d:$DNS:$NET.3"
    ip netns add "$SNS" && ip netns add "$SW" || bail "cannot create namespaces"
    [ -n "${1:-}" ] && { ip netns add "$DNS" || bail "cannot create namespaces"; }
    ip -n "$SW" link add br0 type bridge && ip -n "$SW" link set br0 up || bail "bridge"
    for pair in $hosts; do
        IFS=: read -r tag ns addr <<< "$pair"
        ip link add "bw$tag$TID" netns "$ns" type veth peer name "bw${tag}x$TID" netns "$SW" || bail "veth"
        ip -n "$SW" link set "bw${tag}x$TID" master br0 up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "$addr/24" dev "bw$tag$TID"
        ip -n "$ns" link set "bw$tag$TID" up
    done
    ip -n "$SW" tuntap add dev "$TAP" mode tap || bail "cannot create tap device"
    ip -n "$SW" link set "$TAP" master br0 up
    if [ "${1:-}" = dnsmasq ]; then
        command -v dnsmasq > /dev/null || bail "dnsmasq not installed"
        ip netns exec "$DNS" dnsmasq -d -q --log-dhcp --port=0 --no-ping --bind-interfaces \
            --interface="bwd$TID" --dhcp-range="$NET.150,$NET.200,255.255.255.0,10m" \
            --dhcp-leasefile="$WORK/dnsmasq.leases" --pid-file="$WORK/dnsmasq.pid" \
            --log-facility="$DLOG" > /dev/null 2>&1 &
        dnsmasq_pid=$!
    elif [ "${1:-}" = dns ]; then
        command -v dnsmasq > /dev/null || bail "dnsmasq not installed"
        ip netns exec "$DNS" dnsmasq -d -q --log-queries --port=53 --bind-interfaces --interface="bwd$TID" \
            --no-resolv --no-hosts --address="/$E2E_HOST/$NET.1" --pid-file="$WORK/dnsmasq.pid" \
            --log-facility="$DLOG" > /dev/null 2>&1 &
        dnsmasq_pid=$!
    fi
}

# e2e_files: what the guest boots, in the served root ($ROOT, for TFTP and HTTP).
e2e_files() {
    "$E2E_DIR/payload" "$PAYLOAD" >"$WORK/payload.log" 2>&1 ||
        { cat "$WORK/payload.log" >&2; bail "cannot build the boot payload (tests/e2e/payload)"; }
    cp -L /usr/lib/ipxe/ipxe.efi "$ROOT/ipxe.efi"
    cp "$PAYLOAD/vmlinuz" "$PAYLOAD/initrd.img" "$ROOT/"
    mkdir -p "$ROOT/kickstarts"
    # The kickstart reaches the installer as a second initrd: the server
    # wraps kickstarts/vm.ks as kickstarts/vm.ks.cpio, a newc archive holding /ks.cfg.
    printf '# kickstart for the e2e guest\ntext\nrootpw --lock\nurl --url http://%s/debian\n%%post\necho %s-ks\n%%end\n' \
        "$NET.1" "$MARK" > "$ROOT/kickstarts/vm.ks"
    # initrd= names the images for the kernel's EFI stub (iPXE before 2021
    # cannot hand EFI kernels an initrd otherwise); BIOS ignores them.
    cat > "$ROOT/boot.ipxe" <<EOF
#!ipxe
echo bootward e2e: iPXE at \${net0/ip} runs its boot script
kernel http://$NET.1/vmlinuz console=ttyS0 initrd=initrd.img initrd=vm.ks.cpio inst.ks=file:/ks.cfg bootward.mark=$MARK
initrd http://$NET.1/initrd.img
initrd http://$NET.1/kickstarts/vm.ks.cpio
boot
EOF
    # The template of the generated kickstart (e2e_serve MODE ks).
    cat > "$WORK/vm.ks" <<EOF
# kickstart for \${hostname} mac=\${mac} ip=\${ip} server=\${server}
# self=\${ks_url}
text
rootpw --lock
url --url http://\${server}/debian
%post
echo $MARK-ks
%end
EOF
    chmod -R a+rX "$ROOT"
}

# e2e_verified_files: signatures for the kernel and initrd, the embedded
# script of `bootward ipxe embed` as menu.ipxe (which the iPXE below chains),
# and as ipxe.efi an iPXE with HTTPS and image trust that trusts only the
# CA made by bootward trust init.
e2e_verified_files() {
    "$BUILD/bootward" sign --state "$STATE" "$ROOT/vmlinuz" "$ROOT/initrd.img" > "$WORK/sign.log" 2>&1 ||
        { cat "$WORK/sign.log" >&2; bail "bootward sign failed"; }
    "$BUILD/bootward" ipxe embed --state "$STATE" --out "$WORK/kit" --server "$E2E_HOST" > "$WORK/embed.log" 2>&1 ||
        { cat "$WORK/embed.log" >&2; bail "bootward ipxe embed failed"; }
    cp "$WORK/kit/embed.ipxe" "$ROOT/menu.ipxe"
    "$E2E_DIR/trusting-ipxe" "$WORK/kit/ca.crt" "$ROOT/ipxe.efi" "$PAYLOAD" ||
        bail "cannot get an iPXE with HTTPS and image trust (tests/e2e/trusting-ipxe)"
    chmod -R a+rX "$ROOT"
}

# e2e_policy authoritative|proxy: DHCP, TFTP for the firmware and the script,
# plain HTTP for the payload (Debian's iPXE has no HTTPS).
e2e_policy() {
    {
        if [ "$1" = proxy ]; then
            echo "dhcp proxy"
        else
            echo "dhcp authoritative"
            echo "subnet $NET.0/24 {"
            echo "    range $NET.100 $NET.120"
            [ "$E2E_VERIFY" = on ] && echo "    dns $NET.3"
            echo "    lease 600s"
            echo "}"
        fi
        if [ -n "$E2E_KS" ]; then
            if [ "$E2E_VERIFY" = on ]; then
                # That iPXE's own script chains tftp://NEXT-SERVER/menu.ipxe.
                echo 'class ipxe match user-class "iPXE" boot tftp "menu.ipxe"'
            else
                echo 'class ipxe match user-class "iPXE" boot http "/ks/boot.ipxe"'
            fi
            echo "host vm mac $MAC $([ "$E2E_KS" = ks ] && echo "address $NET.50") kickstart vm"
            echo "kickstart vm {"
            echo "    template \"$WORK/vm.ks\""
            echo "    kernel \"/vmlinuz\""
            echo "    initrd \"/initrd.img\""
            echo "    append \"console=ttyS0 inst.ks=file:/ks.cfg bootward.mark=$MARK\""
            echo "    one-time on"
            echo "    verify $E2E_VERIFY"
            echo "}"
        else
            echo 'class ipxe match user-class "iPXE" boot tftp "boot.ipxe"'
        fi
        echo 'class uefi match arch 7 9 boot tftp "ipxe.efi"'
        echo 'class bios match arch 0 boot tftp "undionly.kpxe"'
        echo "tftp root \"$ROOT\""
        echo "https {"
        echo "    root \"$ROOT\""
        echo "    plain-http 80"
        echo "}"
    } > "$WORK/test.policy"
}

# e2e_boot bios|uefi [PATTERN]: run the guest until it powers off, its
# serial console shows PATTERN, or LIMIT passes.
e2e_boot() {
    local fw=() t0 qout
    E2E_UEFI=0
    if [ "$1" = uefi ]; then
        E2E_UEFI=1
        [ -n "$OVMF_CODE" ] || bail "OVMF firmware not installed (ovmf)"
        cp "$OVMF_VARS" "$WORK/vars.fd"
        # No option ROM: the firmware's own PXE client boots.
        fw=(-machine q35 -drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
            -drive "if=pflash,format=raw,unit=1,file=$WORK/vars.fd"
            -device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=,bootindex=1")
    else
        # SeaBIOS; the NIC's option ROM is Debian's iPXE (ipxe-qemu).
        fw=(-device "virtio-net-pci,netdev=n0,mac=$MAC,bootindex=1")
    fi
    t0=$(date +%s)
    timeout -k 5 $((LIMIT + 20)) ip netns exec "$SW" "$QEMU" -accel tcg -m 512 -smp 1 \
        -nodefaults -display none -vga none -monitor none -serial "file:$SERIAL" -no-reboot \
        -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" "${fw[@]}" \
        -boot order=n > "$WORK/qemu.out" 2>&1 &
    qemu_pid=$!
    while [ $(($(date +%s) - t0)) -lt "$LIMIT" ]; do
        kill -0 "$qemu_pid" 2>/dev/null || break # the guest powered off
        [ -n "${2:-}" ] && grep -qa -- "$2" "$SERIAL" 2>/dev/null && break
        sleep 1
    done
    E2E_SECONDS=$(($(date +%s) - t0))
    [ -n "${2:-}" ] && sleep 0.5 # let the console line finish
    stop_guest
    diag "guest ran ${E2E_SECONDS}s (mac $MAC)"
    qout=$(grep -v 'terminating on signal' "$WORK/qemu.out" | head -c 2000)
    [ -z "$qout" ] || diag "qemu: $qout"
    grep -E "event=(dhcp|transfer|http) " "$LOG" | sed 's/^[^ ]* //' | diag "$(cat)"
}

# console PATTERN: the guest's serial console has a line matching PATTERN.
console() { sed 's/\r//g' "$SERIAL" 2>/dev/null | grep -aEq -- "$1"; }

# e2e_checks: the boot got as far as the installer, with the right kickstart.
e2e_checks() {
    if [ -n "$E2E_KS" ]; then
        e2e_ks_checks
    else
        check "the guest fetched its boot script over TFTP" \
            grep -Eq "event=transfer client=$NET\.[0-9]+:[0-9]+ op=read file=boot\.ipxe .*outcome=\"ok\"" "$LOG"
        check "the guest downloaded its kickstart as a cpio archive" \
            grep -Eq "$E2E_GET target=/kickstarts/vm.ks.cpio status=200 " "$LOG"
    fi
    check "the guest downloaded the kernel over HTTP$([ "$E2E_VERIFY" = on ] && echo S) from httpsd" \
        grep -Eq "$E2E_GET target=/vmlinuz status=200 bytes=$(stat -c %s "$ROOT/vmlinuz") " "$LOG"
    check "the guest downloaded the initrd over HTTP$([ "$E2E_VERIFY" = on ] && echo S)" \
        grep -Eq "$E2E_GET target=/initrd.img status=200 bytes=$(stat -c %s "$ROOT/initrd.img") " "$LOG"
    check "the kernel started /init from the initrd (marker on the serial console)" \
        console '^BOOTWARD-E2E-MARKER boot ok'
    check "the kernel command line is the boot script's" console "^cmdline: .*bootward.mark=$MARK"
    check "the installer found /ks.cfg with the served kickstart" console "^echo $MARK-ks"
    check "the guest powered off within ${LIMIT}s (${E2E_SECONDS}s)" test "$E2E_SECONDS" -lt "$LIMIT"
}

# e2e_ks_checks: the guest ran the broker's boot script for host vm and
# fetched its kickstart once with the script's token; the token cannot be
# used again.
e2e_ks_checks() {
    local ks=ks.cfg ip url code
    [ "$E2E_UEFI" = 1 ] && ks=ks.cpio
    ip=$(grep -Eo "event=kickstart client=$NET\.[0-9]+ what=boot\.ipxe host=vm mac=$MAC " "$LOG" |
        head -n 1 | sed -E 's/.*client=([0-9.]+) .*/\1/')
    diag "the broker found host vm at ${ip:-nothing}"
    if [ "$E2E_VERIFY" = on ]; then
        check "iPXE was sent to menu.ipxe over TFTP" \
            grep -Eq "event=dhcp type=DHCP(DISCOVER|REQUEST) mac=$MAC .*class=ipxe boot=menu\.ipxe " "$LOG"
    else
        check "iPXE was sent to the generated boot script at $E2E_URL/ks/boot.ipxe" \
            grep -Eq "event=dhcp type=DHCP(DISCOVER|REQUEST) mac=$MAC .*class=ipxe boot=$E2E_URL/ks/boot\.ipxe " "$LOG"
    fi
    if [ "$E2E_KS" = ks ]; then
        check "the host's fixed address was leased and found" test "$ip" = "$NET.50"
    else
        check "the broker found the host by its MAC at a leased address" \
            grep -Eq "^$NET\.1[0-2][0-9]\$" <<< "$ip"
    fi
    check "the broker wrote host vm's boot script (verify $E2E_VERIFY)" \
        grep -Eq "event=kickstart client=$NET\.[0-9]+ what=boot\.ipxe host=vm mac=$MAC .*status=200 .*one_time=on verify=$E2E_VERIFY" "$LOG"
    check "httpsd logged the script's fetch" \
        grep -Eq "$E2E_GET target=/ks/boot\.ipxe status=200 " "$LOG"
    check "iPXE fetched the kickstart as $ks with the script's token, once" \
        grep -Eq "event=kickstart client=$NET\.[0-9]+ what=$ks host=vm mac=$MAC .*status=200 .*note=\"one-time token used\"" "$LOG"
    check "the access log shows the kickstart URL without its token" \
        grep -Eq "$E2E_GET target=\"/ks/\*/$ks\" status=200 " "$LOG"
    check "the kickstart on /ks.cfg was rendered for host vm" \
        console "^# kickstart for vm mac=$MAC ip=$ip server=$NET\.1\$"
    if [ "$E2E_UEFI" = 1 ]; then
        check "the EFI stub was given both initrds by name" console "^cmdline: .* initrd=initrd initrd=ks\.cpio"
    fi
    url=$(sed 's/\r//g' "$SERIAL" | grep -ao "^# self=$E2E_URL/ks/[A-Za-z0-9_-]*/ks\.cfg" | head -n 1)
    url=${url#\# self=}
    check "the kickstart names its own URL (\${ks_url})" test -n "$url"
    code=$(S curl -s --cacert "$STATE/trust/ca.crt" --resolve "$E2E_HOST:443:$NET.1" -o /dev/null -w '%{http_code}' --max-time 5 "$url")
    check "the token the guest used cannot fetch the kickstart again (HTTP $code)" test "$code" = 404
    check "the replay was logged as a reused token" \
        grep -Eq "event=kickstart client=$NET\.1 what=ks\.cfg host=vm mac=$MAC .*status=404 .*one-time token already used" "$LOG"
}
