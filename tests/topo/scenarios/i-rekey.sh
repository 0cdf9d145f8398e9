#!/usr/bin/env bash
# Scenario i: rekeys under traffic do not disturb routing.
# XFAIL: each Child SA rekey loses ~3 probes to XfrmAcquireError while pluto swaps the SAs (routing, BGP and routerd stay undisturbed); not fixed yet
#
# Why explicit rekeys: the AWS ranges routerd enforces (phase 1 lifetime
# 900-28800 s, phase 2 900-3600 s and below phase 1, rekey margin >= 60 s)
# make the shortest honest configuration rekey every ~10-15 minutes, far too
# slow for a test. Writing shorter lifetimes into pluto's files behind
# routerd's back would test a configuration routerd can never produce. So
# the scenario keeps the shipped examples and triggers the rekeys pluto
# would do at lifetime expiry explicitly, with
# `ipsec whack --rekey-ipsec|--rekey-ike --name rd-hq-branch-tun1` (4.10
# syntax), alternately from each end: the same code path (a CREATE_CHILD_SA
# exchange, new SAs installed before the old ones are deleted, no updown
# up/down), on demand.
#
# Under a 10 ms probe stream hq-lan -> branch-lan, tun1 is rekeyed 5 times
# (3 Child SA rekeys, 2 IKE SA rekeys). Proof each rekey happened: tun1's
# ESP SPIs all change (Child rekey) or its newest IKE SA serial changes (IKE
# rekey). Asserted: no lost probe, the FIB at both ends stays on ipsec10
# (sampled every 100 ms; hq sees no route event for the branch LAN in `ip
# monitor route`), the BGP sessions are not reset (connectionsDropped
# unchanged, peerUptimeMsec keeps growing), routerd logs no state
# transition and no IPsec SA loss for tun1 at either end.
#
# Status (TCG guest, libreswan 4.10, kernel 6.1): every routing assertion
# holds (no FIB change, no route event, no BGP reset, no routerd
# transition), but a few probes are lost at Child SA rekeys (15 of 4713 in
# one run), and exactly as many outbound packets are counted as
# XfrmAcquireError (no usable outbound SA for a moment) at the two ends:
# a data-plane handover gap in pluto's SA replacement, below routerd. The
# zero-loss assertion stays: the issue promises no lost probes.
# Configs: the two-site examples with BFD 1000 ms x 5 (s3_configs): the
# default 300 ms x 3 flaps in a TCG guest on a host shared with other VMs,
# and a flap would be blamed on what this scenario tests.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/examples.sh"
. "$here/scen3-lib.sh"

CONN=rd-hq-branch-tun1

# ike_serial GW: the newest established IKE SA serial (#N) of tun1 on GW.
ike_serial() {
	whack_ns "$1" "$RD_RUNDIR/$1/pluto" --showstates |
		grep -F "\"$CONN\"" | grep 'ESTABLISHED_IKE_SA' |
		sed -n 's/^[0-9]* *#\([0-9]*\):.*/\1/p' | sort -n | tail -1
}
# spis_all_new GW OLD: tun1 has exactly 2 SAs at GW, none of them in OLD.
spis_all_new() {
	local now s
	now=$(s3_spis "$1" 10)
	[ "$(wc -w <<< "$now")" = 2 ] || return 1
	for s in $now; do
		[[ " $2 " == *" $s "* ]] && return 1
	done
	return 0
}
serial_changed() { local s; s=$(ike_serial "$1"); [ -n "$s" ] && [ "$s" != "$2" ]; }

s3_configs 10
ex_two_site "$S3_HQ_CONF" "$S3_BR_CONF"
ex_wait_two_site_up
sleep 3

drops_hq0=$(bgp_drops hq "$RD_RUNDIR/hq/frr") drops_br0=$(bgp_drops branch "$RD_RUNDIR/branch/frr")
up_hq0=$(s3_uptime hq "$T1_BR_IN") up_br0=$(s3_uptime branch "$T1_HQ_IN")
tr_hq0=$(s3_rd_transitions hq hq-branch/tun1) tr_br0=$(s3_rd_transitions branch hq-branch/tun1)
sadown() { grep -c "tunnel hq-branch/tun1 (ipsec10): IPsec SA down" "$RD_LOGDIR/$1-routerd.log" || true; }
sd_hq0=$(sadown hq) sd_br0=$(sadown branch)

s3_sampler_start hq "$BRANCH_HOST" 100 hq
s3_sampler_start branch "$HQ_HOST" 100 branch
# Every XFRM event (SA and policy adds/deletes, ACQUIREs), timestamped: where
# a lost probe fell relative to pluto's SA swap.
for gw in hq branch; do
	nsx "$gw" ip -ts monitor xfrm > "$RD_LOGDIR/xfrm-$gw.txt" 2>&1 &
	echo $! >> "$RD_RUNDIR/pids"
done
t0=$(now_ms)
probe_start hq-lan "$BRANCH_HOST" 10
s3_replies_grow 100 || fail "no traffic before the rekeys"

