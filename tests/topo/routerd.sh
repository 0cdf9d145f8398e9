# tests/topo/routerd.sh: run routerd (with its own pluto and FRR) on a
# gateway namespace. Sourced after lib.sh by the scenario scripts; the
# counterpart of manual-config.sh, with routerd configuring both daemons.
#
# Per gateway GW, everything lives under $RD_RUNDIR/GW/:
#   pluto/   ipsec.conf (includes routerd's rendered conns), ipsec.secrets
#   frr/     zebra, staticd, bfdd, bgpd sockets and configs
#   routerd/ routerd's run dir (hook socket, rendered files), routerd.sock
# routerd's log goes to $RD_LOGDIR/GW-routerd.log.

RD_TOP=${RD_TOP:-$(cd "$topo_here/../.." && pwd)}
RD_BUILD=${RD_BUILD:-$RD_TOP/build}
ROUTERD=$RD_BUILD/routerd/routerd
ROUTERCTL=$RD_BUILD/routerd/routerctl
RD_UPDOWN=$RD_BUILD/plugins/routerd-updown
RD_USER=${RD_USER:-routerd}

# rd_site_dirs GW: create (and print nothing) GW's pluto/frr/routerd dirs.
rd_site_dirs() {
	local d=$RD_RUNDIR/$1
	mkdir -p "$d/pluto" "$d/frr" "$d/routerd"
	chmod 755 "$RD_RUNDIR" "$d"
	# routerd (unprivileged) writes its rendered files here
	chown "$RD_USER" "$d/routerd" 2>/dev/null || true
	: > "$d/routerd/ipsec.conf"
	: > "$d/routerd/ipsec.secrets"
	chown "$RD_USER" "$d/routerd/ipsec.conf" "$d/routerd/ipsec.secrets" 2>/dev/null || true
	cat > "$d/pluto/ipsec.conf" <<-EOF
	config setup
	 	uniqueids=no
	 	ikev1-policy=accept
	 	logfile=$RD_LOGDIR/$1-pluto-file.log
	 	logtime=yes

	include $d/routerd/ipsec.conf
	EOF
	printf 'include %s/routerd/ipsec.secrets\n' "$d" > "$d/pluto/ipsec.secrets"
	chmod 600 "$d/pluto/ipsec.secrets"
}

# rd_routerd_args GW CONF: routerd's command line for GW (no -d/-u).
rd_routerd_args() {
	local d=$RD_RUNDIR/$1
	echo -f "$2" -s "$d/routerd/routerd.sock" --run-dir "$d/routerd" \
		--ipsec-conf "$d/pluto/ipsec.conf" --ipsec-include "$d/routerd/ipsec.conf" \
		--ipsec-secrets "$d/routerd/ipsec.secrets" \
		--pluto-ctl "$d/pluto/run/pluto.ctl" --frr-vty-dir "$d/frr" --updown "$RD_UPDOWN"
}

# rd_start_routerd GW CONF: start routerd on GW (unprivileged, -d; -v, debug
# logging, when RD_VERBOSE is set), wait for its control socket.
rd_start_routerd() {
	local gw=$1 conf=$2 d=$RD_RUNDIR/$1
	# shellcheck disable=SC2046
	rd_spawn "$RD_LOGDIR/$gw-routerd.log" "$gw" "$ROUTERD" -d ${RD_VERBOSE:+-v} \
		-u "$RD_USER" $(rd_routerd_args "$gw" "$conf")
	echo $! > "$d/routerd.pid"
	wait_until 20 "routerd control socket on $gw" test -S "$d/routerd/routerd.sock"
	log "routerd up on $gw ($(basename "$conf"))"
}

# rd_site GW CONF: pluto + FRR + routerd on gateway GW with CONF.
rd_site() {
	local gw=$1 conf=$2 d=$RD_RUNDIR/$1
	rd_site_dirs "$gw"
	start_pluto "$gw" "$d/pluto"
	start_frr "$gw" "$d/frr"
	rd_start_routerd "$gw" "$conf"
}

