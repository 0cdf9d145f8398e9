#!/usr/bin/env bash
# Scenario g: maintenance drain on the two-site examples. Under a 10 ms
# probe stream hq-lan -> branch-lan: `routerctl drain hq-branch/tun1` on hq
# ALONE moves traffic to tun2 in BOTH directions (FIB on ipsec11 at hq and
# at the branch) with zero probes lost; taking the drained tunnel down
# (cutting its outer path) loses zero probes too; after the path is restored
# and tun1 undrained on hq, traffic returns to tun1 at both ends, again with
# zero lost. Drain changes advertised attributes and local-pref only: tun1's
# BGP session stays Established while drained. Neither pluto may start a
# Child SA for a kernel ACQUIRE (see pluto_ondemand): that is how the drained
# tunnel's loss used to reach the tunnel carrying the traffic.
#
# How one end moves the other (RFC 8326 graceful shutdown): the drained
# session tags everything hq advertises on it with GRACEFUL_SHUTDOWN
# (65535:0), and the branch's inbound policy gives routes carrying it
# LOCAL_PREF 0, below its own LOCAL_PREF 200 for its preferred tunnel
# (which the MED / AS-path prepend of the drain alone never beat).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/examples.sh"
. "$here/scen1-lib.sh"

# phase_end NAME: stop the current probe after traffic kept flowing, report
# it, keep its file as probe-NAME.out; sets LOST.
phase_end() {
	probe_replies_grow 200 || fail "$1: probes stopped flowing"
	probe_stop
	probe_report
	LOST=$(probe_seq_lost)
	log "RESULT ${1}_lost=$LOST ${1}_sent=$PROBE_SENT ${1}_longest_gap_ms=$PROBE_MAX_GAP_MS"
	mv "$RD_PROBE.out" "$RD_LOGDIR/probe-$1.out"
	[ "$LOST" = 0 ] || loss_diag "$RD_LOGDIR/probe-$1.out"
}

# loss_diag PROBEFILE: where the probes were lost: the reply gaps (UTC) and
# what routerd logged at both ends meanwhile (a BFD flap of every session at
# once is a stalled guest, not the drain).
loss_diag() {
	awk '/bytes from/ { t = substr($1, 2, length($1) - 2)
		if (p && t - p > 0.1) printf "reply gap %.3f s after %s\n", t - p, p; p = t }' "$1" |
		while read -r a b c d e f; do
			log "$a $b $c $d $e $(date -u -d "@$f" +%T.%3N) UTC"
		done
	grep -H "health check\|BGP session\|SA down\|SA up\|drained\|apply" \
		"$RD_LOGDIR"/{hq,branch}-routerd.log | sed "s|^$RD_LOGDIR/|  |" | tail -n 40
	grep -H "initiate on-demand\|initiating Child SA\|established Child SA" \
		"$RD_LOGDIR"/{hq,branch}-pluto.log | sed "s|^$RD_LOGDIR/|  |" | tail -n 20
}

# bgp_path GW PREFIX PEER_IP: GW's BGP path for PREFIX learned from PEER_IP (JSON).
bgp_path() {
	vty "$1" "show ip bgp $2 json" |
		jq -c --arg n "$3" '[.paths[]? | select(.peer.peerId == $n)][0] // empty'
}
# gshut_tagged GW PREFIX PEER_IP: that path carries GRACEFUL_SHUTDOWN (65535:0).
gshut_tagged() {
	bgp_path "$@" | jq -e '(.community.string // "") | test("graceful-shutdown|65535:0")' \
		>/dev/null
}
gshut_untagged() { bgp_path "$@" | jq -e '.peer' >/dev/null && ! gshut_tagged "$@"; }
# bgp_locpref GW PREFIX PEER_IP: that path's LOCAL_PREF.
bgp_locpref() { bgp_path "$@" | jq -r '.locPrf // .localpref // "none"'; }
hq_on_tun1() { fib_dev_is hq "$BRANCH_HOST" ipsec10; }
hq_on_tun2() { fib_dev_is hq "$BRANCH_HOST" ipsec11; }
branch_on_tun1() { fib_dev_is branch "$HQ_HOST" ipsec10; }
branch_on_tun2() { fib_dev_is branch "$HQ_HOST" ipsec11; }
# The branch's path to hq's LAN via tun1: tagged and at LOCAL_PREF 0 / untagged
# and back at the preferred tunnel's LOCAL_PREF 200.
branch_sees_gshut() {
	gshut_tagged branch 10.0.0.0/16 "$T1_HQ_IN" &&
		[ "$(bgp_locpref branch 10.0.0.0/16 "$T1_HQ_IN")" = 0 ]
}
branch_sees_no_gshut() {
	gshut_untagged branch 10.0.0.0/16 "$T1_HQ_IN" &&
		[ "$(bgp_locpref branch 10.0.0.0/16 "$T1_HQ_IN")" = 200 ]
}
# fibs: where each end routes the other's LAN host now.
fibs() { echo "hq via $(fib_dev hq "$BRANCH_HOST"), branch via $(fib_dev branch "$HQ_HOST")"; }
# branch_not_drained: the branch itself was never drained (one-end drain).
branch_not_drained() {
	[ "$(rd_tunnel_field branch hq-branch/tun1 drained)" = false ] ||
		fail "the branch's tun1 is drained: the scenario drains hq only"
}

