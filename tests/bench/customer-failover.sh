#!/usr/bin/env bash
# customer-failover.sh [CUTS]: the failover blackout against a third-party
# customer gateway (issue 14), in each direction. The customer is strongSwan
# + BIRD configured after AWS's generic guidance (tests/topo/customer.sh:
# IKEv2 PSK, DPD 10 s, BGP 10/30, the backup tunnel prepended); per variant
# one topology, CUTS (default 5) cuts of the active tunnel's outer path:
#
#   rd      routerd at its default settings  vs the customer without BFD
#   rd-bfd  routerd at its default settings  vs the customer with BIRD's `bfd on`
#   plain   libreswan + FRR, usual timers (BGP 10/30, DPD 10 s / 30 s, no
#           BFD; tests/topo/manual-config.sh) vs the customer without BFD:
#           the baseline, measured in the same run
#
# Two one-way UDP streams, 10 ms apart: hq-lan -> cust-lan (moved by hq's
# FIB) and cust-lan -> hq-lan (moved by BIRD's choice); the blackout of a
# direction is the longest gap between arrivals that ends after the cut;
# lost = sequence numbers never received. After each cut the path is
# restored and the hand-back to tun1 awaited (its losses are counted too).
# Runs where a BGP session was reset in the minute before the cut (a flap
# of the loaded guest) are marked invalid and left out of the statistics.
# Prints numbers only; exit status 1 only if a variant could not run.
#
#   sudo tests/bench/customer-failover.sh [CUTS]        # boots the VM itself
#   VARIANTS="rd plain" sudo tests/bench/customer-failover.sh 3
#
# RD_BUILD (default ./build) is the routerd measured; every run is in
# $RD_OUT/customer-failover.tsv.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

# Outside the guest: run ourselves through run-in-vm (native when this
# kernel has ESP and XFRM interfaces).
if [ -z "${RD_IN_VM:-}" ] && [ "${1:-}" != --variant ] && [ -z "${RD_CF_INNER:-}" ]; then
	out=${RD_OUT:-$(mktemp -d /var/tmp/customer-failover.XXXXXX)}
	exec "$top/tests/vm/run-in-vm" --timeout "${RD_CF_TIMEOUT:-5400}" --out "$out" \
		--env RD_CF_INNER=1 --env VARIANTS="${VARIANTS:-rd rd-bfd plain}" -- "$0" "$@"
fi

