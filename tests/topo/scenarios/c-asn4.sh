#!/usr/bin/env bash
# Scenario c: a 4-byte ASN on one side (conf/examples/asn4.conf names the
# branch's ASN in asdot, 64086.59905; asn4-branch.conf uses asplain
# 4200000001). Both tunnels come up with one BGP session each, and the AS
# paths are exact: the 4-byte ASN appears as the plain integer at hq
# (FRR 8.4 prints asplain), with the standby tunnel's path prepended.
#
#   hq-lan 10.0.0.10 -- hq ==wan0== inet ==wan0== branch4 -- branch4-lan 10.60.0.10
#   tun1: 192.0.2.1 <-> 198.51.100.4, ipsec10, 169.254.10.1/30 <-> .2
#   tun2: 192.0.2.5 <-> 198.51.100.4, ipsec11, 169.254.10.5/30 <-> .6
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/scen2-topo.sh"

# 64086.59905 in asplain: hi * 65536 + lo.
ASN4=$(( 64086 * 65536 + 59905 ))
[ "$ASN4" = 4200000001 ] || fail "asdot arithmetic: $ASN4"
HQ_ASN=64512

topo_internet
topo_site hq 0
topo_site branch4 60
topo_outside hq 192.0.2.1 192.0.2.5
topo_outside branch4 198.51.100.4

s2_start hq="$EX/asn4.conf" branch4="$EX/asn4-branch.conf"
t0=$(now_ms)
s2_wait_conn_up 120 branch4 hq-branch4
s2_wait_conn_up 60 hq hq-branch4
for p in 169.254.10.2 169.254.10.6; do
	wait_until 60 "hq: BGP with $p" bgp_is hq "$p" Established
done
for p in 169.254.10.1 169.254.10.5; do
	wait_until 60 "branch4: BGP with $p" bgp_is branch4 "$p" Established
done
log "RESULT c_converge_ms=$(( $(now_ms) - t0 ))"

# The sessions carry the right ASNs, as plain integers.
sum_hq=$(vty hq "show bgp summary json")
sum_br=$(vty branch4 "show bgp summary json")
echo "$sum_hq" > "$RD_LOGDIR/hq-bgp-summary.json"
echo "$sum_br" > "$RD_LOGDIR/branch4-bgp-summary.json"
for p in 169.254.10.2 169.254.10.6; do
	as=$(jq -r --arg p "$p" '.ipv4Unicast.peers[$p].remoteAs' <<<"$sum_hq")
	[ "$as" = "$ASN4" ] || fail "hq: peer $p remoteAs $as, want $ASN4"
done
as=$(jq -r '.ipv4Unicast.as' <<<"$sum_br")
[ "$as" = "$ASN4" ] || fail "branch4: local AS $as, want $ASN4"
for p in 169.254.10.1 169.254.10.5; do
	as=$(jq -r --arg p "$p" '.ipv4Unicast.peers[$p].remoteAs' <<<"$sum_br")
	[ "$as" = "$HQ_ASN" ] || fail "branch4: peer $p remoteAs $as, want $HQ_ASN"
done

# Exact AS paths. The branch prefers tun1 and prepends 3 on tun2 (defaults).
want_hq="169.254.10.2 $ASN4
169.254.10.6 $ASN4 $ASN4 $ASN4 $ASN4"
want_br="169.254.10.1 $HQ_ASN
169.254.10.5 $HQ_ASN $HQ_ASN $HQ_ASN $HQ_ASN"
paths_are() { [ "$(s2_bgp_paths "$1" "$2")" = "$3" ]; }
wait_until 30 "hq: exact AS paths to 10.60.0.0/16" paths_are hq 10.60.0.0/16 "$want_hq" ||
	fail "hq: AS paths to 10.60.0.0/16 are not [$want_hq]"
wait_until 30 "branch4: exact AS paths to 10.0.0.0/16" paths_are branch4 10.0.0.0/16 "$want_br" ||
	fail "branch4: AS paths to 10.0.0.0/16 are not [$want_br]"
vty hq "show ip bgp json" > "$RD_LOGDIR/hq-show-ip-bgp.json"
s2_bgp_paths hq 10.60.0.0/16 | sed 's/^/  hq 10.60.0.0\/16 via /'
log "RESULT c_hq_path_tun1=\"$ASN4\" c_asdot=64086.59905"

# Traffic: each LAN routed via tun1 (ipsec10), pings cross ESP.
wait_until 30 "hq routes 10.60.0.10 via ipsec10" fib_dev_is hq 10.60.0.10 ipsec10
wait_until 30 "branch4 routes 10.0.0.10 via ipsec10" fib_dev_is branch4 10.0.0.10 ipsec10
before=$(xfrm_packets hq)
nsx hq-lan ping -q -c 10 -i 0.1 -W 1 10.60.0.10 >/dev/null || fail "LAN-to-LAN ping failed"
after=$(xfrm_packets hq)
[ "$after" -ge $((before + 20)) ] || fail "ESP packet counters grew by less than 20 ($before -> $after)"
log "PASS"
