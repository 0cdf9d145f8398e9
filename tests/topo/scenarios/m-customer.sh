#!/usr/bin/env bash
# Scenario m: routerd at its default settings (the VPN gateway, hq) facing a
# third-party customer gateway that runs no BFD, the common case: strongSwan
# (IKEv2 PSK, DPD 10 s, XFRM interfaces) and BIRD (one session per tunnel,
# keepalive 10 / hold 30, the backup tunnel prepended), configured the way
# AWS's generic guidance says, nothing tuned for routerd (customer.sh).
#  (a) tun1's outer path is cut under a 10 ms probe stream: both directions
#      move to tun2, the customer's while BIRD's session on tun1 is still
#      Established (routerd steered BIRD before BIRD's hold timer: no
#      deadline needed), routerd took tun1 DOWN for a data-plane reason (not
#      a BGP hold expiry), tun2's sessions were not reset; after the restore
#      tun1 takes both directions back and no probe is lost.
# Every check is reported; the scenario fails if any failed. (The loaded
# host, (e), is in scenario n: routerd's defaults run the same probe against
# every generic far end, and n's customer adds BFD.)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/customer.sh"

export CUST_BFD=0 CUST_IKE=2 CUST_NAT=0
cust_setup
cust_failover_check
assert_no_ondemand hq
cust_finish
