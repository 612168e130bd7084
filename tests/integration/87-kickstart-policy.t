#!/bin/bash
# kickstart statements: `bootward policy check` reads each template and
# rejects unreadable files and unknown variables with TEMPLATE:LINE:COLUMN,
# and a host's kickstart must name a kickstart statement.
. "$(dirname "$0")/lib.sh"
B=$BUILD/bootward
KS=$WORK/ks
mkdir -p "$KS"
cp "$(dirname "$0")/../../policy/examples/centos7.ks" "$KS/centos7.ks"
printf 'text\nnetwork --hostname=${hostname}\n%%post\necho ${HOSTNAME}\n%%end\n' > "$KS/shell.ks"
printf 'text\nurl --url=https://${server}/os\nnetwork --ip=${ipaddr}\n' > "$KS/typo.ks"
pol() { { printf 'dhcp authoritative\nsubnet 10.0.0.0/24 range 10.0.0.10 10.0.0.20\n'; printf '%s\n' "$@"; } > "$WORK/p.policy"; }
run() { "$B" policy check "$WORK/p.policy" > "$WORK/out" 2>&1; }

pol "kickstart centos7 template \"$KS/centos7.ks\" lifetime 2h one-time on" \
    "host web01 mac 00:0c:29:f6:07:ca address 10.0.0.5 kickstart centos7"
run; check "the example template policy/examples/centos7.ks is accepted (rc=$?)" grep -q ': ok$' "$WORK/out"

pol "kickstart c template \"$KS/typo.ks\""
run; rc=$?
check "an unknown variable is rejected (rc=$rc)" test "$rc" = 1
check "with the template's line and column: $(cat "$WORK/out")" \
    grep -q "^$KS/typo.ks:3:14: unknown variable \${ipaddr} .*(kickstart c)$" "$WORK/out"

pol "kickstart c template \"$KS/shell.ks\""
run; rc=$?
check "a shell variable written \${HOSTNAME} is rejected (rc=$rc)" test "$rc" = 1
check "and the message says to write \$\${: $(cat "$WORK/out")" \
    grep -q '^.*shell.ks:4:6: ${HOSTNAME} is not a variable (write $${ for a literal ${)' "$WORK/out"
sed -i 's/echo \${HOSTNAME}/echo $${HOSTNAME}/' "$KS/shell.ks"
run; check "written \$\${HOSTNAME} it is accepted (rc=$?)" grep -q ': ok$' "$WORK/out"

pol "kickstart c template \"$KS/missing.ks\""
run; rc=$?
check "a missing template is rejected (rc=$rc): $(cat "$WORK/out")" \
    grep -q "^$KS/missing.ks: No such file or directory (the template of kickstart c in $WORK/p.policy)$" "$WORK/out"

pol "host web01 mac 00:0c:29:f6:07:ca kickstart rhel9" "kickstart c template \"$KS/centos7.ks\""
run; rc=$?
check "a host naming an undefined kickstart is rejected (rc=$rc): $(cat "$WORK/out")" \
    grep -q 'p.policy:3:44: host web01 names kickstart rhel9, which is not defined' "$WORK/out"
pol "kickstart c template \"$KS/centos7.ks\" kernel \"/c/vmlinuz\" append \"ks=\${ks_url} ip=\${ipaddr}\""
run; rc=$?
check "an unknown variable in append is rejected (rc=$rc): $(cat "$WORK/out")" \
    grep -q "^$WORK/p.policy: kickstart c: append, column 17: unknown variable \${ipaddr} " "$WORK/out"
pol "kickstart c template \"$KS/centos7.ks\" kernel \"/c/vmlinuz\" append \"ks=\${ks_url} ip=\$\${net0/ip}\""
run; check "append with \${ks_url} and an iPXE setting written \$\${net0/ip} is accepted (rc=$?)" grep -q ': ok$' "$WORK/out"

finish