n=0
for step in hq:ipsec hq:ike branch:ipsec branch:ike hq:ipsec; do
	gw=${step%:*} what=${step#*:} n=$((n + 1))
	spis=$(s3_spis hq 10) serial=$(ike_serial "$gw")
	t=$(now_ms)
	whack_ns "$gw" "$RD_RUNDIR/$gw/pluto" "--rekey-$what" --name "$CONN" >/dev/null ||
		fail "whack --rekey-$what failed on $gw"
	if [ "$what" = ipsec ]; then
		wait_until 60 "rekey $n: all of tun1's SPIs replaced (were $spis)" spis_all_new hq "$spis" ||
			fail "Child SA rekey $n did not happen"
		log "rekey $n ($what from $gw): SPIs $spis-> $(s3_spis hq 10)($(( $(now_ms) - t )) ms)"
	else
		wait_until 60 "rekey $n: new IKE SA on $gw (was #$serial)" serial_changed "$gw" "$serial" ||
			fail "IKE SA rekey $n did not happen"
		log "rekey $n ($what from $gw): IKE SA #$serial -> #$(ike_serial "$gw") ($(( $(now_ms) - t )) ms)"
	fi
	s3_replies_grow 200 || fail "traffic stopped after rekey $n"
done
sleep 4         # a routerd pluto poll (3 s) after the last rekey
s3_replies_grow 100 || fail "traffic stopped after the rekeys"
probe_stop
s3_sampler_stop hq
s3_sampler_stop branch
probe_report
lost=$(s3_probe_lost)

drops_hq1=$(bgp_drops hq "$RD_RUNDIR/hq/frr") drops_br1=$(bgp_drops branch "$RD_RUNDIR/branch/frr")
up_hq1=$(s3_uptime hq "$T1_BR_IN") up_br1=$(s3_uptime branch "$T1_HQ_IN")
tr_hq1=$(s3_rd_transitions hq hq-branch/tun1) tr_br1=$(s3_rd_transitions branch hq-branch/tun1)
sd_hq1=$(sadown hq) sd_br1=$(sadown branch)
log "RESULT rekeys=$n lost=$PROBE_LOST seq_lost=$lost blackout_ms=$PROBE_BLACKOUT_MS sent=$PROBE_SENT" \
	"fib_changes_hq=$(s3_fib_changes hq) fib_changes_branch=$(s3_fib_changes branch)" \
	"fib_samples_hq=$(s3_fib_samples hq) bgp_drops_hq=$((drops_hq1 - drops_hq0))" \
	"bgp_drops_branch=$((drops_br1 - drops_br0)) rd_transitions_hq=$((tr_hq1 - tr_hq0))" \
	"rd_transitions_branch=$((tr_br1 - tr_br0)) duration_ms=$(( $(now_ms) - t0 ))" \
	"route_events_hq=$(s3_monitor_changes hq 10.20.0.0/16) route_events_branch=$(s3_monitor_changes branch 10.0.0.0/16)"

# Where packets died: the kernels' XFRM error counters (e.g. XfrmInNoStates:
# ESP arriving for an SA this end has not installed yet).
for gw in hq branch; do
	log "RESULT xfrm_stat_$gw=\"$(nsx "$gw" awk '$2 > 0 {printf "%s=%s ", $1, $2}' /proc/net/xfrm_stat)\""
done
rc=0
[ "$lost" = 0 ] || { log "FAIL: $lost probe(s) lost across the rekeys"; rc=1; }
[ "$(s3_monitor_changes hq 10.20.0.0/16)" = 0 ] || { log "FAIL: hq's route to the branch LAN changed"; rc=1; }
[ "$(s3_fib_devs hq)" = "ipsec10 " ] || { log "FAIL: hq's FIB moved: $(s3_fib_devs hq)"; rc=1; }
[ "$(s3_fib_devs branch)" = "ipsec10 " ] || { log "FAIL: branch's FIB moved: $(s3_fib_devs branch)"; rc=1; }
[ "$drops_hq1" = "$drops_hq0" ] && [ "$drops_br1" = "$drops_br0" ] ||
	{ log "FAIL: BGP sessions dropped"; rc=1; }
(( up_hq1 > up_hq0 && up_br1 > up_br0 )) || { log "FAIL: BGP uptime reset ($up_hq0 -> $up_hq1)"; rc=1; }
[ "$tr_hq1" = "$tr_hq0" ] && [ "$tr_br1" = "$tr_br0" ] ||
	{ log "FAIL: routerd logged tun1 transitions"; grep 'hq-branch/tun1.* -> ' "$RD_LOGDIR"/*-routerd.log; rc=1; }
[ "$sd_hq1" = "$sd_hq0" ] && [ "$sd_br1" = "$sd_br0" ] ||
	{ log "FAIL: routerd saw tun1's IPsec SA go down"; rc=1; }
rd_tunnel_is hq hq-branch/tun1 UP || { log "FAIL: tun1 not UP at hq"; rc=1; }
[ "$rc" = 0 ] || fail "rekeys disturbed routing"
log "PASS"
