#!/bin/sh
# Validate the golden libreswan output with libreswan 4.10's own parsers:
# `ipsec addconn --checkconfig` for the conn file, `ipsec algparse` for
# every ike=/esp= line (checkconfig does not parse algorithms). Skips (77)
# when libreswan is not installed.
set -u
dir=${top_srcdir:-.}/tests/unit/golden/swan
command -v ipsec >/dev/null 2>&1 || { echo "ipsec not installed"; exit 77; }
tmp=$(mktemp -d /tmp/swan-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf 'config setup\n\tlogfile=%s/log\ninclude %s/conns.conf\n' "$tmp" "$dir" >"$tmp/ipsec.conf"
rc=0
ipsec addconn --config "$tmp/ipsec.conf" --checkconfig || { echo "FAIL: checkconfig"; rc=1; }
# Each conn: its IKE version decides the algparse mode; pfs=yes adds -pfs.
awk '/^conn /{n=$2; v="-v2"} /^\tikev2=no/{v="-v1"} /^\t(ike|esp)=/{print n, v, $0}' \
	"$dir/conns.conf" |
while read -r name ver line; do
	out=$(ipsec algparse "$ver" -pfs "$line" 2>&1)
	if echo "$out" | grep -q ERROR; then
		echo "FAIL: $name $ver $line"; echo "$out"; exit 1
	fi
	echo "ok: $name $ver ${line%%=*}"
done || rc=1
exit $rc
