#!/bin/bash
# events.sh [NTUN] [ROUNDS]: control-path latency, natively. One routerd
# with NTUN tunnels (default 100) and a real bgpd holding NTUN neighbors.
# Injection point: the hook socket, with the message pluto's updown
# (routerd-updown) sends for down-client / up-client; fake-ipsec's status
# file is changed first, as pluto's own state changes before it runs
# updown, so routerd's 3 s whack reconciliation agrees with the hook
# instead of undoing it. "bgpd acknowledged" = the neighbor's state in
# 'show bgp neighbors IP json' (Idle (Admin) after DOWN, not after UP).
# Baseline in the same run: an updown-style script doing
# vtysh -c 'conf t' -c 'router bgp 64512' -c 'neighbor IP shutdown' per event.
set -euo pipefail
# this kernel has no XFRM interfaces: pluto refuses ipsec-interface= conns
export ROUTERD_SWAN_NO_XFRMI=${ROUTERD_SWAN_NO_XFRMI:-1}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NTUN=${1:-100}
ROUNDS=${2:-1}
NCONN=$(( (NTUN + 1) / 2 ))
# shellcheck source=tests/topo/lib.sh
. "$here/../topo/lib.sh"
# shellcheck source=tests/topo/routerd.sh
. "$here/../topo/routerd.sh"
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"

topo_add_ns gw
conf=$RD_RUNDIR/gw.conf
"$here/gen-conf" "$NCONN" 1 > "$conf"
rd_site_dirs gw
start_pluto gw "$RD_RUNDIR/gw/pluto"
start_frr gw "$RD_RUNDIR/gw/frr"
fd=$RD_RUNDIR/gw/frr
# tunnel k (0-based): conn c(k/2), tun t(k%2+1), ifnum 10+k, peer 169.254.x.(4k+2)
tname() { echo "rd-c$(( $1 / 2 ))-t$(( $1 % 2 + 1 ))"; }
tpeer() { local a=$(( 2048 + 4 * $1 + 2 )); echo "169.254.$(( a / 256 )).$(( a % 256 ))"; }
for k in $(seq 0 $((NTUN - 1))); do
	ip -n "$(topo_ns gw)" link add "ipsec$((10 + k))" type veth peer name "x$((10 + k))"
	ip -n "$(topo_ns gw)" link set "ipsec$((10 + k))" up
done
up=()
for k in $(seq 0 $((NTUN - 1))); do up+=( "$(tname "$k")" ); done
mkdir -p "$RD_RUNDIR/fakebin"
ln -s "$here/fake-ipsec" "$RD_RUNDIR/fakebin/ipsec"
export BENCH_SWAN_STATE=$RD_RUNDIR/swan-state
bench_swan_state "$BENCH_SWAN_STATE" "${up[@]}"
chmod 644 "$BENCH_SWAN_STATE"
PATH=$RD_RUNDIR/fakebin:$PATH rd_start_routerd gw "$conf"
hook=$RD_RUNDIR/gw/routerd/hook.sock

nb_state() { vty gw "show bgp neighbors $1 json" | jq -r --arg p "$1" '.[$p].bgpState // "none"'; }
admin_down() { vty gw "show bgp neighbors $1 json" | jq -e --arg p "$1" '.[$p].bgpStateIs == "idle" and (.[$p].adminShutDown // false)' >/dev/null 2>&1 ||
	vty gw "show bgp summary json" | jq -e --arg p "$1" '.ipv4Unicast.peers[$p].state == "Idle (Admin)"' >/dev/null; }
enabled() { ! admin_down "$1"; }
all_admin() { [ "$(vty gw "show bgp summary json" | jq '[.ipv4Unicast.peers[] | select(.state == "Idle (Admin)")] | length')" = "$1" ]; }
wait_until 120 "all $NTUN neighbors enabled (tunnels UP)" all_admin 0

