# tests/topo/manual-config.sh: configure libreswan and FRR by hand, the way
# routerd will do it for real. Sourced after lib.sh by the baseline script;
# scenario scripts replace this file with routerd.
#
# A tunnel spec is "NAME:IFNUM:REQID:LOCAL_OUTSIDE:REMOTE_OUTSIDE:PSK"; a
# neighbor spec is "PEER_IP:REMOTE_ASN:PREPEND" (PREPEND 0 or 1).
#
# Knobs (environment; the defaults are the baseline-two-site.sh setup):
#   MANUAL_BGP_TIMERS  "KEEPALIVE HOLD" (default "3 9")
#   MANUAL_BFD         1: BFD on every session (default), 0: no BFD
#   BFD_INTERVAL_MS, BFD_MULT  the BFD profile (default 100 x 3)
#   MANUAL_DPD         "DELAY_S TIMEOUT_S ACTION": IKEv2 liveness
#                      (dpddelay, retransmit-timeout, dpdaction); default none
#   MANUAL_NETWORKS    a file of extra prefixes (one a line) that
#                      manual_bgp_config announces as well (network
#                      statements, import-check off); default none

# manual_updown DIR: write DIR/updown.sh, a no-route updown that only logs
# its verb (libreswan's default would route 0/0 into the tunnel).
manual_updown() {
	local dir=$1
	cat > "$dir/updown.sh" <<-EOF
	#!/bin/sh
	read -r up _ < /proc/uptime
	echo "\$up \$PLUTO_VERB \$PLUTO_CONNECTION reqid=\$PLUTO_SA_REQID" \\
		"if=\$PLUTO_VIRT_INTERFACE" >> "$dir/updown.log"
	exit 0
	EOF
	chmod +x "$dir/updown.sh"
}

# manual_ipsec_config DIR AUTO TUNNEL...: write DIR/ipsec.conf and
# DIR/ipsec.secrets: one route-based IKEv2 PSK connection per TUNNEL with
# 0/0 selectors, ipsec-interface=IFNUM and reqid=REQID; AUTO is add or start.
manual_ipsec_config() {
	local dir=$1 auto=$2 t name ifn reqid loc rem psk
	shift 2
	manual_updown "$dir"
	printf 'config setup\n\tuniqueids=no\n\n' > "$dir/ipsec.conf"
	: > "$dir/ipsec.secrets"
	for t in "$@"; do
		IFS=: read -r name ifn reqid loc rem psk <<< "$t"
		cat >> "$dir/ipsec.conf" <<-EOF
		conn $name
		 	auto=$auto
		 	ikev2=insist
		 	authby=secret
		 	left=$loc
		 	leftid=$loc
		 	right=$rem
		 	rightid=$rem
		 	leftsubnet=0.0.0.0/0
		 	rightsubnet=0.0.0.0/0
		 	ipsec-interface=$ifn
		 	reqid=$reqid
		 	leftupdown=$dir/updown.sh
		 	keyingtries=%forever
		 	retransmit-interval=500
		EOF
		if [ -n "${MANUAL_DPD:-}" ]; then
			local dd dt da
			read -r dd dt da <<< "$MANUAL_DPD"
			printf '\tdpddelay=%ss\n\tretransmit-timeout=%ss\n\tdpdaction=%s\n' \
				"$dd" "$dt" "${da:-clear}" >> "$dir/ipsec.conf"
		fi
		echo >> "$dir/ipsec.conf"
		printf '%s %s : PSK "%s"\n' "$loc" "$rem" "$psk" >> "$dir/ipsec.secrets"
	done
	chmod 600 "$dir/ipsec.secrets"
}

# manual_inside_addr NS IFNUM CIDR: once pluto has created ipsecIFNUM in NS,
# give it the tunnel's inside address (libreswan 4.10 does not) and bring it
# up.
manual_inside_addr() {
	local ns=$1 dev=ipsec$2 cidr=$3
	wait_until 30 "$dev created by pluto in $ns" nsx "$ns" ip link show "$dev"
	nsx "$ns" ip addr replace "$cidr" dev "$dev"
	nsx "$ns" ip link set "$dev" up
}

# manual_bgp_config DIR ASN ROUTER_ID LAN_PREFIX NEIGHBOR...: write
# DIR/bgpd.conf and DIR/bfdd.conf: one eBGP session with BFD per NEIGHBOR,
# explicit route-maps (ebgp-requires-policy stays on), LAN_PREFIX announced,
# AS path prepended twice on neighbors with PREPEND=1. BFD runs at
# $BFD_INTERVAL_MS (100) x $BFD_MULT (3) unless MANUAL_BFD=0; BGP timers
# $MANUAL_BGP_TIMERS; the prefixes in file $MANUAL_NETWORKS are announced too.
manual_bgp_config() {
	local dir=$1 asn=$2 rid=$3 lan=$4 n ip ras pre i=0
	shift 4
	cat > "$dir/bfdd.conf" <<-EOF
	bfd
	 profile fast
	  transmit-interval ${BFD_INTERVAL_MS:-100}
	  receive-interval ${BFD_INTERVAL_MS:-100}
	  detect-multiplier ${BFD_MULT:-3}
	 exit
	exit
	EOF
	{
		echo "router bgp $asn"
		echo " bgp router-id $rid"
		echo " bgp log-neighbor-changes"
		echo " timers bgp ${MANUAL_BGP_TIMERS:-3 9}"
		if [ -n "${MANUAL_NETWORKS:-}" ]; then echo " no bgp network import-check"; fi
		for n in "$@"; do
			IFS=: read -r ip ras pre <<< "$n"
			echo " neighbor $ip remote-as $ras"
			echo " neighbor $ip timers connect 2"
			if [ "${MANUAL_BFD:-1}" = 1 ]; then echo " neighbor $ip bfd profile fast"; fi
		done
		echo " address-family ipv4 unicast"
		echo "  network $lan"
		if [ -n "${MANUAL_NETWORKS:-}" ]; then sed 's/^/  network /' "$MANUAL_NETWORKS"; fi
		for n in "$@"; do
			IFS=: read -r ip ras pre <<< "$n"
			i=$((i + 1))
			echo "  neighbor $ip route-map N$i-IN in"
			echo "  neighbor $ip route-map N$i-OUT out"
		done
		echo " exit-address-family"
		echo "exit"
		i=0
		for n in "$@"; do
			IFS=: read -r ip ras pre <<< "$n"
			i=$((i + 1))
			echo "route-map N$i-IN permit 10"
			echo "exit"
			echo "route-map N$i-OUT permit 10"
			[ "$pre" = 1 ] && echo " set as-path prepend $asn $asn"
			echo "exit"
		done
	} > "$dir/bgpd.conf"
}
