#!/usr/bin/env bash
# Scenario f: VPN CloudHub. The hub runs conf/examples/hub.conf; three spokes
# (unique ASNs 65001..65003) run routerd with their own configs, written
# here. The hub re-advertises every spoke's prefix to the others, spoke to
# spoke traffic flows through the hub's tunnels, and a failed spoke's prefix
# leaves the other spokes' BGP tables.
#
#   hub 192.0.2.1/.5, LAN 10.0.0.0/16, ipsec10..15 (a: 10,11  b: 12,13  c: 14,15)
#   spoke a 198.51.100.1 AS65001 10.20.0.0/16  inside .2/.6
#   spoke b 203.0.113.1  AS65002 10.30.0.0/16  inside .10/.14
#   spoke c 198.18.0.1   AS65003 10.40.0.0/16  inside .18/.22 (NAT-T, active-active)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/scen2-topo.sh"

HUB1=192.0.2.1 HUB2=192.0.2.5
# name: outside asn lan-index inside1 inside2 extra-peer-opts mode
SPOKES=(
	"a 198.51.100.1 65001 20 169.254.10.2 169.254.10.6 - active-standby"
	"b 203.0.113.1 65002 30 169.254.10.10 169.254.10.14 - active-standby"
	"c 198.18.0.1 65003 40 169.254.10.18 169.254.10.22 nat-traversal-yes active-active"
)
ALL_LANS="10.0.0.0/16 10.20.0.0/16 10.30.0.0/16 10.40.0.0/16"

# spoke_conf NAME OUT ASN IDX IN1 IN2 NAT MODE: the spoke's routerd.conf;
# it accepts every other site's LAN from the hub and initiates both tunnels.
spoke_conf() {
	local name=$1 out=$2 asn=$3 idx=$4 in1=$5 in2=$6 nat=$7 mode=$8 p others=
	for p in $ALL_LANS; do
		[ "$p" = "10.$idx.0.0/16" ] || others="$others $p"
	done
	cat <<-EOF
	gateway {
		asn $asn
		router-id $out
		outside $out
		prefixes { 10.$idx.0.0/16 }
	}
	peer "hub" {
		address $HUB1
		asn 64512
		$( [ "$nat" = - ] || echo "nat-traversal yes" )
		prefixes {$others }
	}
	connection "$name-hub" {
		peer "hub"
		mode $mode
		defaults { ike-versions ikev2; startup start; bfd { interval 300 multiplier 3 } }
		tunnel "tun1" { remote-outside $HUB1; inside $in1/30; psk "hub.$name.tun1.key" }
		tunnel "tun2" { remote-outside $HUB2; inside $in2/30; psk "hub.$name.tun2.key" }
	}
	EOF
}

topo_internet
topo_site hub 0
topo_outside hub "$HUB1" "$HUB2"
starts=(hub="$EX/hub.conf")
for s in "${SPOKES[@]}"; do
	read -r name out asn idx in1 in2 nat mode <<<"$s"
	topo_site "$name" "$idx"
	topo_outside "$name" "$out"
	spoke_conf "$name" "$out" "$asn" "$idx" "$in1" "$in2" "$nat" "$mode" > "$RD_RUNDIR/$name.conf"
	starts+=("$name=$RD_RUNDIR/$name.conf")
done
s2_start "${starts[@]}"
t0=$(now_ms)
for s in "${SPOKES[@]}"; do
	read -r name out asn idx in1 in2 nat mode <<<"$s"
	s2_wait_conn_up 150 "$name" "$name-hub"
	s2_wait_conn_up 60 hub "hub-$name"
	for p in "$in1" "$in2"; do
		wait_until 60 "hub: BGP with $name ($p)" bgp_is hub "$p" Established
	done
done
# Every spoke learns every other site's LAN through the hub.
for s in "${SPOKES[@]}"; do
	read -r name out asn idx _ <<<"$s"
	for p in $ALL_LANS; do
		[ "$p" = "10.$idx.0.0/16" ] && continue
		wait_until 60 "$name: $p in BGP" bgp_has_route "$name" "$p" || fail "$name never learned $p"
	done
