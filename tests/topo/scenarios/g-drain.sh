#!/usr/bin/env bash
# Scenario g: maintenance drain on the two-site examples. Under a 10 ms
# probe stream hq-lan -> branch-lan: `routerctl drain hq-branch/tun1` on hq
# moves traffic to tun2 (FIB on ipsec11 at both ends) with zero probes lost;
# taking the drained tunnel down (cutting its outer path) loses zero probes
# too; after the path is restored and tun1 undrained, traffic returns to
# tun1, again with zero lost. Drain changes advertised attributes and
# local-pref only: tun1's BGP session stays Established while drained.
#
# routerd runs at both ends, and each end sets LOCAL_PREF on the routes it
# learns per tunnel (its preferred tunnel gets 200), which beats any MED or
# AS-path prepend the other end's drain advertises: a drain on hq alone
# moves hq's traffic only (measured: the branch stays on ipsec10). So the
# maintenance procedure drains the tunnel at both ends, hq first, and
# undrains it at both ends.
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

ex_two_site "$EX/two-site.conf" "$EX/two-site-branch.conf"
ex_wait_two_site_up

# --- drain tun1: traffic moves to tun2, nothing lost --------------------------
probe_start hq-lan "$BRANCH_HOST" 10
probe_replies_grow 100 || fail "no traffic before the drain"
t0=$(now_ms)
rctl hq drain hq-branch/tun1
wait_until 30 "hq routes the branch LAN via ipsec11" fib_dev_is hq "$BRANCH_HOST" ipsec11 ||
	fail "drain did not move hq's traffic"
t_hq=$(ms_since "$t0")
log "branch routes hq's LAN via $(fib_dev branch "$HQ_HOST") after the drain on hq alone"
t0=$(now_ms)
rctl branch drain hq-branch/tun1
wait_until 30 "branch routes the hq LAN via ipsec11" fib_dev_is branch "$HQ_HOST" ipsec11 ||
	fail "drain did not move branch's traffic"
t_br=$(ms_since "$t0")
[ "$(rd_tunnel_field hq hq-branch/tun1 drained)" = true ] || fail "routerctl: tun1 not drained"
[ "$(rd_tunnel_field branch hq-branch/tun1 drained)" = true ] || fail "branch: tun1 not drained"
bgp_is hq "$T1_BR_IN" Established || fail "drain took tun1's BGP session down"
bgp_path_via hq 10.20.0.0/16 "$T1_BR_IN" || fail "drain withdrew the branch's route via tun1"
log "RESULT drain_fib_hq_ms=$t_hq drain_fib_branch_ms=$t_br"
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

# --- restore and undrain: traffic returns to tun1, nothing lost ----------------
probe_start hq-lan "$BRANCH_HOST" 10
probe_replies_grow 100 || fail "no traffic before the restore"
t0=$(now_ms)
topo_restore_tunnel hq "$HQ_OUT1" "$BRANCH_OUT"
wait_until 120 "hq: tun1 UP" rd_tunnel_is hq hq-branch/tun1 UP || fail "tun1 did not come back"
wait_until 60 "branch: tun1 UP" rd_tunnel_is branch hq-branch/tun1 UP || fail "branch: tun1 did not come back"
wait_until 30 "hq: BGP over tun1" bgp_is hq "$T1_BR_IN" Established || fail "tun1's BGP did not return"
fib_dev_is hq "$BRANCH_HOST" ipsec11 || fail "drained tun1 carries hq's traffic before the undrain"
fib_dev_is branch "$HQ_HOST" ipsec11 || fail "drained tun1 carries branch's traffic before the undrain"
rctl hq undrain hq-branch/tun1
rctl branch undrain hq-branch/tun1
wait_until 60 "hq routes the branch LAN via ipsec10" fib_dev_is hq "$BRANCH_HOST" ipsec10 ||
	fail "undrain did not return hq's traffic to tun1"
wait_until 30 "branch routes the hq LAN via ipsec10" fib_dev_is branch "$HQ_HOST" ipsec10 ||
	fail "undrain did not return branch's traffic to tun1"
t_back=$(ms_since "$t0")
[ "$(rd_tunnel_field hq hq-branch/tun1 drained)" = false ] || fail "routerctl: tun1 still drained"
log "RESULT back_on_tun1_ms=$t_back"
phase_end return
[ "$LOST" = 0 ] || fail "returning to tun1 lost $LOST probes"
log "RESULT drain_total_lost=$((drain_lost + down_lost + LOST))"
log "PASS"
