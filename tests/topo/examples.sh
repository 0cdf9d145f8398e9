# tests/topo/examples.sh: topologies that match conf/examples/, so the
# scenarios (and the demo) run routerd on the shipped example files.
# Sourced after lib.sh and routerd.sh.
#
#   two-site.conf / two-site-branch.conf:
#   hq-lan 10.0.0.10 -- hq ==wan0== inet ==wan0== branch -- branch-lan 10.20.0.10
#   tun1: 192.0.2.1 <-> 198.51.100.1, ipsec10, 169.254.10.1/30 <-> .2
#   tun2: 192.0.2.5 <-> 198.51.100.1, ipsec11, 169.254.10.5/30 <-> .6

EX=$RD_TOP/conf/examples
HQ_HOST=10.0.0.10 BRANCH_HOST=10.20.0.10
HQ_OUT1=192.0.2.1 HQ_OUT2=192.0.2.5 BRANCH_OUT=198.51.100.1
T1_HQ_IN=169.254.10.1 T1_BR_IN=169.254.10.2
T2_HQ_IN=169.254.10.5 T2_BR_IN=169.254.10.6

# ex_two_site_topology: namespaces for two-site.conf (hq) and its branch.
ex_two_site_topology() {
	topo_internet
	topo_site hq 0
	topo_site branch 20
	topo_outside hq "$HQ_OUT1" "$HQ_OUT2"
	topo_outside branch "$BRANCH_OUT"
}

# ex_two_site HQCONF BRANCHCONF: the topology, then pluto + FRR + routerd
# on both gateways (in parallel).
ex_two_site() {
	ex_two_site_topology
	rd_site_dirs hq
	rd_site_dirs branch
	in_parallel start_pluto hq "$RD_RUNDIR/hq/pluto" -- start_pluto branch "$RD_RUNDIR/branch/pluto" \
		-- start_frr hq "$RD_RUNDIR/hq/frr" -- start_frr branch "$RD_RUNDIR/branch/frr"
	rd_start_routerd hq "$1"
	rd_start_routerd branch "$2"
}

# ex_wait_two_site_up: both tunnels UP at both ends (routerd's view), BGP
# Established per tunnel (bgpd's view), each LAN routed via tun1.
ex_wait_two_site_up() {
	local gw
	for gw in hq branch; do
		wait_until 90 "$gw: hq-branch/tun1 UP" rd_tunnel_is "$gw" hq-branch/tun1 UP
		wait_until 60 "$gw: hq-branch/tun2 UP" rd_tunnel_is "$gw" hq-branch/tun2 UP
	done
	wait_until 30 "hq: BGP over tun1" bgp_is hq "$T1_BR_IN" Established
	wait_until 30 "hq: BGP over tun2" bgp_is hq "$T2_BR_IN" Established
	wait_until 30 "branch: BGP over tun1" bgp_is branch "$T1_HQ_IN" Established
	wait_until 30 "branch: BGP over tun2" bgp_is branch "$T2_HQ_IN" Established
	# A session that bounced during bring-up (seen in the TCG guest) puts
	# tun1 in hold-down, as for any flap (policy.h): then tun1 carries the
	# traffic only when its hold-down ends. Said, and waited out.
	local fib_wait=30 held
	for gw in hq branch; do
		held=$(rctl "$gw" --json show | jq -r '.connections[] | select(.name == "hq-branch") | .reason' |
			sed -n 's/.*tun1: hold-down \([0-9]*\) s left.*/\1/p')
		if [ -n "$held" ]; then
			log "NOTE: $gw holds tun1 down for $held s more: it flapped during bring-up" \
				"(routerd: $(grep -c 'hq-branch/tun1 (ipsec10): UP -> ' "$RD_LOGDIR/$gw-routerd.log") UP -> down transition(s))"
			fib_wait=$((held + 30 > fib_wait ? held + 30 : fib_wait))
		fi
	done
	wait_until "$fib_wait" "hq routes the branch LAN via ipsec10" fib_dev_is hq "$BRANCH_HOST" ipsec10
	wait_until "$fib_wait" "branch routes the hq LAN via ipsec10" fib_dev_is branch "$HQ_HOST" ipsec10
}
