#!/usr/bin/env bash
# build.sh: configure and build routerd in ./build (out of tree). Extra
# arguments go to configure (e.g. --enable-sanitizers).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi >/dev/null
mkdir -p build && cd build
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] || [ $# -gt 0 ]; then
	"$top/configure" -q "$@"
fi
make -s -j"$(nproc)"
