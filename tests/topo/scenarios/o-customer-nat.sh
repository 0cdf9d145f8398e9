#!/usr/bin/env bash
# Scenario o (NAT): routerd at its default settings facing a strongSwan +
# BIRD customer gateway (IKEv2, no BFD) behind a NAT (nftables masquerade
# in its own namespace; the customer's IKE identity is the NAT's public
# address, the peer address routerd knows): NAT-T is detected, ESP runs in
# UDP 4500 at both ends. tun1's outer path is cut under a 10 ms probe
# stream: both directions move to tun2 (the customer's while BIRD's tun1
# session is still Established), routerd took tun1 DOWN for a data-plane
# reason; after the restore tun1 takes both directions back and no probe is
# lost.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/customer.sh"

export CUST_BFD=0 CUST_IKE=2 CUST_NAT=1
cust_setup
cust_wait_primary 300
check "the customer's ESP runs in UDP (NAT-T)" cust_nat_t
check "hq's ESP runs in UDP (NAT-T)" sh -c 'n=$(ip netns exec "$1" ip xfrm state | grep -c "encap type espinudp"); echo "$n UDP-encapsulated states"; [ "$n" -ge 4 ]' sh "$(topo_ns hq)"
cust_failover_check
assert_no_ondemand hq
cust_finish
