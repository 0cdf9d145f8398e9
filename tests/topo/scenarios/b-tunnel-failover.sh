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

wait_until "$FAST" "hq routes the branch LAN via ipsec11" fib_dev_is hq "$BRANCH_HOST" ipsec11 ||
	fail "hq did not move to tun2"
t_fib_hq=$(ms_since "$t_cut")
wait_until "$FAST" "branch routes the hq LAN via ipsec11" fib_dev_is branch "$HQ_HOST" ipsec11 ||
	fail "branch did not move to tun2"
t_fib_br=$(ms_since "$t_cut")
wait_until "$FAST" "hq: route via tun1 gone from show ip bgp" \
	bgp_no_path_via hq "$LAN" "$T1_BR_IN" || fail "route via tun1 not withdrawn within ${FAST}s"
t_bgp=$(ms_since "$t_cut")
wait_until "$FAST" "hq: routerctl tun1 DOWN" rd_tunnel_is hq hq-branch/tun1 DOWN ||
	fail "routerctl does not show tun1 DOWN within ${FAST}s"
t_down=$(ms_since "$t_cut")
wait_until "$FAST" "branch: routerctl tun1 DOWN" rd_tunnel_is branch hq-branch/tun1 DOWN ||
	fail "branch: routerctl does not show tun1 DOWN within ${FAST}s"
t_down_br=$(ms_since "$t_cut")
probe_replies_grow 100 || fail "probes do not flow over tun2"
t_flow=$(ms_since "$t_cut")
log "RESULT failover_fib_hq_ms=$t_fib_hq failover_fib_branch_ms=$t_fib_br" \
	"bgp_withdrawn_ms=$t_bgp tun1_down_hq_ms=$t_down tun1_down_branch_ms=$t_down_br" \
	"probes_flowing_ms=$t_flow"
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
probe_start hq-lan "$BRANCH_HOST" 10
probe_mark
t_res=$(now_ms)
topo_restore_tunnel hq "$HQ_OUT1" "$BRANCH_OUT"
wait_until 120 "hq: tun1 UP again" rd_tunnel_is hq hq-branch/tun1 UP || fail "tun1 did not come back"
t_up=$(ms_since "$t_res")
wait_until 60 "branch: tun1 UP again" rd_tunnel_is branch hq-branch/tun1 UP ||
	fail "branch: tun1 did not come back"
hd=$(rd_tunnel_field hq hq-branch/tun1 hold_down)
dev=$(fib_dev hq "$BRANCH_HOST")
log "tun1 UP ${t_up} ms after restore; hold_down=$hd, hq FIB on $dev"
if [ "$hd" = true ] && [ "$dev" != ipsec11 ]; then
	fail "tun1 in hold-down already carries hq's traffic ($dev)"
fi
wait_until 60 "hq routes the branch LAN via ipsec10 again" fib_dev_is hq "$BRANCH_HOST" ipsec10 ||
	fail "hq did not return to tun1"
t_back_hq=$(ms_since "$t_res")
wait_until 30 "branch routes the hq LAN via ipsec10 again" fib_dev_is branch "$HQ_HOST" ipsec10 ||
	fail "branch did not return to tun1"
t_back_br=$(ms_since "$t_res")
tun1_settled() { [ "$(rd_tunnel_field hq hq-branch/tun1 hold_down)" = false ]; }
wait_until 10 "hq: tun1 out of hold-down" tun1_settled ||
	fail "tun1 still in hold-down after the return"
bgp_path_via hq "$LAN" "$T1_BR_IN" || fail "hq: no route via tun1 after the return"
rd_conn_is hq hq-branch UP || fail "hq-branch not UP after the return ($(rd_conn_status hq hq-branch))"
probe_replies_grow 100 || fail "probes do not flow after the return"
probe_stop
probe_report
log "RESULT restore_tun1_up_ms=$t_up back_on_tun1_hq_ms=$t_back_hq back_on_tun1_branch_ms=$t_back_br" \
	"return_lost=$PROBE_LOST return_blackout_ms=$PROBE_BLACKOUT_MS"
(( t_back_hq >= t_up )) || fail "back on tun1 before it was UP?"
log "PASS"
