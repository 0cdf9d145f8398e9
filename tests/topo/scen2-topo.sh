# tests/topo/scen2-topo.sh: helpers for scenarios c (4-byte ASN), d (static
# routing) and f (hub and spoke). Sourced after lib.sh and routerd.sh.

EX=${EX:-$RD_TOP/conf/examples}

# s2_start GW=CONF...: pluto + FRR on every GW (all in parallel), then
# routerd on each with its CONF (rd_site_dirs first).
s2_start() {
	local spec gw args=()
	for spec in "$@"; do
		gw=${spec%%=*}
		rd_site_dirs "$gw"
		args+=(start_pluto "$gw" "$RD_RUNDIR/$gw/pluto" --
			start_frr "$gw" "$RD_RUNDIR/$gw/frr" --)
	done
	unset 'args[${#args[@]}-1]'
	in_parallel "${args[@]}"
	for spec in "$@"; do
		rd_start_routerd "${spec%%=*}" "${spec#*=}"
	done
}

# s2_wait_conn_up TIMEOUT GW CONN: both tunnels of CONN UP in GW's routerd.
s2_wait_conn_up() {
	wait_until "$1" "$2: $3/tun1 UP" rd_tunnel_is "$2" "$3/tun1" UP &&
		wait_until "$1" "$2: $3/tun2 UP" rd_tunnel_is "$2" "$3/tun2" UP
}

# s2_bgp_paths GW PREFIX: "peerId path" lines of PREFIX in GW's
# `show ip bgp json` (path is FRR's AS path string), sorted.
s2_bgp_paths() {
	vty "$1" "show ip bgp json" |
		jq -r --arg p "$2" '(.routes[$p] // [])[] | "\(.peerId) \(.path)"' | sort
}

# s2_zebra_routes GW PREFIX: "protocol distance selected installed ifname"
# lines of PREFIX in zebra's `show ip route json`, one per route and nexthop.
s2_zebra_routes() {
	vty "$1" "show ip route json" |
		jq -r --arg p "$2" '(.[$p] // [])[] | . as $r | $r.nexthops[] |
			"\($r.protocol) \($r.distance) \($r.selected // false) \($r.installed // false) \(.interfaceName // "-")"'
}

# s2_zebra_best_is GW PREFIX PROTO IFNAME: zebra's selected and installed
# route for PREFIX is of protocol PROTO through IFNAME.
s2_zebra_best_is() {
	s2_zebra_routes "$1" "$2" | grep -q "^$3 [0-9]* true true $4\$"
}

# s2_zebra_has GW PREFIX PROTO DIST IFNAME: zebra knows a PROTO route for
# PREFIX at distance DIST through IFNAME (selected or not).
s2_zebra_has() {
	s2_zebra_routes "$1" "$2" | grep -q "^$3 $4 [a-z]* [a-z]* $5\$"
}

# s2_zebra_none GW PREFIX: zebra has no route for PREFIX at all.
s2_zebra_none() { [ -z "$(s2_zebra_routes "$1" "$2")" ]; }

# s2_kernel_route GW PREFIX: the kernel's route for exactly PREFIX (one line, or empty).
s2_kernel_route() { nsx "$1" ip -4 -o route show exact "$2"; }
s2_kernel_route_dev_is() { s2_kernel_route "$1" "$2" | grep -q " dev $3 "; }
s2_kernel_route_none() { [ -z "$(s2_kernel_route "$1" "$2")" ]; }

# s2_ping NS DST: a few pings from NS to DST; true if most came back.
s2_ping() {
	nsx "$1" ping -q -c 5 -i 0.2 -W 1 "$2" | awk -F', ' '/received/ {split($2, a, " "); exit !(a[1] >= 3)}'
}

# s2_bgp_lacks GW PREFIX: PREFIX is not in GW's BGP table.
s2_bgp_lacks() { ! bgp_has_route "$1" "$2"; }
