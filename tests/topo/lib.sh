# tests/topo/lib.sh: network-namespace topologies for routerd tests.
# Source it from a bash script that runs as root with `set -euo pipefail`,
# natively or inside tests/vm/run-in-vm. Nothing here configures IPsec or BGP
# policy: that is the caller's job (see manual-config.sh, or routerd).
#
# Names: every namespace is "$RD_RUN-<logical name>", so parallel runs never
# collide; scripts use logical names ("hub", "hub-lan", "inet") everywhere.
# Files: $RD_RUNDIR (private, local fs: sockets, NSS db, pid files, configs)
# and $RD_LOGDIR (daemon logs, probe data; on the results share in the VM).
# On exit the trap kills every process in our namespaces, deletes them,
# copies configs into $RD_LOGDIR and keeps $RD_LOGDIR if the script failed
# (or RD_KEEP_LOGS=1).

RD_RUN=${RD_RUN:-rd$$x$RANDOM}
RD_RUNDIR=${RD_RUNDIR:-/tmp/$RD_RUN}
RD_LOGDIR=${RD_LOGDIR:-${RD_OUT:-/tmp}/$RD_RUN-logs}
RD_NAMESPACES=()
RD_T0_NS=$(date +%s%N)
mkdir -p "$RD_RUNDIR" "$RD_LOGDIR"

topo_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/topo/probe.sh
. "$topo_here/probe.sh"
# shellcheck source=tests/topo/daemons.sh
. "$topo_here/daemons.sh"

# log MSG...: timestamped progress line (seconds since the library loaded).
log() {
	local now
	now=$(date +%s%N)
	printf '[%7.3f] %s\n' "$(( (now - RD_T0_NS) / 1000000 ))e-3" "$*"
}

# fail MSG...: log and exit 1 (the trap keeps the logs).
fail() {
	log "FAIL: $*" >&2
	exit 1
}

# now_ms: wall clock in milliseconds.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# topo_ns NAME: the real namespace name of logical NAME.
topo_ns() { echo "$RD_RUN-$1"; }

# nsx NAME CMD...: run CMD inside logical namespace NAME.
nsx() {
	local ns=$1
	shift
	ip netns exec "$RD_RUN-$ns" "$@"
}

# topo_dir NAME WHAT: a fresh private directory for WHAT (pluto, frr...) of
# namespace NAME; prints its path.
topo_dir() {
	local d=$RD_RUNDIR/$1/$2
	mkdir -p "$d"
	echo "$d"
}

# topo_add_ns NAME: create namespace NAME (loopback up, forwarding on,
# rp_filter off) and register it for cleanup.
topo_add_ns() {
	local ns=$RD_RUN-$1
	ip netns add "$ns"
	RD_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	nsx "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
}

# topo_veth NS1 IF1 NS2 IF2: a veth pair between two logical namespaces, up.
topo_veth() {
	ip -n "$RD_RUN-$1" link add "$2" type veth peer name "$4" netns "$RD_RUN-$3"
	ip -n "$RD_RUN-$1" link set "$2" up
	ip -n "$RD_RUN-$3" link set "$4" up
}

# topo_site NAME INDEX: gateway namespace NAME and host namespace NAME-lan,
# joined by veth "lan0" on LAN 10.INDEX.0.0/16 (gateway .1, host .10, the
# host's default route via the gateway).
topo_site() {
	local name=$1 idx=$2
	topo_add_ns "$name"
	topo_add_ns "$name-lan"
	topo_veth "$name" lan0 "$name-lan" lan0
	ip -n "$RD_RUN-$name" addr add "10.$idx.0.1/16" dev lan0
	ip -n "$RD_RUN-$name-lan" addr add "10.$idx.0.10/16" dev lan0
	ip -n "$RD_RUN-$name-lan" route add default via "10.$idx.0.1"
}

# topo_lan_host NAME: address of site NAME's LAN host (as set by topo_site).
topo_lan_host() {
	nsx "$1-lan" ip -4 -o addr show dev lan0 | awk '{sub("/.*", "", $4); print $4}'
}

