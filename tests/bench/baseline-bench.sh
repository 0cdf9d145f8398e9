#!/bin/bash
# Repeat the routerd-less two-site baseline N times (default 3) in one kernel
# and summarise convergence and blackout (min / median / max). Run it where
# ESP exists:  tests/vm/run-in-vm -- tests/bench/baseline-bench.sh 5
# Results: one line per run in ${RD_OUT:-/tmp}/bench-baseline.tsv.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
runs=${1:-3}
tsv=${RD_OUT:-/tmp}/bench-baseline.tsv

# result_field LINE KEY: the value of KEY=VALUE in a RESULT line.
result_field() { tr ' ' '\n' <<< "$1" | sed -n "s/^$2=//p"; }

# stats: "min median max" of the numbers on stdin.
stats() {
	sort -n | awk '{v[NR] = $1} END {
		if (NR == 0) { print "- - -"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print v[1], m, v[NR] }'
}

printf 'run\tconvergence_ms\tblackout_ms\tlost\tflaps\ttotal_ms\n' > "$tsv"
fails=0
for i in $(seq 1 "$runs"); do
	if ! out=$("$here/../topo/baseline-two-site.sh" 2>&1); then
		echo "run $i FAILED:"; echo "$out" | tail -20
		fails=$((fails + 1))
		continue
	fi
	line=$(grep 'RESULT' <<< "$out")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$(result_field "$line" convergence_ms)" \
		"$(result_field "$line" blackout_ms)" "$(result_field "$line" lost)" \
		"$(result_field "$line" flaps_before_cut)" "$(result_field "$line" total_ms)" |
		tee -a "$tsv"
done
# Runs where BGP flapped before the cut measured an overloaded host: skip.
valid() { tail -n +2 "$tsv" | awk -F'\t' '$5 == 0'; }
echo "valid runs (no BGP flap before the cut): $(valid | wc -l)"
echo "convergence_ms min/median/max: $(valid | cut -f2 | stats)"
echo "blackout_ms    min/median/max: $(valid | cut -f3 | stats)"
echo "$((runs - fails))/$runs runs passed; table in $tsv"
[ "$fails" = 0 ]