done
log "RESULT f_converge_ms=$(( $(now_ms) - t0 ))"

# Spoke a's path to b's LAN goes through the hub's AS: exactly "64512 65002"
# on its preferred tunnel (from the hub's tun1 advertisement).
vty a "show ip bgp json" > "$RD_LOGDIR/a-show-ip-bgp.json"
s2_bgp_paths a 10.30.0.0/16 | sed 's/^/  a 10.30.0.0\/16 via /'
s2_bgp_paths a 10.30.0.0/16 | grep -qx '169.254.10.1 64512 65002' ||
	fail "spoke a: no path '64512 65002' to 10.30.0.0/16 via the hub's tun1"

# The hub's FIB sends each spoke's LAN into that spoke's tunnels.
wait_until 30 "hub routes 10.20.0.10 via ipsec10" fib_dev_is hub 10.20.0.10 ipsec10 || fail "hub: a's LAN not via ipsec10"
wait_until 30 "hub routes 10.30.0.10 via ipsec12" fib_dev_is hub 10.30.0.10 ipsec12 || fail "hub: b's LAN not via ipsec12"
c_dev() { case "$(fib_dev hub 10.40.0.10)" in ipsec14|ipsec15) return 0 ;; *) return 1 ;; esac; }
wait_until 30 "hub routes 10.40.0.10 via ipsec14/15" c_dev || fail "hub: c's LAN not via its tunnels"
nsx hub ip -4 route show exact 10.40.0.0/16 | sed 's/^/  hub: /'
wait_until 30 "a routes 10.30.0.10 via ipsec10" fib_dev_is a 10.30.0.10 ipsec10 || fail "a: b's LAN not via its tunnel"

# Spoke to spoke traffic, through the hub: the hub's SAs count it twice
# (in from a, out to b), the pings must come back.
before=$(xfrm_packets hub)
wait_until 30 "ping a-lan -> b-lan" s2_ping a-lan 10.30.0.10 || fail "spoke a -> spoke b ping failed"
s2_ping b-lan 10.40.0.10 || fail "spoke b -> spoke c ping failed"
s2_ping c-lan 10.20.0.10 || fail "spoke c -> spoke a ping failed"
after=$(xfrm_packets hub)
log "hub ESP packets $before -> $after"
[ "$after" -ge $((before + 4 * 9)) ] || fail "the hub's SAs did not carry the spoke-to-spoke traffic"

# Spoke c fails (both outer paths cut): its prefix leaves a's and b's tables.
tc=$(now_ms)
topo_cut_tunnel c "$HUB1" 198.18.0.1
topo_cut_tunnel c "$HUB2" 198.18.0.1
for g in a b; do
	wait_until 60 "$g: 10.40.0.0/16 withdrawn" s2_bgp_lacks "$g" 10.40.0.0/16 ||
		fail "$g still has spoke c's prefix"
done
t_wd=$(( $(now_ms) - tc ))
wait_until 10 "hub: 10.40.0.0/16 gone from BGP" s2_bgp_lacks hub 10.40.0.0/16 || fail "hub still has c's prefix"
bgp_has_route a 10.30.0.0/16 || fail "a lost b's prefix too"
s2_ping a-lan 10.30.0.10 || fail "a -> b traffic broke when c failed"
log "RESULT f_spoke_withdrawn_ms=$t_wd"

# c comes back: its prefix returns at a and b.
tc=$(now_ms)
topo_restore_tunnel c "$HUB1" 198.18.0.1
topo_restore_tunnel c "$HUB2" 198.18.0.1
for g in a b; do
	wait_until 180 "$g: 10.40.0.0/16 back" bgp_has_route "$g" 10.40.0.0/16 || fail "$g never relearned c's prefix"
done
log "RESULT f_spoke_return_ms=$(( $(now_ms) - tc ))"
wait_until 30 "ping a-lan -> c-lan" s2_ping a-lan 10.40.0.10 || fail "a -> c traffic after c's return"
log "PASS"
