#!/usr/bin/env bash
# failover-variant.sh VARIANT RUNS: one variant of the failover blackout
# benchmark (tests/bench/failover.sh runs them all and prints the table).
# Builds the variant's two-site topology ONCE, then RUNS times: 10 ms probe
# LAN to LAN, hard cut of the active tunnel's outer path (or `routerctl
# drain` for e), blackout = longest gap between replies after the cut,
# restore, wait until the primary tunnel carries the traffic again.
# Needs ESP and XFRM interfaces (run it inside tests/vm/run-in-vm).
#
# Variants (an "10k" suffix: the far site advertises 10,000 prefixes):
#   a     no routerd: libreswan + FRR by hand, BGP keepalive 10 / hold 30,
#         DPD 10 s / retransmit-timeout 30 s, no BFD
#   b     a + FRR bfdd at its defaults (300 ms x 3)
#   c     routerd on the two-site examples, default health settings
#   d     c with BFD ${FB_D_BFD_MS:-100} ms x ${FB_D_BFD_MULT:-3} (dNN: NN ms); 100
#         is the fastest that held in the TCG guest (50 x 3 flapped there)
#   e     c, planned drain (routerctl drain) instead of a cut
# routerd variants use hold-down 0 (the return to tun1 is not measured);
# FB_HOLD_DOWN=N sets N instead (10, the default of routerd.conf, measures
# the failover with the pre-armed hold-down attributes it brings).
#
# Output: one line per run on stdout,
#   FB variant=V run=I valid=0|1 blackout_ms=N lost=N drops=N moved_ms=N
# (valid=0: a BGP session or BFD session dropped in the window before the
# cut, or tun1 no longer carried the traffic: BFD flapped on the loaded
# guest and the run measured an overloaded host).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VARIANT=${1:?variant}
RUNS=${2:-5}
NPFX=10000
FB_SETTLE_S=${FB_SETTLE_S:-5}      # quiet time after the return, before a run
FB_PRE_REPLIES=${FB_PRE_REPLIES:-300}  # replies in the flap window before a cut
FB_POST_REPLIES=200                # replies after the failover

base=${VARIANT%10k}
big=0
[ "$base" != "$VARIANT" ] && big=1
# dNN: variant d with BFD at NN ms (d30, d50 ...)
if [[ $base =~ ^d([0-9]+)$ ]]; then
	FB_D_BFD_MS=${BASH_REMATCH[1]}
	base=d
fi

# shellcheck source=tests/topo/lib.sh
. "$here/../topo/lib.sh"

# fb_lost PROBEFILE: echo requests lost among those answered around them
# (holes in the replied icmp_seq range; in-flight ones at the end excluded).
fb_lost() {
	awk '/bytes from/ {
		s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
		if (!(s in seen)) { seen[s] = 1; n++ }
		if (s + 0 > max) max = s + 0
	} END { print max - n }' "$1"
}

# fb_bfd_downs NS DIR: BFD session-down events so far, all peers of NS
# (0 without BFD).
fb_bfd_downs() {
	local n
	n=$(vtysh_ns "$1" "$2" "show bfd peers counters json" 2>/dev/null |
		jq '[.[]? | ."session-down" // 0] | add // 0' 2>/dev/null) || n=0
	echo "${n:-0}"
}

# fb_replies_ge N: the current probe has at least N replies.
fb_replies_ge() { [ "$(probe_replies)" -ge "$1" ]; }
# fb_replies_grow N: wait (60 s at most) for N more replies.
fb_replies_grow() {
	wait_until 60 "$1 more probe replies" fb_replies_ge $(( $(probe_replies) + $1 ))
}

# fb_prefix_file FILE: the far site's 10,000 prefixes: /24s from 10.64.0.0
# upwards (inside 10.64.0.0/10, clear of both LANs), one a line.
fb_prefix_file() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "10.%d.%d.0/24\n", 64 + int(i / 256), i % 256 }' > "$2"
}