# topo_internet: the "inet" router namespace, with an nftables table that
# silently drops IKE (UDP 500/4500) and ESP between the address pairs in
# set @cut (see topo_cut_tunnel).
topo_internet() {
	topo_add_ns inet
	nsx inet nft -f - <<-'EOF'
	table inet rdcut {
		set cut {
			type ipv4_addr . ipv4_addr
		}
		chain cutfwd {
			type filter hook forward priority 0; policy accept;
			ip saddr . ip daddr @cut udp dport { 500, 4500 } counter drop
			ip saddr . ip daddr @cut udp sport { 500, 4500 } counter drop
			ip saddr . ip daddr @cut meta l4proto esp counter drop
		}
	}
	EOF
}

# topo_outside GW ADDR...: connect gateway GW to inet over veth "wan0"
# (inet side: "o-GW"); the ADDRs (one per tunnel) share one /24 whose .254
# is inet's address and GW's default route.
topo_outside() {
	local gw=$1 a net
	shift
	net=${1%.*}
	topo_veth "$gw" wan0 inet "o-$gw"
	ip -n "$RD_RUN-inet" addr add "$net.254/24" dev "o-$gw"
	for a in "$@"; do
		ip -n "$RD_RUN-$gw" addr add "$a/24" dev wan0
	done
	ip -n "$RD_RUN-$gw" route add default via "$net.254"
}

# topo_cut_tunnel GW LOCAL REMOTE: drop IKE and ESP between the two outside
# addresses, both directions (GW is informational: the cut is in inet).
topo_cut_tunnel() {
	nsx inet nft add element inet rdcut cut "{ $2 . $3, $3 . $2 }"
	log "cut outer path $2 <-> $3 ($1)"
}

# topo_restore_tunnel GW LOCAL REMOTE: undo topo_cut_tunnel.
topo_restore_tunnel() {
	nsx inet nft delete element inet rdcut cut "{ $2 . $3, $3 . $2 }"
	log "restored outer path $2 <-> $3 ($1)"
}

# topo_link_down NS IF: set IF down, remembering its static routes (the
# kernel deletes them) for topo_link_up.
topo_link_down() {
	ip -n "$RD_RUN-$1" -4 route show dev "$2" | grep -v 'proto kernel' \
		> "$RD_RUNDIR/routes-$1-$2" || true
	ip -n "$RD_RUN-$1" link set "$2" down
	log "link $1/$2 down"
}

# topo_link_up NS IF: set IF up and put back the routes topo_link_down saw.
topo_link_up() {
	local r
	ip -n "$RD_RUN-$1" link set "$2" up
	while read -r r; do
		# shellcheck disable=SC2086
		ip -n "$RD_RUN-$1" route replace $r dev "$2"
	done < "$RD_RUNDIR/routes-$1-$2"
	log "link $1/$2 up"
}

# topo_has_netem: true if this kernel can do netem (qdisc test on lo of a
# throwaway namespace).
topo_has_netem() {
	local ns=$RD_RUN-netemprobe ok=0
	ip netns add "$ns" || return 1
	ip netns exec "$ns" tc qdisc add dev lo root netem delay 1ms 2>/dev/null && ok=1
	ip netns del "$ns"
	[ "$ok" = 1 ]
}

# topo_netem NS IF ARGS...: replace IF's root qdisc with netem ARGS
# (e.g. "delay 40ms 5ms loss 1%").
topo_netem() {
	local ns=$1 ifc=$2
	shift 2
	ip netns exec "$RD_RUN-$ns" tc qdisc replace dev "$ifc" root netem "$@"
}

# topo_netem_clear NS IF: remove IF's netem qdisc.
topo_netem_clear() {
	ip netns exec "$RD_RUN-$1" tc qdisc del dev "$2" root 2>/dev/null || true
}

