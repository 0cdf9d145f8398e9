#!/bin/bash
# swan-render-test.sh - routerd's libreswan backend against two real plutos.
#
# Two namespaces joined by a veth, one pluto each, started with an
# ipsec.conf that includes the routerd-owned conn file. tests/unit/swan_driver
# (rd_ike_libreswan: init, apply, up, poll, hook) renders and loads the conns.
#   - kernel without ESP/XFRM interfaces (this host): conns rendered without
#     ipsec-interface= (ROUTERD_SWAN_NO_XFRMI=1); the IKE SA must come up and
#     poll() must report it; a hook message sent with routerd-updown (pluto
#     cannot run it here) must arrive as RD_OBS_CHILD from "updown".
#   - kernel with them (tests/vm/run-in-vm): full conns; the Child SA, ipsec2
#     and pluto's own updown call must all be seen.
# Then: re-apply of an unchanged config must not drop the tunnel, and pluto
# killed must give RD_OBS_BACKEND down.
#
# usage: tests/topo/swan-render-test.sh [BUILDDIR]   (root; RD_OUT keeps captures)
set -euo pipefail

build=${1:-${top_builddir:-/tmp/build-swan}}
driver=$build/tests/unit/swan_driver
updown=$build/plugins/routerd-updown
[ -x "$driver" ] && [ -x "$updown" ] || { echo "build $driver and $updown first"; exit 77; }
command -v ipsec >/dev/null || { echo "libreswan not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }

id=$$
na=swa$id nb=swb$id
dir=$(mktemp -d /tmp/swan-topo.XXXXXX)
out=${RD_OUT:-$dir}
pids=()
ok=0

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for s in a b; do
		[ -f "$dir/$s/run/pluto.pid" ] && kill "$(cat "$dir/$s/run/pluto.pid")" 2>/dev/null || true
	done
	ip netns del "$na" 2>/dev/null || true
	ip netns del "$nb" 2>/dev/null || true
	if [ $ok = 1 ]; then rm -rf "$dir"; else echo "logs kept in $dir"; fi
}
trap cleanup EXIT

# wait_for FILE PATTERN SECONDS: poll until FILE has a line matching PATTERN.
wait_for() {
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "FAIL: no '$2' in $1 within $3 s"; cat "$1"; return 1
}

ms() { date +%s%3N; }

ip netns add "$na"; ip netns add "$nb"
ip link add "sw$id" type veth peer name "sx$id"
ip link set "sw$id" netns "$na"; ip link set "sx$id" netns "$nb"
ip -n "$na" addr add 10.77.0.1/24 dev "sw$id"; ip -n "$nb" addr add 10.77.0.2/24 dev "sx$id"
for n in "$na" "$nb"; do ip -n "$n" link set lo up; done
ip -n "$na" link set "sw$id" up; ip -n "$nb" link set "sx$id" up

full=0
if ip -n "$na" link add rdprobe type xfrm if_id 99 2>/dev/null; then
	ip -n "$na" link del rdprobe
	full=1
else
	export ROUTERD_SWAN_NO_XFRMI=1
fi
until=ike; [ $full = 1 ] && until=hook
echo "mode: $([ $full = 1 ] && echo full || echo ike-only)"

for s in a b; do
	d=$dir/$s; ns=$na; [ $s = b ] && ns=$nb
	mkdir -p "$d/run" "$d/nss" "$d/ipsec.d"
	ipsec initnss --nssdir "$d/nss" >/dev/null
	printf 'config setup\n\tlogfile=%s/pluto.log\n\tplutodebug=none\n\tikev1-policy=accept\ninclude %s/routerd.conf\n' \
		"$d" "$d" >"$d/ipsec.conf"
	: >"$d/routerd.conf"; install -m 600 /dev/null "$d/secrets"
	ip netns exec "$ns" ipsec pluto --config "$d/ipsec.conf" --rundir "$d/run" \
		--nssdir "$d/nss" --secretsfile "$d/secrets" --ipsecdir "$d/ipsec.d" 2>/dev/null
done
for s in a b; do
	end=$((SECONDS + 10))
	until [ -S "$dir/$s/run/pluto.ctl" ]; do
		[ $SECONDS -lt $end ] || { echo "FAIL: pluto $s did not start"; exit 1; }
		sleep 0.1
	done
done

