#!/bin/sh
# Installs what building and testing Mini-Isolate needs on Debian 12 (run as root).
# Skips apt entirely when everything is already there.
set -eu
# g++ and default-jdk-headless (~270 MB: openjdk-17 jdk+jre headless) for the adversarial
# suite's ordinary programs (sanitizer builds in C and C++, Java); the sanitizer runtimes come
# with gcc.
# --vm: also qemu for the pure cgroup v2 VM of the test suite (tests/vm/cgv2-vm.sh; the guest's
# kernel and busybox are downloaded into a cache there, not installed).  Not fatal: without
# qemu the suite says the VM part cannot run.
PKGS="gcc g++ libc6-dev default-jdk-headless meson ninja-build pkg-config libseccomp-dev libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev clang python3 iproute2 util-linux"
export DEBIAN_FRONTEND=noninteractive
install() {
    missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    done
    [ -n "$missing" ] || return 0
    echo "Installing:$missing"
    apt-get -qq -o DPkg::Lock::Timeout=300 update &&
        apt-get -qq -o DPkg::Lock::Timeout=300 install -y --no-install-recommends $missing >/dev/null
}
install $PKGS
if [ "${1:-}" = "--vm" ]; then
    install qemu-system-x86 || echo "deps.sh: qemu-system-x86 could not be installed (the VM tests need it)" >&2
fi
