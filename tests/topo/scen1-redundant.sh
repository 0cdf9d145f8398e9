# tests/topo/scen1-redundant.sh: the topology of conf/examples/redundant.conf
# shellcheck shell=bash disable=SC2154
# (hq) with two customer gateways br1 and br2, each with its own LAN
# 10.20.0.0/16 (same addressing, host 10.20.0.10 on both). Sourced after
# lib.sh, routerd.sh and examples.sh.
#
#   hq-lan 10.0.0.10 -- hq ==wan0 192.0.2.1, .5== inet
#   inet == br1 198.51.100.1 -- br1-lan 10.20.0.10   (hq-branch-1, ipsec10/11)
#   inet == br2 203.0.113.1  -- br2-lan 10.20.0.10   (hq-branch-2, ipsec12/13)
# Inside /30s: br1 169.254.10.0/30, .4/30; br2 169.254.10.8/30, .12/30.

BR1_OUT=198.51.100.1 BR2_OUT=203.0.113.1

# red_branch_conf NAME OUTSIDE KEYTAG IN1 IN2: print the routerd config of
# customer gateway NAME (both tunnels to hq's two outside addresses; the
# branch initiates). IN1/IN2 are its inside addresses (with /30).
red_branch_conf() {
	cat <<-EOF
	gateway {
		asn 65001
		router-id $2
		outside $2
		prefixes { 10.20.0.0/16 }
	}

	peer "hq" { address $HQ_OUT1; asn 64512; prefixes { 10.0.0.0/16 } }

	connection "hq-$1" {
		peer "hq"
		routing dynamic
		mode active-standby
		preferred "tun1"
		defaults {
			ike-versions ikev2
			startup start
		}
		tunnel "tun1" { interface 10; remote-outside $HQ_OUT1; inside $4; psk "red.$3.tun1.key" }
		tunnel "tun2" { interface 11; remote-outside $HQ_OUT2; inside $5; psk "red.$3.tun2.key" }
	}
	EOF
}

# red_topology: namespaces and links.
red_topology() {
	topo_internet
	topo_site hq 0
	topo_site br1 20
	topo_site br2 20
	topo_outside hq "$HQ_OUT1" "$HQ_OUT2"
	topo_outside br1 "$BR1_OUT"
	topo_outside br2 "$BR2_OUT"
}

# red_br1_conf: br1's config (the default of red_start).
red_br1_conf() { red_branch_conf branch-1 "$BR1_OUT" b1 169.254.10.2/30 169.254.10.6/30; }

# red_start HQCONF [BR1CONF]: the topology, the branch configs (in
# $RD_RUNDIR; br1's is a copy of BR1CONF when given), then pluto + FRR +
# routerd on the three gateways.
red_start() {
	local gw
	red_topology
	if [ -n "${2:-}" ]; then
		cp "$2" "$RD_RUNDIR/br1.conf"
	else
		red_br1_conf > "$RD_RUNDIR/br1.conf"
	fi
	red_branch_conf branch-2 "$BR2_OUT" b2 169.254.10.10/30 169.254.10.14/30 > "$RD_RUNDIR/br2.conf"
	for gw in hq br1 br2; do
		rd_site_dirs "$gw"
	done
	in_parallel start_pluto hq "$RD_RUNDIR/hq/pluto" -- start_pluto br1 "$RD_RUNDIR/br1/pluto" \
		-- start_pluto br2 "$RD_RUNDIR/br2/pluto"
	in_parallel start_frr hq "$RD_RUNDIR/hq/frr" -- start_frr br1 "$RD_RUNDIR/br1/frr" \
		-- start_frr br2 "$RD_RUNDIR/br2/frr"
	rd_start_routerd hq "$1"
	rd_start_routerd br1 "$RD_RUNDIR/br1.conf"
	rd_start_routerd br2 "$RD_RUNDIR/br2.conf"
}

# red_wait_up: all four tunnels UP at hq and at their branch, BGP
# Established on each.
red_wait_up() {
	local c t n
	for c in 1 2; do
		for t in tun1 tun2; do
			wait_until 120 "hq: hq-branch-$c/$t UP" rd_tunnel_is hq "hq-branch-$c/$t" UP
			wait_until 60 "br$c: hq-branch-$c/$t UP" rd_tunnel_is "br$c" "hq-branch-$c/$t" UP
		done
	done
	for n in 169.254.10.2 169.254.10.6 169.254.10.10 169.254.10.14; do
		wait_until 30 "hq: BGP with $n" bgp_is hq "$n" Established
	done
}
