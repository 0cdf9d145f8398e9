# tests/bench/lib.sh: helpers shared by the benchmarks (sourced after
# tests/topo/lib.sh and routerd.sh). Benchmarks print numbers; they never
# pass or fail on timing (exit status only says whether the run worked).

# bench_stats NAME UNIT V...: one table row "NAME  n  median  min  max UNIT".
bench_stats() {
	local name=$1 unit=$2
	shift 2
	printf '%s\n' "$@" | sort -n | awk -v name="$name" -v unit="$unit" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { printf "%-34s n=0\n", name; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%-34s n=%-3d median=%-9s min=%-9s max=%-9s %s\n", name, NR, m, v[1], v[NR], unit
		}'
}

# bench_pct P V...: the P-th percentile (nearest rank) of the values.
bench_pct() {
	local p=$1
	shift
	printf '%s\n' "$@" | sort -n | awk -v p="$p" '{ v[NR] = $1 }
		END { if (NR == 0) { print "-"; exit }
		      r = int((p / 100) * NR + 0.999999); if (r < 1) r = 1; print v[r] }'
}

# bench_host_note: say when the numbers were taken on a loaded host.
bench_host_note() {
	local load
	load=$(cut -d' ' -f1 /proc/loadavg)
	if awk -v l="$load" 'BEGIN { exit !(l > 2) }'; then
		echo "NOTE: loaded host (load average $load on $(nproc) CPUs; other VMs share it): treat timings as upper bounds"
	else
		echo "host load average $load on $(nproc) CPUs"
	fi
}

# bench_rss_kb PID: VmRSS in kB.
bench_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# bench_cpu_ticks PID: utime + stime in clock ticks (fields 14, 15).
bench_cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# Fake status for routerd's libreswan backend (see fake-ipsec): the file
# that answers 'whack --showstates'/'--trafficstatus' for the named conns.
# bench_swan_state FILE CONN...: CONNs are established (IKE and Child SA).
bench_swan_state() {
	local f=$1 c n=1
	shift
	: > "$f.tmp"
	for c in "$@"; do
		printf '000 #%d: "%s":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 28000s\n' \
			"$n" "$c" >> "$f.tmp"
		printf '000 #%d: "%s":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); REKEY in 3000s\n' \
			$((n + 1)) "$c" >> "$f.tmp"
		n=$((n + 2))
	done
	mv "$f.tmp" "$f"
}

# bench_hook SOCK VERB CONN REQID: what pluto's updown (routerd-updown)
# sends for VERB (up-client, down-client) of CONN.
bench_hook() {
	PLUTO_VERB=$2 PLUTO_CONNECTION=$3 PLUTO_SA_REQID=$4 \
		"$RD_UPDOWN" --socket "$1" >/dev/null 2>&1
}
