#!/usr/bin/env bash
# Scenario h1: kill -9 pluto on hq. routerd's libreswan backend (whack every
# ~3 s) reports pluto unreachable and treats every tunnel's IPsec as down:
# routerctl shows both tunnels DOWN, hq's BGP neighbors are shut down and
# the routes learned over the tunnels are withdrawn at hq, and the branch
# LAN is then refused (fail closed), not routed out of the WAN. Then pluto is
# started again with the topology's command line (start_pluto; it loads
# routerd's include file itself): the tunnels come back UP (the branch
# re-initiates once its DPD cleared the dead IKE SA), BGP is Established
# again and LAN traffic flows. Times are reported, not judged.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/examples.sh"
. "$here/scen3-lib.sh"

LAN=10.20.0.0/16
ex_two_site "$EX/two-site.conf" "$EX/two-site-branch.conf"
ex_wait_two_site_up
bgp_has_route hq "$LAN" || fail "hq: $LAN not learned before the fault"

# --- kill -9 pluto on hq ----------------------------------------------------
t_kill=$(now_ms)
s3_kill9 hq pluto
noticed() { grep -q 'pluto unreachable' "$RD_LOGDIR/hq-routerd.log"; }
tun_down() { rd_tunnel_is hq "hq-branch/$1" DOWN; }
nbr_shut() { [ "$(bgp_state hq "$RD_RUNDIR/hq/frr" "$1")" = "Idle (Admin)" ]; }
withdrawn() { ! bgp_has_route hq "$LAN"; }
no_fib() { ! fib_dev_is hq "$BRANCH_HOST" ipsec10 && ! fib_dev_is hq "$BRANCH_HOST" ipsec11; }
wait_until 20 "routerd logs pluto unreachable" noticed || fail "routerd did not notice pluto's death"
log "RESULT pluto_noticed_ms=$(( $(now_ms) - t_kill ))"
wait_until 20 "hq: tun1 DOWN" tun_down tun1 || fail "tun1 not DOWN without pluto"
wait_until 20 "hq: tun2 DOWN" tun_down tun2 || fail "tun2 not DOWN without pluto"
rd_conn_is hq hq-branch DOWN || fail "hq-branch is $(rd_conn_status hq hq-branch) without pluto"
wait_until 20 "hq: neighbor $T1_BR_IN shut down" nbr_shut "$T1_BR_IN" || fail "tun1's neighbor not shut"
wait_until 20 "hq: neighbor $T2_BR_IN shut down" nbr_shut "$T2_BR_IN" || fail "tun2's neighbor not shut"
wait_until 20 "hq: $LAN withdrawn" withdrawn || fail "hq still has $LAN in BGP"
wait_until 20 "hq: no route to the branch over the tunnels" no_fib || fail "hq's FIB still uses a tunnel"
log "RESULT withdrawn_ms=$(( $(now_ms) - t_kill ))"
# Fail closed: with no tunnel the branch LAN is refused (routerd's reject
# route), not sent to the default route out of the WAN in clear.
wait_until 10 "hq: the branch LAN unreachable, not via wan0" fib_dev_is hq "$BRANCH_HOST" unreachable ||
	fail "hq routes the branch LAN via $(fib_dev hq "$BRANCH_HOST") with every tunnel down"
rctl hq show | tee -a "$RD_LOGDIR/hq-routerctl-no-pluto.txt"
rctl hq --json show | jq -r '.connections[0].tunnels[] | "\(.name) \(.state) \(.reason)"'

# --- start pluto again --------------------------------------------------------
t_start=$(now_ms)
s3_restart_pluto hq
back() { grep -q 'pluto reachable again' "$RD_LOGDIR/hq-routerd.log"; }
wait_until 30 "routerd sees pluto again" back || fail "routerd did not notice pluto's return"
for t in tun1 tun2; do
	wait_until 180 "hq: $t UP again" rd_tunnel_is hq "hq-branch/$t" UP || fail "$t not UP after pluto's return"
done
log "RESULT tunnels_up_after_restart_ms=$(( $(now_ms) - t_start ))"
wait_until 60 "hq: BGP over tun1" bgp_is hq "$T1_BR_IN" Established || fail "BGP over tun1 not back"
wait_until 60 "hq: BGP over tun2" bgp_is hq "$T2_BR_IN" Established || fail "BGP over tun2 not back"
wait_until 60 "hq: $LAN back" bgp_has_route hq "$LAN" || fail "$LAN not learned again"
wait_until 60 "hq routes the branch via ipsec10" fib_dev_is hq "$BRANCH_HOST" ipsec10 ||
	fail "hq's FIB not back on tun1"
wait_until 60 "branch routes hq via ipsec10" fib_dev_is branch "$HQ_HOST" ipsec10 ||
	fail "branch's FIB not back on tun1"
wait_until 30 "hq-branch UP" rd_conn_is hq hq-branch UP || fail "connection not UP"
before=$(xfrm_packets hq)
nsx hq-lan ping -q -c 10 -i 0.1 -W 1 "$BRANCH_HOST" >/dev/null || fail "LAN-to-LAN ping failed after recovery"
after=$(xfrm_packets hq)
[ "$after" -ge $((before + 20)) ] || fail "ESP counters grew by less than 20 ($before -> $after)"
log "RESULT recovered_ms=$(( $(now_ms) - t_start ))"
log "PASS"
