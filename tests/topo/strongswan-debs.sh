#!/usr/bin/env bash
# strongswan-debs.sh [DIR]: fetch Debian's strongSwan packages (charon +
# swanctl) into DIR (default $RD_SWAN_DEBS or /var/tmp/routerd-strongswan),
# without installing them: strongSwan conflicts with libreswan in dpkg. The
# customer-gateway scenarios (tests/topo/customer.sh) unpack them with
# `dpkg -x` into a private directory at scenario start. Idempotent: a package
# whose .deb is already there is not fetched again. Run as root on the host
# (the test guest has no network). Called by tests/deps.sh.
set -euo pipefail
dir=${1:-${RD_SWAN_DEBS:-/var/tmp/routerd-strongswan}}
pkgs="libstrongswan libstrongswan-standard-plugins strongswan-libcharon
  strongswan-charon strongswan-swanctl"
mkdir -p "$dir"
need=()
for p in $pkgs; do
	ls "$dir/${p}_"*.deb >/dev/null 2>&1 || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
echo "strongswan-debs: fetching ${need[*]} into $dir"
# apt's download sandbox user must be able to write there
chown _apt "$dir" 2>/dev/null || true
(cd "$dir" && apt-get download -q "${need[@]}" 2>&1 | grep -v '^Get:' || true)
for p in "${need[@]}"; do
	ls "$dir/${p}_"*.deb >/dev/null 2>&1 || { echo "strongswan-debs: $p not fetched" >&2; exit 1; }
done
