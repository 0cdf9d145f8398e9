#!/usr/bin/env bash
# demo.sh: the live demo (run by tests/demo, inside the VM when needed).
# Two sites, routerd at both ends on conf/examples/two-site*.conf: tunnels
# come up, routes show in vtysh, tun1's outer path is cut under a ping
# stream, traffic fails over to tun2, tun1 is restored and takes over again.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/examples.sh"

banner() { printf '\n\033[1m==== %s\033[0m\n' "$*"; }
show() { printf '\033[2m%s$ %s\033[0m\n' "$1" "$2"; }

banner "1. Two sites: hq (AS 64512, 192.0.2.1 + 192.0.2.5) and branch (AS 65001, 198.51.100.1)"
echo "   each gateway: its own network namespace with pluto, zebra, bgpd, staticd, bfdd and routerd"
ex_two_site "$EX/two-site.conf" "$EX/two-site-branch.conf"
t0=$(now_ms)
ex_wait_two_site_up
log "both tunnels UP at both ends, BGP Established per tunnel: $(( $(now_ms) - t0 )) ms after routerd started"

banner "2. routerd's view"
show hq "routerctl show"; rctl hq show
show branch "routerctl show"; rctl branch show
show hq "routerctl show --aws hq-branch"; rctl hq show --aws hq-branch

banner "3. FRR's view: one BGP session per tunnel, tun2's routes prepended (standby)"
show hq "vtysh -c 'show bgp summary'"; vty hq "show bgp summary"
show hq "vtysh -c 'show ip bgp'"; vty hq "show ip bgp"
show branch "vtysh -c 'show ip route 10.0.0.0/16'"; vty branch "show ip route 10.0.0.0/16"

banner "4. Failover: ping every 10 ms from hq's LAN to the branch LAN, then cut tun1's outer path"
probe_start hq-lan "$BRANCH_HOST" 10
probe_enough() { [ "$(probe_replies)" -ge 150 ]; }
wait_until 60 "probe replies before the cut" probe_enough
topo_cut_tunnel hq "$HQ_OUT1" "$BRANCH_OUT"
cut=$(now_ms)
wait_until 60 "hq routes the branch LAN via ipsec11" fib_dev_is hq "$BRANCH_HOST" ipsec11
wait_until 60 "branch routes the hq LAN via ipsec11" fib_dev_is branch "$HQ_HOST" ipsec11
log "both FIBs on tun2 $(( $(now_ms) - cut )) ms after the cut (BGP hold time would be 30000 ms)"
wait_until 60 "routerd reports tun1 DOWN" rd_tunnel_is hq hq-branch/tun1 DOWN
n=$(( $(probe_replies) + 150 ))
more() { [ "$(probe_replies)" -ge "$n" ]; }
wait_until 60 "probe replies after the cut" more
probe_stop
probe_report
show hq "routerctl show"; rctl hq show
show hq "vtysh -c 'show ip bgp'"; vty hq "show ip bgp"

banner "5. Restore tun1: it comes back, waits out its hold-down, then carries traffic again"
topo_restore_tunnel hq "$HQ_OUT1" "$BRANCH_OUT"
wait_until 120 "routerd reports tun1 UP" rd_tunnel_is hq hq-branch/tun1 UP
show hq "routerctl show"; rctl hq show
wait_until 60 "hq routes the branch LAN via ipsec10 again" fib_dev_is hq "$BRANCH_HOST" ipsec10
log "tun1 carries traffic again"
show hq "grep 'tunnel hq-branch/tun1' routerd.log"
grep -a "tunnel hq-branch/tun1" "$RD_LOGDIR/hq-routerd.log" | tail -12

banner "Done: blackout ${PROBE_BLACKOUT_MS} ms, ${PROBE_LOST} of ${PROBE_SENT} probes lost; cleaning up"
