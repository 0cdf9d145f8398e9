#!/bin/sh
# frr-vty-test.sh - the FRR backend against real daemons, natively (no VM).
#
# Two namespaces joined by a veth /30 (169.254.10.1 - .2), zebra + staticd +
# bgpd + bfdd in each with its own --vty_socket directory; tests/unit/frr_driver
# configures both sides through rd_bgp_frr, checks Established, the prefix
# exchange, withdrawal on neighbor shutdown, kill -9 / restart of bgpd and
# re-apply, and measures a 10,000-prefix apply.
#
# usage: tests/topo/frr-vty-test.sh [BUILDDIR]     (root; KEEP=1 keeps the logs)
set -eu

B=${1:-${top_builddir:-.}}
DRIVER=$B/tests/unit/frr_driver
FRR=/usr/lib/frr
RUN=rdfrr$$
NSA=${RUN}a
NSB=${RUN}b
D=/tmp/$RUN

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x "$FRR/bgpd" ] || { echo "SKIP: FRR not installed"; exit 77; }
[ -x "$DRIVER" ] || { echo "missing $DRIVER (make tests/unit/frr_driver)"; exit 1; }

cleanup() {
	for f in "$D"/a/*.pid "$D"/b/*.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
	done
	ip netns del "$NSA" 2>/dev/null || true
	ip netns del "$NSB" 2>/dev/null || true
	if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $D"; else rm -rf "$D"; fi
}
trap cleanup EXIT INT TERM

# wait_for SECONDS COMMAND...: poll every 100 ms until COMMAND succeeds.
wait_for() {
	n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# start_daemon NS DIR DAEMON
start_daemon() {
	rm -f "$2/$3.pid"
	# bfdd's control socket beside the vty sockets, where routerd looks
	extra=
	[ "$3" = bfdd ] && extra="--bfdctl $2/bfdd.sock"
	# shellcheck disable=SC2086
	ip netns exec "$1" "$FRR/$3" -d --vty_socket "$2" -i "$2/$3.pid" -z "$2/zserv.api" \
		-f "$2/empty.conf" --log "file:$2/$3.log" $extra 2>>"$2/start.err"
	wait_for 10 vtysh --vty_socket "$2" -d "$3" -c "show version" ||
		{ echo "FAIL: $3 in $1 did not start"; cat "$2/start.err"; exit 1; }
}

setup_side() {   # NS DIR
	mkdir -p "$2"
	: >"$2/empty.conf"
	chown -R frr:frr "$2"
	ip -n "$1" link set lo up
	for d in zebra staticd bgpd bfdd; do start_daemon "$1" "$2" "$d"; done
}

mkdir -p "$D"
ip netns add "$NSA"
ip netns add "$NSB"
ip link add "va$$" netns "$NSA" type veth peer name "vb$$" netns "$NSB"
# named as the tunnel's interface (ifnum 2): routerd's BFD sessions name it
ip -n "$NSA" link set "va$$" name ipsec2
ip -n "$NSB" link set "vb$$" name ipsec2
ip -n "$NSA" addr add 169.254.10.1/30 dev ipsec2
ip -n "$NSB" addr add 169.254.10.2/30 dev ipsec2
ip -n "$NSA" link set ipsec2 up
ip -n "$NSB" link set ipsec2 up
setup_side "$NSA" "$D/a"
setup_side "$NSB" "$D/b"

# How the driver restarts A's bgpd: kill -9, wait for it to be gone, start again.
cat >"$D/restart-a.sh" <<EOS
#!/bin/sh
pid=\$(cat "$D/a/bgpd.pid")
kill -9 "\$pid"
while kill -0 "\$pid" 2>/dev/null; do sleep 0.05; done
rm -f "$D/a/bgpd.pid"
ip netns exec "$NSA" "$FRR/bgpd" -d --vty_socket "$D/a" -i "$D/a/bgpd.pid" -z "$D/a/zserv.api" \
	-f "$D/a/empty.conf" --log "file:$D/a/bgpd.log"
i=0
until vtysh --vty_socket "$D/a" -d bgpd -c "show version" >/dev/null 2>&1; do
	i=\$((i + 1)); [ \$i -lt 100 ] || exit 1; sleep 0.1
done
EOS
chmod +x "$D/restart-a.sh"

RESTART_A="$D/restart-a.sh" "$DRIVER" "$D/a" "$D/b" | tee "$D/driver.out"
rc=$(grep -c '^FAIL' "$D/driver.out" || true)
[ "$rc" = 0 ] && grep -q '^PASS' "$D/driver.out"