# ---------------------------------------------------------------------------
# Baseline (a, b): no routerd. Names from two-site.sh: hub / a.
# ---------------------------------------------------------------------------
bl_setup() {
	# shellcheck source=tests/topo/two-site.sh
	. "$here/../topo/two-site.sh"
	# shellcheck source=tests/topo/manual-config.sh
	. "$here/../topo/manual-config.sh"
	export MANUAL_BGP_TIMERS="10 30"
	case "$base" in
	a) export MANUAL_BFD=0 ;;
	b) export MANUAL_BFD=1 BFD_INTERVAL_MS=300 BFD_MULT=3 ;;
	esac
	two_site_topology
	HUB_IPSEC=$(topo_dir hub pluto) HUB_FRR=$(topo_dir hub frr)
	A_IPSEC=$(topo_dir a pluto) A_FRR=$(topo_dir a frr)
	# the responder clears a dead tunnel, the initiator restarts it
	MANUAL_DPD="10 30 clear" manual_ipsec_config "$HUB_IPSEC" add \
		"t1:$T1_IF:$T1_REQID:$HUB_OUT1:$A_OUT1:psk-one-0123456789" \
		"t2:$T2_IF:$T2_REQID:$HUB_OUT2:$A_OUT2:psk-two-0123456789"
	MANUAL_DPD="10 30 restart" manual_ipsec_config "$A_IPSEC" start \
		"t1:$T1_IF:$T1_REQID:$A_OUT1:$HUB_OUT1:psk-one-0123456789" \
		"t2:$T2_IF:$T2_REQID:$A_OUT2:$HUB_OUT2:psk-two-0123456789"
	manual_bgp_config "$HUB_FRR" "$HUB_ASN" 10.1.0.1 "$HUB_LAN" \
		"$T1_A_IN:$A_ASN:0" "$T2_A_IN:$A_ASN:1"
	if [ "$big" = 1 ]; then
		fb_prefix_file "$NPFX" "$RD_RUNDIR/prefixes.txt"
		MANUAL_NETWORKS=$RD_RUNDIR/prefixes.txt manual_bgp_config "$A_FRR" "$A_ASN" \
			10.2.0.1 "$A_LAN" "$T1_HUB_IN:$HUB_ASN:0" "$T2_HUB_IN:$HUB_ASN:1"
	else
		manual_bgp_config "$A_FRR" "$A_ASN" 10.2.0.1 "$A_LAN" \
			"$T1_HUB_IN:$HUB_ASN:0" "$T2_HUB_IN:$HUB_ASN:1"
	fi
	in_parallel start_frr hub "$HUB_FRR" -- start_frr a "$A_FRR" \
		-- start_pluto hub "$HUB_IPSEC" -- start_pluto a "$A_IPSEC"
	in_parallel manual_inside_addr hub "$T1_IF" "$T1_HUB_IN/30" \
		-- manual_inside_addr hub "$T2_IF" "$T2_HUB_IN/30" \
		-- manual_inside_addr a "$T1_IF" "$T1_A_IN/30" \
		-- manual_inside_addr a "$T2_IF" "$T2_A_IN/30"
	SRC_NS=hub-lan DST=$A_HOST
	bl_wait_primary 600
}

# bl_primary: tun1 is up and carries both directions (and, with 10,000
# prefixes, the hub routes all of them via tun1).
bl_primary() {
	ipsec_sa_up hub "$T1_REQID" && ipsec_sa_up a "$T1_REQID" &&
		bgp_established hub "$HUB_FRR" "$T1_A_IN" && bgp_established a "$A_FRR" "$T1_HUB_IN" &&
		bgp_established hub "$HUB_FRR" "$T2_A_IN" &&
		route_dev_is hub "$A_HOST" "ipsec$T1_IF" && route_dev_is a "$HUB_HOST" "ipsec$T1_IF" &&
		fb_big_on "ipsec$T1_IF" hub
}
bl_wait_primary() { wait_until "$1" "tunnel 1 carries the traffic (baseline)" bl_primary; }
bl_drops() {
	echo $(( $(bgp_drops hub "$HUB_FRR") + $(bgp_drops a "$A_FRR") +
		$(fb_bfd_downs hub "$HUB_FRR") + $(fb_bfd_downs a "$A_FRR") ))
}
bl_on_backup() {
	route_dev_is hub "$A_HOST" "ipsec$T2_IF" && route_dev_is a "$HUB_HOST" "ipsec$T2_IF"
}
bl_cut() { topo_cut_tunnel hub "$HUB_OUT1" "$A_OUT1"; }
bl_restore() {
	# a: without BFD the cut lasted the hold time, and tun1's liveness
	# check is under way: let DPD clear tun1 first (at most 60 s), so that
	# a late clear does not hit the next run; a restarts it.
	if [ "$base" = a ]; then
		bl_t1_gone() { ! ipsec_sa_up hub "$T1_REQID"; }
		wait_until 60 "hub: tun1's SA cleared by DPD" bl_t1_gone || true
	fi
	topo_restore_tunnel hub "$HUB_OUT1" "$A_OUT1"
}

