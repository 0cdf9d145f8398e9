#!/bin/bash
# prefixes.sh [N] [RUNS]: one BGP session carrying N (default 10,000)
# gateway prefixes, natively. Namespace gw: pluto + FRR + routerd with a
# one-connection config (tests/bench/gen-conf 1 N); namespace peer: a
# hand-configured bgpd. The tunnel interfaces are veth pairs named ipsecN;
# the Child SA (which this kernel cannot install) is reported by
# fake-ipsec's status file plus a real updown hook message. Each run: tunnel
# UP -> the peer holds N prefixes (advertise_ms; established_ms is when the
# session came up), tunnel DOWN -> the peer holds none (withdraw_ms).
# RD_BUILD selects the routerd build (compare a baseline build with it).
set -euo pipefail
# this kernel has no XFRM interfaces: pluto refuses ipsec-interface= conns
export ROUTERD_SWAN_NO_XFRMI=${ROUTERD_SWAN_NO_XFRMI:-1}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
N=${1:-10000}
RUNS=${2:-5}
# shellcheck source=tests/topo/lib.sh
. "$here/../topo/lib.sh"
# shellcheck source=tests/topo/routerd.sh
. "$here/../topo/routerd.sh"
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"

topo_add_ns gw
topo_add_ns peer
topo_veth gw wan0 peer wan0
ip -n "$(topo_ns gw)" addr add 192.0.2.1/24 dev wan0
ip -n "$(topo_ns peer)" addr add 192.0.2.2/24 dev wan0
# the tunnels: t1 = ipsec10 169.254.8.1/30 (routerd adds it) <-> .2 on the peer
topo_veth gw ipsec10 peer v10
topo_veth gw ipsec11 peer v11
ip -n "$(topo_ns peer)" addr add 169.254.8.2/30 dev v10
ip -n "$(topo_ns peer)" addr add 169.254.8.6/30 dev v11

conf=$RD_RUNDIR/gw.conf
"$here/gen-conf" 1 "$N" > "$conf"
rd_site_dirs gw
start_pluto gw "$RD_RUNDIR/gw/pluto"
start_frr gw "$RD_RUNDIR/gw/frr"
pd=$RD_RUNDIR/peer/frr
mkdir -p "$pd"
FRR_DAEMONS="zebra bgpd" start_frr peer "$pd"
vtysh_ns peer "$pd" "conf t" "route-map ALL permit 10" "exit" "router bgp 65001" \
	"no bgp ebgp-requires-policy" "bgp router-id 192.0.2.2" \
	"neighbor 169.254.8.1 remote-as 64512" "neighbor 169.254.8.1 timers connect 1" \
	"address-family ipv4 unicast" "neighbor 169.254.8.1 route-map ALL in" \
	"neighbor 169.254.8.1 route-map ALL out" "end" >/dev/null

# routerd with fake-ipsec first in PATH; no SA at first
mkdir -p "$RD_RUNDIR/fakebin"
ln -s "$here/fake-ipsec" "$RD_RUNDIR/fakebin/ipsec"
export BENCH_SWAN_STATE=$RD_RUNDIR/swan-state
bench_swan_state "$BENCH_SWAN_STATE"
chmod 644 "$BENCH_SWAN_STATE"
t0=$(now_ms)
PATH=$RD_RUNDIR/fakebin:$PATH rd_start_routerd gw "$conf"
hook=$RD_RUNDIR/gw/routerd/hook.sock

# gw_has_last: gw's BGP table holds the last network routerd adds (they go
# in order); then count them all once.
last=$(awk '/prefixes/ { print $NF == "}" ? $(NF - 1) : $NF; exit }' "$conf")
gw_has_last() { bgp_has_route gw "$last"; }
wait_until 600 "$last (network $N) in gw's bgpd" gw_has_last
loaded_ms=$(( $(now_ms) - t0 ))
have=$(vty gw "show bgp ipv4 unicast json" | jq '.routes | length')
[ "$have" -ge "$N" ] || fail "gw's bgpd holds $have of $N networks"

# peer_view: "STATE PFXRCD" of the session with gw, as the peer sees it.
peer_view() {
	vtysh_ns peer "$pd" "show bgp summary json" |
		jq -r '.ipv4Unicast.peers["169.254.8.1"] | "\(.state // "none") \(.pfxRcd // 0)"'
}

adv=() est=() wd=()
for i in $(seq 1 "$RUNS"); do
	bench_swan_state "$BENCH_SWAN_STATE" rd-c0-t1
	t0=$(now_ms)
	bench_hook "$hook" up-client rd-c0-t1 10
	e=""
	deadline=$(( t0 + 900000 ))
	while :; do
		read -r st n < <(peer_view)
		now=$(now_ms)
		[ -z "$e" ] && [ "$st" = Established ] && e=$(( now - t0 ))
		[ "$st" = Established ] && [ "$n" -ge "$N" ] && break
		[ "$now" -lt "$deadline" ] || fail "run $i: peer has $n of $N prefixes (state $st)"
		sleep 0.05
	done
	adv+=( $(( now - t0 )) ); est+=( "$e" )
	bench_swan_state "$BENCH_SWAN_STATE"
	t0=$(now_ms)
	bench_hook "$hook" down-client rd-c0-t1 10
	while :; do
		read -r st n < <(peer_view)
		now=$(now_ms)
		[ "$n" = 0 ] && break
		[ "$now" -lt $(( t0 + 300000 )) ] || fail "run $i: peer still holds $n prefixes"
		sleep 0.05
	done
	wd+=( $(( now - t0 )) )
	log "run $i: established ${e} ms, advertised $N in ${adv[-1]} ms, withdrawn in ${wd[-1]} ms"
	wait_until 30 "routerd sees t1 DOWN" rd_tunnel_is gw c0/t1 DOWN
done
# what the peer got: no internal community leaked
leak=$(vtysh_ns peer "$pd" "show ip bgp 10.0.0.0/24 json" | jq -r '[.. | .largeCommunity? // empty] | length')

echo "== prefixes: one session, N=$N gateway prefixes, build $RD_BUILD"
bench_host_note
echo "routerd start -> $N networks in bgpd: $loaded_ms ms"
bench_stats "tunnel UP -> session Established" ms "${est[@]}"
bench_stats "tunnel UP -> peer holds all $N" ms "${adv[@]}"
bench_stats "tunnel DOWN -> peer holds none" ms "${wd[@]}"
echo "large communities seen by the peer on 10.0.0.0/24 (routerd's tag must be stripped): $leak"
echo "RESULT prefixes n=$N runs=$RUNS loaded_ms=$loaded_ms adv_median_ms=$(bench_pct 50 "${adv[@]}") wd_median_ms=$(bench_pct 50 "${wd[@]}")"
