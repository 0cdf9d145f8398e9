#!/usr/bin/env bash
# Scenario n: as m, with BFD at the customer: BIRD's `bfd on` on both
# sessions (BIRD's protocol bfd at its defaults), routerd at its defaults.
# BIRD, like every RFC 5882 stack, closes its session the moment BFD goes
# down and then delays the restart (60 s, doubling on repeated errors), so
# a BFD that flaps costs the customer a session and minutes.
#  (b) tun1's outer path is cut under a 10 ms probe stream: both directions
#      move to tun2, BIRD's session on tun1 was ended by BFD (not its hold
#      timer), routerd took tun1 DOWN for a data-plane reason, tun2's
#      sessions were not reset; after the restore tun1 takes both
#      directions back and no probe is lost.
#  (e) then a loaded host: CPU hogs on both vCPUs for 60 s; no tunnel is
#      declared down, no BGP session is reset at either end (no BFD flap).
# Every check is reported; the scenario fails if any failed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/customer.sh"

export CUST_BFD=1 CUST_IKE=2 CUST_NAT=0
cust_setup
cust_wait_primary 300
log "BIRD's BFD sessions: $(birdc_cust show bfd sessions | tail -n +2 | tr -s ' ' | tr '\n' ';')"
cust_failover_check
cust_load_check 60
assert_no_ondemand hq
cust_finish
