# shellcheck shell=bash disable=SC2154
# tests/topo/customer.sh: a third-party customer gateway (strongSwan 5.9 +
# BIRD 2, Debian's packages) facing routerd, for the customer-gateway
# scenarios (tests/topo/scenarios/m-*, n-*, o-*) and the benchmark
# tests/bench/customer-failover.sh. Sourced after lib.sh and routerd.sh.
#
#   hq-lan 10.0.0.10 -- hq ==wan0== inet ==wan0== cust -- cust-lan 10.20.0.10
#                                        (or: inet == nat == cust, CUST_NAT=1)
#   tun1: 192.0.2.1 <-> 198.51.100.1, ipsec10 at both ends, 169.254.10.1/30 <-> .2
#   tun2: 192.0.2.5 <-> 198.51.100.1, ipsec11 at both ends, 169.254.10.5/30 <-> .6
#
# hq is the virtual private gateway: routerd at its DEFAULT settings (the
# config names addresses, prefixes, tunnels and keys, nothing else), or,
# with CUST_HQ=manual, plain libreswan + FRR with the usual timers (BGP
# 10/30, DPD 10 s / 30 s, no BFD; manual-config.sh) as a baseline.
#
# cust is configured the way AWS's generic customer-gateway guidance tells a
# customer to, nothing tuned for routerd: strongSwan (charon + swanctl) with
# IKEv2 PSK, IP-address identities, DPD 10 s with restart, XFRM interfaces
# (if_id per tunnel, install_routes off: a route-based VPN), the customer
# initiates; BIRD with one eBGP session per tunnel over the inside /30,
# keepalive 10 / hold 30, the LAN advertised on both, the backup tunnel's
# export AS-path prepended, BGP routes exported to the kernel. Everything
# else at the daemons' defaults (BIRD's error wait time 60 s, connect
# retry 120 s, strongSwan's 165 s retransmission budget...).
#
# Knobs (environment, read by cust_setup):
#   CUST_BFD=1     BIRD `bfd on` on both sessions (protocol bfd at BIRD's
#                  defaults); default 0 (AWS offers no BFD on VPN tunnels)
#   CUST_IKE=1     IKEv1 (main mode, dpd_timeout 30 s) instead of IKEv2
#   CUST_NAT=1     the customer sits behind a NAT namespace (nftables
#                  masquerade, private 192.168.100.2): NAT-T, UDP 4500;
#                  its IKE identity is the NAT's public address, as AWS
#                  asks for
#   CUST_HQ=manual plain libreswan + FRR at hq instead of routerd
#
# strongSwan conflicts with libreswan in dpkg: its .debs are fetched on the
# host by tests/topo/strongswan-debs.sh (from tests/deps.sh) and unpacked
# here with `dpkg -x` into a cache ($CUST_SWAN_ROOT); charon and swanctl run
# in a private mount namespace where that tree is overlaid on /usr/lib (their
# library and plugin paths are compiled in) and /run is a private tmpfs
# (charon's pid file). Sockets, configs: $RD_RUNDIR/cust/{swan,bird}; logs:
# $RD_LOGDIR/cust-charon.log, cust-bird.log.
#
# Checks: `check DESC CMD...` runs CMD and records a failed check (logged
# at once as "CHECK FAILED: DESC") without stopping the scenario, so one run
# reports every assertion; `cust_finish` fails the scenario if any failed.

# shellcheck source=tests/topo/scen1-lib.sh
. "$topo_here/scen1-lib.sh"

HQ_ASN=64512 CUST_ASN=65001
HQ_LAN=10.0.0.0/16 CUST_LAN=10.20.0.0/16
HQ_HOST=10.0.0.10 CUST_HOST=10.20.0.10
HQ_OUT1=192.0.2.1 HQ_OUT2=192.0.2.5
CUST_PUB=198.51.100.1               # the customer gateway's address (or its NAT's)
CUST_PRIV=192.168.100.2 NAT_IN=192.168.100.1
T1_HQ_IN=169.254.10.1 T1_CU_IN=169.254.10.2
T2_HQ_IN=169.254.10.5 T2_CU_IN=169.254.10.6
T1_DEV=ipsec10 T2_DEV=ipsec11
CUST_PSK1=cust.tun1.k3yA1234 CUST_PSK2=cust.tun2.k3yB5678
CUST_CONN=vpn

CUST_SWAN_DEBS=${RD_SWAN_DEBS:-/var/tmp/routerd-strongswan}
CUST_SWAN_ROOT=${CUST_SWAN_ROOT:-}
CUST_CHECKS=0
CUST_FAILED=()

# ---------------------------------------------------------------------------
# soft checks
# ---------------------------------------------------------------------------

