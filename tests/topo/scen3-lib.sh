# tests/topo/scen3-lib.sh: helpers of scenarios h (faults), i (rekey) and
# j (flapping). Sourced after lib.sh, routerd.sh and examples.sh.

# s3_pid_of GW DAEMON: pid of DAEMON (pluto, bgpd, routerd...) that this run
# started on GW (matched by its exact command line, never by name alone).
s3_pid_of() {
	local gw=$1 d=$2 pat pid
	case "$d" in
	pluto) pat="$PLUTO --config $RD_RUNDIR/$gw/pluto/ipsec.conf" ;;
	routerd) cat "$RD_RUNDIR/$gw/routerd.pid"; return ;;
	*) pat="$FRR_LIBDIR/$d -u frr -g frr --vty_socket $RD_RUNDIR/$gw/frr " ;;
	esac
	for pid in $(ip netns pids "$(topo_ns "$gw")"); do
		case "$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" in
		"$pat"*) echo "$pid"; return 0 ;;
		esac
	done
}

# s3_kill9 GW DAEMON: SIGKILL the daemon and wait until it is gone.
s3_kill9() {
	local pid
	pid=$(s3_pid_of "$1" "$2")
	[ -n "$pid" ] || fail "no $2 running on $1"
	kill -KILL "$pid"
	_gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status"; }
	wait_until 10 "$2 (pid $pid) gone" _gone "$pid"
	log "killed -9 $2 on $1 (pid $pid)"
}

