#!/usr/bin/env bash
# deps.sh: install (idempotently, non-interactively) every Debian 12 package
# routerd needs to build, test and run its demo. Run as root.
set -euo pipefail

build_pkgs="build-essential autoconf automake libtool pkg-config bison flex
  libnl-3-dev libnl-route-3-dev libnl-xfrm-3-dev libcap-ng-dev libevent-dev
  libjson-c-dev libcmocka-dev clang libclang-rt-14-dev"
run_pkgs="libreswan frr iproute2 nftables iputils-ping jq kmod procps psmisc
  qemu-system-x86 linux-image-amd64 busybox-static bird2"

missing=()
for p in $build_pkgs $run_pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# bird2 is for the customer-gateway scenarios, which run their own BIRD
	# in a namespace: the packaged service is not wanted.
	if [[ " ${missing[*]} " == *" bird2 "* ]] && [ -d /run/systemd/system ]; then
		systemctl disable --now bird >/dev/null 2>&1 || true
	fi
fi
# strongSwan for the customer-gateway scenarios: fetched, not installed (it
# conflicts with libreswan in dpkg); the scenarios unpack it.
"$(dirname "${BASH_SOURCE[0]}")/topo/strongswan-debs.sh"
# The unprivileged user routerd drops to, and the group allowed on its control socket.
getent group routerd-admin >/dev/null || groupadd --system routerd-admin
id routerd >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent \
	--shell /usr/sbin/nologin --groups frrvty routerd