# set_state K UP|DOWN: pluto's view (status file) of tunnel K.
set_state() {
	local k=$1 i
	[ "$2" = UP ] && up[$k]=$(tname "$k") || up[$k]=""
	local v=()
	for i in "${up[@]}"; do [ -n "$i" ] && v+=( "$i" ); done
	bench_swan_state "$BENCH_SWAN_STATE" "${v[@]}"
}
# timed K VERB CHECK: inject, then poll CHECK on the neighbor; prints ms.
timed() {
	local k=$1 ip t0
	ip=$(tpeer "$k")
	set_state "$k" "$([ "$2" = up-client ] && echo UP || echo DOWN)"
	t0=$(date +%s%N)
	bench_hook "$hook" "$2" "$(tname "$k")" $((10 + k))
	until "$3" "$ip"; do :; done
	echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
lat_rd=() lat_sh=()
for r in $(seq 1 "$ROUNDS"); do
	for k in $(seq 0 $((NTUN - 1))); do
		lat_rd+=( "$(timed "$k" down-client admin_down)" )
		lat_rd+=( "$(timed "$k" up-client enabled)" )
	done
done
# throughput: all DOWN events back to back, until bgpd shows all shut down
for k in $(seq 0 $((NTUN - 1))); do up[$k]=""; done
bench_swan_state "$BENCH_SWAN_STATE"
t0=$(now_ms)
for k in $(seq 0 $((NTUN - 1))); do bench_hook "$hook" down-client "$(tname "$k")" $((10 + k)); done
wait_until 120 "all neighbors shut down" all_admin "$NTUN"
burst_rd=$(( $(now_ms) - t0 ))
for k in $(seq 0 $((NTUN - 1))); do up[$k]=$(tname "$k"); done
bench_swan_state "$BENCH_SWAN_STATE" "${up[@]}"
for k in $(seq 0 $((NTUN - 1))); do bench_hook "$hook" up-client "$(tname "$k")" $((10 + k)); done
wait_until 120 "all neighbors enabled again" all_admin 0

# baseline: routerd stopped (it would undo the script's edits), the script way
rd_kill_routerd gw TERM
wait_until 30 "routerd gone" sh -c "! kill -0 $(cat "$RD_RUNDIR/gw/routerd.pid") 2>/dev/null"
# (vtysh exits non-zero on warnings: the state checks below are what count)
vty gw "conf t" "router bgp 64512" "no bgp ebgp-requires-policy" >&2 || true
for k in $(seq 0 $((NTUN - 1))); do
	vty gw "conf t" "router bgp 64512" "neighbor $(tpeer "$k") remote-as 65001" \
		"address-family ipv4 unicast" "neighbor $(tpeer "$k") activate" >&2 || true
done
wait_until 60 "script baseline: $NTUN neighbors, none shut down" all_admin 0
script_event() {   # IP shutdown|"no shutdown": one updown-script event, ms
	local t0
	t0=$(date +%s%N)
	vty gw "conf t" "router bgp 64512" "$2neighbor $1 shutdown" >/dev/null || true
	echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
for r in $(seq 1 "$ROUNDS"); do
	for k in $(seq 0 $((NTUN - 1))); do
		lat_sh+=( "$(script_event "$(tpeer "$k")" "")" )
		lat_sh+=( "$(script_event "$(tpeer "$k")" "no ")" )
	done
done
t0=$(now_ms)
for k in $(seq 0 $((NTUN - 1))); do script_event "$(tpeer "$k")" "" >/dev/null; done
wait_until 120 "script: all neighbors shut down" all_admin "$NTUN"
burst_sh=$(( $(now_ms) - t0 ))

echo "== events: $NTUN tunnels/neighbors, ${#lat_rd[@]} single events (DOWN and UP), one at a time (build $RD_BUILD)"
bench_host_note
printf '%-44s p50=%-6s p99=%-6s max=%-6s ms\n' "routerd: hook event -> bgpd shows it" \
	"$(bench_pct 50 "${lat_rd[@]}")" "$(bench_pct 99 "${lat_rd[@]}")" "$(bench_pct 100 "${lat_rd[@]}")"
printf '%-44s p50=%-6s p99=%-6s max=%-6s ms\n' "script: vtysh per event -> vtysh returned" \
	"$(bench_pct 50 "${lat_sh[@]}")" "$(bench_pct 99 "${lat_sh[@]}")" "$(bench_pct 100 "${lat_sh[@]}")"
awk -v n="$NTUN" -v a="$burst_rd" -v b="$burst_sh" 'BEGIN {
	printf "burst of %d DOWN events: routerd %d ms (%.0f events/s), script %d ms (%.0f events/s), ratio script/routerd %.2f\n",
		n, a, 1000 * n / a, b, 1000 * n / b, b / a }'
echo "RESULT events n=$NTUN rd_p50=$(bench_pct 50 "${lat_rd[@]}") rd_p99=$(bench_pct 99 "${lat_rd[@]}") sh_p50=$(bench_pct 50 "${lat_sh[@]}") sh_p99=$(bench_pct 99 "${lat_sh[@]}") burst_rd_ms=$burst_rd burst_sh_ms=$burst_sh"
