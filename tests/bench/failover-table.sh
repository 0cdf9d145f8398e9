#!/usr/bin/env bash
# failover-table.sh TSV [VARIANTS]: the failover benchmark's table from its
# per-run TSV (tests/bench/failover.sh writes it; also usable on a partial
# one). Statistics over the valid runs of each variant, in VARIANTS' order
# (default: the order of the TSV).
set -euo pipefail
tsv=${1:?tsv}
order=${2:-$(awk -F'\t' 'NR > 1 && !s[$1]++ { printf "%s ", $1 }' "$tsv")}
awk -F'\t' -v order="$order" '
	function ratio(r) { return sprintf(r < 1 ? "%.3fx" : "%.1fx", r) }
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
			ra = ("a" in med) && med[v] > 0 ? ratio(med["a"] / med[v]) : "-"
			rb = ("b" in med) && med[v] > 0 ? ratio(med["b"] / med[v]) : "-"
			one = v; sub(/10k$/, "", one)
			r1 = v ~ /10k$/ && (one in med) && med[one] > 0 ? sprintf("%.2f", med[v] / med[one]) : "-"
			printf "%-7s %2d/%-2d %9s %7s %7s %6s %7s %7s %8s\n", v, n[v], runs[v], med[v] " ms",
				mn[v], mx[v], lost[v], ra, rb, r1
		}
	}' "$tsv"
echo "(blackout = longest gap between probe replies, ms; lost = median probes lost;"
echo " a/var, b/var = how many times shorter than baseline a's / b's median;"
echo " var/1pfx = 10k median over the same variant's one-prefix median.)"
