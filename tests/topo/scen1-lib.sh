# tests/topo/scen1-lib.sh: helpers shared by scenarios b (failover),
# shellcheck shell=bash disable=SC2154
# e (redundant connections) and g (drain). Sourced after lib.sh, routerd.sh.

# bgp_path_via GW PREFIX PEER_IP: GW's BGP table holds a path for PREFIX
# learned from PEER_IP.
bgp_path_via() {
	vty "$1" "show ip bgp $2 json" |
		jq -e --arg n "$3" '[.paths[]? | select(.peer.peerId == $n)] | length > 0' >/dev/null
}
bgp_no_path_via() { ! bgp_path_via "$@"; }

# ms_since T0_MS: milliseconds elapsed since T0_MS.
ms_since() { echo $(( $(now_ms) - $1 )); }

# probe_seq_lost [PROBE]: echo requests lost among those already answered
# around them: holes in the replied icmp_seq range 1..highest replied. A
# request still in flight when the probe stops is not counted (so "zero
# lost" is exact); the caller checks that replies kept coming after the
# last event.
probe_seq_lost() {
	awk '/bytes from/ {
		s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
		if (!(s in seen)) { seen[s] = 1; n++ }
		if (s + 0 > max) max = s + 0
	} END { print max - n }' "${1:-$RD_PROBE}.out"
}

# probe_replies_grow N [PROBE]: wait until N more replies than now arrived
# (traffic is flowing), at most 20 s.
probe_replies_grow() {
	local want
	want=$(( $(probe_replies "${2:-}") + $1 ))
	_replies_ge() { [ "$(probe_replies "$2")" -ge "$1" ]; }
	wait_until 20 "$1 more probe replies" _replies_ge "$want" "${2:-$RD_PROBE}"
}

# echo_requests NS: ICMP echo requests logical namespace NS has received
# (per-namespace /proc/net/snmp counter: tells which LAN host answered).
echo_requests() {
	nsx "$1" awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i; h = 1 }
		else print $c }' /proc/net/snmp
}

# rd_tunnel_field GW CONN/TUN FIELD: one field of the tunnel's JSON.
rd_tunnel_field() { rd_tunnel_json "$1" "$2" | jq -r ".$3"; }

# watch_all T0_MS TIMEOUT_SEC COND...: poll the COND functions (no arguments)
# together until all of them held once, or TIMEOUT_SEC after T0_MS. For
# each COND, WATCH_<COND> is set to the ms after T0_MS at which it was first
# seen true (each round polls every pending COND, so slow commands do not
# delay the others' measurement by more than one round). Returns 1 on
# timeout, after logging the conditions that never held.
watch_all() {
	local t0=$1 tmo=$2 deadline=$(( $1 + $2 * 1000 )) c v pending
	shift 2
	for c in "$@"; do
		printf -v "WATCH_$c" '%s' ''
	done
	while :; do
		pending=0
		for c in "$@"; do
			v="WATCH_$c"
			[ -n "${!v}" ] && continue
			if "$c" >/dev/null 2>&1; then
				printf -v "WATCH_$c" '%s' "$(ms_since "$t0")"
			else
				pending=1
			fi
		done
		[ "$pending" = 0 ] && return 0
		if [ "$(now_ms)" -ge "$deadline" ]; then
			for c in "$@"; do
				v="WATCH_$c"
				[ -n "${!v}" ] || log "TIMEOUT after ${tmo}s: $c never held" >&2
			done
			return 1
		fi
		sleep 0.1
	done
}

# sa_cleared GW CONN/TUN: routerd on GW reports the tunnel's IPsec SA gone.
# A cut shorter than the DPD timeout (30 s) does not kill the SAs: pluto's
# liveness retransmits back off (0.5 s .. 16 s), and one whose last try fell
# inside the cut clears the SA after the path came back. Scenarios that
# restore a path wait for this first, so "restore" starts from dead tunnels.
sa_cleared() { [ "$(rd_tunnel_field "$1" "$2" child_up)" = false ]; }
