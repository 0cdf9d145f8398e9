#!/usr/bin/env bash
# Scenario b: tunnel failover on the two-site examples. Under a 10 ms probe
# stream hq-lan -> branch-lan, tun1's outer path is cut: traffic moves to
# tun2 (ipsec11 at both ends), tun1's BGP routes are withdrawn and routerd
# reports tun1 DOWN well before the BGP hold time (30 s); after the path is
# restored tun1 comes back UP and, after the hold-down (10 s), carries the
# traffic again. Lost probes and the blackout are reported, not judged.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/examples.sh"
. "$here/scen1-lib.sh"

LAN=10.20.0.0/16
# "Well before the 30 s hold time" (measured values are logged).
FAST=15

ex_two_site "$EX/two-site.conf" "$EX/two-site-branch.conf"
ex_wait_two_site_up
wait_until 30 "hq: $LAN learned via tun1" bgp_path_via hq "$LAN" "$T1_BR_IN"

probe_start hq-lan "$BRANCH_HOST" 10
probe_replies_grow 100 || fail "no traffic over tun1 before the cut"

# --- cut tun1's outer path --------------------------------------------------
probe_mark
t_cut=$(now_ms)
topo_cut_tunnel hq "$HQ_OUT1" "$BRANCH_OUT"

# Everything the failover promises, polled together from the moment of the
# cut, each with the time it was first seen.
hq_fib_tun2() { fib_dev_is hq "$BRANCH_HOST" ipsec11; }
br_fib_tun2() { fib_dev_is branch "$HQ_HOST" ipsec11; }
hq_bgp_withdrawn() { bgp_no_path_via hq "$LAN" "$T1_BR_IN"; }
br_bgp_withdrawn() { bgp_no_path_via branch 10.0.0.0/16 "$T1_HQ_IN"; }
hq_tun1_down() { rd_tunnel_is hq hq-branch/tun1 DOWN; }
br_tun1_down() { rd_tunnel_is branch hq-branch/tun1 DOWN; }
n0=$(probe_replies)
flowing() { [ "$(probe_replies)" -ge $((n0 + 100)) ] && hq_fib_tun2; }
watch_all "$t_cut" "$FAST" hq_fib_tun2 br_fib_tun2 hq_bgp_withdrawn br_bgp_withdrawn \
	hq_tun1_down br_tun1_down || fail "failover incomplete ${FAST}s after the cut"
watch_all "$t_cut" 60 flowing || fail "probes do not flow over tun2"
log "RESULT failover_fib_hq_ms=$WATCH_hq_fib_tun2 failover_fib_branch_ms=$WATCH_br_fib_tun2" \
	"bgp_withdrawn_hq_ms=$WATCH_hq_bgp_withdrawn bgp_withdrawn_branch_ms=$WATCH_br_bgp_withdrawn" \
	"tun1_down_hq_ms=$WATCH_hq_tun1_down tun1_down_branch_ms=$WATCH_br_tun1_down" \
	"probes_flowing_ms=$WATCH_flowing"
log "hq tun1: $(rd_tunnel_field hq hq-branch/tun1 reason)"
vty hq "show ip bgp" >> "$RD_LOGDIR/hq-show-ip-bgp-after-cut.txt"

# Traffic really crosses tun2 now (its SA counters grow).
c0=$(rd_tunnel_field hq hq-branch/tun2 bytes_out)
tun2_counts() { [ "$(rd_tunnel_field hq hq-branch/tun2 bytes_out)" -gt "$c0" ]; }
wait_until 15 "routerctl counts bytes out on tun2" tun2_counts || fail "no traffic counted on tun2"

probe_stop
probe_report
log "RESULT failover_lost=$PROBE_LOST failover_blackout_ms=$PROBE_BLACKOUT_MS" \
	"failover_sent=$PROBE_SENT longest_gap_ms=$PROBE_MAX_GAP_MS"
mv "$RD_PROBE.out" "$RD_LOGDIR/probe-failover.out"

# --- restore: tun1 UP again, preferred after the hold-down --------------------
# First let DPD declare tun1 dead at both ends (see sa_cleared).
wait_until 90 "hq: tun1's IPsec SA cleared (DPD)" sa_cleared hq hq-branch/tun1 || fail "tun1's SA never cleared at hq"
wait_until 60 "branch: tun1's IPsec SA cleared (DPD)" sa_cleared branch hq-branch/tun1 ||
	fail "tun1's SA never cleared at the branch"
log "RESULT dpd_cleared_ms=$(ms_since "$t_cut")"
probe_start hq-lan "$BRANCH_HOST" 10
probe_mark
t_res=$(now_ms)
topo_restore_tunnel hq "$HQ_OUT1" "$BRANCH_OUT"
hq_tun1_up() { rd_tunnel_is hq hq-branch/tun1 UP; }
br_tun1_up() { rd_tunnel_is branch hq-branch/tun1 UP; }
# hq's FIB back on tun1. The FIB is read before routerd's hold_down flag:
# tun1 carrying the traffic while routerd still holds it down is a failure.
early=0 saw_hold_down=0
hq_fib_tun1() {
	local dev hd
	dev=$(fib_dev hq "$BRANCH_HOST")
	hd=$(rd_tunnel_field hq hq-branch/tun1 hold_down)
	[ "$hd" = true ] && saw_hold_down=1
	[ "$dev" = ipsec10 ] || return 1
	[ "$hd" = true ] && early=1
	return 0
}
br_fib_tun1() { fib_dev_is branch "$HQ_HOST" ipsec10; }
tun1_settled() { [ "$(rd_tunnel_field hq hq-branch/tun1 hold_down)" = false ] && hq_tun1_up; }
watch_all "$t_res" 150 hq_tun1_up br_tun1_up hq_fib_tun1 br_fib_tun1 tun1_settled ||
	fail "tun1 did not come back and take the traffic again"
[ "$early" = 0 ] || fail "tun1 carried hq's traffic while routerd reported it in hold-down"
log "hold-down seen by routerctl: $([ $saw_hold_down = 1 ] && echo yes || echo no)"
t_up=$WATCH_hq_tun1_up t_back_hq=$WATCH_hq_fib_tun1 t_back_br=$WATCH_br_fib_tun1
bgp_path_via hq "$LAN" "$T1_BR_IN" || fail "hq: no route via tun1 after the return"
rd_conn_is hq hq-branch UP || fail "hq-branch not UP after the return ($(rd_conn_status hq hq-branch))"
probe_replies_grow 100 || fail "probes do not flow after the return"
probe_stop
probe_report
log "RESULT restore_tun1_up_ms=$t_up back_on_tun1_hq_ms=$t_back_hq back_on_tun1_branch_ms=$t_back_br" \
	"return_after_up_ms=$((t_back_hq - t_up)) return_lost=$PROBE_LOST" \
	"return_blackout_ms=$PROBE_BLACKOUT_MS"
(( t_back_hq >= t_up )) || fail "hq's traffic was back on tun1 before routerd reported it UP"
assert_no_ondemand hq branch
log "PASS"
