#!/usr/bin/env bash
# failover.sh [RUNS]: the failover blackout benchmark (issue 5). A 10 ms
# probe LAN to LAN, a hard failure (outer path dropped) of the active
# tunnel; blackout = the longest gap between replies. Per variant (see
# failover-variant.sh) the topology is built once and the cut repeated RUNS
# (default 5) times. Needs ESP and XFRM interfaces:
#
#   flock /tmp/routerd-vm.lock tests/vm/run-in-vm --timeout 3000 --out DIR \
#       -- tests/bench/failover.sh 5
#
#   a  baseline: libreswan + FRR, no routerd, BGP 10/30, DPD 10 s/30 s
#   b  a + FRR bfdd at its defaults (300 ms x 3)
#   c  routerd, default health settings
#   d  routerd, BFD $FB_D_BFD_MS (100) ms x $FB_D_BFD_MULT (3); dNN: NN ms
#   e  routerd, planned drain (routerctl drain) instead of a cut
#   b10k c10k d10k: b, c, d with 10,000 prefixes from the far site
#
# VARIANTS="c d" selects variants. Prints one table (valid runs, median /
# min / max blackout, median lost probes, the ratio of (a)'s and (b)'s median
# to the variant's: "x times shorter"); every run is in $RD_OUT/failover.tsv.
# Runs where a BGP session dropped before the cut (BFD flap on the loaded
# guest) are marked invalid and left out of the statistics. Numbers are
# reported, never judged: the exit status says only whether it ran.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUNS=${1:-5}
VARIANTS=${VARIANTS:-a b c d e b10k c10k d10k}
out=${RD_OUT:-/tmp}
tsv=$out/failover.tsv
rc=0

printf 'variant\trun\tvalid\tblackout_ms\tlost\tdrops_before_cut\tmoved_ms\n' > "$tsv"
for v in $VARIANTS; do
	echo "### variant $v ($RUNS runs) $(date -u +%T)"
	"$here/failover-variant.sh" "$v" "$RUNS" > "$out/failover-$v.log" 2>&1 || {
		echo "variant $v FAILED (log: $out/failover-$v.log):"
		tail -n 15 "$out/failover-$v.log"
		rc=1
	}
	lines=$(grep '^FB ' "$out/failover-$v.log")
	[ -n "$lines" ] && echo "$lines"
	[ -n "$lines" ] && awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f["variant"], f["run"], f["valid"],
				f["blackout_ms"], f["lost"], f["drops"], f["moved_ms"] }' <<< "$lines" >> "$tsv"
done

# The table: statistics over the valid runs of each variant.
echo
echo "== failover blackout, $RUNS runs per variant, probe every 10 ms ($(uname -r), $(nproc) CPUs)"
awk -F'\t' -v order="$VARIANTS" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	NR > 1 {
		runs[$1]++
		if ($3 != 1) next
		n[$1]++; b[$1, n[$1]] = $4; l[$1, n[$1]] = $5
	}
	END {
		nv = split(order, vs, " ")
		for (k = 1; k <= nv; k++) {
			v = vs[k]
			if (!n[v]) continue
			delete x; delete y
			for (i = 1; i <= n[v]; i++) { x[i] = b[v, i]; y[i] = l[v, i] }
			med[v] = median(x, n[v]); mn[v] = x[1]; mx[v] = x[n[v]]
			lost[v] = median(y, n[v])
		}
		printf "%-7s %5s %9s %7s %7s %6s %7s %7s %8s\n", "var", "valid", "median", "min", "max",
			"lost", "a/var", "b/var", "var/1pfx"
		for (k = 1; k <= nv; k++) {
			v = vs[k]
			if (!n[v]) { printf "%-7s %2d/%-2d  (no valid run)\n", v, 0, runs[v]; continue }
			ra = ("a" in med) && med[v] > 0 ? sprintf("%.1fx", med["a"] / med[v]) : "-"
			rb = ("b" in med) && med[v] > 0 ? sprintf("%.1fx", med["b"] / med[v]) : "-"
			one = v; sub(/10k$/, "", one)
			r1 = v ~ /10k$/ && (one in med) && med[one] > 0 ? sprintf("%.2f", med[v] / med[one]) : "-"
			printf "%-7s %2d/%-2d %9s %7s %7s %6s %7s %7s %8s\n", v, n[v], runs[v], med[v] " ms",
				mn[v], mx[v], lost[v], ra, rb, r1
		}
	}' "$tsv"
echo "(blackout = longest gap between probe replies, ms; lost = median probes lost;"
echo " a/var, b/var = how many times shorter than baseline a's / b's median;"
echo " var/1pfx = 10k median over the same variant's one-prefix median. Every run: $tsv)"
exit $rc
