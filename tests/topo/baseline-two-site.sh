#!/bin/bash
# Baseline without routerd: two sites, two libreswan tunnels, FRR eBGP over
# each (tunnel 2 prepended), LAN-to-LAN ping through ESP, then tunnel 1's
# outer path is cut and the blackout measured. Run it where the kernel has
# ESP and XFRM interfaces: tests/vm/run-in-vm -- tests/topo/baseline-two-site.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/two-site.sh"
. "$here/manual-config.sh"

PROBE_MS=${PROBE_MS:-10}
FLAPS=0

# configure_by_hand: what routerd will do later (pluto + FRR configs, the
# tunnels' inside addresses). Sets HUB_IPSEC, HUB_FRR, A_IPSEC, A_FRR dirs.
configure_by_hand() {
	HUB_IPSEC=$(topo_dir hub pluto) HUB_FRR=$(topo_dir hub frr)
	A_IPSEC=$(topo_dir a pluto) A_FRR=$(topo_dir a frr)
	manual_ipsec_config "$HUB_IPSEC" add \
		"t1:$T1_IF:$T1_REQID:$HUB_OUT1:$A_OUT1:psk-one-0123456789" \
		"t2:$T2_IF:$T2_REQID:$HUB_OUT2:$A_OUT2:psk-two-0123456789"
	manual_ipsec_config "$A_IPSEC" start \
		"t1:$T1_IF:$T1_REQID:$A_OUT1:$HUB_OUT1:psk-one-0123456789" \
		"t2:$T2_IF:$T2_REQID:$A_OUT2:$HUB_OUT2:psk-two-0123456789"
	manual_bgp_config "$HUB_FRR" "$HUB_ASN" 10.1.0.1 "$HUB_LAN" \
		"$T1_A_IN:$A_ASN:0" "$T2_A_IN:$A_ASN:1"
	manual_bgp_config "$A_FRR" "$A_ASN" 10.2.0.1 "$A_LAN" \
		"$T1_HUB_IN:$HUB_ASN:0" "$T2_HUB_IN:$HUB_ASN:1"
	in_parallel start_frr hub "$HUB_FRR" -- start_frr a "$A_FRR" \
		-- start_pluto hub "$HUB_IPSEC" -- start_pluto a "$A_IPSEC"
	in_parallel manual_inside_addr hub "$T1_IF" "$T1_HUB_IN/30" \
		-- manual_inside_addr hub "$T2_IF" "$T2_HUB_IN/30" \
		-- manual_inside_addr a "$T1_IF" "$T1_A_IN/30" \
		-- manual_inside_addr a "$T2_IF" "$T2_A_IN/30"
}

# mark WHAT: log WHAT with the time since the daemons were started.
mark() { log "$1: +$(( $(now_ms) - T_DAEMONS )) ms"; }

# wait_converged: both tunnels' SAs and BGP sessions up, LANs reachable via
# tunnel 1 in both directions.
wait_converged() {
	wait_until 60 "tunnel 1 SAs (hub)" ipsec_sa_up hub "$T1_REQID"
	wait_until 60 "tunnel 2 SAs (hub)" ipsec_sa_up hub "$T2_REQID"
	mark "both tunnels' SAs installed"
	wait_until 60 "BGP hub->a over tunnel 1" bgp_established hub "$HUB_FRR" "$T1_A_IN"
	wait_until 60 "BGP hub->a over tunnel 2" bgp_established hub "$HUB_FRR" "$T2_A_IN"
	wait_until 60 "BGP a->hub over tunnel 1" bgp_established a "$A_FRR" "$T1_HUB_IN"
	wait_until 60 "BGP a->hub over tunnel 2" bgp_established a "$A_FRR" "$T2_HUB_IN"
	mark "all four BGP sessions Established"
	wait_until 30 "hub routes a's LAN via ipsec$T1_IF" route_dev_is hub "$A_HOST" "ipsec$T1_IF"
	wait_until 30 "a routes hub's LAN via ipsec$T1_IF" route_dev_is a "$HUB_HOST" "ipsec$T1_IF"
	wait_until 30 "LAN to LAN ping" nsx hub-lan ping -c1 -W1 "$A_HOST"
}

# check_esp_counters: pings must raise the hub's ESP packet counters.
check_esp_counters() {
	local before after
	before=$(xfrm_packets hub)
	nsx hub-lan ping -q -c 5 -i 0.2 -W 1 "$A_HOST" >/dev/null
	after=$(xfrm_packets hub)
	log "hub ESP packets: $before -> $after"
	[ "$after" -ge $((before + 10)) ] || fail "ESP counters did not grow by 10"
}

# probe_has_at_least N: the current probe has at least N replies.
probe_has_at_least() { [ "$(probe_replies)" -ge "$1" ]; }

# cut_and_measure: probe LAN to LAN, cut tunnel 1's outer path, wait for the
# traffic to move to tunnel 2 and report the blackout.
cut_and_measure() {
	local n
	probe_start hub-lan "$A_HOST" "$PROBE_MS"
	n=$(( $(probe_replies) + 200 ))
	wait_until 60 "200 probe replies before the cut" probe_has_at_least "$n"
	FLAPS=$(( $(bgp_drops hub "$HUB_FRR") + $(bgp_drops a "$A_FRR") ))
	[ "$FLAPS" = 0 ] || log "WARNING: $FLAPS BGP session drops before the cut:" \
		"host overloaded (BFD flaps), timings are not representative"
	probe_mark
	topo_cut_tunnel hub "$HUB_OUT1" "$A_OUT1"
	T_CUT=$(now_ms)
	wait_until 60 "hub moves a's LAN to ipsec$T2_IF" route_dev_is hub "$A_HOST" "ipsec$T2_IF"
	wait_until 60 "a moves hub's LAN to ipsec$T2_IF" route_dev_is a "$HUB_HOST" "ipsec$T2_IF"
	log "routes moved to tunnel 2 $(( $(now_ms) - T_CUT )) ms after the cut"
	n=$(( $(probe_replies) + 200 ))
	wait_until 60 "200 probe replies after the cut" probe_has_at_least "$n"
	probe_stop
	probe_report
	ipsec_sa_up hub "$T2_REQID" || fail "tunnel 2 SAs gone"
	[ "$PROBE_BLACKOUT_MS" -gt 0 ] || fail "no blackout measured: was tunnel 1 really cut?"
}

# restore_and_check: restore tunnel 1 and wait for traffic to come back.
restore_and_check() {
	topo_restore_tunnel hub "$HUB_OUT1" "$A_OUT1"
	wait_until 90 "BGP over tunnel 1 back" bgp_established hub "$HUB_FRR" "$T1_A_IN"
	wait_until 30 "hub routes a's LAN via ipsec$T1_IF again" route_dev_is hub "$A_HOST" "ipsec$T1_IF"
	log "tunnel 1 carries traffic again"
}

main() {
	local t0 t_conv
	t0=$(now_ms)
	two_site_topology
	T_DAEMONS=$(now_ms)
	configure_by_hand
	mark "daemons started, inside addresses set"
	wait_converged
	t_conv=$(now_ms)
	mark "CONVERGED (LAN to LAN ping through tunnel 1)"
	check_esp_counters
	cut_and_measure
	restore_and_check
	log "RESULT convergence_ms=$(( t_conv - T_DAEMONS )) blackout_ms=$PROBE_BLACKOUT_MS" \
		"sent=$PROBE_SENT lost=$PROBE_LOST flaps_before_cut=$FLAPS" \
		"total_ms=$(( $(now_ms) - t0 ))"
}

main "$@"
