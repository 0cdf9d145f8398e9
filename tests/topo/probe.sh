# tests/topo/probe.sh: a stream of pings whose replies are timestamped, to
# measure loss and the blackout (longest gap between consecutive replies).
# Sourced by lib.sh. One probe is "current" ($RD_PROBE); each function takes
# an optional probe key to address another one.

RD_PROBES=()

# probe_start SRC_NS DST_IP INTERVAL_MS: start pinging DST_IP from logical
# namespace SRC_NS every INTERVAL_MS; makes it the current probe.
probe_start() {
	local ns=$1 dst=$2 ms=$3 key
	key=$ns-$dst
	RD_PROBE=$RD_LOGDIR/probe-$key
	rm -f "$RD_PROBE".*
	now_ms > "$RD_PROBE.start"
	ip netns exec "$RD_RUN-$ns" ping -n -D -O -W 1 \
		-i "$(awk -v m="$ms" 'BEGIN {printf "%.3f", m / 1000}')" "$dst" \
		> "$RD_PROBE.out" 2>&1 </dev/null &
	echo $! > "$RD_PROBE.pid"
	RD_PROBES+=("$RD_PROBE")
	log "probe $key every ${ms} ms started"
}

# probe_stop [PROBE]: stop a probe (SIGINT, so ping prints its summary).
probe_stop() {
	local p=${1:-$RD_PROBE} pid
	[ -e "$p.pid" ] || return 0
	pid=$(cat "$p.pid")
	now_ms > "$p.stop"
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$p.pid"
}

# probe_stop_all: stop every probe still running (used by the cleanup trap).
probe_stop_all() {
	local p
	for p in "${RD_PROBES[@]}"; do
		probe_stop "$p"
	done
}

# probe_replies [PROBE]: number of replies received so far.
probe_replies() {
	grep -c 'bytes from' "${1:-$RD_PROBE}.out" || true
}

# probe_mark [PROBE]: note "now" (e.g. the moment of a cut); probe_report
# then measures the blackout only among gaps that end after the mark, so a
# stall of a loaded (TCG) host before the event is not mistaken for it.
probe_mark() {
	now_ms > "${1:-$RD_PROBE}.mark"
}

# probe_report [PROBE]: print sent, received, lost and the blackout, and set
# PROBE_SENT, PROBE_RECEIVED, PROBE_LOST, PROBE_BLACKOUT_MS,
# PROBE_BLACKOUT_AT_MS (ms after the mark, or after the probe start when there
# is none, where that gap began; negative: before the mark) and
# PROBE_MAX_GAP_MS (the longest gap anywhere, for sanity).
# Gaps count from the first reply on (ping's start-up is not a blackout),
# including the one from the last reply to probe_stop.
probe_report() {
	local p=${1:-$RD_PROBE} r ref
	ref=$(cat "$p.mark" 2>/dev/null || cat "$p.start")
	r=$(awk -v ref="$ref" -v mark="$(cat "$p.mark" 2>/dev/null || echo 0)" \
		-v stop="$(cat "$p.stop" 2>/dev/null || echo 0)" '
		function gapto(t) {
			if (prev == 0) return
			if (t - prev > maxgap) maxgap = t - prev
			if (t > mark && t - prev > gap) { gap = t - prev; at = prev - ref }
		}
		/bytes from/ {
			t = substr($1, 2, length($1) - 2) * 1000
			recv++
			gapto(t)
			prev = t
		}
		/icmp_seq=/ {
			s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
			if (s + 0 > sent) sent = s + 0
		}
		/packets transmitted/ { sent = $1 }
		END {
			if (stop > 0) gapto(stop)
			printf "%d %d %d %d %d %d\n", sent, recv, sent - recv, gap, at, maxgap
		}' "$p.out")
	read -r PROBE_SENT PROBE_RECEIVED PROBE_LOST PROBE_BLACKOUT_MS \
		PROBE_BLACKOUT_AT_MS PROBE_MAX_GAP_MS <<< "$r"
	echo "probe ${p##*/probe-}: sent $PROBE_SENT received $PROBE_RECEIVED" \
		"lost $PROBE_LOST blackout ${PROBE_BLACKOUT_MS} ms" \
		"(from ${PROBE_BLACKOUT_AT_MS} ms after the $([ -e "$p.mark" ] && echo mark || echo start))," \
		"longest gap anywhere ${PROBE_MAX_GAP_MS} ms"
}
