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
"$here/failover-table.sh" "$tsv" "$VARIANTS"
echo "(every run: $tsv)"
exit $rc
