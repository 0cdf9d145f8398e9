#!/bin/bash
# events.sh [NTUN] [ROUNDS]: the control path (issue 5), natively. One
# routerd with NTUN tunnels (default 100) and a real bgpd holding NTUN
# neighbors; tunnel DOWN/UP events go in where pluto's would, and each one
# is timed until bgpd shows it. events-drive.py does the injecting and
# timing (one persistent vty connection to bgpd, polled every 2 ms: 'Idle
# (Admin)' in 'show bgp summary json' after a DOWN, not after an UP).
#
# routerd: pluto's view first (fake-ipsec's status file, so routerd's 3 s
#   whack reconciliation agrees with the hook), then the updown hook
#   program pluto runs (routerd-updown: one datagram to routerd's hook socket).
# script (baseline, same run, routerd stopped): the common updown-script way,
#   vtysh -c 'conf t' -c 'router bgp 64512' -c '[no ]neighbor IP shutdown'
#   per event.
# Phases: single = 2 x NTUN events one at a time (p50/p99 latency); stream =
# ROUNDS x (NTUN DOWN back to back, as pluto runs its hooks one after the
# other, then NTUN UP): events/s and per-event latency, default 5 rounds =
# 1,000 events at 100 tunnels; burst (routerd) = NTUN datagrams at once,
# time until bgpd shows all, and how many apply batches routerd used.
# BENCH_VERBOSE=1 runs routerd with -v (its log, with ms timestamps, is in
# the log dir; RD_KEEP_LOGS=1 keeps it).
set -euo pipefail
# this kernel has no XFRM interfaces: pluto refuses ipsec-interface= conns
export ROUTERD_SWAN_NO_XFRMI=${ROUTERD_SWAN_NO_XFRMI:-1}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NTUN=${1:-100}
ROUNDS=${2:-5}
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
# BENCH_VERBOSE=1: routerd with -v (debug log, ms timestamps) to find where time goes
if [ "${BENCH_VERBOSE:-0}" = 1 ]; then
	printf '#!/bin/sh\nexec %s -v "$@"\n' "$ROUTERD" > "$RD_RUNDIR/fakebin/routerd-v"
	chmod 755 "$RD_RUNDIR/fakebin/routerd-v"
	ROUTERD=$RD_RUNDIR/fakebin/routerd-v
fi
bench_swan_state "$BENCH_SWAN_STATE" "${up[@]}"
chmod 644 "$BENCH_SWAN_STATE"
PATH=$RD_RUNDIR/fakebin:$PATH rd_start_routerd gw "$conf"
hook=$RD_RUNDIR/gw/routerd/hook.sock

all_admin() { [ "$(vty gw "show bgp summary json" | jq '[.ipv4Unicast.peers[] | select(.state == "Idle (Admin)")] | length')" = "$1" ]; }
# bgpd 8.4 commits routerd's first configuration command by command (route-map
# commands are northbound commits costing more as the configuration grows).
# Loaded 2-core host: 50 tunnels took 98 s for the first enables; 100 tunnels
# had not finished after 1,000 s (base config ~4 min, then ~1,700 route-map
# commits), so use 50 until FRR changes are batched into one commit.
wait_until $(( NTUN * 20 > 120 ? NTUN * 20 : 120 )) "all $NTUN neighbors enabled (tunnels UP)" all_admin 0

drive() {
	nsx gw python3 "$here/events-drive.py" --frr "$RD_RUNDIR/gw/frr" --ntun "$NTUN" \
		--rounds "$ROUNDS" --state "$BENCH_SWAN_STATE" --hook "$hook" --updown "$RD_UPDOWN" "$@"
}
rdlog=$RD_LOGDIR/gw-routerd.log
drive --mode routerd --mark "$RD_RUNDIR/marks" > "$RD_RUNDIR/rd.json"
# routerd's apply batches in each phase (its log lines between the phase marks)
batches() {   # PHASE: "n_batches changes_total max_apply_ms"
	awk -v ph="$1" 'FNR == NR { split($0, a, " "); t = a[1]; sub(/^[0-9]+ /, ""); m[$0] = t; next }
		function ms(s,  h) { split(s, h, ":"); return ((h[1] * 60 + h[2]) * 60 + h[3]) * 1000 }
		/ apply: [0-9]+ change\(s\) applied in / {
			t = ms($1) % 86400000; s0 = m[ph " start"] % 86400000; e0 = m[ph " end"] % 86400000
			if (t >= s0 && t <= e0 + 5) { n++; c += $3; v = $(NF - 1); if (v > mx) mx = v }
		}
		END { printf "%d %d %d\n", n, c, mx }' "$RD_RUNDIR/marks" "$rdlog"
}
# the hook messages routerd received vs events injected (drops = learned late, from whack)
hooks_rx=$(grep -c 'libreswan: hook ' "$rdlog" || true)
read -r b_single c_single mx_single < <(batches single)
read -r b_stream c_stream mx_stream < <(batches stream)
read -r b_bdown c_bdown mx_bdown < <(batches "burst down")
read -r b_bup c_bup mx_bup < <(batches "burst up")

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
drive --mode script --phases single,stream > "$RD_RUNDIR/sh.json"

