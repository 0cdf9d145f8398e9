#!/usr/bin/env bash
# Scenario e: redundant connections. Two customer gateways (br1, br2), each
# with its own connection to hq, advertise the same prefix 10.20.0.0/16 (two
# LANs with the same addressing). hq runs conf/examples/redundant.conf: both
# connections in one redundancy group, hq-branch-1 (priority 100) preferred.
# Traffic from hq's LAN goes to br1's LAN; failing both of br1's tunnels
# moves it to br2's LAN; it moves back to br1 after they return and the
# hold-down passed. Which LAN answered is read from each LAN host's ICMP
# counters (the hosts have the same address).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/examples.sh"
. "$here/scen1-lib.sh"
. "$here/scen1-redundant.sh"

DST=10.20.0.10 LAN=10.20.0.0/16

# pings_reach NS N: N pings from hq-lan to $DST all answered, and all of them
# reached LAN namespace NS (and none the other LAN).
pings_reach() {
	local ns=$1 n=$2 other a0 b0 a1 b1
	other=$([ "$ns" = br1-lan ] && echo br2-lan || echo br1-lan)
	a0=$(echo_requests "$ns") b0=$(echo_requests "$other")
	nsx hq-lan ping -q -c "$n" -i 0.05 -W 2 "$DST" >/dev/null || return 1
	a1=$(echo_requests "$ns") b1=$(echo_requests "$other")
	log "echo requests: $ns +$((a1 - a0)), $other +$((b1 - b0))"
	[ $((a1 - a0)) -ge "$n" ] && [ "$b1" = "$b0" ]
}

red_start "$EX/redundant.conf"
t0=$(now_ms)
red_wait_up
log "RESULT converged_ms=$(ms_since "$t0")"

# --- the preferred connection carries the traffic ---------------------------
wait_until 30 "hq routes $DST via ipsec10 (hq-branch-1/tun1)" fib_dev_is hq "$DST" ipsec10 ||
	fail "hq does not prefer hq-branch-1"
bgp_path_via hq "$LAN" 169.254.10.10 || fail "hq: no standby path via hq-branch-2"
wait_until 30 "br1 routes hq's LAN via ipsec10" fib_dev_is br1 "$HQ_HOST" ipsec10 ||
	fail "br1 has no route back"
pings_reach br1-lan 20 || fail "traffic does not reach br1's LAN"
rctl hq show | tee -a "$RD_LOGDIR/hq-routerctl-show.txt"

# --- both tunnels of hq-branch-1 fail: traffic moves to hq-branch-2 ----------
t_cut=$(now_ms)
topo_cut_tunnel hq "$HQ_OUT1" "$BR1_OUT"
topo_cut_tunnel hq "$HQ_OUT2" "$BR1_OUT"
wait_until 30 "hq: hq-branch-1 DOWN" rd_conn_is hq hq-branch-1 DOWN || fail "hq-branch-1 not DOWN"
t_down=$(ms_since "$t_cut")
on_branch2() { fib_dev_is hq "$DST" ipsec12 || fib_dev_is hq "$DST" ipsec13; }
wait_until 30 "hq routes $DST via hq-branch-2 (ipsec12/13)" on_branch2 || fail "hq did not move to hq-branch-2"
t_fib=$(ms_since "$t_cut")
wait_until 30 "hq: no path via hq-branch-1" bgp_no_path_via hq "$LAN" 169.254.10.2 ||
	fail "hq keeps br1's route via tun1"
bgp_no_path_via hq "$LAN" 169.254.10.6 || fail "hq keeps br1's route via tun2"
wait_until 30 "br2 routes hq's LAN via its tunnels" fib_dev_is br2 "$HQ_HOST" ipsec10 ||
	fail "br2 has no route back"
wait_until 30 "pings reach br2's LAN" pings_reach br2-lan 20 || fail "traffic does not reach br2's LAN"
t_flow=$(ms_since "$t_cut")
log "hq FIB now on $(fib_dev hq "$DST"); hq-branch-1: $(rctl hq --json show | jq -r '.connections[0].reason')"
log "RESULT conn1_down_ms=$t_down moved_fib_ms=$t_fib traffic_at_br2_ms=$t_flow"

# --- they return: back to hq-branch-1 after the hold-down ---------------------
# First let DPD declare both tunnels dead at both ends (see sa_cleared).
for t in tun1 tun2; do
	wait_until 90 "hq: hq-branch-1/$t IPsec SA cleared" sa_cleared hq "hq-branch-1/$t" ||
		fail "hq-branch-1/$t: SA never cleared at hq"
	wait_until 60 "br1: hq-branch-1/$t IPsec SA cleared" sa_cleared br1 "hq-branch-1/$t" ||
		fail "hq-branch-1/$t: SA never cleared at br1"
done
log "RESULT dpd_cleared_ms=$(ms_since "$t_cut")"
pings_reach br2-lan 20 || fail "traffic left br2's LAN while hq-branch-1's SAs were cleared"
t_res=$(now_ms)
topo_restore_tunnel hq "$HQ_OUT1" "$BR1_OUT"
topo_restore_tunnel hq "$HQ_OUT2" "$BR1_OUT"
wait_until 120 "hq: hq-branch-1/tun1 UP" rd_tunnel_is hq hq-branch-1/tun1 UP || fail "tun1 did not return"
wait_until 60 "hq: hq-branch-1/tun2 UP" rd_tunnel_is hq hq-branch-1/tun2 UP || fail "tun2 did not return"
t_up=$(ms_since "$t_res")
hd=$(rd_tunnel_field hq hq-branch-1/tun1 hold_down)
dev=$(fib_dev hq "$DST")
log "hq-branch-1 UP again ${t_up} ms after restore; tun1 hold_down=$hd, hq FIB on $dev"
if [ "$hd" = true ] && { [ "$dev" = ipsec10 ] || [ "$dev" = ipsec11 ]; }; then
	fail "hq-branch-1 in hold-down already carries the traffic ($dev)"
fi
wait_until 60 "hq routes $DST via ipsec10 again" fib_dev_is hq "$DST" ipsec10 ||
	fail "hq did not return to hq-branch-1"
t_back=$(ms_since "$t_res")
wait_until 30 "br1 routes hq's LAN via ipsec10" fib_dev_is br1 "$HQ_HOST" ipsec10 ||
	fail "br1 has no route back after the return"
wait_until 30 "pings reach br1's LAN again" pings_reach br1-lan 20 || fail "traffic does not return to br1's LAN"
# UP once both its tunnels are past their hold-downs: the two come back a
# moment apart, so the second may still be held when the traffic returns.
wait_until 30 "hq-branch-1 UP" rd_conn_is hq hq-branch-1 UP || fail "hq-branch-1 not UP after the return"
log "RESULT conn1_up_ms=$t_up back_on_conn1_ms=$t_back"
log "PASS"
