#!/usr/bin/env bash
# Scenario d: static routing (conf/examples/static.conf at hq; the shop runs
# routerd with a static config too, written here). The static routes follow
# tunnel state: with both tunnels up the shop's LAN is routed via the
# preferred tun2 (ipsec11, distance 1) with tun1 pre-installed at distance 2;
# cutting tun2's outer path moves the route to tun1 once the IPsec SA is
# declared dead (no BGP, no BFD: DPD, dpd-timeout 40 in the example); cutting
# both leaves only routerd's reject route (fail closed); restoring brings
# it back.
#
#   hq-lan 10.0.0.10 -- hq ==wan0== inet ==wan0== shop -- shop-lan 10.50.0.10
#   tun1: 192.0.2.1 <-> 203.0.113.10, ipsec10, 169.254.10.1/30 <-> .2
#   tun2: 192.0.2.5 <-> 203.0.113.10, ipsec11, 169.254.10.5/30 <-> .6 (preferred)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/scen2-topo.sh"

HQ1=192.0.2.1 HQ2=192.0.2.5 SHOP=203.0.113.10
SHOP_HOST=10.50.0.10 HQ_HOST=10.0.0.10
NET=10.50.0.0/16 NET2=10.51.0.0/24 HQNET=10.0.0.0/16

topo_internet
topo_site hq 0
topo_site shop 50
topo_outside hq "$HQ1" "$HQ2"
topo_outside shop "$SHOP"

# The shop: static routing too, initiating both tunnels (IKEv2, start).
cat > "$RD_RUNDIR/shop.conf" <<-EOF
gateway {
	router-id $SHOP
	outside $SHOP
	prefixes { 10.50.0.0/16 10.51.0.0/24 }
}
peer "hq" { address $HQ1; prefixes { } }
connection "shop-hq" {
	peer "hq"
	routing static
	static-routes { $HQNET }
	preferred "tun2"
	hold-down 30
	defaults { ike-versions ikev2; startup start; dpd-timeout 40; dpd-action restart }
	tunnel "tun1" { remote-outside $HQ1; inside 169.254.10.2/30; psk "hq.shop.tun1.key" }
	tunnel "tun2" { remote-outside $HQ2; inside 169.254.10.6/30; psk "hq.shop.tun2.key" }
}
EOF
s2_start hq="$EX/static.conf" shop="$RD_RUNDIR/shop.conf"
t0=$(now_ms)
s2_wait_conn_up 120 shop shop-hq
s2_wait_conn_up 60 hq hq-shop
log "RESULT d_converge_ms=$(( $(now_ms) - t0 ))"

# Both up: preferred tun2 selected at distance 1, tun1 pre-installed at 2,
# for both static routes; the kernel follows; the shop mirrors it.
for n in "$NET" "$NET2"; do
	wait_until 30 "hq: $n static via ipsec11 selected" s2_zebra_best_is hq "$n" static ipsec11 ||
		fail "hq: $n not routed via the preferred tunnel"
	wait_until 10 "hq: $n backup via ipsec10 at distance 2" s2_zebra_has hq "$n" static 2 ipsec10 ||
		fail "hq: no backup route for $n"
	s2_zebra_has hq "$n" static 1 ipsec11 || fail "hq: $n via ipsec11 is not at distance 1"
	wait_until 10 "hq kernel: $n dev ipsec11" s2_kernel_route_dev_is hq "$n" ipsec11 ||
		fail "hq kernel: $n not via ipsec11"
done
s2_zebra_routes hq "$NET" | sed "s|^|  hq $NET: |"
wait_until 30 "shop: $HQNET static via ipsec11" s2_zebra_best_is shop "$HQNET" static ipsec11 ||
	fail "shop: $HQNET not via its preferred tunnel"
s2_kernel_route_dev_is shop "$HQNET" ipsec11 || fail "shop kernel: $HQNET not via ipsec11"
rd_conn_is hq hq-shop UP || fail "hq: hq-shop is $(rd_conn_status hq hq-shop), not UP"

# Traffic flows LAN to LAN, through tun2.
s2_ping hq-lan "$SHOP_HOST" || fail "hq-lan -> shop-lan ping failed"
s2_ping shop-lan "$HQ_HOST" || fail "shop-lan -> hq-lan ping failed"

