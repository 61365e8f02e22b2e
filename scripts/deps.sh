#!/bin/sh
# Installs what building and testing Mini-Isolate needs on Debian 12 (run as root).
# Skips apt entirely when everything is already there.
set -eu
# g++ and default-jdk-headless (~270 MB: openjdk-17 jdk+jre headless) for the adversarial
# suite's ordinary programs (sanitizer builds in C and C++, Java); the sanitizer runtimes come
# with gcc.
PKGS="gcc g++ libc6-dev default-jdk-headless meson ninja-build pkg-config libseccomp-dev libjansson-dev libmicrohttpd-dev clang python3 iproute2 util-linux"
[ "${1:-}" = "--vm" ] && PKGS="$PKGS qemu-system-x86"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "Installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -qq -o DPkg::Lock::Timeout=300 update
    apt-get -qq -o DPkg::Lock::Timeout=300 install -y --no-install-recommends $missing >/dev/null
fi