# BFD 300 ms x 3 instead of the 50 ms default: a 50 ms session can flap in a
# TCG guest, and a flap's move would be blamed on the drain.
g_conf() {
	sed -e "s/^\tdefaults {$/&\n\t\tbfd { interval 300 multiplier 3 }/" "$EX/$1" >"$RD_RUNDIR/$1"
	grep -q "interval 300" "$RD_RUNDIR/$1" || fail "config rewrite failed"
	chmod 644 "$RD_RUNDIR/$1"
}
g_conf two-site.conf
g_conf two-site-branch.conf
ex_two_site "$RD_RUNDIR/two-site.conf" "$RD_RUNDIR/two-site-branch.conf"
ex_wait_two_site_up
wait_until 30 "branch: hq's route via tun1 untagged at LOCAL_PREF 200" branch_sees_no_gshut ||
	fail "branch: hq's route via tun1 tagged GRACEFUL_SHUTDOWN or not at LOCAL_PREF 200 before any drain"

# --- drain tun1 on hq only: both directions move to tun2, nothing lost -------
probe_start hq-lan "$BRANCH_HOST" 10
probe_replies_grow 100 || fail "no traffic before the drain"
t0=$(now_ms)
rctl hq drain hq-branch/tun1
watch_all "$t0" 30 hq_on_tun2 branch_on_tun2 branch_sees_gshut ||
	fail "a drain of tun1 on hq alone did not move both ends to tun2 ($(fibs))"
# shellcheck disable=SC2154  # WATCH_* are set by watch_all
log "RESULT drain_fib_hq_ms=$WATCH_hq_on_tun2 drain_fib_branch_ms=$WATCH_branch_on_tun2" \
	"drain_gshut_seen_ms=$WATCH_branch_sees_gshut"
log "branch: hq's 10.0.0.0/16 via tun1: $(bgp_path branch 10.0.0.0/16 "$T1_HQ_IN" |
	jq -c '{locPrf, metric, community: .community.string, path: .aspath.string}')"
[ "$(rd_tunnel_field hq hq-branch/tun1 drained)" = true ] || fail "routerctl: tun1 not drained"
branch_not_drained
bgp_is hq "$T1_BR_IN" Established || fail "drain took tun1's BGP session down"
bgp_is branch "$T1_HQ_IN" Established || fail "drain took tun1's BGP session down (branch)"
bgp_path_via hq 10.20.0.0/16 "$T1_BR_IN" || fail "drain withdrew the branch's route via tun1"
bgp_path_via branch 10.0.0.0/16 "$T1_HQ_IN" || fail "drain withdrew hq's route via tun1"
phase_end drain
[ "$LOST" = 0 ] || fail "drain lost $LOST probes"
drain_lost=$LOST

# --- take the drained tunnel down: nothing lost ------------------------------
probe_start hq-lan "$BRANCH_HOST" 10
probe_replies_grow 100 || fail "no traffic before the cut"
topo_cut_tunnel hq "$HQ_OUT1" "$BRANCH_OUT"
wait_until 30 "hq: tun1 DOWN" rd_tunnel_is hq hq-branch/tun1 DOWN || fail "tun1 not DOWN after the cut"
wait_until 30 "branch: tun1 DOWN" rd_tunnel_is branch hq-branch/tun1 DOWN || fail "branch: tun1 not DOWN"
# Down for good: DPD clears its SAs at both ends (see sa_cleared).
wait_until 90 "hq: tun1's IPsec SA cleared" sa_cleared hq hq-branch/tun1 || fail "tun1's SA never cleared at hq"
wait_until 60 "branch: tun1's IPsec SA cleared" sa_cleared branch hq-branch/tun1 ||
	fail "tun1's SA never cleared at the branch"
fib_dev_is hq "$BRANCH_HOST" ipsec11 || fail "hq left tun2"
fib_dev_is branch "$HQ_HOST" ipsec11 || fail "branch left tun2"
phase_end down
[ "$LOST" = 0 ] || fail "taking the drained tunnel down lost $LOST probes"
down_lost=$LOST

# --- restore and undrain on hq: traffic returns to tun1 at both ends ---------
probe_start hq-lan "$BRANCH_HOST" 10
probe_replies_grow 100 || fail "no traffic before the restore"
topo_restore_tunnel hq "$HQ_OUT1" "$BRANCH_OUT"
wait_until 120 "hq: tun1 UP" rd_tunnel_is hq hq-branch/tun1 UP || fail "tun1 did not come back"
wait_until 60 "branch: tun1 UP" rd_tunnel_is branch hq-branch/tun1 UP || fail "branch: tun1 did not come back"
wait_until 30 "hq: BGP over tun1" bgp_is hq "$T1_BR_IN" Established || fail "tun1's BGP did not return"
wait_until 30 "branch: hq's route over tun1 again, still tagged, LOCAL_PREF 0" branch_sees_gshut ||
	fail "branch: no GRACEFUL_SHUTDOWN-tagged route via the restored, still drained tun1"
fib_dev_is hq "$BRANCH_HOST" ipsec11 || fail "drained tun1 carries hq's traffic before the undrain"
fib_dev_is branch "$HQ_HOST" ipsec11 || fail "drained tun1 carries branch's traffic before the undrain"
branch_not_drained
t0=$(now_ms)
rctl hq undrain hq-branch/tun1
watch_all "$t0" 60 hq_on_tun1 branch_on_tun1 branch_sees_no_gshut ||
	fail "undrain on hq did not return both ends to tun1 ($(fibs))"
[ "$(rd_tunnel_field hq hq-branch/tun1 drained)" = false ] || fail "routerctl: tun1 still drained"
# shellcheck disable=SC2154  # WATCH_* are set by watch_all
log "RESULT back_fib_hq_ms=$WATCH_hq_on_tun1 back_fib_branch_ms=$WATCH_branch_on_tun1" \
	"back_gshut_gone_ms=$WATCH_branch_sees_no_gshut"
phase_end return
[ "$LOST" = 0 ] || fail "returning to tun1 lost $LOST probes"
log "RESULT drain_total_lost=$((drain_lost + down_lost + LOST))"
assert_no_ondemand hq branch
log "PASS"
