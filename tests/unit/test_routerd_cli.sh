#!/bin/sh
# test_routerd_cli.sh: routerd -n / -nv from the command line: every example
# is accepted and round-trips through -nv --show-secrets (plain -nv redacts
# the inline keys); a broken file is rejected with file:line:col errors (all
# of them) and exit 1; so is a file that is no regular file; bad usage exits 2.
set -u
umask 077
rd=${top_builddir:-.}/routerd/routerd
ex=${top_srcdir:-.}/conf/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
no() { echo "FAIL: $*"; fails=$((fails + 1)); }

for f in "$ex"/*.conf; do
	cp "$f" "$tmp/ex.conf" && chmod 600 "$tmp/ex.conf"
	"$rd" -n -f "$tmp/ex.conf" 2>/dev/null || no "-n rejects $f"
	"$rd" -nv --show-secrets -f "$tmp/ex.conf" > "$tmp/a.conf" || no "-nv fails on $f"
	"$rd" -nv --show-secrets -f "$tmp/a.conf" > "$tmp/b.conf" ||
		no "-nv output of $f does not parse"
	cmp -s "$tmp/a.conf" "$tmp/b.conf" || no "$f does not round-trip through -nv"
	"$rd" -nv -f "$tmp/ex.conf" > "$tmp/r.conf" || no "-nv (redacted) fails on $f"
	key=$(sed -n 's/.*psk "\([^"]*\)".*/\1/p' "$f" | head -n 1)
	if [ -n "$key" ]; then
		! grep -q -- "$key" "$tmp/r.conf" || no "-nv prints the key of $f"
		grep -q 'psk "<redacted>"' "$tmp/r.conf" || no "-nv does not redact $f"
	fi
done
# never blocks nor reads forever: a device, a FIFO (timeout: a hang guard)
timeout 60 "$rd" -n -f /dev/zero 2> "$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "^/dev/zero:0:0: not a regular file" "$tmp/err" || no "/dev/zero: exit $rc"
mkfifo "$tmp/fifo.conf"
timeout 60 "$rd" -n -f "$tmp/fifo.conf" 2>/dev/null; rc=$?
[ $rc = 1 ] || no "FIFO as configuration: exit $rc, expected 1"

cat > "$tmp/bad.conf" <<'CONF'
gateway { asn 23456 outside 192.0.2.1 }
peer "p" { address 198.51.100.1 asn 65001 }
connection "c" {
	peer "p"
	tunnel "t1" { inside 169.254.1.1/30 psk "0starts.with.zero" }
	tunnel "t2" { inside 169.254.10.1/30 psk "good.key.123" phase2 { lifetime 4000 } }
}
CONF
"$rd" -n -f "$tmp/bad.conf" 2> "$tmp/err"
rc=$?
[ $rc = 1 ] || no "broken file: exit $rc, expected 1"
grep -q "^$tmp/bad.conf:1:15: asn 23456" "$tmp/err" || no "no file:line:col for the ASN"
grep -q "^$tmp/bad.conf:5:.*inside 169.254.1.0/30 is reserved" "$tmp/err" || no "reserved inside CIDR not reported"
grep -q "^$tmp/bad.conf:5:.*psk" "$tmp/err" || no "bad PSK not reported"
grep -q "^$tmp/bad.conf:6:.*lifetime 4000" "$tmp/err" || no "phase 2 lifetime range not reported"
[ "$(grep -c "^$tmp/bad.conf:[0-9]*:[0-9]*: " "$tmp/err")" -ge 4 ] || no "not every error in one run"
"$rd" -n -f "$tmp/missing.conf" 2>/dev/null; [ $? = 1 ] || no "missing file: exit not 1"
"$rd" --no-such-option 2>/dev/null; [ $? = 2 ] || no "bad option: exit not 2"
"$rd" --help | grep -q -- "--check" || no "--help does not document -n"
"$rd" --help | grep -q -- "--show-secrets" || no "--help does not document --show-secrets"
[ $fails = 0 ] || { cat "$tmp/err"; exit 1; }
echo "routerd CLI: all checks passed"
