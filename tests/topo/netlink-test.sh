#!/bin/bash
# netlink-test.sh: the netlink kernel backend against the real kernel, through
# tests/unit/test_netlink_drv, in two throwaway namespaces joined by a veth
# that stands in for ipsec7:  A[ipsec7 169.254.7.1/30] <-> B[x7 169.254.7.2/30]
#
#   tests/topo/netlink-test.sh [BUILDDIR]        (root; natively, or in the VM:
#   tests/vm/run-in-vm -- tests/topo/netlink-test.sh BUILDDIR)
#
# Checks: idempotent address add/del, -ENODEV on a missing link, byte
# counters against the kernel's sysfs counters after a ping, and - where the
# kernel has ESP (the VM) - the XFRM listener's "child down" on deleting and
# on hard-expiring the last SA of reqid 7.
set -euo pipefail

build=${1:-.}
drv=$build/tests/unit/test_netlink_drv
[ -x "$drv" ] || { echo "FAIL: $drv not built (make tests/unit/test_netlink_drv)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }

run=nlt$$
A=$run-a
B=$run-b
tmp=$(mktemp -d)
watch_pid=
cleanup() {
	[ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null || true
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
inA() { ip netns exec "$A" "$@"; }

# wait_for FILE PATTERN SECONDS: poll until FILE has a line matching PATTERN.
wait_for() {
	local deadline=$(($(date +%s) + $3))
	while [ "$(date +%s)" -le $deadline ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

ip netns add "$A"
ip netns add "$B"
for ns in "$A" "$B"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip link add ipsec7 netns "$A" type veth peer name x7 netns "$B"
ip -n "$A" link set ipsec7 up
ip -n "$B" addr add 169.254.7.2/30 dev x7
ip -n "$B" link set x7 up

# Addresses: add twice, present once; del twice; a missing link is ENODEV.
inA "$drv" add 7 169.254.7.1/30 && inA "$drv" add 7 169.254.7.1/30 || fail "add not idempotent"
[ "$(ip -n "$A" -o -4 addr show dev ipsec7 | grep -c '169.254.7.1/30')" = 1 ] || fail "address not on ipsec7"
out=$(inA "$drv" add 9 169.254.9.1/30 2>&1) && fail "add on missing ipsec9 succeeded"
case "$out" in *"No such device"*) ok "missing link is ENODEV" ;; *) fail "missing link: $out" ;; esac

# Counters: ping through, then the backend's numbers sit between two sysfs reads.
inA ping -c 3 -i 0.2 -W 2 169.254.7.2 >/dev/null || fail "ping over ipsec7"
sysfs() { inA cat "/sys/class/net/ipsec7/statistics/$1"; }
rx1=$(sysfs rx_bytes); tx1=$(sysfs tx_bytes)
c=$(inA "$drv" counters 7)      # "in N out N" (no <(...): the VM has no /dev/fd)
in=$(echo "$c" | cut -d" " -f2); out=$(echo "$c" | cut -d" " -f4)
rx2=$(sysfs rx_bytes); tx2=$(sysfs tx_bytes)
if [ "$in" -ge "$rx1" ] && [ "$in" -le "$rx2" ] && [ "$out" -ge "$tx1" ] && [ "$out" -le "$tx2" ] &&
	[ "$in" -gt 0 ] && [ "$out" -gt 0 ]; then
	ok "counters in $in out $out match the kernel's"
else
	fail "counters in $in out $out, sysfs rx $rx1..$rx2 tx $tx1..$tx2"
fi

inA "$drv" del 7 169.254.7.1/30 && inA "$drv" del 7 169.254.7.1/30 || fail "del not idempotent"
ip -n "$A" -o -4 addr show dev ipsec7 | grep -q 169.254.7.1 && fail "address still on ipsec7"
inA ping -c 1 -W 1 169.254.7.2 >/dev/null 2>&1 && fail "ping works without the address"

# XFRM listener: needs ESP in the kernel (absent on the CI host, present in the VM).
sa() { # sa add|del SPI [extra...]
	local verb=$1 spi=$2; shift 2
	if [ "$verb" = add ]; then
		ip -n "$A" xfrm state add src 192.0.2.1 dst 198.51.100.1 proto esp spi "$spi" reqid 7 \
			mode tunnel enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
			auth 'hmac(sha256)' 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff "$@"
	else
		ip -n "$A" xfrm state del src 192.0.2.1 dst 198.51.100.1 proto esp spi "$spi"
	fi
}
if sa add 0x1001 2>/dev/null; then
	sa del 0x1001
	inA "$drv" watch 60 > "$tmp/watch" &
	watch_pid=$!
	wait_for "$tmp/watch" '^watching' 10 || fail "listener did not start"
	sa add 0x2001
	sa add 0x2002
	sa del 0x2001
	sa add 0x2003 limit time-hard 2
	sa del 0x2002
	# 0x2003 (same reqid) still lives: no down yet; it hard-expires after 2 s.
	if wait_for "$tmp/watch" 'child ifnum 7 down xfrm' 10; then
		if grep -q 'down xfrm last IPsec SA deleted' "$tmp/watch"; then
			fail "down reported while an SA of reqid 7 remained: $(cat "$tmp/watch")"
		else
			ok "listener: down on hard expiry of the last SA ($(grep down "$tmp/watch"))"
		fi
	else
		fail "no down after hard expiry: $(cat "$tmp/watch")"
	fi
	sa add 0x3001
	sa del 0x3001
	wait_for "$tmp/watch" 'down xfrm last IPsec SA deleted' 10 && ok "listener: down on delete of the last SA" ||
		fail "no down after delete: $(cat "$tmp/watch")"
	[ "$(grep -c down "$tmp/watch")" = 2 ] || fail "expected exactly 2 downs: $(cat "$tmp/watch")"
else
	echo "skip: XFRM listener part (this kernel has no ESP; run under tests/vm/run-in-vm)"
fi

[ $fails -eq 0 ] && { echo "PASS: netlink-test"; exit 0; }
exit 1