# ---------------------------------------------------------------------------
# routerd (c, d, e): the two-site examples (examples.sh: hq / branch).
# ---------------------------------------------------------------------------
# rd_variant_configs: the example configs with hold-down $hold at both ends,
# BFD per variant and, for 10k, 10,000 branch prefixes (accepted by hq).
rd_variant_configs() {
	local bfd="" hq=$RD_RUNDIR/hq.conf br=$RD_RUNDIR/branch.conf hold=${FB_HOLD_DOWN:-0}
	[ "$base" = d ] && bfd="\\t\\tbfd { interval ${FB_D_BFD_MS:-100} multiplier ${FB_D_BFD_MULT:-3} }"
	sed -e "s/hold-down 10/hold-down $hold/" "$EX/two-site.conf" > "$hq"
	sed -e "s/^\(\tpreferred \"tun1\"\)$/\1\n\thold-down $hold/" "$EX/two-site-branch.conf" > "$br"
	if [ -n "$bfd" ]; then
		sed -i -e "s/^\tdefaults {$/&\n$bfd/" "$hq" "$br"
	fi
	if [ "$big" = 1 ]; then
		fb_prefix_file $(( NPFX - 1 )) "$RD_RUNDIR/prefixes.txt"
		# branch: 10.20.0.0/16 + 9,999 /24s = 10,000 prefixes (hq's
		# max-prefix limit is 10,000 per session)
		awk -v pf="$RD_RUNDIR/prefixes.txt" '/^\tprefixes { 10.20.0.0\/16 }$/ {
			printf "\tprefixes { 10.20.0.0/16"
			while ((getline p < pf) > 0) printf " %s", p
			print " }"; next } { print }' "$br" > "$br.new" && mv "$br.new" "$br"
		sed -i -e "s|^\tprefixes { 10.20.0.0/16 }$|\tprefixes { 10.20.0.0/16 10.64.0.0/10 }|" \
			-e "s/max-prefix 100$/max-prefix $NPFX/" "$hq"
		grep -q "max-prefix $NPFX" "$hq" && grep -q 10.64.0.0/10 "$hq" &&
			grep -q "10.64.0.0/24" "$br" || fail "10k config rewrite failed"
	fi
	grep -q "hold-down $hold" "$hq" && grep -q "hold-down $hold" "$br" ||
		fail "config rewrite failed"
	if [ -n "$bfd" ]; then
		grep -q "interval ${FB_D_BFD_MS:-100} " "$hq" && grep -q "interval ${FB_D_BFD_MS:-100} " "$br" ||
			fail "bfd rewrite failed"
	fi
	chmod 644 "$hq" "$br"
	"$ROUTERD" -n -f "$hq" && "$ROUTERD" -n -f "$br" || fail "variant configs do not validate"
	HQ_CONF=$hq BR_CONF=$br
}

rd_setup() {
	# shellcheck source=tests/topo/routerd.sh
	. "$here/../topo/routerd.sh"
	# shellcheck source=tests/topo/examples.sh
	. "$here/../topo/examples.sh"
	# shellcheck source=tests/topo/scen1-lib.sh
	. "$here/../topo/scen1-lib.sh"
	rd_variant_configs
	ex_two_site "$HQ_CONF" "$BR_CONF"
	SRC_NS=hq-lan DST=$BRANCH_HOST
	rd_wait_primary 600
	vty hq "show bfd peers" > "$RD_LOGDIR/hq-bfd-peers.txt" 2>&1 || true
}