# s3_restart_pluto GW: start pluto again exactly as the topology did
# (start_pluto). Its NSS db is re-created (ipsec initnss refuses an existing
# one; PSK tunnels keep nothing there) and its stale control socket removed,
# so start_pluto waits for the new pluto's socket.
s3_restart_pluto() {
	local dir=$RD_RUNDIR/$1/pluto
	rm -f "$dir"/nss/*.db "$dir"/nss/*.txt "$dir/run/pluto.ctl"
	start_pluto "$1" "$dir"
}

# s3_restart_frr_daemon GW DAEMON: start one FRR daemon of GW again with
# start_frr's command line (its config file is the empty one start_frr
# created, so a restarted bgpd knows nothing until routerd re-applies).
s3_restart_frr_daemon() {
	local gw=$1 d=$2 dir=$RD_RUNDIR/$1/frr logf extra=()
	logf=$RD_LOGDIR/$gw-$d.log
	[ "$d" = bfdd ] && extra=(--bfdctl "$dir/bfdd.sock")
	rm -f "$dir/$d.vty"
	rd_spawn "$logf" "$gw" "$FRR_LIBDIR/$d" \
		-u frr -g frr --vty_socket "$dir" -z "$dir/zserv.api" \
		-i "$dir/$d.pid" -f "$dir/$d.conf" -P 0 \
		--log "file:$logf" "${extra[@]}"
	wait_until 30 "$d vty socket on $gw" test -S "$dir/$d.vty"
	log "restarted $d on $gw"
}

# s3_restart_routerd GW CONF: start routerd again (rd_start_routerd) after
# it died; the dead one's control socket is removed first so the wait is
# for the new one.
s3_restart_routerd() {
	rm -f "$RD_RUNDIR/$1/routerd/routerd.sock"
	rd_start_routerd "$1" "$2"
}

# s3_uptime GW PEER: bgpd's peerUptimeMsec for PEER (0 if not established).
s3_uptime() {
	vty "$1" "show bgp summary json" |
		jq -r --arg p "$2" '.ipv4Unicast.peers[$p].peerUptimeMsec // 0'
}

# s3_spis GW REQID: the ESP SPIs of REQID in GW's kernel, sorted, one line.
s3_spis() {
	nsx "$1" ip xfrm state | awk -v r="$2" '
		/^src/ {spi = ""} / spi / {for (i = 1; i <= NF; i++) if ($i == "spi") s = $(i + 1)}
		/ reqid / {for (i = 1; i <= NF; i++) if ($i == "reqid" && $(i + 1) == r) print s}' |
		sort | tr '\n' ' '
}

# s3_rd_transitions GW TUN: number of state transitions of CONN/TUN routerd
# logged so far ("tunnel hq-branch/tun1 (ipsec10): UP -> DOWN ...").
s3_rd_transitions() {
	grep -c "tunnel $2 (ipsec[0-9]*): [A-Z]* -> " "$RD_LOGDIR/$1-routerd.log" || true
}

# s3_sampler_start GW DST INTERVAL_MS NAME: sample the device GW's FIB uses
# for DST every INTERVAL_MS in the background ("ms dev" lines in
# $RD_LOGDIR/fib-NAME.txt). s3_sampler_stop NAME stops it.
s3_sampler_start() {
	local gw=$1 dst=$2 ms=$3 f=$RD_LOGDIR/fib-$4.txt
	: > "$f"
	# One shell inside the namespace, one ip per sample and no other fork
	# (the pause is a read timeout): under TCG every fork is dear.
	nsx "$gw" bash -c '
		trap "exit 0" TERM
		iv=$0 dst=$1
		exec 3< <(sleep infinity)
		while :; do
			t=${EPOCHREALTIME/./}
			r=$(ip -4 -o route get "$dst" 2>/dev/null)
			[[ $r =~ dev\ ([^ ]+) ]] && d=${BASH_REMATCH[1]} || d=none
			echo "$(( t / 1000 )) $d"
			read -r -t "$iv" -u 3 _ || true
		done' "$(awk -v m="$ms" 'BEGIN {printf "%.3f", m / 1000}')" "$dst" >> "$f" 2>/dev/null &
	echo $! > "$RD_RUNDIR/sampler-$4.pid"
	echo $! >> "$RD_RUNDIR/pids"
	s3_monitor_start "$gw" "$4"
}
s3_sampler_stop() {
	local p=$RD_RUNDIR/sampler-$1.pid
	s3_monitor_stop "$1"
	[ -e "$p" ] || return 0
	kill -TERM "$(cat "$p")" 2>/dev/null || true
	wait "$(cat "$p")" 2>/dev/null || true
	rm -f "$p"
}

# s3_fib_changes NAME [FROM_MS]: number of device changes in sampler NAME's
# file (from FROM_MS on; the first sample at or after it is the reference).
s3_fib_changes() {
	awk -v from="${2:-0}" '$1 >= from { if (n++ && $2 != prev) c++; prev = $2 } END {print c + 0}' \
		"$RD_LOGDIR/fib-$1.txt"
}

# s3_fib_samples NAME [FROM_MS]: samples taken (from FROM_MS on).
s3_fib_samples() {
	awk -v from="${2:-0}" '$1 >= from {n++} END {print n + 0}' "$RD_LOGDIR/fib-$1.txt"
}

# s3_fib_devs NAME [FROM_MS]: the distinct devices seen, in order of first sight.
s3_fib_devs() {
	awk -v from="${2:-0}" '$1 >= from && !($2 in s) {s[$2] = 1; printf "%s ", $2}' \
		"$RD_LOGDIR/fib-$1.txt"
}

# s3_probe_lost [PROBE]: echo requests lost among those answered around them
# (holes in the replied icmp_seq range; in-flight ones at the end excluded).
s3_probe_lost() {
	awk '/bytes from/ {
		s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
		if (!(s in seen)) { seen[s] = 1; n++ }
		if (s + 0 > max) max = s + 0
	} END { print max - n }' "${1:-$RD_PROBE}.out"
}

# s3_replies_grow N: wait (20 s at most) until N more probe replies arrived.
s3_replies_grow() {
	local want
	want=$(( $(probe_replies) + $1 ))
	_s3_ge() { [ "$(probe_replies)" -ge "$1" ]; }
	wait_until 20 "$1 more probe replies" _s3_ge "$want"
}

# s3_configs HOLD_DOWN: the two-site examples with hold-down HOLD_DOWN at
# both ends and a BFD of 1000 ms x 5 (a dead tunnel is still detected in
# ~5 s, but a TCG guest on a host shared with other VMs does not make it
# flap, as it can the default 50 ms x 3 and even FRR's 300 ms x 3), written to $RD_RUNDIR; sets S3_HQ_CONF and
# S3_BR_CONF.
s3_configs() {
	local bfd='\t\tbfd { interval 1000 multiplier 5 }'
	S3_HQ_CONF=$RD_RUNDIR/two-site-s3.conf S3_BR_CONF=$RD_RUNDIR/two-site-branch-s3.conf
	sed -e "s/hold-down 10/hold-down $1/" -e "s/^\tdefaults {$/&\n$bfd/" \
		"$EX/two-site.conf" > "$S3_HQ_CONF"
	sed -e "s/^\(\tpreferred \"tun1\"\)$/\1\n\thold-down $1/" -e "s/^\tdefaults {$/&\n$bfd/" \
		"$EX/two-site-branch.conf" > "$S3_BR_CONF"
	grep -q "hold-down $1" "$S3_HQ_CONF" && grep -q "hold-down $1" "$S3_BR_CONF" &&
		grep -q "interval 1000" "$S3_HQ_CONF" && grep -q "interval 1000" "$S3_BR_CONF" ||
		fail "config rewrite failed"
	chmod 644 "$S3_HQ_CONF" "$S3_BR_CONF"
}

# s3_monitor_start GW NAME: every route change in GW's kernel, as it happens
# (ip monitor, timestamped), in $RD_LOGDIR/mon-NAME.txt: exact where the
# sampler can miss a short-lived change on a slow guest.
s3_monitor_start() {
	nsx "$1" ip -ts -o -4 monitor route > "$RD_LOGDIR/mon-$2.txt" 2>/dev/null &
	echo $! > "$RD_RUNDIR/monitor-$2.pid"
	echo $! >> "$RD_RUNDIR/pids"
}
s3_monitor_stop() {
	local p=$RD_RUNDIR/monitor-$1.pid
	[ -e "$p" ] || return 0
	kill -TERM "$(cat "$p")" 2>/dev/null || true
	wait "$(cat "$p")" 2>/dev/null || true
	rm -f "$p"
}

# s3_monitor_changes NAME PREFIX: route events (added, replaced, deleted)
# for exactly PREFIX that the monitor of NAME saw.
s3_monitor_changes() {
	awk -v p="$2" '{for (i = 1; i <= NF; i++) if ($i == p) {n++; break}} END {print n + 0}' \
		"$RD_LOGDIR/mon-$1.txt"
}