# Cut the preferred tunnel's outer path: the route moves to tun1 once the
# SA is declared dead. Measure when routerd sees it and when the FIB moves.
probe_start hq-lan "$SHOP_HOST" 100
sleep 2
tc=$(now_ms)
probe_mark
topo_cut_tunnel hq "$HQ2" "$SHOP"
wait_until 150 "hq: tun2 DOWN (DPD)" rd_tunnel_is hq hq-shop/tun2 DOWN ||
	fail "hq never noticed the loss of tun2"
t_down=$(( $(now_ms) - tc ))
wait_until 20 "hq kernel: $NET dev ipsec10" s2_kernel_route_dev_is hq "$NET" ipsec10 ||
	fail "hq: $NET did not move to tun1"
t_fib=$(( $(now_ms) - tc ))
s2_zebra_best_is hq "$NET" static ipsec10 || fail "hq zebra: $NET not via ipsec10"
s2_zebra_routes hq "$NET" | grep -q ' ipsec11$' && fail "hq zebra: a route via dead tun2 remains"
wait_until 150 "shop kernel: $HQNET dev ipsec10" s2_kernel_route_dev_is shop "$HQNET" ipsec10 ||
	fail "shop: $HQNET did not move to tun1"
t_shop=$(( $(now_ms) - tc ))
wait_until 20 "traffic flows again" s2_ping hq-lan "$SHOP_HOST" || fail "no traffic over tun1"
sleep 2
probe_stop
probe_report
log "RESULT d_failover_detect_ms=$t_down d_failover_fib_ms=$t_fib d_failover_shop_fib_ms=$t_shop d_failover_blackout_ms=$PROBE_BLACKOUT_MS d_failover_lost=$PROBE_LOST"
rd_conn_is hq hq-shop DEGRADED || fail "hq: hq-shop is $(rd_conn_status hq hq-shop), not DEGRADED"

# Cut both: the routes via the tunnels are gone (zebra and kernel); what
# is left is routerd's fail-closed reject route (distance 250), so the
# shop's LAN is refused, not sent out of the WAN in clear.
only_reject() { [ "$(s2_zebra_routes hq "$1")" = "static 250 true true -" ]; }
kernel_refused() { s2_kernel_route hq "$1" | grep -q '^unreachable '; }
tc=$(now_ms)
topo_cut_tunnel hq "$HQ1" "$SHOP"
wait_until 150 "hq: tun1 DOWN (DPD)" rd_tunnel_is hq hq-shop/tun1 DOWN || fail "hq never noticed the loss of tun1"
wait_until 20 "hq zebra: only the reject route for $NET" only_reject "$NET" ||
	fail "hq: $NET still routed: $(s2_zebra_routes hq "$NET" | tr '\n' ';')"
wait_until 10 "hq kernel: $NET unreachable" kernel_refused "$NET" ||
	fail "hq kernel: $NET is '$(s2_kernel_route hq "$NET")', not unreachable"
only_reject "$NET2" || fail "hq: $NET2 still routed: $(s2_zebra_routes hq "$NET2" | tr '\n' ';')"
log "RESULT d_both_cut_gone_ms=$(( $(now_ms) - tc ))"
rd_conn_is hq hq-shop DOWN || fail "hq: hq-shop is $(rd_conn_status hq hq-shop), not DOWN"

# Restore both: the routes return, and in the end via the preferred tun2.
tc=$(now_ms)
topo_restore_tunnel hq "$HQ1" "$SHOP"
topo_restore_tunnel hq "$HQ2" "$SHOP"
has_route() { s2_kernel_route_dev_is hq "$NET" ipsec10 || s2_kernel_route_dev_is hq "$NET" ipsec11; }
wait_until 180 "hq kernel: $NET back" has_route || fail "hq: $NET did not come back"
log "RESULT d_restore_route_ms=$(( $(now_ms) - tc ))"
wait_until 180 "hq: $NET via preferred tun2 again" s2_zebra_best_is hq "$NET" static ipsec11 ||
	fail "hq: $NET never returned to tun2"
s2_kernel_route_dev_is hq "$NET" ipsec11 || fail "hq kernel: $NET not via ipsec11 after restore"
log "RESULT d_restore_preferred_ms=$(( $(now_ms) - tc ))"
wait_until 30 "traffic after restore" s2_ping hq-lan "$SHOP_HOST" || fail "no traffic after restore"
assert_no_ondemand hq shop
log "PASS"