# ---------------------------------------------------------------------------
# one variant (a process of its own: one topology, CUTS cuts)
# ---------------------------------------------------------------------------
if [ "${1:-}" = --variant ]; then
	VARIANT=$2 CUTS=$3
	set -euo pipefail
	# shellcheck source=tests/topo/lib.sh
	. "$top/tests/topo/lib.sh"
	# shellcheck source=tests/topo/routerd.sh
	. "$top/tests/topo/routerd.sh"
	# shellcheck source=tests/topo/customer.sh
	. "$top/tests/topo/customer.sh"
	case "$VARIANT" in
	rd) CUST_BFD=0 CUST_HQ=routerd ;;
	rd-bfd) CUST_BFD=1 CUST_HQ=routerd ;;
	plain) CUST_BFD=0 CUST_HQ=manual ;;
	*) fail "unknown variant $VARIANT" ;;
	esac
	PY=/usr/bin/python3
	OWP=$RD_RUNDIR/owp.py
	cat > "$OWP" <<-'EOF'
	# one-way probe: "send DST PORT MS" sends a numbered datagram every MS
	# ms; "recv PORT" prints "WALL_MS SEQ" per datagram received.
	import socket, struct, sys, time
	if sys.argv[1] == "send":
	    dst, port, iv = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]) / 1000
	    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    seq, t0 = 0, time.monotonic()
	    while True:
	        try:
	            s.sendto(struct.pack("!I", seq), (dst, port))
	        except OSError:
	            pass
	        seq += 1
	        d = t0 + seq * iv - time.monotonic()
	        if d > 0:
	            time.sleep(d)
	else:
	    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    s.bind(("0.0.0.0", int(sys.argv[2])))
	    while True:
	        b, _ = s.recvfrom(64)
	        sys.stdout.write("%.3f %d\n" % (time.time() * 1000, struct.unpack("!I", b[:4])[0]))
	        sys.stdout.flush()
	EOF
	OWP_PIDS=()
	# owp_start TAG: both streams (files $RD_LOGDIR/owp-TAG-{hc,ch}.txt).
	owp_start() {
		local tag=$1
		OWP_HC=$RD_LOGDIR/owp-$VARIANT-$tag-hc.txt OWP_CH=$RD_LOGDIR/owp-$VARIANT-$tag-ch.txt
		: > "$OWP_HC"; : > "$OWP_CH"
		# (ip netns exec execs the command: $! is python's pid)
		ip netns exec "$(topo_ns cust-lan)" "$PY" "$OWP" recv 9001 > "$OWP_HC" 2>/dev/null &
		OWP_PIDS+=($!)
		ip netns exec "$(topo_ns hq-lan)" "$PY" "$OWP" recv 9002 > "$OWP_CH" 2>/dev/null &
		OWP_PIDS+=($!)
		sleep 1
		ip netns exec "$(topo_ns hq-lan)" "$PY" "$OWP" send "$CUST_HOST" 9001 10 &
		OWP_PIDS+=($!)
		ip netns exec "$(topo_ns cust-lan)" "$PY" "$OWP" send "$HQ_HOST" 9002 10 &
		OWP_PIDS+=($!)
		printf '%s\n' "${OWP_PIDS[@]}" >> "$RD_RUNDIR/pids"
	}
	owp_stop() {
		kill "${OWP_PIDS[@]}" 2>/dev/null || true
		wait "${OWP_PIDS[@]}" 2>/dev/null || true
		OWP_PIDS=()
	}
	owp_count() { wc -l < "$1"; }
	owp_grow() {   # owp_grow N: N more arrivals in both directions (120 s at most)
		local a b
		a=$(( $(owp_count "$OWP_HC") + $1 )) b=$(( $(owp_count "$OWP_CH") + $1 ))
		_owp_ge() { [ "$(owp_count "$OWP_HC")" -ge "$a" ] && [ "$(owp_count "$OWP_CH")" -ge "$b" ]; }
		wait_until 120 "$1 more one-way arrivals both ways" _owp_ge
	}
	# owp_stats FILE MARK_MS STOP_MS: "BLACKOUT_MS LOST": the longest gap
	# between arrivals (or from the last one to STOP) that ends after MARK,
	# and the sequence numbers missing up to the highest received.
	owp_stats() {
		awk -v mark="$2" -v stop="$3" '
			function gapto(t) { if (prev > 0 && t > mark && t - prev > gap) gap = t - prev }
			{ gapto($1); prev = $1; if (!($2 in seen)) { seen[$2] = 1; n++ }; if ($2 + 0 > max) max = $2 + 0 }
			END { gapto(stop); printf "%d %d\n", gap, (n ? max + 1 - n : 0) }' "$1"
	}
	# sessions_fp: every BGP session's history at both ends (hq's drops,
	# BIRD's "since" per session); sessions_same FP: none was reset since.
	sessions_fp() {
		echo "$(bgp_drops hq "$RD_RUNDIR/hq/frr") $(cust_bgp_since tun1) $(cust_bgp_since tun2)"
	}
	sessions_same() {
		local d1 a1 b1 d2 a2 b2
		read -r d1 a1 b1 <<< "$1"
		read -r d2 a2 b2 <<< "$(sessions_fp)"
		[ "$d1" = "$d2" ] && since_same "$a1" "$a2" && since_same "$b1" "$b2"
	}

	t0=$(now_ms)
	cust_setup
	cust_wait_primary 600
	log "variant $VARIANT: converged $(( $(now_ms) - t0 )) ms after start"
	for i in $(seq 1 "$CUTS"); do
		cust_wait_primary 600
		sleep 5
		owp_start "$i"
		owp_grow 100
		fp0=$(sessions_fp)
		owp_grow 500
		valid=1
		if ! sessions_same "$fp0" || ! cust_primary >/dev/null; then
			valid=0
			log "cut $i: a session was reset (or tun1 lost the traffic) just before the cut: invalid"
		fi
		mark=$(now_ms)
		topo_cut_tunnel hq "$HQ_OUT1" "$CUST_PUB"
		wait_until 150 "both directions on tun2" cust_on_backup || fail "cut $i: no failover within 150 s"
		moved=$(( $(now_ms) - mark ))
		owp_grow 200 || fail "cut $i: traffic does not flow over tun2"
		stop=$(now_ms)
		owp_stop
		read -r bo_hc lost_hc <<< "$(owp_stats "$OWP_HC" "$mark" "$stop")"
		read -r bo_ch lost_ch <<< "$(owp_stats "$OWP_CH" "$mark" "$stop")"
		# the hand-back
		owp_start "$i-back"
		owp_grow 100
		topo_restore_tunnel hq "$HQ_OUT1" "$CUST_PUB"
		t_res=$(now_ms)
		wait_until 600 "both directions back on tun1" cust_primary || fail "cut $i: no hand-back within 600 s"
		back=$(( $(now_ms) - t_res ))
		owp_grow 200 || fail "cut $i: traffic does not flow after the hand-back"
		stop=$(now_ms)
		owp_stop
		read -r _ lost_b1 <<< "$(owp_stats "$OWP_HC" "$t_res" "$stop")"
		read -r _ lost_b2 <<< "$(owp_stats "$OWP_CH" "$t_res" "$stop")"
		echo "CF variant=$VARIANT run=$i valid=$valid hq_to_cust_ms=$bo_hc cust_to_hq_ms=$bo_ch" \
			"lost_hq_to_cust=$lost_hc lost_cust_to_hq=$lost_ch routes_moved_ms=$moved" \
			"handback_ms=$back handback_lost=$((lost_b1 + lost_b2))"
		log "cut $i: blackout hq->cust $bo_hc ms, cust->hq $bo_ch ms; hand-back after $back ms," \
			"lost $((lost_b1 + lost_b2))"
	done
	log "variant $VARIANT done in $(( $(now_ms) - t0 )) ms"
	exit 0