echo "== events: $NTUN tunnels/neighbors with a real bgpd; single = one event at a time, stream = $ROUNDS x ($NTUN DOWN then $NTUN UP back to back), burst = $NTUN datagrams at once (build $RD_BUILD)"
bench_host_note
python3 - "$RD_RUNDIR/rd.json" "$RD_RUNDIR/sh.json" <<-'EOF'
	import json, sys
	rd = {j["phase"]: j for j in map(json.loads, open(sys.argv[1]))}
	sh = {j["phase"]: j for j in map(json.loads, open(sys.argv[2]))}
	f = "{:<40} {:>7} {:>9} {:>9} {:>9}"
	print(f.format("event -> bgpd shows it (ms)", "n", "p50", "p99", "max"))
	for ph in ("single", "stream"):
	    for name, j in (("routerd", rd), ("script (vtysh per event)", sh)):
	        l = j[ph]["lat"]
	        print(f.format("%s %s" % (ph, name), l["n"], l["p50"], l["p99"], l["max"]))
	r, s = rd["stream"]["events_per_s"], sh["stream"]["events_per_s"]
	print("stream throughput: routerd %.1f events/s, script %.1f events/s, ratio routerd/script %.2f"
	      % (r, s, r / s))
	b = rd["burst"]
	print("burst of %d at once: DOWN all in bgpd after %.1f ms, UP all after %.1f ms (routerd)"
	      % (rd["burst"]["ntun"], b["down"]["all_ms"], b["up"]["all_ms"]))
	print("bgpd reading cost per poll (ms): p50 %s max %s; hook events dropped by routerd-updown: %d"
	      % (rd["stream"]["poll"]["p50"], rd["stream"]["poll"]["max"], rd["stream"]["dropped"]))
	EOF
echo "routerd apply batches: single $b_single ($c_single changes, max ${mx_single} ms), stream $b_stream ($c_stream changes, max ${mx_stream} ms), burst down $b_bdown ($c_bdown), burst up $b_bup ($c_bup); hook messages received $hooks_rx"
python3 - "$RD_RUNDIR/rd.json" "$RD_RUNDIR/sh.json" <<-'EOF'
	import json, sys
	rd = {j["phase"]: j for j in map(json.loads, open(sys.argv[1]))}
	sh = {j["phase"]: j for j in map(json.loads, open(sys.argv[2]))}
	print("RESULT events n=%d rd_single_p50=%s rd_single_p99=%s rd_stream_p50=%s rd_stream_p99=%s "
	      "rd_eps=%s sh_single_p50=%s sh_single_p99=%s sh_stream_p99=%s sh_eps=%s ratio=%.2f "
	      "burst_down_ms=%s burst_up_ms=%s" % (
	      rd["single"]["ntun"], rd["single"]["lat"]["p50"], rd["single"]["lat"]["p99"],
	      rd["stream"]["lat"]["p50"], rd["stream"]["lat"]["p99"], rd["stream"]["events_per_s"],
	      sh["single"]["lat"]["p50"], sh["single"]["lat"]["p99"], sh["stream"]["lat"]["p99"],
	      sh["stream"]["events_per_s"], rd["stream"]["events_per_s"] / sh["stream"]["events_per_s"],
	      rd["burst"]["down"]["all_ms"], rd["burst"]["up"]["all_ms"]))
	EOF
