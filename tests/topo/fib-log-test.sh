#!/bin/bash
# fib-log-test.sh: routerd logs when the kernel FIB changed after a tunnel
# transition (issue 5), natively. gw runs routerd (unprivileged,
# CAP_NET_ADMIN) with pluto and FRR, one connection c0 with tunnels t1
# (ipsec10) and t2 (ipsec11); veths stand in for the XFRM interfaces, which
# this kernel lacks, and lead to namespace pr, a real BGP peer (bgpd, zebra)
# announcing 10.200.0.0/16 over both. tests/bench/fake-ipsec answers whack's
# status so routerd believes the Child SAs are up; tunnel events go in the
# way pluto's do (routerd-updown, one datagram). zebra moves 10.200.0.0/16;
# other routes are changed with ip(8), by device and by nexthop object.
#
#   tests/topo/fib-log-test.sh [BUILDDIR]          (root)
#
# Checks routerd's log: one "fib:" line per real change, tied to the latest
# transition of the connection's tunnels; none for repeats, LAN routes or
# routes present before routerd started; t1 DOWN moves 10.200.0.0/16 to
# ipsec11 (zebra; the link routerd takes down may flush t1's routes first:
# either order is accepted) and t1 UP moves it back; the peer shutting t1's
# session moves it before routerd's poll sees why, and the change is tied to
# that transition all the same; routerctl show --json has the connection's
# last_failover. Prints the fib lines.
set -euo pipefail
export ROUTERD_SWAN_NO_XFRMI=${ROUTERD_SWAN_NO_XFRMI:-1}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
RD_BUILD=$(cd "${1:-$here/../../build}" && pwd)
[ -x "$RD_BUILD/routerd/routerd" ] || { echo "FAIL: $RD_BUILD/routerd/routerd not built"; exit 1; }
# shellcheck source=tests/topo/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/topo/routerd.sh
. "$here/routerd.sh"
# shellcheck source=tests/bench/lib.sh
. "$here/../bench/lib.sh"

fails=0
bad() { log "FAIL: $*"; fails=$((fails + 1)); }
good() { log "ok: $*"; }
ns=$(topo_ns gw)
r() { ip -n "$ns" "$@"; }
rdlog=$RD_LOGDIR/gw-routerd.log
# has RE: routerd's log has a line matching the extended regexp RE
has() { grep -Eq -- "$1" "$rdlog"; }
count() { grep -Ec -- "$1" "$rdlog" || true; }
expect() { # expect DESC RE: wait up to 10 s for RE in routerd's log
	if wait_until 10 "$1" has "$2"; then good "$1: $(grep -E -- "$2" "$rdlog" | tail -1 | sed 's/^.*fib:/fib:/')"
	else bad "$1 (no line matching: $2)"; fi
}

topo_add_ns gw
topo_add_ns pr
for k in 10 11; do
	r link add "ipsec$k" type veth peer name "x$k" netns "$(topo_ns pr)"
	ip -n "$(topo_ns pr)" link set "x$k" up
done
# gen-conf: t1 169.254.8.1/30, t2 169.254.8.5/30, peer AS 65001
ip -n "$(topo_ns pr)" addr add 169.254.8.2/30 dev x10
ip -n "$(topo_ns pr)" addr add 169.254.8.6/30 dev x11
pd=$(topo_dir pr frr)
cat > "$pd/bgpd.conf" <<EOF
router bgp 65001
 bgp router-id 192.0.2.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 timers bgp 3 9
 neighbor 169.254.8.1 remote-as 64512
 neighbor 169.254.8.5 remote-as 64512
 address-family ipv4 unicast
  network 10.200.0.0/16
 exit-address-family
EOF
FRR_DAEMONS="zebra bgpd" start_frr pr "$pd"
conf=$RD_RUNDIR/gw.conf
"$here/../bench/gen-conf" 1 1 > "$conf"
rd_site_dirs gw
start_pluto gw "$RD_RUNDIR/gw/pluto"
start_frr gw "$RD_RUNDIR/gw/frr"
r link add lan0 type veth peer name xlan
r link set lan0 up
r link set xlan up
mkdir -p "$RD_RUNDIR/fakebin"
ln -s "$here/../bench/fake-ipsec" "$RD_RUNDIR/fakebin/ipsec"
export BENCH_SWAN_STATE=$RD_RUNDIR/swan-state
bench_swan_state "$BENCH_SWAN_STATE" rd-c0-t1 rd-c0-t2
chmod 644 "$BENCH_SWAN_STATE"
# present before routerd starts: learned quietly, not reported
r link set ipsec11 up
r route add 10.201.0.0/16 dev ipsec11 metric 20

