# common.sh — end-to-end PXE boots: a diskless QEMU guest boots from the
# real broker, with the firmware's own network boot client doing the talking.
#
# The segment is a bridge in its own namespace joining the server namespace
# (bootward at $NET.1), the guest's tap device and, for proxyDHCP, a
# namespace running dnsmasq ($NET.3).  The guest gets its address by DHCP,
# fetches at least one file over TFTP, runs an iPXE script that downloads a
# kernel, an initrd and the kickstart (as a cpio archive) over plain HTTP
# from httpsd, and boots them.  The initrd's /init prints a marker, the
# kernel command line and /ks.cfg to the serial console, then powers off.
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

# e2e_serve authoritative|proxy: the segment, the payload and the broker,
# with DHCP in that mode, TFTP and plain HTTP.
e2e_serve() {
    e2e_segment $([ "$1" = proxy ] && echo dnsmasq)
    e2e_files
    e2e_policy "$1"
    make_test_pki
    start_broker
    if [ "$1" = proxy ]; then
        wait_log "dhcpd.*event=ready mode=proxy" 1 || bail "dhcpd did not start in proxy mode"
    fi
    wait_log "httpsd.*event=ready" 1 || bail "httpsd did not start"
}

# e2e_segment [dnsmasq]: the bridge, bootward's host, the tap, and dnsmasq's host.
e2e_segment() {
    local hosts="s:$SNS:$NET.1" pair tag ns addr
    [ "${1:-}" = dnsmasq ] && hosts="$hosts d:$DNS:$NET.3"
    ip netns add "$SNS" && ip netns add "$SW" || bail "cannot create namespaces"
    [ "${1:-}" = dnsmasq ] && { ip netns add "$DNS" || bail "cannot create namespaces"; }
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
            echo "    lease 600s"
            echo "}"
        fi
        echo 'class ipxe match user-class "iPXE" boot tftp "boot.ipxe"'
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
    if [ "$1" = uefi ]; then
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
    check "the guest fetched its boot script over TFTP" \
        grep -Eq "event=transfer client=$NET\.[0-9]+:[0-9]+ op=read file=boot\.ipxe .*outcome=\"ok\"" "$LOG"
    check "the guest downloaded the kernel over HTTP from httpsd" \
        grep -Eq "event=http client=$NET\.[0-9]+:[0-9]+ tls=off method=GET target=/vmlinuz status=200 bytes=$(stat -c %s "$ROOT/vmlinuz") " "$LOG"
    check "the guest downloaded the initrd over HTTP" \
        grep -Eq "event=http client=$NET\.[0-9]+:[0-9]+ tls=off method=GET target=/initrd.img status=200 bytes=$(stat -c %s "$ROOT/initrd.img") " "$LOG"
    check "the guest downloaded its kickstart as a cpio archive" \
        grep -Eq "event=http client=$NET\.[0-9]+:[0-9]+ tls=off method=GET target=/kickstarts/vm.ks.cpio status=200 " "$LOG"
    check "the kernel started /init from the initrd (marker on the serial console)" \
        console '^BOOTWARD-E2E-MARKER boot ok'
    check "the kernel command line is the boot script's" console "^cmdline: .*bootward.mark=$MARK"
    check "the installer found /ks.cfg with the served kickstart" console "^echo $MARK-ks"
    check "the guest powered off within ${LIMIT}s (${E2E_SECONDS}s)" test "$E2E_SECONDS" -lt "$LIMIT"
}
