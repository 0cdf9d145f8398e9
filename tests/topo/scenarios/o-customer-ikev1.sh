#!/usr/bin/env bash
# Scenario o (IKEv1): routerd at its default settings (ike-versions left at
# its default, both) facing a strongSwan + BIRD customer gateway that speaks
# IKEv1 only (main mode, PSK, DPD 10 s / 30 s), no BFD: the tunnels come up,
# then tun1's outer path is cut under a 10 ms probe stream: both directions
# move to tun2 (the customer's while BIRD's tun1 session is still
# Established), routerd took tun1 DOWN for a data-plane reason; after the
# restore tun1 takes both directions back and no probe is lost.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/customer.sh"

export CUST_BFD=0 CUST_IKE=1 CUST_NAT=0
cust_setup
cust_wait_primary 300
check "the customer's IKE SAs are IKEv1" sh -c 'echo "$1"; echo "$1" | grep -q "IKEv1" && ! echo "$1" | grep -q "IKEv2"' sh \
	"$(cust_sas | grep ESTABLISHED)"
cust_failover_check
assert_no_ondemand hq
cust_finish
