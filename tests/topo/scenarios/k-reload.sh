#!/usr/bin/env bash
# Scenario k: reload. A broken configuration at reload is rejected with
# file:line:col errors and the running state is untouched (same SAs, same
# BGP sessions, no lost probe); a valid change is applied without touching
# the tunnels whose options did not change (their SAs and sessions stay).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/examples.sh"

conf=$RD_RUNDIR/hq.conf
cp "$EX/two-site.conf" "$conf"
ex_two_site "$conf" "$EX/two-site-branch.conf"
ex_wait_two_site_up

# snapshot: the kernel's ESP SPIs and the BGP sessions' uptimes on hq.
spis() { nsx hq ip xfrm state | awk '/proto esp spi/ {print $4}' | sort | tr '\n' ' '; }
uptime_ms() {
	vty hq "show bgp summary json" | jq -r --arg p "$1" '.ipv4Unicast.peers[$p].peerUptimeMsec'
}
since() { rd_tunnel_json hq "$1" | jq -r .since_sec; }
spis0=$(spis) up1=$(uptime_ms "$T1_BR_IN") up2=$(uptime_ms "$T2_BR_IN")
since1=$(since hq-branch/tun1)
log "before: SPIs $spis0; BGP uptimes $up1 / $up2 ms"

probe_start hq-lan "$BRANCH_HOST" 20
has_replies() { [ "$(probe_replies)" -gt 10 ]; }
wait_until 30 "probe replies" has_replies

# 1. A broken file: a syntax error and a range error, both reported.
cp "$conf" "$conf.good"
sed -i 's/interface 10$/interface 1/; 0,/hold-down 10/s//hold-down ten/' "$conf"
if rctl hq reload > "$RD_LOGDIR/reload-bad.txt" 2>&1; then
	fail "routerctl reload accepted a broken file"
fi
cat "$RD_LOGDIR/reload-bad.txt"
wait_until 10 "routerd logged the errors with file:line:col" \
	grep -qE "$conf:[0-9]+:[0-9]+: " "$RD_LOGDIR/hq-routerd.log"
grep -E "$conf:[0-9]+:[0-9]+: " "$RD_LOGDIR/hq-routerd.log" | sed 's/^/  routerd: /'
n=$(grep -cE "$conf:[0-9]+:[0-9]+: " "$RD_LOGDIR/hq-routerd.log")
[ "$n" -ge 2 ] || fail "expected both errors to be reported, got $n"
# SIGHUP with the same broken file: also rejected.
rd_kill_routerd hq HUP
rejections() { [ "$(grep -c 'running configuration unchanged' "$RD_LOGDIR/hq-routerd.log")" -ge 2 ]; }
wait_until 10 "second rejection logged" rejections
rd_tunnel_is hq hq-branch/tun1 UP || fail "tun1 not UP after a rejected reload"
rd_tunnel_is hq hq-branch/tun2 UP || fail "tun2 not UP after a rejected reload"
[ "$(spis)" = "$spis0" ] || fail "SAs changed after a rejected reload: $(spis)"
[ "$(since hq-branch/tun1)" = "$since1" ] || fail "tun1 changed state during a rejected reload"
[ "$(uptime_ms "$T1_BR_IN")" -gt "$up1" ] || fail "BGP over tun1 was reset"

# 2. A valid change that touches only routing policy (MEDs): applied, and
# no tunnel is re-keyed or session reset.
cp "$conf.good" "$conf"
sed -i 's/med 100 200/med 50 300/' "$conf"
rctl hq reload || fail "a valid reload was refused"
med_at_branch() {
	vty branch "show ip bgp 10.0.0.0/16 json" |
		jq -r --arg n "$1" '.paths[] | select(.peer.peerId == $n) | .metric'
}
med_is() { [ "$(med_at_branch "$1")" = "$2" ]; }
wait_until 20 "branch sees MED 50 via tun1" med_is "$T1_HQ_IN" 50
[ "$(spis)" = "$spis0" ] || fail "SAs changed by a reload that did not touch tunnel options"
[ "$(uptime_ms "$T1_BR_IN")" -gt "$up1" ] || fail "BGP over tun1 was reset by the reload"
[ "$(uptime_ms "$T2_BR_IN")" -gt "$up2" ] || fail "BGP over tun2 was reset by the reload"

probe_stop
probe_report
log "RESULT reload_lost_probes=$PROBE_LOST sent=$PROBE_SENT"
[ "$PROBE_LOST" = 0 ] || fail "$PROBE_LOST probes lost across the reloads"
log "PASS"
