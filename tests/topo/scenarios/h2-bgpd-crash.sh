#!/usr/bin/env bash
# Scenario h2: kill -9 bgpd on hq, then start it again with start_frr's
# command line (its config file is empty: everything BGP comes from
# routerd). routerd must notice the restart and re-apply its state: the
# neighbors exist again in `show bgp summary json`, get Established, the
# branch's LAN is learned and in hq's FIB again, routerctl reports both
# tunnels UP, LAN traffic flows. Times are reported, not judged.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/examples.sh"
. "$here/scen3-lib.sh"

LAN=10.20.0.0/16
ex_two_site "$EX/two-site.conf" "$EX/two-site-branch.conf"
ex_wait_two_site_up

# --- kill -9 bgpd on hq -------------------------------------------------------
t_kill=$(now_ms)
s3_kill9 hq bgpd
lost() { grep -q 'frr: bgpd unreachable' "$RD_LOGDIR/hq-routerd.log"; }
wait_until 20 "routerd notices bgpd's death" lost || fail "routerd did not notice bgpd's death"
log "RESULT bgpd_loss_noticed_ms=$(( $(now_ms) - t_kill ))"
# zebra drops the dead client's routes.
gone() { ! fib_dev_is hq "$BRANCH_HOST" ipsec10; }
wait_until 20 "zebra dropped bgpd's routes" gone || log "note: hq's FIB kept bgpd's route"

# --- start bgpd again ---------------------------------------------------------
t_start=$(now_ms)
s3_restart_frr_daemon hq bgpd
has_nbr() { vty hq "show bgp summary json" | jq -e --arg p "$1" '.ipv4Unicast.peers[$p] != null' >/dev/null; }
wait_until 30 "hq: neighbor $T1_BR_IN re-created" has_nbr "$T1_BR_IN" || fail "tun1's neighbor not re-created"
wait_until 30 "hq: neighbor $T2_BR_IN re-created" has_nbr "$T2_BR_IN" || fail "tun2's neighbor not re-created"
log "RESULT neighbors_back_ms=$(( $(now_ms) - t_start ))"
wait_until 90 "hq: BGP over tun1" bgp_is hq "$T1_BR_IN" Established || fail "BGP over tun1 not back"
wait_until 60 "hq: BGP over tun2" bgp_is hq "$T2_BR_IN" Established || fail "BGP over tun2 not back"
log "RESULT established_ms=$(( $(now_ms) - t_start ))"
wait_until 60 "hq: $LAN back" bgp_has_route hq "$LAN" || fail "$LAN not learned again"
wait_until 60 "hq routes the branch via ipsec10" fib_dev_is hq "$BRANCH_HOST" ipsec10 ||
	fail "hq's FIB not back on tun1"
wait_until 30 "hq: tun1 UP" rd_tunnel_is hq hq-branch/tun1 UP || fail "routerctl: tun1 not UP"
wait_until 30 "hq: tun2 UP" rd_tunnel_is hq hq-branch/tun2 UP || fail "routerctl: tun2 not UP"
wait_until 30 "hq-branch UP" rd_conn_is hq hq-branch UP || fail "connection not UP"
# The re-applied policy: tun1's routes preferred (LOCAL_PREF), the branch
# still sees hq's prefixes on both sessions.
lp1=$(vty hq "show ip bgp $LAN json" | jq -r --arg n "$T1_BR_IN" '.paths[] | select(.peer.peerId == $n) | .locPrf')
log "hq: LOCAL_PREF of $LAN via tun1: $lp1"
[ "$lp1" = 200 ] || fail "policy attributes not re-applied (LOCAL_PREF via tun1 $lp1, want 200)"
wait_until 30 "branch routes hq via ipsec10" fib_dev_is branch "$HQ_HOST" ipsec10 || fail "branch's FIB not on tun1"
nsx hq-lan ping -q -c 10 -i 0.1 -W 1 "$BRANCH_HOST" >/dev/null || fail "LAN-to-LAN ping failed after recovery"
log "RESULT recovered_ms=$(( $(now_ms) - t_start ))"
log "PASS"
