# tests/topo/daemons.sh: start and talk to pluto and FRR in a namespace.
# Sourced by lib.sh (uses nsx, wait_until, log, RD_LOGDIR, RD_RUNDIR).
#
# pluto DIR layout (the caller writes the first two):
#   DIR/ipsec.conf, DIR/ipsec.secrets, DIR/run/pluto.ctl, DIR/nss, DIR/ipsec.d
# FRR DIR layout (the caller writes any of the *.conf it needs):
#   DIR/{zebra,staticd,bfdd,bgpd}.conf, DIR/*.vty, DIR/zserv.api, DIR/*.pid

PLUTO=${PLUTO:-/usr/libexec/ipsec/pluto}
FRR_LIBDIR=${FRR_LIBDIR:-/usr/lib/frr}
FRR_DAEMONS=${FRR_DAEMONS:-zebra staticd bfdd bgpd}

# rd_spawn LOGFILE NS CMD...: start CMD in logical namespace NS in the
# background, output to LOGFILE, and remember its pid for cleanup (in a file,
# so that daemons started from background subshells are covered too).
rd_spawn() {
	local logf=$1 ns=$2
	shift 2
	ip netns exec "$RD_RUN-$ns" "$@" >>"$logf" 2>&1 </dev/null &
	echo $! >> "$RD_RUNDIR/pids"
}

# start_pluto NS DIR: initialise an NSS db and start pluto (foreground mode,
# our child) with DIR's config; waits for its control socket.
start_pluto() {
	local ns=$1 dir=$2
	mkdir -p "$dir/run" "$dir/nss" "$dir/ipsec.d"
	ipsec initnss --nssdir "$dir/nss" >/dev/null
	rd_spawn "$RD_LOGDIR/$ns-pluto.log" "$ns" "$PLUTO" --config "$dir/ipsec.conf" \
		--nofork --stderrlog --rundir "$dir/run" --nssdir "$dir/nss" \
		--secretsfile "$dir/ipsec.secrets" --ipsecdir "$dir/ipsec.d" \
		--dumpdir "$dir/run"
	wait_until 30 "pluto control socket in $ns" test -S "$dir/run/pluto.ctl"
	log "pluto up in $ns"
}

# whack_ns NS DIR ARGS...: ipsec whack on NS's pluto. Exit status says
# nothing about tunnel state (see notes): parse, or use ipsec_sa_up.
whack_ns() {
	local ns=$1 dir=$2
	shift 2
	nsx "$ns" ipsec whack --ctlsocket "$dir/run/pluto.ctl" "$@"
}

# ipsec_auto_ns NS DIR ARGS...: ipsec auto (--add/--up/--down CONN) on NS.
ipsec_auto_ns() {
	local ns=$1 dir=$2
	shift 2
	nsx "$ns" ipsec auto --ctlsocket "$dir/run/pluto.ctl" \
		--config "$dir/ipsec.conf" "$@"
}

# ipsec_sa_up NS REQID: true if NS's kernel holds an outbound and an inbound
# ESP state with REQID (the only reliable "tunnel is up" signal).
ipsec_sa_up() {
	local n
	n=$(nsx "$1" ip xfrm state | grep -c "proto esp spi .* reqid $2 " || true)
	[ "$n" -ge 2 ]
}

# start_frr NS DIR: start FRR's $FRR_DAEMONS (zebra first) in NS with
# per-namespace sockets in DIR, as user frr (root is refused: not in group
# frrvty); waits for every vty socket.
start_frr() {
	local ns=$1 dir=$2 d logf extra
	chown -R frr:frr "$dir"
	for d in $FRR_DAEMONS; do
		[ -e "$dir/$d.conf" ] || install -o frr -g frr /dev/null "$dir/$d.conf"
		# In scenarios bgpd logs neighbor events and updates: a failed
		# scenario's log tells which routes arrived when. Not in benchmarks
		# (10,000 prefixes). RD_BGP_DEBUG sets the "debug bgp" topics.
		case $0 in */scenarios/*) : "${RD_BGP_DEBUG=neighbor-events updates}" ;; esac
		if [ "$d" = bgpd ] && [ -n "${RD_BGP_DEBUG:-}" ]; then
			for x in $RD_BGP_DEBUG; do
				echo "debug bgp $x"
			done >>"$dir/bgpd.conf"
		fi
		logf=$RD_LOGDIR/$ns-$d.log
		install -o frr -g frr -m 644 /dev/null "$logf"
		extra=()
		[ "$d" = bfdd ] && extra=(--bfdctl "$dir/bfdd.sock")
		rd_spawn "$logf" "$ns" "$FRR_LIBDIR/$d" \
			-u frr -g frr --vty_socket "$dir" -z "$dir/zserv.api" \
			-i "$dir/$d.pid" -f "$dir/$d.conf" -P 0 \
			--log "file:$logf" "${extra[@]}"
		# the others connect to zebra, which must be listening first
		if [ "$d" = zebra ]; then
			wait_until 30 "zebra zserv socket in $ns" test -S "$dir/zserv.api"
		fi
	done
	for d in $FRR_DAEMONS; do
		wait_until 30 "$d vty socket in $ns" test -S "$dir/$d.vty"
	done
	log "FRR ($FRR_DAEMONS) up in $ns"
}

# vtysh_ns NS DIR CMD...: each CMD is one vtysh -c command, run against NS's
# FRR daemons (e.g. vtysh_ns hub "$d" "show bgp summary json").
vtysh_ns() {
	local ns=$1 dir=$2 c args=()
	shift 2
	for c in "$@"; do
		args+=(-c "$c")
	done
	nsx "$ns" vtysh --vty_socket "$dir" "${args[@]}"
}

# bgp_state NS DIR PEER: BGP FSM state of PEER ("Established", ...) or
# "none" if bgpd does not know the peer.
bgp_state() {
	vtysh_ns "$1" "$2" "show bgp summary json" |
		jq -r --arg p "$3" '.ipv4Unicast.peers[$p].state // "none"'
}

# bgp_pfx_rcd NS DIR PEER: prefixes accepted from PEER (0 if unknown).
bgp_pfx_rcd() {
	vtysh_ns "$1" "$2" "show bgp summary json" |
		jq -r --arg p "$3" '.ipv4Unicast.peers[$p].pfxRcd // 0'
}

# bgp_drops NS DIR: sessions dropped so far, summed over all neighbors (a
# flap counter: on an overloaded TCG host BFD flaps and timings are void).
bgp_drops() {
	vtysh_ns "$1" "$2" "show bgp neighbors json" |
		jq '[.[] | .connectionsDropped // 0] | add // 0'
}

# bgp_established NS DIR PEER: true if the session with PEER is Established.
bgp_established() { [ "$(bgp_state "$@")" = Established ]; }

# route_dev NS DST: the device NS's kernel routes DST through, or
# "unreachable" (routerd's fail-closed reject route while no tunnel has it).
route_dev() {
	local out
	out=$(nsx "$1" ip -4 -o route get "$2" 2>&1) || { echo unreachable; return 0; }
	sed -n 's/.* dev \([^ ]*\).*/\1/p' <<< "$out"
}

# route_dev_is NS DST DEV: true if NS routes DST via DEV.
route_dev_is() { [ "$(route_dev "$1" "$2")" = "$3" ]; }
