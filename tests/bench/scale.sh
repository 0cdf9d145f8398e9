#!/bin/bash
# scale.sh [NCONN] [RUNS]: one routerd with NCONN connections (default 500,
# i.e. 1,000 tunnels), a real pluto and a real bgpd in one namespace,
# natively (sessions never establish: no peers). Prints: routerd start ->
# all conns in pluto (pluto side) and -> all neighbors in 'show bgp summary
# json' (FRR side); reload of one changed tunnel -> visible in bgpd (RUNS
# times); routerd's VmRSS; its CPU over 30 s idle.
set -euo pipefail
# this kernel has no XFRM interfaces: pluto refuses ipsec-interface= conns
export ROUTERD_SWAN_NO_XFRMI=${ROUTERD_SWAN_NO_XFRMI:-1}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NCONN=${1:-500}
RUNS=${2:-5}
NT=$((2 * NCONN))
IDLE_S=${IDLE_S:-30}
# shellcheck source=tests/topo/lib.sh
. "$here/../topo/lib.sh"
# shellcheck source=tests/topo/routerd.sh
. "$here/../topo/routerd.sh"
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"

topo_add_ns gw
topo_add_ns far
topo_veth gw wan0 far wan0
ip -n "$(topo_ns gw)" addr add 192.0.2.1/24 dev wan0
conf=$RD_RUNDIR/gw.conf
"$here/gen-conf" "$NCONN" 1 > "$conf"
rd_site_dirs gw
start_pluto gw "$RD_RUNDIR/gw/pluto"
start_frr gw "$RD_RUNDIR/gw/frr"
ctl=$RD_RUNDIR/gw/pluto/run/pluto.ctl

# pluto_conns: routerd's connections pluto knows.
# Both print a number, 0 when the daemon does not answer (a busy bgpd makes
# vtysh fail: an empty answer broke the integer tests).
pluto_conns() { local n; n=$(nsx gw ipsec whack --ctlsocket "$ctl" --status 2>/dev/null |
	sed -n 's/^000 "\(rd-[^"]*\)":.*/\1/p' | sort -u | wc -l); echo "${n:-0}"; }
bgp_peers() { local n; n=$(vty gw "show bgp summary json" 2>/dev/null |
	jq '.ipv4Unicast.peers // {} | length' 2>/dev/null); echo "${n:-0}"; }

rdlog=$RD_LOGDIR/gw-routerd.log
l0=$( (wc -l < "$rdlog") 2>/dev/null || echo 0)
# rd_applied: routerd logged its first full apply (policy included) since start
rd_applied() { tail -n +$((l0 + 1)) "$rdlog" | grep -q 'started: .*state applied'; }
t0=$(now_ms)
rd_start_routerd gw "$conf"
pid=$(cat "$RD_RUNDIR/gw/routerd.pid")
# rd_spawn's pid is 'ip netns exec', which execs routerd: same pid
tp="" tf=""
while [ -z "$tp" ] || [ -z "$tf" ]; do
	now=$(now_ms)
	[ -z "$tp" ] && [ "$(pluto_conns)" -ge "$NT" ] && tp=$(( $(now_ms) - t0 ))
	[ -z "$tf" ] && [ "$(bgp_peers)" -ge "$NT" ] && tf=$(( $(now_ms) - t0 ))
	[ "$now" -lt $(( t0 + 900000 )) ] || fail "start: pluto $(pluto_conns), bgpd $(bgp_peers) of $NT"
	sleep 0.2
done
log "start: pluto has $NT conns after $tp ms, bgpd $NT neighbors after $tf ms"
# routerd blocks while bgpd commits (its vty client is synchronous): the
# policy's first apply follows the base configuration; wait for it.
wait_until 900 "routerd's first apply" rd_applied
ta=$(( $(now_ms) - t0 ))
log "start: routerd applied its state after $ta ms"
rss_start=$(bench_rss_kb "$pid")

# reload: one tunnel (c0/t1) changes: its BGP keepalive (11 <-> 12, the
# connection's default is 10) and its phase 2 lifetime (new conn text, so
# its conn file is rewritten and re-added). Wait for bgpd to show the
# keepalive; count the conns routerd re-added (must be 1 per reload).
reload=() readded=()
for i in $(seq 1 "$RUNS"); do
	ka=$(( i % 2 ? 11 : 12 ))
	awk -v ka="$ka" '
		skip && /^\t\t(bgp|phase2) \{/ { next }
		{ skip = 0; print }
		!done && /^\ttunnel "t1" \{/ {
			printf "\t\tbgp { keepalive %d hold 36 }\n\t\tphase2 { lifetime %d }\n", ka, 3500 + ka
			done = 1; skip = 1
		}' "$conf" > "$conf.new" && mv "$conf.new" "$conf"
	before=$(grep -c 'changed: replacing\|new: adding' "$rdlog" || true)
	t0=$(now_ms)
	# routerctl gives up after 60 s; routerd goes on (a bgpd commit at
	# this size may take longer): bgpd decides
	rctl gw reload >/dev/null || log "routerctl reload: no answer (routerd busy)"
	ka_is() { vty gw "show bgp neighbors 169.254.8.2 json" |
		jq -e --argjson k $((ka * 1000)) '.["169.254.8.2"].bgpTimerConfiguredKeepAliveIntervalMsecs == $k' >/dev/null; }
	wait_until 300 "bgpd shows keepalive $ka on c0/t1" ka_is
	reload+=( $(( $(now_ms) - t0 )) )
	sleep 1
	readded+=( $(( $(grep -c 'changed: replacing\|new: adding' "$rdlog" || true) - before )) )
done

# idle: let the reconciliation settle, then CPU over IDLE_S seconds
sleep 5
c0=$(bench_cpu_ticks "$pid")
sleep "$IDLE_S"
c1=$(bench_cpu_ticks "$pid")
hz=$(getconf CLK_TCK)
rss=$(bench_rss_kb "$pid")
echo "== scale: $NCONN connections, $NT tunnels, one routerd, real pluto + bgpd (build $RD_BUILD)"
bench_host_note
echo "routerd start -> $NT conns in pluto (pluto side):          $tp ms   (target for the whole start: < 10000 ms)"
echo "routerd start -> $NT neighbors in bgpd (FRR side, total):  $tf ms"
echo "routerd start -> first apply done (base config + policy):  $ta ms"
bench_stats "reload one changed tunnel -> bgpd" ms "${reload[@]}"
echo "conns re-added by pluto per reload: ${readded[*]}   (one changed tunnel: 1 each)"
echo "routerd VmRSS: $((rss_start / 1024)) MB after start, $((rss / 1024)) MB at the end   (target < 64 MB)"
awk -v t=$((c1 - c0)) -v hz="$hz" -v s="$IDLE_S" 'BEGIN {
	printf "routerd idle CPU over %d s: %.2f s = %.1f%% of one CPU   (target: near zero)\n", s, t / hz, 100 * t / hz / s }'
echo "RESULT scale tunnels=$NT pluto_ms=$tp bgpd_ms=$tf applied_ms=$ta reload_median_ms=$(bench_pct 50 "${reload[@]}") rss_kb=$rss idle_ticks=$((c1 - c0)) hz=$hz"