rd_primary() {
	rd_tunnel_is hq hq-branch/tun1 UP && rd_tunnel_is branch hq-branch/tun1 UP &&
		rd_tunnel_is hq hq-branch/tun2 UP &&
		[ "$(rd_tunnel_field hq hq-branch/tun1 hold_down)" = false ] &&
		[ "$(rd_tunnel_field hq hq-branch/tun1 drained)" = false ] &&
		bgp_is hq "$T1_BR_IN" Established && bgp_is branch "$T1_HQ_IN" Established &&
		fib_dev_is hq "$BRANCH_HOST" ipsec10 && fib_dev_is branch "$HQ_HOST" ipsec10 &&
		fb_big_on ipsec10 hq
}
rd_wait_primary() { wait_until "$1" "tun1 carries the traffic (routerd)" rd_primary; }
rd_drops() {
	local gw n=0
	for gw in hq branch; do
		n=$(( n + $(bgp_drops $gw "$RD_RUNDIR/$gw/frr") + $(fb_bfd_downs $gw "$RD_RUNDIR/$gw/frr") ))
	done
	echo "$n"
}
rd_on_backup() { fib_dev_is hq "$BRANCH_HOST" ipsec11 && fib_dev_is branch "$HQ_HOST" ipsec11; }
rd_cut() {
	if [ "$base" = e ]; then
		rctl hq drain hq-branch/tun1 >/dev/null
		log "drained hq-branch/tun1 on hq"
	else
		topo_cut_tunnel hq "$HQ_OUT1" "$BRANCH_OUT"
	fi
}
rd_restore() {
	if [ "$base" = e ]; then
		rctl hq undrain hq-branch/tun1 >/dev/null
		log "undrained hq-branch/tun1 on hq"
	else
		topo_restore_tunnel hq "$HQ_OUT1" "$BRANCH_OUT"
	fi
}

# fb_big_on DEV GW: with 10,000 prefixes, GW's kernel routes at least all
# of them via DEV (always true otherwise).
fb_big_on() {
	[ "$big" = 1 ] || return 0
	[ "$(nsx "$2" ip -4 route show dev "$1" | grep -c '^10\.')" -ge "$NPFX" ]
}

# ---------------------------------------------------------------------------
case "$base" in
a | b) P=bl ;;
c | d | e) P=rd ;;
*) fail "unknown variant $VARIANT" ;;
esac

t0=$(now_ms)
"${P}_setup"
log "variant $VARIANT: primary tunnel carries the traffic $(( $(now_ms) - t0 )) ms after start"
for i in $(seq 1 "$RUNS"); do
	sleep "$FB_SETTLE_S"
	probe_start "$SRC_NS" "$DST" 10
	fb_replies_grow 100
	d0=$("${P}_drops")
	fb_replies_grow "$FB_PRE_REPLIES"
	d1=$("${P}_drops")
	valid=1
	if [ "$d1" != "$d0" ]; then
		valid=0
		log "run $i: $((d1 - d0)) BGP/BFD session drops just before the cut (flap): invalid"
	elif ! "${P}_primary"; then
		valid=0
		log "run $i: tun1 not carrying the traffic just before the cut (flap): invalid"
	fi
	probe_mark
	t_cut=$(now_ms)
	"${P}_cut"
	# hold time (a) or BFD: the backup carries both directions
	wait_until 120 "traffic on the backup tunnel" "${P}_on_backup" ||
		fail "run $i: no failover within 120 s"
	moved=$(( $(now_ms) - t_cut ))
	fb_replies_grow "$FB_POST_REPLIES" || fail "run $i: probes do not flow after the failover"
	probe_stop
	probe_report >/dev/null
	lost=$(fb_lost "$RD_PROBE.out")
	cp "$RD_PROBE.out" "$RD_LOGDIR/probe-$VARIANT-$i.out"
	echo "FB variant=$VARIANT run=$i valid=$valid blackout_ms=$PROBE_BLACKOUT_MS lost=$lost" \
		"drops=$((d1 - d0)) moved_ms=$moved"
	log "run $i: blackout $PROBE_BLACKOUT_MS ms, lost $lost, routes moved after $moved ms," \
		"drops before the cut $((d1 - d0))"
	"${P}_restore"
	"${P}_wait_primary" 240 || fail "run $i: tun1 did not take the traffic back"
done
log "variant $VARIANT done in $(( $(now_ms) - t0 )) ms"