# in_parallel CMD1 -- CMD2 [-- CMD3...]: run the commands (functions
# included) concurrently; fails if any of them failed.
in_parallel() {
	local pids=() c=() rc=0 p
	while [ $# -gt 0 ]; do
		if [ "$1" = -- ]; then
			"${c[@]}" & pids+=($!); c=()
		else
			c+=("$1")
		fi
		shift
	done
	[ ${#c[@]} -gt 0 ] && { "${c[@]}" & pids+=($!); }
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	return "$rc"
}

# wait_until TIMEOUT_SEC DESCRIPTION CMD...: run CMD every 100 ms until it
# succeeds; on timeout print DESCRIPTION and CMD's last output, return 1.
wait_until() {
	local timeout=$1 desc=$2 deadline out
	shift 2
	deadline=$(( $(now_ms) + timeout * 1000 ))
	while :; do
		if out=$("$@" 2>&1); then
			return 0
		fi
		if [ "$(now_ms)" -ge "$deadline" ]; then
			log "TIMEOUT after ${timeout}s waiting for: $desc" >&2
			printf '  last output of %s:\n%s\n' "$*" "$out" | sed 's/^/  | /' >&2
			return 1
		fi
		sleep 0.1
	done
}

# xfrm_packets NS: total packets counted by all xfrm states of NS.
xfrm_packets() {
	nsx "$1" ip -s xfrm state |
		awk '/lifetime current:/ {getline; sub(/\(packets\).*/, ""); sub(/.*, /, ""); n += $0}
		     END {print n + 0}'
}

# topo_kill_ns_procs NS: TERM then KILL every process in real namespace NS.
topo_kill_ns_procs() {
	local pids _
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(ip netns pids "$1" 2>/dev/null || true)
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086
		kill -TERM $pids 2>/dev/null || true
		sleep 0.2
	done
	# shellcheck disable=SC2046
	kill -KILL $(ip netns pids "$1" 2>/dev/null) 2>/dev/null || true
}

# topo_dump_state: on failure, a snapshot of every gateway's routing state
# (BGP paths with their attributes, NHT, FIB, links, SAs, routerd's view)
# into $RD_LOGDIR/state-GW.txt, taken before anything is stopped.
topo_dump_state() {
	local d gw c
	for d in "$RD_RUNDIR"/*/frr; do
		[ -S "$d/bgpd.vty" ] || continue
		gw=$(basename "$(dirname "$d")")
		{
			for c in "show bgp summary" "show ip bgp json" "show ip nht" \
				"show ip route" "show bfd peers brief" "show running-config"; do
				echo "### vtysh: $c"
				timeout 10 ip netns exec "$RD_RUN-$gw" vtysh --vty_socket "$d" -c "$c" 2>&1
			done
			for c in $(timeout 10 ip netns exec "$RD_RUN-$gw" vtysh --vty_socket "$d" \
					-c "show bgp summary json" 2>/dev/null |
					jq -r '.ipv4Unicast.peers // {} | keys[]' 2>/dev/null); do
				echo "### vtysh: advertised to / received from $c (after policy / before)"
				timeout 10 ip netns exec "$RD_RUN-$gw" vtysh --vty_socket "$d" \
					-c "show ip bgp neighbors $c advertised-routes" \
					-c "show ip bgp neighbors $c received-routes" 2>&1
			done
			for c in "ip -d link" "ip addr" "ip route" "ip xfrm state" "ip xfrm policy"; do
				echo "### $c"
				# shellcheck disable=SC2086
				timeout 10 ip netns exec "$RD_RUN-$gw" $c 2>&1
			done
			if [ -S "$RD_RUNDIR/$gw/routerd/routerd.sock" ] && [ -n "${ROUTERCTL:-}" ]; then
				echo "### routerctl --json show"
				timeout 10 ip netns exec "$RD_RUN-$gw" "$ROUTERCTL" \
					-s "$RD_RUNDIR/$gw/routerd/routerd.sock" --json show 2>&1
			fi
		} > "$RD_LOGDIR/state-$gw.txt" 2>&1
	done
}

# topo_cleanup: the EXIT trap. Kills what we started, deletes namespaces,
# saves configs to the log dir, and removes the log dir only on success.
topo_cleanup() {
	local rc=$? ns pids
	trap - EXIT INT TERM
	set +e
	[ "$rc" = 0 ] || topo_dump_state
	probe_stop_all
	pids=$(cat "$RD_RUNDIR/pids" 2>/dev/null)
	# shellcheck disable=SC2086
	[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
	for ns in "${RD_NAMESPACES[@]}"; do
		topo_kill_ns_procs "$ns"
	done
	# shellcheck disable=SC2086
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	for ns in "${RD_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	(cd "$RD_RUNDIR" 2>/dev/null &&
		find . -type f \( -name '*.conf' -o -name '*.secrets' -o -name '*.log' \) \
			-exec cp --parents {} "$RD_LOGDIR/" \;)
	rm -rf "$RD_RUNDIR"
	if [ "$rc" = 0 ] && [ "${RD_KEEP_LOGS:-0}" = 0 ]; then
		rm -rf "$RD_LOGDIR"
	else
		echo "logs kept in $RD_LOGDIR:" >&2
		find "$RD_LOGDIR" -type f | sort | sed 's/^/  /' >&2
	fi
	exit "$rc"
}

trap topo_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