# check DESC CMD...: CMD must succeed; a failure is logged (with CMD's
# output) and counted, and the scenario goes on.
check() {
	local desc=$1 out
	shift
	CUST_CHECKS=$((CUST_CHECKS + 1))
	if out=$("$@" 2>&1); then
		log "CHECK ok: $desc"
	else
		log "CHECK FAILED: $desc" >&2
		[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/  | /' >&2
		CUST_FAILED+=("$desc")
	fi
}

# cfail MSG: a hard failure: dump the customer's state, then fail.
cfail() {
	cust_dump_state
	fail "$*"
}

# cust_finish: fail if any check failed, listing them; else log PASS.
cust_finish() {
	local d
	if [ ${#CUST_FAILED[@]} -gt 0 ]; then
		cust_dump_state
		for d in "${CUST_FAILED[@]}"; do
			log "failed check: $d" >&2
		done
		fail "${#CUST_FAILED[@]} of $CUST_CHECKS checks failed"
	fi
	log "all $CUST_CHECKS checks passed"
	log "PASS"
}

# ---------------------------------------------------------------------------
# strongSwan from the cached .debs
# ---------------------------------------------------------------------------

# cust_swan_prepare: unpack the cached strongSwan .debs once (per host, or
# per guest boot: in the VM /var/tmp is the guest's tmpfs overlay) into
# $CUST_SWAN_ROOT.
cust_swan_prepare() {
	local debs key tmp d
	debs=$(ls "$CUST_SWAN_DEBS"/*.deb 2>/dev/null | sort) || true
	[ -n "$debs" ] || fail "no strongSwan .debs in $CUST_SWAN_DEBS: run tests/deps.sh (or tests/topo/strongswan-debs.sh) on the host"
	key=$(basename -a $debs | md5sum | cut -c1-10)
	[ -n "$CUST_SWAN_ROOT" ] || CUST_SWAN_ROOT=$CUST_SWAN_DEBS/root-$key
	if [ ! -x "$CUST_SWAN_ROOT/usr/lib/ipsec/charon" ]; then
		tmp=$(mktemp -d "$CUST_SWAN_DEBS/unpack.XXXXXX")
		for d in $debs; do
			dpkg -x "$d" "$tmp" || fail "dpkg -x $d failed"
		done
		rm -rf "$CUST_SWAN_ROOT"
		mv "$tmp" "$CUST_SWAN_ROOT" 2>/dev/null || rm -rf "$tmp"   # lost a race: fine
	fi
	[ -x "$CUST_SWAN_ROOT/usr/lib/ipsec/charon" ] && [ -x "$CUST_SWAN_ROOT/usr/sbin/swanctl" ] ||
		fail "strongSwan not unpacked in $CUST_SWAN_ROOT"
}

# cust_swan_exec NS CMD...: CMD (charon or swanctl, by their installed
# paths) in namespace NS, in a private mount namespace where the unpacked
# /usr/lib/ipsec is overlaid on /usr/lib and /run is a fresh tmpfs, with
# $CUST_SWAN_DIR/strongswan.conf.
cust_swan_exec() {
	local ns=$1
	shift
	nsx "$ns" env STRONGSWAN_CONF="$CUST_SWAN_DIR/strongswan.conf" \
		unshare -m --propagation private sh -c '
		r=$1; shift
		mount -t overlay overlay -o "lowerdir=$r/usr/lib:/usr/lib" /usr/lib &&
		mount -t tmpfs tmpfs /run && exec "$@"' sh "$CUST_SWAN_ROOT" "$@"
}

# swanctl_cust COMMAND ARGS...: swanctl on the customer's charon.
swanctl_cust() {
	local c=$1
	shift
	cust_swan_exec cust "$CUST_SWAN_ROOT/usr/sbin/swanctl" "$c" --uri "unix://$CUST_SWAN_DIR/charon.vici" "$@"
}

# ---------------------------------------------------------------------------
# topology
# ---------------------------------------------------------------------------

# cust_topology: inet, hq (+hq-lan), cust (+cust-lan) and, with CUST_NAT=1,
# the nat namespace between cust and inet.
cust_topology() {
	topo_internet
	topo_site hq 0
	topo_site cust 20
	topo_outside hq "$HQ_OUT1" "$HQ_OUT2"
	if [ "${CUST_NAT:-0}" = 1 ]; then
		topo_add_ns nat
		topo_veth cust wan0 nat cpe0
		ip -n "$(topo_ns nat)" addr add "$NAT_IN/24" dev cpe0
		ip -n "$(topo_ns cust)" addr add "$CUST_PRIV/24" dev wan0
		ip -n "$(topo_ns cust)" route add default via "$NAT_IN"
		topo_outside nat "$CUST_PUB"
		nsx nat nft -f - <<-'EOF'
		table ip cpenat {
			chain post {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "wan0" counter masquerade
			}
		}
		EOF
		CUST_LOCAL=$CUST_PRIV
	else
		topo_outside cust "$CUST_PUB"
		CUST_LOCAL=$CUST_PUB
	fi
	log "topology up: hq, cust$([ "${CUST_NAT:-0}" = 1 ] && echo " (behind nat)"), inet"
}

# cust_xfrm_ifaces: the customer's XFRM interfaces ipsec10/11 (if_id 10/11)
# with the inside addresses, as a route-based strongSwan setup has them.
cust_xfrm_ifaces() {
	local n ifn addr
	for n in 1 2; do
		ifn=$((9 + n))
		[ $n = 1 ] && addr=$T1_CU_IN || addr=$T2_CU_IN
		nsx cust ip link add "ipsec$ifn" type xfrm dev wan0 if_id "$ifn"
		nsx cust ip addr add "$addr/30" dev "ipsec$ifn"
		nsx cust ip link set "ipsec$ifn" up
	done
}

# ---------------------------------------------------------------------------
# the customer's strongSwan
# ---------------------------------------------------------------------------

# cust_swan_config: strongswan.conf and swanctl.conf in $CUST_SWAN_DIR.
cust_swan_config() {
	local d=$CUST_SWAN_DIR n hq psk ifn v=${CUST_IKE:-2}
	cat > "$d/strongswan.conf" <<-EOF
	# the customer's charon (tests/topo/customer.sh)
	charon {
	 	# route-based: traffic is routed into the XFRM interfaces, so
	 	# charon must not install its own routes (table 220) for 0/0
	 	install_routes = no
	 	load = random nonce aes sha1 sha2 md5 hmac gmp openssl pem pkcs1 pkcs8 x509 pubkey kdf gcm xcbc kernel-netlink socket-default vici counters
	 	plugins {
	 		vici {
	 			socket = unix://$d/charon.vici
	 		}
	 	}
	 	filelog {
	 		cust {
	 			path = $RD_LOGDIR/cust-charon.log
	 			time_format = %T
	 			ike_name = yes
	 			append = yes
	 			flush_line = yes
	 			default = 1
	 		}
	 	}
	 	syslog {
	 		daemon {
	 			default = -1
	 		}
	 	}
	}
	swanctl {
	 	load = random pem pkcs1 pkcs8 x509 pubkey openssl
	}
	EOF
	{
		echo "connections {"
		for n in 1 2; do
			ifn=$((9 + n))
			[ $n = 1 ] && hq=$HQ_OUT1 || hq=$HQ_OUT2
			cat <<-EOF
			 	tun$n {
			 		version = $v
			 		local_addrs = $CUST_LOCAL
			 		remote_addrs = $hq
			 		proposals = aes256-sha256-modp2048
			 		rekey_time = 28800s
			 		dpd_delay = 10s
			EOF
			[ "$v" = 1 ] && echo "		dpd_timeout = 30s"
			cat <<-EOF
			 		keyingtries = 0
			 		local {
			 			auth = psk
			 			id = $CUST_PUB
			 		}
			 		remote {
			 			auth = psk
			 			id = $hq
			 		}
			 		children {
			 			tun$n {
			 				local_ts = 0.0.0.0/0
			 				remote_ts = 0.0.0.0/0
			 				esp_proposals = aes256-sha256-modp2048
			 				rekey_time = 3600s
			 				if_id_in = $ifn
			 				if_id_out = $ifn
			 				dpd_action = restart
			 				close_action = start
			 				start_action = start
			 			}
			 		}
			 	}
			EOF
		done
		echo "}"
		echo "secrets {"
		for n in 1 2; do
			[ $n = 1 ] && { hq=$HQ_OUT1; psk=$CUST_PSK1; } || { hq=$HQ_OUT2; psk=$CUST_PSK2; }
			printf '\tike-tun%s {\n\t\tid-cust = %s\n\t\tid-aws = %s\n\t\tsecret = "%s"\n\t}\n' \
				"$n" "$CUST_PUB" "$hq" "$psk"
		done
		echo "}"
	} > "$d/swanctl.conf"
	chmod 600 "$d/swanctl.conf"
}

# cust_start_charon: charon in cust (our child, logs to cust-charon.log),
# then swanctl --load-all (start_action=start: the customer initiates).
cust_start_charon() {
	rd_spawn "$RD_LOGDIR/cust-charon.out" cust env STRONGSWAN_CONF="$CUST_SWAN_DIR/strongswan.conf" \
		unshare -m --propagation private sh -c '
		r=$1; shift
		mount -t overlay overlay -o "lowerdir=$r/usr/lib:/usr/lib" /usr/lib &&
		mount -t tmpfs tmpfs /run && exec "$@"' sh "$CUST_SWAN_ROOT" \
		/usr/lib/ipsec/charon
	wait_until 60 "charon's vici socket in cust" test -S "$CUST_SWAN_DIR/charon.vici" ||
		cfail "charon did not start (see cust-charon.out)"
	swanctl_cust --load-all --noprompt --file "$CUST_SWAN_DIR/swanctl.conf" \
		> "$RD_LOGDIR/cust-swanctl-load.out" 2>&1 ||
		cfail "swanctl --load-all failed: $(cat "$RD_LOGDIR/cust-swanctl-load.out")"
	log "charon up in cust (IKEv${CUST_IKE:-2}$([ "${CUST_NAT:-0}" = 1 ] && echo ", behind NAT"))"
}

# cust_sas: swanctl --list-sas (IKE and Child SAs, human-readable). The vici
# socket is reachable from any namespace and listing needs no plugin, so
# this runs swanctl with just its library path (cheap enough to poll).
cust_sas() {
	STRONGSWAN_CONF=$CUST_SWAN_DIR/strongswan.conf LD_LIBRARY_PATH=$CUST_SWAN_ROOT/usr/lib/ipsec \
		"$CUST_SWAN_ROOT/usr/sbin/swanctl" --list-sas --uri "unix://$CUST_SWAN_DIR/charon.vici" 2>/dev/null
}

# cust_child_ids TUN: the unique ids of TUN's installed Child SAs, space
# separated ("tun1: #3, reqid 1, INSTALLED, ..." lines under the IKE SA).
cust_child_ids() {
	cust_sas | awk -v t="$1" '$1 == t ":" && /INSTALLED/ { gsub(/[#,]/, "", $2); printf "%s ", $2 }'
}

# cust_child_installed TUN: exactly one Child SA of TUN is installed.
cust_child_installed() {
	local ids
	ids=$(cust_child_ids "$1")
	set -- $ids
	[ $# = 1 ]
}

# cust_nat_t: the customer's ESP SAs are UDP-encapsulated (NAT-T).
cust_nat_t() {
	local n
	n=$(nsx cust ip xfrm state | grep -c 'encap type espinudp') || true
	[ "$n" -ge 4 ] || { echo "$n UDP-encapsulated states"; nsx cust ip xfrm state; return 1; }
}

# ---------------------------------------------------------------------------
# the customer's BIRD
# ---------------------------------------------------------------------------

# cust_bird_config: bird.conf in $CUST_BIRD_DIR.
cust_bird_config() {
	local bfd=""
	[ "${CUST_BFD:-0}" = 1 ] && bfd="bfd on;"
	cat > "$CUST_BIRD_DIR/bird.conf" <<-EOF
	# the customer's BIRD (tests/topo/customer.sh)
	log "$RD_LOGDIR/cust-bird.log" all;
	timeformat protocol iso long ms;
	timeformat route iso long ms;
	router id 10.20.0.1;
	# logging only: session state changes into cust-bird.log
	debug protocols { states };

	protocol device {
	}
	# the LAN, to advertise
	protocol direct {
	 	ipv4;
	 	interface "lan0";
	}
	# routes learned over the tunnels go to the kernel
	protocol kernel {
	 	ipv4 {
	 		import none;
	 		export where source = RTS_BGP;
	 	};
	}
	$([ "${CUST_BFD:-0}" = 1 ] && echo "protocol bfd {
	}")

	filter to_aws {
	 	if net = $CUST_LAN then accept;
	 	reject;
	}
	# the backup tunnel: AS path prepended, so AWS prefers tunnel 1
	filter to_aws_backup {
	 	if net = $CUST_LAN then {
	 		bgp_path.prepend($CUST_ASN);
	 		bgp_path.prepend($CUST_ASN);
	 		accept;
	 	}
	 	reject;
	}

	template bgp aws {
	 	local as $CUST_ASN;
	 	hold time 30;
	 	keepalive time 10;
	 	$bfd
	}
	protocol bgp tun1 from aws {
	 	local $T1_CU_IN as $CUST_ASN;
	 	neighbor $T1_HQ_IN as $HQ_ASN;
	 	ipv4 {
	 		import all;
	 		export filter to_aws;
	 	};
	}
	protocol bgp tun2 from aws {
	 	local $T2_CU_IN as $CUST_ASN;
	 	neighbor $T2_HQ_IN as $HQ_ASN;
	 	ipv4 {
	 		import all;
	 		export filter to_aws_backup;
	 	};
	}
	EOF
}

# cust_start_bird: BIRD in cust with its own control socket.
cust_start_bird() {
	local d=$CUST_BIRD_DIR
	bird -p -c "$d/bird.conf" || cfail "bird.conf does not parse"
	rd_spawn "$RD_LOGDIR/cust-bird.out" cust bird -f -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid"
	wait_until 30 "BIRD's control socket in cust" test -S "$d/bird.ctl" || cfail "BIRD did not start"
	log "BIRD up in cust$([ "${CUST_BFD:-0}" = 1 ] && echo " (bfd on)")"
}

# birdc_cust CMD...: birdc on the customer's BIRD (output without the
# version banner).
birdc_cust() { birdc -s "$CUST_BIRD_DIR/bird.ctl" "$@" | sed '1{/^BIRD /d}'; }

# cust_bgp_state TUN: BIRD's BGP state of session TUN (Established, Active...).
cust_bgp_state() {
	birdc_cust show protocols all "$1" | sed -n 's/^ *BGP state: *//p' | head -n 1
}
cust_bgp_is() { [ "$(cust_bgp_state "$1")" = "$2" ]; }

# cust_bgp_since TUN: when session TUN last changed state (BIRD's "Since",
# ms resolution): unchanged means not reset.
cust_bgp_since() {
	birdc_cust show protocols "$1" | awk -v t="$1" '$1 == t { print $5 "T" $6 }'
}

# since_same A B: two of BIRD's "since" stamps name the same moment. BIRD
# keeps monotonic times and prints them as wall-clock, so one moment can
# print 1 ms apart; a reset (down, at least BIRD's 5 s connect delay, up)
# moves it by seconds.
since_same() {
	local a b
	a=$(date -d "$1" +%s%3N 2>/dev/null) && b=$(date -d "$2" +%s%3N 2>/dev/null) || return 1
	[ $(( a > b ? a - b : b - a )) -le 1000 ]
}

# session_kept "STATE SINCE" SINCE_BEFORE: a BIRD session is Established
# and has not changed state since SINCE_BEFORE (says what it saw).
session_kept() {
	echo "BIRD session: ${1%% *} since ${1#* } (before: since $2)"
	[ "${1%% *}" = Established ] && since_same "${1#* }" "$2"
}

# cust_bgp_last_error TUN: BIRD's "Last error" of session TUN (empty if none).
cust_bgp_last_error() {
	birdc_cust show protocols all "$1" | sed -n 's/^ *Last error: *//p' | head -n 1
}

# cust_bgp_summary: one line per session: name, state, since, last error.
cust_bgp_summary() {
	local t
	for t in tun1 tun2; do
		echo "$t: $(cust_bgp_state $t) since $(cust_bgp_since $t) last error: $(cust_bgp_last_error $t)"
	done
}

# cust_best PREFIX: the BGP session BIRD's best route for PREFIX came from
# (tun1, tun2; empty if none).
cust_best() {
	birdc_cust show route "$1" primary | sed -n 's/.*unicast \[\([^ ]*\) .*\*.*/\1/p' | head -n 1
}

# cust_dump_state: the customer's and hq's state into $RD_LOGDIR/state-cust.txt.
cust_dump_state() {
	{
		echo "### birdc show protocols all"; birdc_cust show protocols all 2>&1
		echo "### birdc show route all"; birdc_cust show route all 2>&1
		echo "### birdc show bfd sessions"; birdc_cust show bfd sessions 2>&1
		echo "### swanctl --list-sas"; cust_sas 2>&1
		for c in "ip -d link" "ip addr" "ip route" "ip -s xfrm state" "ip xfrm policy"; do
			echo "### cust: $c"
			# shellcheck disable=SC2086
			timeout 10 ip netns exec "$(topo_ns cust)" $c 2>&1
		done
		if [ "${CUST_NAT:-0}" = 1 ]; then
			echo "### nat: nft list ruleset"; nsx nat nft list ruleset 2>&1
			echo "### nat: conntrack"; nsx nat cat /proc/net/nf_conntrack 2>&1
		fi
		echo "### inet: nft list ruleset"; nsx inet nft list ruleset 2>&1
	} > "$RD_LOGDIR/state-cust.txt" 2>&1 || true
}

# ---------------------------------------------------------------------------
# hq: routerd at its defaults, or plain libreswan + FRR
# ---------------------------------------------------------------------------

# cust_hq_conf FILE: routerd's configuration at hq. Defaults everywhere: no
# ike-versions, timers, bfd, probe, hold-down, prepend, med.
cust_hq_conf() {
	cat > "$1" <<-EOF
	# hq, the virtual private gateway, at routerd's defaults, facing a
	# strongSwan + BIRD customer gateway (tests/topo/customer.sh)
	gateway {
	 	asn $HQ_ASN
	 	outside $HQ_OUT1
	 	prefixes { $HQ_LAN }
	}
	peer "cust" {
	 	address $CUST_PUB
	 	asn $CUST_ASN
	 	prefixes { $CUST_LAN }
	}
	connection "$CUST_CONN" {
	 	peer "cust"
	 	tunnel "tun1" {
	 		inside $T1_HQ_IN/30
	 		psk "$CUST_PSK1"
	 	}
	 	tunnel "tun2" {
	 		local-outside $HQ_OUT2
	 		inside $T2_HQ_IN/30
	 		psk "$CUST_PSK2"
	 	}
	}
	EOF
	chmod 644 "$1"
	# the point is routerd's defaults: nothing may tune health checks
	if grep -Eq '\b(bfd|probe|hold-down|dpd|bgp|ike-versions)\b' "$1"; then
		fail "hq's config must keep routerd's defaults"
	fi
	"$ROUTERD" -n -f "$1" || fail "hq's config does not validate"
}

# cust_hq_manual: hq as plain libreswan + FRR, the usual timers (BGP
# keepalive 10 / hold 30, DPD 10 s / 30 s clear, no BFD), tun2 prepended.
cust_hq_manual() {
	# shellcheck source=tests/topo/manual-config.sh
	. "$topo_here/manual-config.sh"
	local ipsec=$RD_RUNDIR/hq/pluto frr=$RD_RUNDIR/hq/frr
	mkdir -p "$ipsec" "$frr"
	MANUAL_DPD="10 30 clear" manual_ipsec_config "$ipsec" add \
		"tun1:10:10:$HQ_OUT1:$CUST_PUB:$CUST_PSK1" "tun2:11:11:$HQ_OUT2:$CUST_PUB:$CUST_PSK2"
	# both conns are 0/0 to the same peer, apart only by if_id: pluto
	# needs overlapip to install the second one's policy
	sed -i 's/^\([[:space:]]*\)\(auto=.*\)$/\1\2\n\1overlapip=yes/' "$ipsec/ipsec.conf"
	grep -c overlapip=yes "$ipsec/ipsec.conf" | grep -qx 2 || fail "overlapip not added"
	MANUAL_BFD=0 MANUAL_BGP_TIMERS="10 30" manual_bgp_config "$frr" "$HQ_ASN" "$HQ_OUT1" "$HQ_LAN" \
		"$T1_CU_IN:$CUST_ASN:0" "$T2_CU_IN:$CUST_ASN:1"
	in_parallel start_pluto hq "$ipsec" -- start_frr hq "$frr"
	# the inside addresses go on ipsec10/11 once pluto made them: when the
	# customer has connected (cust_setup)
}

# ---------------------------------------------------------------------------
# the whole setup
# ---------------------------------------------------------------------------

# cust_setup: topology, hq (routerd at defaults, or CUST_HQ=manual), the
# customer's XFRM interfaces, charon and BIRD.
cust_setup() {
	cust_swan_prepare
	CUST_SWAN_DIR=$(topo_dir cust swan)
	CUST_BIRD_DIR=$(topo_dir cust bird)
	cust_topology
	cust_xfrm_ifaces
	cust_swan_config
	cust_bird_config
	if [ "${CUST_HQ:-routerd}" = manual ]; then
		cust_hq_manual
	else
		cust_hq_conf "$RD_RUNDIR/hq.conf"
		rd_site hq "$RD_RUNDIR/hq.conf"
	fi
	cust_start_bird
	cust_start_charon
	cust_wait_sas 120
	if ! hq_routerd; then
		in_parallel manual_inside_addr hq 10 "$T1_HQ_IN/30" -- manual_inside_addr hq 11 "$T2_HQ_IN/30"
	fi
}

# hq_routerd: true unless hq is the manual baseline.
hq_routerd() { [ "${CUST_HQ:-routerd}" != manual ]; }

# hq_tun_up N: hq's tunnel N is up (routerd: UP; manual: both ESP states).
hq_tun_up() {
	if hq_routerd; then
		rd_tunnel_is hq "$CUST_CONN/tun$1" UP
	else
		ipsec_sa_up hq $((9 + $1))
	fi
}

# hq_peer_drops PEER: sessions hq's bgpd has dropped with PEER so far.
hq_peer_drops() {
	vty hq "show bgp neighbors $1 json" | jq --arg p "$1" '.[$p].connectionsDropped // 0'
}

# cust_primary: both tunnels up at both ends, all four BGP sessions
# Established, both directions routed via tun1 (ipsec10). Says what is
# missing.
cust_primary() {
	local sas n c st
	# cheap first: the FIBs (ip -n), then one call per daemon
	fib_via hq "$CUST_HOST" "$T1_DEV" || { echo "hq routes $CUST_HOST via $(route_dev hq "$CUST_HOST")"; return 1; }
	fib_via cust "$HQ_HOST" "$T1_DEV" || { echo "cust routes $HQ_HOST via $(route_dev cust "$HQ_HOST")"; return 1; }
	if hq_routerd; then
		st=$("$ROUTERCTL" -s "$RD_RUNDIR/hq/routerd/routerd.sock" --json show |
			jq -r --arg c "$CUST_CONN" '[.connections[] | select(.name == $c) | .tunnels[] | .state] | join(" ")')
		[ "$st" = "UP UP" ] || { echo "hq: routerd's tunnels: $st"; return 1; }
	else
		for n in 1 2; do
			hq_tun_up $n || { echo "hq: tun$n not up"; return 1; }
		done
	fi
	st=$(vtysh --vty_socket "$RD_RUNDIR/hq/frr" -c "show bgp summary json" |
		jq -r --arg a "$T1_CU_IN" --arg b "$T2_CU_IN" '.ipv4Unicast.peers as $p | "\($p[$a].state) \($p[$b].state)"')
	[ "$st" = "Established Established" ] || { echo "hq: BGP over tun1, tun2: $st"; return 1; }
	st=$(birdc_cust show protocols | awk '$1 == "tun1" || $1 == "tun2" { printf "%s %s ", $1, $NF }')
	[ "$st" = "tun1 Established tun2 Established " ] || { echo "cust: BIRD: $st"; return 1; }
	[ "$(cust_best "$HQ_LAN")" = tun1 ] || { echo "cust: BIRD's best route for $HQ_LAN is via '$(cust_best "$HQ_LAN")'"; return 1; }
	sas=$(cust_sas)
	for n in 1 2; do
		c=$(awk -v t="tun$n" '$1 == t ":" && /INSTALLED/' <<< "$sas" | wc -l)
		[ "$c" = 1 ] || { echo "cust: tun$n has $c installed Child SAs"; return 1; }
	done
}

# cust_wait_sas SEC: the customer's two Child SAs installed (IKE works at
# all); fails hard, with both IKE daemons' last words, on timeout.
cust_wait_sas() {
	_two_sas() {
		local sas
		sas=$(cust_sas)
		echo "$sas" | grep -E 'ESTABLISHED|CONNECTING|INSTALLED'
		[ "$(grep -c 'INSTALLED' <<< "$sas")" -ge 2 ]
	}
	if ! wait_until "$1" "the customer's two Child SAs" _two_sas; then
		log "charon, last lines:"; tail -n 15 "$RD_LOGDIR/cust-charon.log" | sed 's/^/  | /'
		log "hq's pluto, last lines:"; tail -n 15 "$RD_LOGDIR/hq-pluto.log" | sed 's/^/  | /'
		cfail "no IPsec SAs between the customer and hq within $1 s"
	fi
	log "customer's Child SAs installed"
}

# cust_wait_primary SEC: wait for cust_primary (fails hard on timeout).
cust_wait_primary() {
	local t0
	t0=$(now_ms)
	wait_until "$1" "both tunnels up, four sessions Established, traffic on tun1" cust_primary ||
		cfail "the customer and hq did not converge on tun1 within $1 s"
	log "converged on tun1 ($(( $(now_ms) - t0 )) ms)"
}

# fib_via NS DST DEV: NS routes DST via DEV (ip -n: no mount namespace to
# set up, so it is quick enough to poll in the guest).
fib_via() {
	ip -n "$(topo_ns "$1")" -4 -o route get "$2" 2>/dev/null | grep -q " dev $3 "
}

# cust_on_backup: both directions routed via tun2.
cust_on_backup() { fib_via hq "$CUST_HOST" "$T2_DEV" && fib_via cust "$HQ_HOST" "$T2_DEV"; }

# rd_log_lines: lines in hq's routerd log so far.
rd_log_lines() { wc -l < "$RD_LOGDIR/hq-routerd.log"; }

# rd_transitions_since LINE [TUN [END]]: hq routerd's tunnel state changes
# logged after line LINE (up to line END), of TUN (default both tunnels).
rd_transitions_since() {
	sed -n "$(( $1 + 1 )),${3:-\$}p" "$RD_LOGDIR/hq-routerd.log" |
		grep -a "tunnel $CUST_CONN/${2:-tun[12]} (ipsec[0-9]*): [A-Z]* -> " || true
}

# data_plane_down LINE TUN: the first state change of TUN after line LINE
# is UP -> DOWN for a data-plane reason (health check: probe or BFD; the
# IPsec SA gone), not the BGP session (hold timer) nor a slow pluto.
data_plane_down() {
	local first
	first=$(rd_transitions_since "$1" "$2" | head -n 1)
	echo "first transition of $2 after the cut: ${first:-none}"
	[[ $first == *"UP -> DOWN (health check down"* || $first == *"UP -> DOWN (IPsec SA down"* ]] &&
		[[ $first != *unreachable* ]]
}

# ---------------------------------------------------------------------------
# the scenario steps
# ---------------------------------------------------------------------------

# cust_failover_check: cut tun1's outer path under a 10 ms probe stream
# (hq-lan -> cust-lan and back), check that both directions move to tun2
# and why, restore, and check the hand-back loses nothing.
#  - without BFD at the customer (CUST_BFD=0): the customer's traffic moved
#    to tun2 while BIRD's session on tun1 was still Established and never
#    reset: routerd steered BIRD by what it advertises, before BIRD's own
#    hold timer;
#  - with BFD (CUST_BFD=1): BIRD's session on tun1 was ended by BFD, not by
#    its hold timer;
#  - routerd took tun1 DOWN for a data-plane reason (health check, IPsec
#    SA), not a BGP hold expiry;
#  - the sessions on tun2 were not reset (hq nor BIRD).
cust_failover_check() {
	local since1 since2 drops2 line0 t_cut hq_moved="" cu_moved="" cu_t1_state="" cu_t1_since=""
	local deadline lost el t_res back t1_err t2_now hq2_now line1
	cust_wait_primary 300
	probe_start hq-lan "$CUST_HOST" 10
	probe_replies_grow 100 || cfail "no traffic over tun1 before the cut"
	since1=$(cust_bgp_since tun1) since2=$(cust_bgp_since tun2)
	drops2=$(hq_peer_drops "$T2_CU_IN")
	line0=$(rd_log_lines 2>/dev/null || echo 0)

	probe_mark
	t_cut=$(now_ms)
	topo_cut_tunnel hq "$HQ_OUT1" "$CUST_PUB"
	# Poll both FIBs; at the customer's move, read BIRD's tun1 session
	# right after (its state then was at least as old as the move).
	deadline=$((t_cut + 120000))
	while [ -z "$hq_moved" ] || [ -z "$cu_moved" ]; do
		if [ -z "$cu_moved" ] && fib_via cust "$HQ_HOST" "$T2_DEV"; then
			cu_moved=$(ms_since "$t_cut")
			cu_t1_state=$(cust_bgp_state tun1) cu_t1_since=$(cust_bgp_since tun1)
		fi
		if [ -z "$hq_moved" ] && fib_via hq "$CUST_HOST" "$T2_DEV"; then
			hq_moved=$(ms_since "$t_cut")
		fi
		[ "$(now_ms)" -lt "$deadline" ] ||
			cfail "traffic did not move to tun2 within 120 s (hq: $(route_dev hq "$CUST_HOST"), cust: $(route_dev cust "$HQ_HOST"))"
		sleep 0.02
	done
	log "moved to tun2 (as polled): hq ${hq_moved} ms, customer ${cu_moved} ms after the cut;" \
		"BIRD's tun1 session then: $cu_t1_state (since $cu_t1_since; before the cut: $since1)"
	probe_replies_grow 100 || cfail "probes do not flow over tun2"
	el=$(ms_since "$t_cut")
	probe_stop
	probe_report
	cp "$RD_PROBE.out" "$RD_LOGDIR/probe-failover.out"
	# What the checks need, read now: the path is restored at once (a cut
	# longer than the peers' DPD or hold timers tests their recovery, not
	# the failover).
	t1_err=$(cust_bgp_last_error tun1)
	t2_now="$(cust_bgp_state tun2) $(cust_bgp_since tun2)"
	hq2_now="$(hq_peer_drops "$T2_CU_IN") $(bgp_state hq "$RD_RUNDIR/hq/frr" "$T2_CU_IN")"
	line1=$(rd_log_lines 2>/dev/null || echo 0)

	# --- restore: tun1 takes both directions back, nothing lost -----------
	probe_start hq-lan "$CUST_HOST" 10
	probe_replies_grow 50 || cfail "probes do not flow over tun2 before the restore"
	t_res=$(now_ms)
	topo_restore_tunnel hq "$HQ_OUT1" "$CUST_PUB"
	log "RESULT failover_hq_ms=$hq_moved failover_cust_ms=$cu_moved failover_blackout_ms=$PROBE_BLACKOUT_MS" \
		"failover_lost=$PROBE_LOST cut_to_flowing_ms=$el cut_ms=$((t_res - t_cut))"
	log "cust sessions before the restore: tun1 last error: ${t1_err:-none}; tun2: $t2_now"

	if [ "${CUST_BFD:-0}" = 1 ]; then
		check "BIRD's session on tun1 was ended by BFD, not by its hold timer" \
			sh -c 'echo "last error: $1"; case "$1" in *BFD*) exit 0 ;; *) exit 1 ;; esac' sh "$t1_err"
	else
		check "the customer's traffic moved to tun2 while BIRD's session on tun1 was still Established (routerd steered BIRD before BIRD's hold timer)" \
			session_kept "$cu_t1_state $cu_t1_since" "$since1"
	fi
	if hq_routerd; then
		check "routerd took tun1 DOWN for a data-plane reason, not a BGP hold expiry" \
			data_plane_down "$line0" tun1
		check "routerd did not take tun2 down" \
			sh -c 'echo "$1"; [ -z "$1" ]' sh "$(rd_transitions_since "$line0" tun2 "$line1")"
	fi
	check "BIRD's session on tun2 was not reset by the cut" \
		session_kept "$t2_now" "$since2"
	check "hq's BGP session on tun2 was not reset by the cut" \
		sh -c 'echo "drops, state: $1 (drops before: $2)"; [ "$1" = "$2 Established" ]' sh "$hq2_now" "$drops2"

	wait_until 300 "both directions back on tun1" cust_primary ||
		cfail "tun1 did not take the traffic back within 300 s of the restore"
	back=$(ms_since "$t_res")
	log "back on tun1 $back ms after the restore"
	probe_replies_grow 200 || cfail "probes do not flow after the hand-back"
	probe_stop
	probe_report
	lost=$(probe_seq_lost)
	cp "$RD_PROBE.out" "$RD_LOGDIR/probe-handback.out"
	log "RESULT handback_ms=$back handback_lost=$lost handback_blackout_ms=$PROBE_BLACKOUT_MS"
	check "the hand-back to tun1 lost no probe" sh -c 'echo "lost $1 of $2"; [ "$1" = 0 ]' sh "$lost" "$PROBE_SENT"
}

# cust_load_check SEC: CPU hogs on both vCPUs for SEC seconds (with a
# 100 ms probe stream through tun1): routerd declares no tunnel down, no BGP
# session is reset at hq or at the customer, strongSwan keeps its Child SAs
# (nothing re-initiated).
cust_load_check() {
	local secs=$1 since1 since2 drops line0 ids1 ids2 t0 bad="" i
	cust_wait_primary 300
	since1=$(cust_bgp_since tun1) since2=$(cust_bgp_since tun2)
	drops=$(bgp_drops hq "$RD_RUNDIR/hq/frr")
	ids1=$(cust_child_ids tun1) ids2=$(cust_child_ids tun2)
	line0=$(rd_log_lines)
	probe_start hq-lan "$CUST_HOST" 100
	t0=$(now_ms)
	for i in 1 2; do
		rd_spawn /dev/null inet timeout "$secs" sh -c 'while :; do :; done'
	done
	log "load: 2 CPU hogs for $secs s"
	# watch while loaded (and 10 s after, for late effects)
	while [ "$(ms_since "$t0")" -lt $(( (secs + 10) * 1000 )) ]; do
		for i in 1 2; do
			rd_tunnel_is hq "$CUST_CONN/tun$i" UP ||
				bad+="$(ms_since "$t0") ms: hq tun$i $(rd_tunnel_state hq "$CUST_CONN/tun$i"); "
			cust_bgp_is "tun$i" Established ||
				bad+="$(ms_since "$t0") ms: BIRD tun$i $(cust_bgp_state "tun$i"); "
		done
		sleep 1
	done
	probe_stop
	probe_report
	cp "$RD_PROBE.out" "$RD_LOGDIR/probe-load.out"
	log "RESULT load_probe_lost=$PROBE_LOST load_longest_gap_ms=$PROBE_MAX_GAP_MS"
	[ -z "$bad" ] || log "seen under load: $bad"
	check "under load, routerd declared no tunnel down" \
		sh -c 'echo "$1"; [ -z "$1" ]' sh "$(rd_transitions_since "$line0")"
	check "under load, no BGP session was reset at hq" \
		sh -c 'echo "sessions dropped: $1 (before: $2)"; [ "$1" = "$2" ]' sh \
		"$(bgp_drops hq "$RD_RUNDIR/hq/frr")" "$drops"
	check "under load, no BGP session was reset at the customer (BIRD): tun1" \
		session_kept "$(cust_bgp_state tun1) $(cust_bgp_since tun1)" "$since1"
	check "under load, no BGP session was reset at the customer (BIRD): tun2" \
		session_kept "$(cust_bgp_state tun2) $(cust_bgp_since tun2)" "$since2"
	check "under load, strongSwan kept its Child SAs (nothing re-initiated, no duplicates)" \
		sh -c 'echo "tun1: $1 (before: $2), tun2: $3 (before: $4)"; [ "$1" = "$2" ] && [ "$3" = "$4" ]' sh \
		"$(cust_child_ids tun1)" "$ids1" "$(cust_child_ids tun2)" "$ids2"
	check "under load, the tunnels and sessions were up at every look" sh -c 'echo "$1"; [ -z "$1" ]' sh "$bad"
}