PATH=$RD_RUNDIR/fakebin:$PATH rd_start_routerd gw "$conf"
hook=$RD_RUNDIR/gw/routerd/hook.sock
fsm_is() { [ "$(rd_tunnel_json gw "$1" | jq -r .fsm_state)" = "$2" ]; }
link_up() { r link show "$1" | grep -q '<[^>]*,UP'; }
wait_until 60 "c0/t1 UP (IPsec SA, BGP)" fsm_is c0/t1 UP || bad "t1 not UP"
wait_until 60 "c0/t2 UP (IPsec SA, BGP)" fsm_is c0/t2 UP || bad "t2 not UP"
wait_until 10 "ipsec10 up" link_up ipsec10 || bad "routerd did not set ipsec10 up"
has 'FIB listener not started' && bad "FIB listener not started: $(grep 'FIB listener' "$rdlog")"
expect "zebra installed the peer's prefix via t1 (preferred)" \
	'fib: 10\.200\.0\.0/16 now via ipsec10 \(was (none|ipsec11)\), [0-9]+ ms after c0/t[12] went UP \(BGP session up.*; kernel: route (added|changed)'

# Routes via t1, by device and by nexthop object.
r nexthop add id 70005 dev ipsec10
r nexthop add id 70006 dev ipsec11
r route add 10.220.0.0/16 nhid 70005 metric 20
r route add 10.210.0.0/16 dev ipsec10 metric 20
expect "route by nexthop object added" \
	'fib: 10\.220\.0\.0/16 now via ipsec10 \(was none\), [0-9]+ ms after c0/t[12] went UP \(BGP session up.*; kernel: route added'
expect "route by device added" 'fib: 10\.210\.0\.0/16 now via ipsec10 \(was none\), [0-9]+ ms after c0/t[12] went'

# A replace onto t2, then the same replace twice more: one line.
r route replace 10.210.0.0/16 dev ipsec11 metric 20
r route replace 10.210.0.0/16 dev ipsec11 metric 20
r route replace 10.210.0.0/16 nhid 70006 metric 20
expect "replace onto ipsec11" 'fib: 10\.210\.0\.0/16 now via ipsec11 \(was ipsec10\), [0-9]+ ms after .*; kernel: route changed'

# The nexthop object moves (zebra does this for every route using it).
r nexthop replace id 70005 dev ipsec11
expect "nexthop object moved" 'fib: 10\.220\.0\.0/16 now via ipsec11 \(was ipsec10\).*; kernel: nexthop 70005 changed'
r nexthop replace id 70005 dev ipsec10
expect "nexthop object moved back" 'fib: 10\.220\.0\.0/16 now via ipsec10 \(was ipsec11\)'

# LAN routes are not tunnels' business.
r route add 192.168.77.0/24 dev lan0 proto static
r route replace 192.168.77.0/24 dev lan0 proto static metric 5
r route del 192.168.77.0/24 dev lan0 proto static

# t1 goes DOWN (pluto's view first, then its updown hook): routerd shuts
# its BGP session, zebra moves the peer's prefix to t2; routerd takes ipsec10
# down, the kernel flushes the routes through it, saying nothing.
bench_swan_state "$BENCH_SWAN_STATE" rd-c0-t2
PLUTO_VERB=down-client PLUTO_CONNECTION=rd-c0-t1 PLUTO_SA_REQID=10 \
	"$RD_UPDOWN" --socket "$hook" >/dev/null 2>&1 || bad "routerd-updown failed"
expect "t1 DOWN" 'tunnel c0/t1 \(ipsec10\): UP -> DOWN \(IPsec SA down'
expect "zebra moved the peer's prefix to t2, tied to t1's DOWN" \
	'fib: 10\.200\.0\.0/16 now via ipsec11 \(was ipsec10(, none for [0-9]+ ms)?\), [0-9]+ ms after c0/t1 went DOWN \(IPsec SA down'