# rctl GW ARGS...: routerctl against GW's routerd.
rctl() {
	local gw=$1
	shift
	nsx "$gw" "$ROUTERCTL" -s "$RD_RUNDIR/$gw/routerd/routerd.sock" "$@"
}

# rd_tunnel_json GW CONN/TUN: the tunnel's object from routerctl --json show.
rd_tunnel_json() {
	local conn=${2%/*} tun=${2#*/}
	rctl "$1" --json show | jq -c --arg c "$conn" --arg t "$tun" \
		'.connections[] | select(.name == $c) | .tunnels[] | select(.name == $t)'
}

# rd_tunnel_state GW CONN/TUN: "UP" or "DOWN" as routerd reports it.
rd_tunnel_state() { rd_tunnel_json "$1" "$2" | jq -r .state; }
rd_tunnel_is() { [ "$(rd_tunnel_state "$1" "$2")" = "$3" ]; }

# rd_conn_status GW CONN: UP / DEGRADED / DOWN.
rd_conn_status() {
	rctl "$1" --json show | jq -r --arg c "$2" '.connections[] | select(.name == $c) | .status'
}
rd_conn_is() { [ "$(rd_conn_status "$1" "$2")" = "$3" ]; }

# vty GW CMD...: vtysh on GW's FRR.
vty() {
	local gw=$1
	shift
	vtysh_ns "$gw" "$RD_RUNDIR/$gw/frr" "$@"
}

# bgp_is GW PEER_IP STATE: the BGP session with PEER_IP is in STATE.
bgp_is() { [ "$(bgp_state "$1" "$RD_RUNDIR/$1/frr" "$2")" = "$3" ]; }

# bgp_has_route GW PREFIX: PREFIX is in GW's BGP table (vtysh show ip bgp).
bgp_has_route() {
	vty "$1" "show ip bgp json" | jq -e --arg p "$2" '.routes[$p] != null' >/dev/null
}

# fib_dev GW DST: the interface GW's kernel uses for DST.
fib_dev() { route_dev "$1" "$2"; }
fib_dev_is() { [ "$(fib_dev "$1" "$2")" = "$3" ]; }

# rd_kill_routerd GW SIGNAL: signal GW's routerd.
rd_kill_routerd() {
	kill "-$2" "$(cat "$RD_RUNDIR/$1/routerd.pid")"
}

# pluto_ondemand GW: the Child SAs GW's pluto started for a kernel ACQUIRE
# ("initiate on-demand"), one line each. routerd unroutes a lost Child SA,
# so there should be none: pluto 4.10 maps an ACQUIRE to a conn by selector
# alone, i.e. to whichever tunnel, and the extra Child SA it then makes
# replaces the one carrying traffic (packets lost).
pluto_ondemand() { grep -a "initiate on-demand" "$RD_LOGDIR/$1-pluto.log" || true; }
# assert_no_ondemand GW...: none of them acted on a kernel ACQUIRE.
assert_no_ondemand() {
	local gw lines
	for gw in "$@"; do
		lines=$(pluto_ondemand "$gw")
		[ -z "$lines" ] || fail "$gw: pluto started a Child SA for a kernel ACQUIRE: $lines"
	done
}

# bgp_stale_best GW PREFIX: says so (one line) when GW's bgpd keeps a best
# path for PREFIX whose LOCAL_PREF is below that of another valid path: a
# best-path run bgpd skipped (FRR 8.4, see README "Known gaps"). Else nothing.
bgp_stale_best() {
	vty "$1" "show ip bgp json" | jq -r --arg p "$2" '
		(.routes[$p] // []) as $r | ($r | map(select(.bestpath == true))[0]) as $b |
		($r | map(select(.valid == true and (.locPrf // 100) > ($b.locPrf // 100)))[0]) as $h |
		if $b != null and $h != null then
			"best path via \($b.peerId) at LOCAL_PREF \($b.locPrf // 100), valid path via \($h.peerId) at \($h.locPrf // 100)"
		else empty end'
}
