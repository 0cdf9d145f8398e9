#!/bin/sh
# test_privs_live.sh - routerd started as root with -u routerd (issue 18,
# items 7 and 9), no pluto nor FRR (it runs and retries them):
#   - the daemon keeps CAP_NET_ADMIN only and has no_new_privs;
#   - its helper routerd-priv (uid 0) has no capability and no_new_privs;
#   - the hook socket's directory is routerd:root 0710, the socket inside,
#     hook.sock in the run directory a link to it; another user cannot send.
# Skips (77) without root or without the user routerd.
set -u

: "${top_builddir:=.}"
rd="$top_builddir/routerd/routerd"
up="$top_builddir/plugins/routerd-updown"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
id routerd >/dev/null 2>&1 || { echo "SKIP: no user routerd"; exit 77; }
[ -x "$rd" ] || { echo "FAIL: $rd not built"; exit 1; }
command -v setpriv >/dev/null 2>&1 || { echo "SKIP: no setpriv"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/privs.XXXXXX")
chmod 755 "$tmp"
mkdir "$tmp/run"
rd_pid=
cleanup() {
	[ -n "$rd_pid" ] && kill "$rd_pid" 2>/dev/null && wait "$rd_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat > "$tmp/r.conf" <<'EOF'
gateway { asn 64512; router-id 192.0.2.1; outside 192.0.2.1; prefixes { 10.0.0.0/16 } }
peer "p" { address 198.51.100.1; asn 65001; prefixes { 10.20.0.0/16 } }
connection "c" { peer "p"
	tunnel "t1" { interface 10; inside 169.254.10.1/30; psk "key.t1.abcdefgh" }
	tunnel "t2" { interface 11; inside 169.254.10.5/30; psk "key.t2.abcdefgh" } }
EOF
touch "$tmp/inc.conf" "$tmp/secrets"
chown routerd "$tmp/inc.conf" "$tmp/secrets"
"$rd" -d -u routerd -f "$tmp/r.conf" -s "$tmp/run/ctl.sock" --run-dir "$tmp/run" \
	--ipsec-conf "$tmp/ipsec.conf" --ipsec-include "$tmp/inc.conf" \
	--ipsec-secrets "$tmp/secrets" --pluto-ctl "$tmp/pluto.ctl" --frr-vty-dir "$tmp/frr" \
	--updown "$(cd "$(dirname "$up")" && pwd)/routerd-updown" > "$tmp/log" 2>&1 &
rd_pid=$!
i=0
while [ ! -S "$tmp/run/hook/hook.sock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ -S "$tmp/run/hook/hook.sock" ] || { echo "FAIL: routerd did not start"; cat "$tmp/log"; exit 1; }

field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
[ "$(field "$rd_pid" NoNewPrivs)" = 1 ] || fail "routerd without no_new_privs"
# CAP_NET_ADMIN is bit 12
[ "$(field "$rd_pid" CapEff)" = 0000000000001000 ] || fail "routerd CapEff $(field "$rd_pid" CapEff)"
[ "$(field "$rd_pid" Uid | cut -f1)" = "$(id -u routerd)" ] || fail "routerd uid"
helper=$(pgrep -P "$rd_pid" -x routerd-priv | head -1)
if [ -z "$helper" ]; then
	fail "no routerd-priv child"
else
	[ "$(field "$helper" NoNewPrivs)" = 1 ] || fail "routerd-priv without no_new_privs"
	[ "$(field "$helper" CapEff)" = 0000000000000000 ] || fail "routerd-priv has capabilities"
	[ "$(field "$helper" CapBnd)" = 0000000000000000 ] || fail "routerd-priv bounding set"
fi
[ "$(stat -c '%U:%G %a' "$tmp/run/hook")" = "routerd:root 710" ] ||
	fail "hook directory $(stat -c '%U:%G %a' "$tmp/run/hook")"
[ "$(readlink "$tmp/run/hook.sock")" = "hook/hook.sock" ] || fail "hook.sock link"
if [ -x "$up" ]; then
	PLUTO_VERB=up-client PLUTO_CONNECTION=rd-c-t1 PLUTO_SA_REQID=10 \
		setpriv --reuid 65534 --regid 65534 --clear-groups "$up" --socket "$tmp/run/hook.sock" \
		2> "$tmp/err"
	grep -q "event dropped" "$tmp/err" || fail "nobody could send: $(cat "$tmp/err")"
	# pluto's updown: root without any capability
	PLUTO_VERB=up-client PLUTO_CONNECTION=rd-c-t1 PLUTO_SA_REQID=10 \
		setpriv --bounding-set -all --inh-caps -all "$up" --socket "$tmp/run/hook/hook.sock" \
		2> "$tmp/err"
	[ -s "$tmp/err" ] && fail "capability-less root could not send: $(cat "$tmp/err")"
fi
kill -0 "$rd_pid" 2>/dev/null || fail "routerd died"
[ $fails -eq 0 ] || { tail -20 "$tmp/log"; exit 1; }
echo PASS