expect "t1's link down flushed the route by nexthop object" \
	'fib: 10\.220\.0\.0/16 no longer via a tunnel \(was ipsec10\), [0-9]+ ms after c0/t1 went DOWN \(IPsec SA down.*; kernel: ipsec10 down'
r route replace 10.220.0.0/16 nhid 70006 metric 20
expect "route back via t2 says where it was" \
	'fib: 10\.220\.0\.0/16 now via ipsec11 \(was ipsec10, none for [0-9]+ ms\), [0-9]+ ms after c0/t1 went DOWN'
fo=$(rctl gw --json show | jq -c '.connections[0].last_failover')

# t1 comes back: zebra moves the prefix back (failback).
bench_swan_state "$BENCH_SWAN_STATE" rd-c0-t1 rd-c0-t2
PLUTO_VERB=up-client PLUTO_CONNECTION=rd-c0-t1 PLUTO_SA_REQID=10 \
	"$RD_UPDOWN" --socket "$hook" >/dev/null 2>&1 || bad "routerd-updown failed"
back='fib: 10\.200\.0\.0/16 now via ipsec10 \(was ipsec11'
if wait_until 60 "failback" has "$back"; then
	good "failback: $(grep -E "$back" "$rdlog" | tail -1 | sed 's/^.*fib:/fib:/')"
	grep -E "$back" "$rdlog" | tail -1 | grep -q 'after c0/t1 went UP' || bad "failback not tied to t1 UP"
else
	bad "no failback line"
fi

# The peer shuts t1's BGP session: bgpd drops it at once and zebra moves the
# prefix; routerd learns why at its next poll of bgpd (up to 1 s later). The
# change is then tied to that transition, as "N ms before" (FRR saw it first)
# or, when routerd's poll came first, as "N ms after".
vtysh_ns pr "$pd" "conf t" "router bgp 65001" "neighbor 169.254.8.1 shutdown" >/dev/null || true
bgpdown='fib: 10\.200\.0\.0/16 now via ipsec11 \(was ipsec10\), [0-9]+ ms (before|after) c0/t1 went CONNECTING \(BGP session down'
expect "peer's session shutdown: the FIB move tied to t1's BGP down" "$bgpdown"
fo2=$(rctl gw --json show | jq -c '.connections[0].last_failover')
echo "last_failover after the peer's shutdown: $fo2"
echo "$fo2" | jq -e '.tunnel == "c0/t1" and .went == "CONNECTING" and
	(.detected | startswith("BGP session down")) and
	(.fib_change | startswith("10.200.0.0/16 now via ipsec11 (was ipsec10)"))' >/dev/null &&
	good "last_failover: the peer's shutdown" || bad "last_failover after the peer's shutdown is $fo2"

sleep 1         # any late notification would show up now
n=$(count 'fib: 10\.210\.')
[ "$n" = 2 ] && good "no repeats: 2 lines for 10.210.0.0/16" || bad "10.210.0.0/16: $n lines, want 2"
n=$(count 'fib: 10\.220\.')
[ "$n" = 5 ] && good "5 lines for 10.220.0.0/16" || bad "10.220.0.0/16: $n lines, want 5"
has 'fib: 192\.168\.77\.' && bad "a LAN route was reported"
has 'fib: 10\.201\.' && bad "a route present before the start was reported"

echo "last_failover after t1 DOWN: $fo"
if echo "$fo" | jq -e '.tunnel == "c0/t1" and .went == "DOWN" and .delta_ms >= 0 and
		.routes_changed >= 3 and .last_change_delta_ms >= .delta_ms and
		(.fib_change | test("^10[.]2[02]0[.]0[.]0/16 ")) and
		(.detected | startswith("IPsec SA down")) and
		(.detected_at | test("Z$")) and (.fib_changed_at | test("Z$"))' >/dev/null; then
	good "routerctl show --json: last_failover"
else
	bad "routerctl show --json: last_failover is $fo"
fi

echo "routerd's fib lines:"
grep -E 'fib: |tunnel c0/t1 \(ipsec10\): .* -> ' "$rdlog" | sed 's/^/  /'
[ $fails -eq 0 ] && { echo "PASS: fib-log-test"; exit 0; }
exit 1
