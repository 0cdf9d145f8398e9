#!/usr/bin/env bash
# Scenario l: advertise only while healthy. The topology of scenario e (hq
# with redundant.conf; customer gateways br1 and br2 both announce
# 10.20.0.0/16, hq prefers hq-branch-1). br1 ties its prefix to a LAN check
# (check "lan1" { ping 10.20.0.10 interval 500 rise 2 fall 3 }) and probes
# hq's inside address through each tunnel (probe ... interval 500). When
# br1's LAN host becomes unreachable (its LAN link down), br1 withdraws
# 10.20.0.0/16 on both tunnels while they stay UP, hq's traffic moves to
# br2's LAN; when the host is back the prefix returns and so does the
# traffic. The tunnel probes are up all along (they do not depend on the LAN).
# Then hq drops the echo requests arriving on its ipsec10: br1's tun1 probe
# fails, br1 takes tun1 DOWN (the IPsec SA is still fine; br1 rejects the
# routes learned on tun1 and, the probe being one-sided, withdraws what it
# advertised there at once, and
# shuts tun1's BGP neighbor 5 s later, as for any failed health check while
# another tunnel is usable) and both directions move to tun2; when the drop
# is lifted tun1 returns (its session comes back, then each side's
# hold-down).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/examples.sh"
. "$here/scen1-lib.sh"
. "$here/scen1-redundant.sh"

DST=10.20.0.10 LAN=10.20.0.0/16

# pings_reach NS N: N pings from hq-lan to $DST all answered, all of them
# received by LAN namespace NS (and none by the other LAN).
pings_reach() {
	local ns=$1 n=$2 other a0 b0 a1 b1
	other=$([ "$ns" = br1-lan ] && echo br2-lan || echo br1-lan)
	a0=$(echo_requests "$ns") b0=$(echo_requests "$other")
	nsx hq-lan ping -q -c "$n" -i 0.05 -W 2 "$DST" >/dev/null || return 1
	a1=$(echo_requests "$ns") b1=$(echo_requests "$other")
	log "echo requests: $ns +$((a1 - a0)), $other +$((b1 - b0))"
	[ $((a1 - a0)) -ge "$n" ] && [ "$b1" = "$b0" ]
}

# br1's config: scenario e's, plus the LAN check and the tunnel probes.
br1_conf() {
	red_br1_conf |
		sed -e 's|^[[:space:]]*prefixes { 10.20.0.0/16 }$|&\ncheck "lan1" { ping 10.20.0.10 interval 500 rise 2 fall 3 prefixes { 10.20.0.0/16 } }|' \
		    -e 's|inside 169.254.10.2/30;|& probe 169.254.10.1 interval 500;|' \
		    -e 's|inside 169.254.10.6/30;|& probe 169.254.10.5 interval 500;|'
}
check_state() { rctl br1 --json show | jq -r '.gateway.checks[0].state'; }
check_is() { [ "$(check_state)" = "$1" ]; }
probe_state() { rd_tunnel_json br1 "hq-branch-1/$1" | jq -r '.probe.state'; }
probe_is() { [ "$(probe_state "$1")" = "$2" ]; }
probes_up() { [ "$(probe_state tun1)" = up ] && [ "$(probe_state tun2)" = up ]; }
on_branch1() { fib_dev_is hq "$DST" ipsec10 || fib_dev_is hq "$DST" ipsec11; }
on_branch2() { fib_dev_is hq "$DST" ipsec12 || fib_dev_is hq "$DST" ipsec13; }
hq_no_br1_path() { bgp_no_path_via hq "$LAN" 169.254.10.2 && bgp_no_path_via hq "$LAN" 169.254.10.6; }

br1_conf > "$RD_RUNDIR/br1-checks.conf"
grep -q 'check "lan1"' "$RD_RUNDIR/br1-checks.conf" || fail "br1's config has no check"
grep -c 'probe 169.254' "$RD_RUNDIR/br1-checks.conf" | grep -qx 2 || fail "br1's config lacks the probes"
red_start "$EX/redundant.conf" "$RD_RUNDIR/br1-checks.conf"
t0=$(now_ms)
red_wait_up
log "RESULT converged_ms=$(ms_since "$t0")"

wait_until 30 "br1: check lan1 up" check_is up || fail "check lan1 not up ($(check_state))"
wait_until 30 "br1: both tunnel probes up" probes_up ||
	fail "tunnel probes not up: tun1 $(probe_state tun1), tun2 $(probe_state tun2)"
wait_until 30 "hq routes $DST via hq-branch-1" on_branch1 || fail "hq does not prefer hq-branch-1"
pings_reach br1-lan 20 || fail "traffic does not reach br1's LAN"
rctl br1 show | tee -a "$RD_LOGDIR/br1-routerctl-show.txt"

