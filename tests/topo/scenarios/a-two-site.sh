#!/usr/bin/env bash
# Scenario a: two sites, dynamic routing, two tunnels, routerd at both ends
# (conf/examples/two-site.conf and two-site-branch.conf). Both tunnels UP,
# one BGP session Established per tunnel, prefixes exchanged and visible with
# vtysh, LAN-to-LAN traffic crosses ESP (SA byte counters grow).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/examples.sh"

ex_two_site "$EX/two-site.conf" "$EX/two-site-branch.conf"
t0=$(now_ms)
ex_wait_two_site_up
log "converged $(( $(now_ms) - t0 )) ms after routerd started"

# Prefixes exchanged: each side's LAN in the other's BGP table and FIB.
bgp_has_route hq 10.20.0.0/16 || fail "hq: 10.20.0.0/16 not in show ip bgp"
bgp_has_route branch 10.0.0.0/16 || fail "branch: 10.0.0.0/16 not in show ip bgp"
vty hq "show ip bgp" | tee -a "$RD_LOGDIR/hq-show-ip-bgp.txt"
# The standby tunnel's advertisement is prepended: the AS path via tun2 is longer.
path2=$(vty branch "show ip bgp 10.0.0.0/16 json" |
	jq -r --arg n "$T2_HQ_IN" '.paths[] | select(.peer.peerId == $n) | .aspath.length')
path1=$(vty branch "show ip bgp 10.0.0.0/16 json" |
	jq -r --arg n "$T1_HQ_IN" '.paths[] | select(.peer.peerId == $n) | .aspath.length')
log "AS path length to hq's LAN: via tun1 $path1, via tun2 $path2"
[ "$path2" -gt "$path1" ] || fail "tun2's path is not prepended ($path1 vs $path2)"

# Traffic crosses ESP: the SA byte counters of tun1 grow by at least the pings.
before=$(xfrm_packets hq)
nsx hq-lan ping -q -c 10 -i 0.1 -W 1 "$BRANCH_HOST" >/dev/null || fail "LAN-to-LAN ping failed"
after=$(xfrm_packets hq)
log "hq ESP packets $before -> $after"
[ "$after" -ge $((before + 20)) ] || fail "ESP packet counters grew by less than 20"

# routerd's own view agrees and reports traffic.
rctl hq show | tee -a "$RD_LOGDIR/hq-routerctl-show.txt"
tun1_has_bytes() { [ "$(rd_tunnel_json hq hq-branch/tun1 | jq .bytes_out)" -gt 0 ]; }
wait_until 10 "routerctl reports bytes sent on tun1" tun1_has_bytes || fail "no bytes counted on tun1"
acc=$(rd_tunnel_json hq hq-branch/tun1 | jq .accepted_routes)
[ "$acc" -ge 1 ] || fail "routerctl: tun1 accepted_routes $acc"
# Privileges: routerd runs as its own user with CAP_NET_ADMIN only (bit 12);
# its helper for libreswan's tools is uid 0 with no capability at all.
pid=$(cat "$RD_RUNDIR/hq/routerd.pid")
status=/proc/$pid/status
uid=$(awk '/^Uid:/ {print $2}' "$status")
capeff=$(awk '/^CapEff:/ {print $2}' "$status")
capprm=$(awk '/^CapPrm:/ {print $2}' "$status")
capbnd=$(awk '/^CapBnd:/ {print $2}' "$status")
log "routerd pid $pid: uid $uid CapEff $capeff CapPrm $capprm CapBnd $capbnd"
[ "$uid" = "$(id -u "$RD_USER")" ] || fail "routerd runs as uid $uid, not $RD_USER"
[ "$capeff" = 0000000000001000 ] || fail "routerd CapEff $capeff, expected cap_net_admin only"
[ "$capprm" = 0000000000001000 ] || fail "routerd CapPrm $capprm, expected cap_net_admin only"
helper=$(pgrep -P "$pid" -x routerd-priv || true)
[ -n "$helper" ] || fail "no privsep helper child"
[ "$(awk '/^CapEff:/ {print $2}' "/proc/$helper/status")" = 0000000000000000 ] ||
	fail "privsep helper has capabilities"
[ "$(stat -c %a "$RD_RUNDIR/hq/routerd/routerd.sock")" = 660 ] || fail "control socket not 0660"

# Bad input on the hook socket is logged and dropped; routerd keeps serving.
hook=$RD_RUNDIR/hq/routerd/hook.sock
python3 - "$hook" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for m in [b"", b"garbage\x00\xff", b"VERSION=1\nVERB=up-client\n",
          b"VERSION=1\nVERB=nope\nEND=OK\n", b"A" * 4000]:
    s.sendto(m, sys.argv[1])
PY
dropped() { [ "$(grep -c 'hook message .*dropped' "$RD_LOGDIR/hq-routerd.log")" -ge 5 ]; }
wait_until 10 "routerd logged 5 dropped hook messages" dropped
rd_tunnel_is hq hq-branch/tun1 UP || fail "tun1 not UP after bad hook input"
kill -0 "$pid" || fail "routerd died on bad hook input"
log "PASS"
