#!/bin/sh
# test_ctl_client.sh - routerctl against a fake control socket (python3).
# The fake server answers every connection with the current content of
# $tmp/reply (one line) and logs each request line to $tmp/requests.
# Exit 77 (skip) without python3.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
ctl="$top_builddir/routerd/routerctl"
fix="$top_srcdir/tests/unit/golden/ctl"

command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
[ -x "$ctl" ] || { echo "FAIL: $ctl not built"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctltest.XXXXXX")
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

sock="$tmp/ctl.sock"
cat > "$tmp/server.py" <<'EOF'
import os, socket, sys
path, reply, log = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(8)
while True:
    c, _ = s.accept()
    data = b""
    while not data.endswith(b"\n"):
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    with open(log, "ab") as f:
        f.write(data)
    with open(reply, "rb") as f:
        body = f.read()
    if body != b"NOREPLY\n":
        c.sendall(b" ".join(body.split()) + b"\n")
    c.close()
EOF

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
set_reply() { printf '%s\n' "$1" > "$tmp/reply"; }

# 1. No daemon: the connect error, exit 1.
out=$("$ctl" -s "$sock" show 2>&1); rc=$?
[ $rc -eq 1 ] || fail "no daemon: exit $rc, want 1"
case "$out" in
*"cannot connect to $sock"*"(is routerd running?)"*) ;;
*) fail "no daemon: message '$out'" ;;
esac

cp "$fix/show-full.json" "$tmp/reply"
python3 "$tmp/server.py" "$sock" "$tmp/reply" "$tmp/requests" &
srv_pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -S "$sock" ] || { echo "FAIL: fake server did not start"; exit 1; }

# 2. show --aws: same as the golden AWS rendering, request as expected.
: > "$tmp/requests"
"$ctl" -s "$sock" show --aws > "$tmp/out" || fail "show --aws exit $?"
cmp -s "$tmp/out" "$fix/show-full.aws.json" || fail "show --aws differs from golden"
grep -qx '{"command":"show"}' "$tmp/requests" || fail "request: $(cat "$tmp/requests")"

# 3. Text show has the table; argument and env socket path.
: > "$tmp/requests"
ROUTERCTL_SOCKET="$sock" "$ctl" show hq-branch > "$tmp/out" || fail "show CONN exit $?"
grep -q '^hq-branch: peer branch at 198.51.100.1, AS65001' "$tmp/out" || fail "text header"
grep -q 'tun1 .*ipsec10 .*preferred .*1.2M' "$tmp/out" || fail "text row: $(cat "$tmp/out")"
grep -qx '{"command":"show","connection":"hq-branch"}' "$tmp/requests" || fail "request: $(cat "$tmp/requests")"

# 4. --json: the reply re-printed with the same keys and values.
"$ctl" -s "$sock" --json show > "$tmp/out" || fail "--json exit $?"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a!=b)' \
	"$tmp/out" "$fix/show-full.json" || fail "--json does not round-trip"

# 5. drain: request and exit 0; error reply: stderr + exit 1.
set_reply '{"ok":true}'
: > "$tmp/requests"
"$ctl" -s "$sock" drain hq-branch/tun1 > "$tmp/out" || fail "drain exit $?"
grep -qx '{"command":"drain","tunnel":"hq-branch/tun1"}' "$tmp/requests" || fail "drain request"
set_reply '{"ok":false,"error":"no tunnel hq-branch/tun9"}'
out=$("$ctl" -s "$sock" undrain hq-branch/tun9 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] || fail "error reply: exit $rc"
[ "$out" = "routerctl: no tunnel hq-branch/tun9" ] || fail "error reply: '$out'"

# 6. Garbage and no reply: exit 1 with a message.
set_reply 'this is not json'
"$ctl" -s "$sock" reload 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'bad reply' "$tmp/err" || fail "garbage reply: exit $rc $(cat "$tmp/err")"
set_reply 'NOREPLY'
"$ctl" -s "$sock" reload 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'closed without a reply' "$tmp/err" || fail "no reply: exit $rc $(cat "$tmp/err")"

# 7. Usage errors: exit 2, nothing sent.
: > "$tmp/requests"
for args in "" "bogus" "drain" "drain noslash" "reload extra" "drain a/b --aws" "show a b"; do
	# shellcheck disable=SC2086
	"$ctl" -s "$sock" $args >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] || fail "usage '$args': exit $rc, want 2"
done
[ ! -s "$tmp/requests" ] || fail "usage errors sent requests"
"$ctl" --help | grep -q '^usage: routerctl' || fail "--help"
"$ctl" --version | grep -q '^routerctl ' || fail "--version"

[ $fails -eq 0 ] && echo "PASS: routerctl client" && exit 0
exit 1
