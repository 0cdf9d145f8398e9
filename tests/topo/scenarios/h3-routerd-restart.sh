#!/usr/bin/env bash
# Scenario h3: kill -9 routerd on hq under a 10 ms probe stream hq-lan ->
# branch-lan, then start it again. The restarted routerd must re-learn the
# live state (pluto's SAs, bgpd's sessions) before applying anything, so
# nothing healthy is touched: zero probes lost across the kill and the
# restart, ESP SPIs unchanged (ip xfrm state), BGP sessions not reset
# (peerUptimeMsec keeps growing, connectionsDropped unchanged), hq's FIB
# stays on ipsec10 (sampled every 100 ms; no route event for the branch LAN
# in `ip monitor route`), and routerctl reports both
# tunnels UP again.
# Configs: the two-site examples with BFD 1000 ms x 5 (s3_configs): the
# default 50 ms x 3 (even 300 ms x 3) flaps in a TCG guest on a loaded host,
# and a flap would be blamed on what this scenario tests.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/lib.sh"
. "$here/routerd.sh"
. "$here/examples.sh"
. "$here/scen3-lib.sh"

s3_configs 10
ex_two_site "$S3_HQ_CONF" "$S3_BR_CONF"
ex_wait_two_site_up
# Let the startup settle: routerd applied, no pending changes.
sleep 3

spis1_0=$(s3_spis hq 10) spis2_0=$(s3_spis hq 11)
drops_0=$(bgp_drops hq "$RD_RUNDIR/hq/frr")
up1_0=$(s3_uptime hq "$T1_BR_IN") up2_0=$(s3_uptime hq "$T2_BR_IN")
log "before: tun1 SPIs $spis1_0 tun2 SPIs $spis2_0 drops $drops_0 uptimes $up1_0 $up2_0 ms"
[ -n "$spis1_0" ] && [ -n "$spis2_0" ] || fail "no ESP SAs before the kill"

s3_sampler_start hq "$BRANCH_HOST" 100 hq
probe_start hq-lan "$BRANCH_HOST" 10
s3_replies_grow 100 || fail "no traffic before the kill"

# --- kill -9 routerd ----------------------------------------------------------
probe_mark
t_kill=$(now_ms)
s3_kill9 hq routerd
s3_replies_grow 100 || fail "traffic stopped while routerd was dead"

# --- start it again -----------------------------------------------------------
starts0=$(grep -c 'started:' "$RD_LOGDIR/hq-routerd.log" || true)
s3_restart_routerd hq "$S3_HQ_CONF"
restarted() { [ "$(grep -c 'started:' "$RD_LOGDIR/hq-routerd.log" || true)" -gt "$starts0" ]; }
wait_until 60 "restarted routerd finished its start-up" restarted || fail "routerd did not start"
t_start=$(now_ms)
wait_until 30 "hq: tun1 UP (restarted routerd)" rd_tunnel_is hq hq-branch/tun1 UP ||
	fail "restarted routerd does not report tun1 UP"
wait_until 30 "hq: tun2 UP (restarted routerd)" rd_tunnel_is hq hq-branch/tun2 UP ||
	fail "restarted routerd does not report tun2 UP"
wait_until 30 "hq-branch UP" rd_conn_is hq hq-branch UP || fail "connection not UP"
# Several of its poll cycles (bgpd every 1 s, pluto every 3 s) and an apply.
sleep 10
s3_replies_grow 100 || fail "traffic stopped after the restart"
probe_stop
s3_sampler_stop hq
probe_report
lost=$(s3_probe_lost)

spis1_1=$(s3_spis hq 10) spis2_1=$(s3_spis hq 11)
drops_1=$(bgp_drops hq "$RD_RUNDIR/hq/frr")
up1_1=$(s3_uptime hq "$T1_BR_IN") up2_1=$(s3_uptime hq "$T2_BR_IN")
elapsed=$(( $(now_ms) - t_kill ))
log "after: tun1 SPIs $spis1_1 tun2 SPIs $spis2_1 drops $drops_1 uptimes $up1_1 $up2_1 ms" \
	"($elapsed ms after the kill)"
log "RESULT restart_lost=$PROBE_LOST restart_seq_lost=$lost restart_blackout_ms=$PROBE_BLACKOUT_MS" \
	"restart_sent=$PROBE_SENT fib_changes_hq=$(s3_fib_changes hq) fib_samples=$(s3_fib_samples hq)" \
	"fib_devs=\"$(s3_fib_devs hq)\" startup_ms=$(( t_start - t_kill ))" \
	"bgp_uptime_growth_ms=$(( up1_1 - up1_0 )) route_events_hq=$(s3_monitor_changes hq 10.20.0.0/16)"
grep -E 'apply:|neighbor|started' "$RD_LOGDIR/hq-routerd.log" | tail -20 | sed 's/^/  | /'

rc=0
[ "$lost" = 0 ] || { log "FAIL: $lost probe(s) lost across the routerd restart"; rc=1; }
[ "$spis1_1" = "$spis1_0" ] || { log "FAIL: tun1 SPIs changed"; rc=1; }
[ "$spis2_1" = "$spis2_0" ] || { log "FAIL: tun2 SPIs changed"; rc=1; }
[ "$drops_1" = "$drops_0" ] || { log "FAIL: BGP sessions dropped ($drops_0 -> $drops_1)"; rc=1; }
(( up1_1 > up1_0 && up2_1 > up2_0 )) || { log "FAIL: BGP uptime did not keep growing"; rc=1; }
[ "$(s3_monitor_changes hq 10.20.0.0/16)" = 0 ] || { log "FAIL: hq's route to the branch LAN changed"; rc=1; }
[ "$(s3_fib_changes hq)" = 0 ] || { log "FAIL: hq's FIB changed: $(s3_fib_devs hq)"; rc=1; }
[ "$(s3_fib_devs hq)" = "ipsec10 " ] || { log "FAIL: hq's FIB left ipsec10: $(s3_fib_devs hq)"; rc=1; }
[ "$rc" = 0 ] || fail "routerd restart disturbed healthy state"
log "PASS"