args() { # args SIDE LEFT RIGHT
	echo --run "$dir/$1/run" --conf "$dir/$1/ipsec.conf" --include "$dir/$1/routerd.conf" \
		--secrets "$dir/$1/secrets" --ctl "$dir/$1/run/pluto.ctl" --updown "$updown" \
		--left "$2" --right "$3" --psk swan_test_key
}
t0=$(ms)
# b (responder) never finishes on its own: it keeps its conn until cleanup.
ip netns exec "$nb" "$driver" $(args b 10.77.0.2 10.77.0.1) --until never --timeout 300 \
	>"$dir/b.out" 2>"$dir/b.err" &
pids+=($!)
wait_for "$dir/b.out" APPLIED 10
ip netns exec "$na" "$driver" $(args a 10.77.0.1 10.77.0.2) --initiate --reapply \
	--backend-down --until "$until" --timeout 60 >"$dir/a.out" 2>"$dir/a.err" &
apid=$!; pids+=($apid)
wait_for "$dir/a.out" "OBS IKE 2 up whack" 30
t_ike=$(ms)
wait_for "$dir/a.out" READY-FOR-KILL 30
grep -q 'REAPPLY 0' "$dir/a.out" && grep -q 'REAPPLY-DOWNS 0' "$dir/a.out" ||
	{ echo "FAIL: re-apply disturbed the tunnel"; cat "$dir/a.out"; exit 1; }
grep -q 'changed: replacing\|new: adding' "$dir/a.err"
[ "$(grep -c 'new: adding\|changed: replacing' "$dir/a.err")" = 1 ] ||
	{ echo "FAIL: re-apply re-added an unchanged conn"; cat "$dir/a.err"; exit 1; }

W="ipsec whack --ctlsocket $dir/a/run/pluto.ctl"
ip netns exec "$na" $W --showstates >"$out/showstates-a.txt"
ip netns exec "$na" $W --trafficstatus >"$out/trafficstatus-a.txt"
ip netns exec "$nb" ipsec whack --ctlsocket "$dir/b/run/pluto.ctl" --showstates >"$out/showstates-b.txt"
cat "$dir/a/routerd.conf" "$dir/a/routerd.conf.d/"*.conf >"$out/rendered-a.conf"   # include + one file per conn

if [ $full = 1 ]; then
	grep -q 'OBS CHILD 2 up updown' "$dir/a.out" || { echo "FAIL: no hook on a"; exit 1; }
	ip -n "$na" link show ipsec2 >/dev/null || { echo "FAIL: no ipsec2"; exit 1; }
	ip -n "$na" addr add 169.254.10.1/30 dev ipsec2; ip -n "$na" link set ipsec2 up
	ip -n "$nb" addr add 169.254.10.2/30 dev ipsec2; ip -n "$nb" link set ipsec2 up
	ip netns exec "$na" ping -c 3 -W 2 169.254.10.2 >"$out/ping.txt" ||
		{ echo "FAIL: no ping through ipsec2"; cat "$out/ping.txt"; exit 1; }
	ip netns exec "$na" $W --trafficstatus >"$out/trafficstatus-a.txt"
else
	# pluto cannot run the hook here: play pluto's part once.
	ip netns exec "$na" env PLUTO_VERB=up-client PLUTO_CONNECTION=rd-vpn1-tun1 \
		PLUTO_SA_REQID=2 PLUTO_PEER=10.77.0.2 PLUTO_ME=10.77.0.1 \
		PLUTO_VIRT_INTERFACE=ipsec2 SPI_IN=0x1234 SPI_OUT=0x5678 \
		"$updown" --socket "$dir/a/run/hook.sock"
	wait_for "$dir/a.out" "OBS CHILD 2 up updown updown up-client" 5
	# and a junk datagram is dropped with a reason, not fatal
	ip netns exec "$na" env PLUTO_VERB=bogus "$updown" --socket "$dir/a/run/hook.sock" 2>/dev/null
fi

t_kill=$(ms)
kill "$(cat "$dir/a/run/pluto.pid")"
wait_for "$dir/a.out" "OBS BACKEND 0 down" 10
t_down=$(ms)
wait "$apid" || { echo "FAIL: driver a exited non-zero"; cat "$dir/a.out"; exit 1; }
echo "apply -> IKE up observed: $((t_ike - t0)) ms; pluto killed -> BACKEND down: $((t_down - t_kill)) ms"
grep '^OBS' "$dir/a.out"
echo PASS
ok=1