# --- br1's LAN host becomes unreachable ---------------------------------------
t_cut=$(now_ms)
nsx br1-lan ip link set lan0 down
wait_until 30 "br1: check lan1 down" check_is down || fail "check lan1 did not go down"
t_check=$(ms_since "$t_cut")
wait_until 60 "hq: no path for $LAN via br1" hq_no_br1_path || fail "br1 did not withdraw $LAN"
t_wd=$(ms_since "$t_cut")
wait_until 30 "hq routes $DST via hq-branch-2" on_branch2 || fail "hq did not move to hq-branch-2"
t_fib=$(ms_since "$t_cut")
wait_until 30 "pings reach br2's LAN" pings_reach br2-lan 20 || fail "traffic does not reach br2's LAN"
t_flow=$(ms_since "$t_cut")
for t in tun1 tun2; do
	rd_tunnel_is br1 "hq-branch-1/$t" UP || fail "br1: hq-branch-1/$t not UP during the LAN outage"
	rd_tunnel_is hq "hq-branch-1/$t" UP || fail "hq: hq-branch-1/$t not UP during the LAN outage"
done
probes_up || fail "a tunnel probe went down with the LAN"
grep -q "prefix $LAN withdrawn: check lan1 down (3 lost in a row)" "$RD_LOGDIR/br1-routerd.log" ||
	fail "br1's log lacks the withdrawal line"
rctl br1 show | tee -a "$RD_LOGDIR/br1-routerctl-show.txt"
log "RESULT check_down_ms=$t_check withdrawn_at_hq_ms=$t_wd moved_fib_ms=$t_fib traffic_at_br2_ms=$t_flow"

# --- it is back ---------------------------------------------------------------
t_res=$(now_ms)
nsx br1-lan ip link set lan0 up
nsx br1-lan ip route replace default via 10.20.0.1
wait_until 30 "br1: check lan1 up again" check_is up || fail "check lan1 did not come back"
t_up=$(ms_since "$t_res")
wait_until 60 "hq: $LAN via br1 again" bgp_path_via hq "$LAN" 169.254.10.2 ||
	fail "br1 did not announce $LAN again"
wait_until 60 "hq routes $DST via hq-branch-1 again" on_branch1 || fail "hq did not return to hq-branch-1"
t_back=$(ms_since "$t_res")
wait_until 30 "pings reach br1's LAN again" pings_reach br1-lan 20 || fail "traffic does not return to br1's LAN"
grep -q "prefix $LAN advertised again: check lan1 up" "$RD_LOGDIR/br1-routerd.log" ||
	fail "br1's log lacks the re-advertisement line"
log "RESULT check_up_ms=$t_up back_on_branch1_ms=$t_back"

# --- the tunnel probe: echoes through tun1 stop being answered --------------
wait_until 60 "hq routes $DST via ipsec10" fib_dev_is hq "$DST" ipsec10 || fail "hq not on tun1"
t_drop=$(now_ms)
nsx hq nft -f - <<-'NFT'
	table inet rdprobe {
		chain in {
			type filter hook input priority 0; policy accept;
			iifname "ipsec10" icmp type echo-request counter drop
		}
	}
NFT
wait_until 30 "br1: hq-branch-1/tun1 probe down" probe_is tun1 down ||
	fail "tun1's probe did not go down"
wait_until 30 "br1: hq-branch-1/tun1 DOWN" rd_tunnel_is br1 hq-branch-1/tun1 DOWN ||
	fail "br1 did not take tun1 DOWN on the probe"
t_tdown=$(ms_since "$t_drop")
reason=$(rd_tunnel_field br1 hq-branch-1/tun1 reason)
log "br1 tun1 reason: $reason"
case $reason in *"probe: 3 lost in a row"*) ;; *) fail "tun1's reason does not name the probe: $reason" ;; esac
[ "$(rd_tunnel_field br1 hq-branch-1/tun1 child_up)" = true ] || fail "tun1's IPsec SA went away"
[ "$(probe_state tun2)" = up ] || fail "tun2's probe went down too"
wait_until 60 "hq routes $DST via ipsec11" fib_dev_is hq "$DST" ipsec11 || fail "hq did not move to tun2"
wait_until 60 "br1 routes hq's LAN via ipsec11" fib_dev_is br1 "$HQ_HOST" ipsec11 ||
	fail "br1 did not move to tun2"
t_tmove=$(ms_since "$t_drop")
wait_until 30 "pings reach br1's LAN over tun2" pings_reach br1-lan 20 || fail "no traffic over tun2"
rctl br1 show | tee -a "$RD_LOGDIR/br1-routerctl-show.txt"
log "RESULT probe_tun1_down_ms=$t_tdown moved_to_tun2_ms=$t_tmove"
t_lift=$(now_ms)
nsx hq nft delete table inet rdprobe
wait_until 30 "br1: hq-branch-1/tun1 UP again" rd_tunnel_is br1 hq-branch-1/tun1 UP ||
	fail "tun1 did not return after the drop was lifted"
t_tup=$(ms_since "$t_lift")
wait_until 60 "hq routes $DST via ipsec10 again" fib_dev_is hq "$DST" ipsec10 ||
	fail "hq did not return to tun1"
log "RESULT probe_tun1_up_ms=$t_tup back_on_tun1_ms=$(ms_since "$t_lift")"
log "PASS"