fi

# ---------------------------------------------------------------------------
# all variants, then the table
# ---------------------------------------------------------------------------
CUTS=${1:-5}
VARIANTS=${VARIANTS:-rd rd-bfd plain}
out=${RD_OUT:-/tmp}
tsv=$out/customer-failover.tsv
rc=0
printf 'variant\trun\tvalid\thq_to_cust_ms\tcust_to_hq_ms\tlost_hq_to_cust\tlost_cust_to_hq\thandback_ms\thandback_lost\n' > "$tsv"
for v in $VARIANTS; do
	echo "### variant $v ($CUTS cuts) $(date -u +%T)"
	"$0" --variant "$v" "$CUTS" > "$out/customer-failover-$v.log" 2>&1 || {
		echo "variant $v FAILED (log: $out/customer-failover-$v.log):"
		tail -n 15 "$out/customer-failover-$v.log"
		rc=1
	}
	lines=$(grep '^CF ' "$out/customer-failover-$v.log")
	[ -n "$lines" ] && echo "$lines"
	[ -n "$lines" ] && awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f["variant"], f["run"], f["valid"],
			f["hq_to_cust_ms"], f["cust_to_hq_ms"], f["lost_hq_to_cust"], f["lost_cust_to_hq"],
			f["handback_ms"], f["handback_lost"] }' <<< "$lines" >> "$tsv"
done

echo
echo "== failover blackout against a strongSwan + BIRD customer gateway, $CUTS cuts per variant," \
	"one-way streams every 10 ms ($(uname -r), $(nproc) CPUs)"
awk -F'\t' -v order="$VARIANTS" '
	function stats(v, col,   n, i, j, a, t, m) {
		n = 0
		for (i = 1; i <= N; i++) if (V[i] == v && OK[i]) a[++n] = col == 1 ? HC[i] : col == 2 ? CH[i] : HB[i]
		if (n == 0) return "-"
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		m = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		return sprintf("%s (%s-%s)", m, a[1], a[n])
	}
	NR > 1 { N++; V[N] = $1; OK[N] = $3; HC[N] = $4; CH[N] = $5; HB[N] = $9; tot[$1]++; val[$1] += $3 }
	END {
		desc["rd"] = "routerd defaults vs customer, no BFD"
		desc["rd-bfd"] = "routerd defaults vs customer, BIRD bfd on"
		desc["plain"] = "libreswan+FRR 10/30, DPD 10 s vs customer, no BFD"
		printf "%-52s %-6s %-26s %-26s %s\n", "variant", "valid", "hq->cust ms: median (range)",
			"cust->hq ms: median (range)", "hand-back lost: median (range)"
		k = split(order, o, " ")
		for (i = 1; i <= k; i++)
			printf "%-52s %-6s %-26s %-26s %s\n", o[i] " " desc[o[i]], (val[o[i]] + 0) "/" (tot[o[i]] + 0),
				stats(o[i], 1), stats(o[i], 2), stats(o[i], 3)
	}' "$tsv"
echo "(every run: $tsv; logs: $out/customer-failover-*.log)"
exit $rc
