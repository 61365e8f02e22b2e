#!/bin/bash
# tests/vm/cgv2-vm.sh [OPTION]... -- COMMAND [ARG]...
# tests/vm/cgv2-vm.sh --check
#
# Boots a throwaway VM whose only cgroup hierarchy is cgroup v2 (Debian 12's cloud kernel,
# busybox as the userland), runs COMMAND there as root and streams its output (stdout and
# stderr, through a pipe) here.  Exits with COMMAND's exit code; 124 if the VM ran out of time,
# 125 if it ended before COMMAND did (the console's tail is printed then), 2 on a usage error.
# --check prints why this host cannot run the VM at all and exits 3, or exits 0.
#
# What the guest sees is only what is put into its initramfs (RAM):
#   --file PATH      a host file at the same path (with the shared libraries it needs);
#   --tree PATH      a host directory, recursively (--exclude GLOB leaves paths out);
#   --root DIR       DIR's contents at the guest's top (scripts, configuration);
#   --cgroup PATH    run COMMAND in this non-root cgroup (e.g. sbx.slice/test.scope), every
#                    level with cpu, cpuset, memory and pids enabled; default: the root cgroup.
# Environment: MI_VM_MEM (2G), MI_VM_CPUS (2), MI_VM_TIMEOUT (1200 s), MI_VM_ACCEL (auto: kvm
# only where a hardware KVM module is loaded, else tcg), MI_VM_CPU (tcg's CPU model, max),
# MI_VM_CACHE (/var/tmp/mini-isolate-vm), MI_VM_VERBOSE=1 (the console and timings on stderr).
#
# Nothing on the host is changed but the cache and, if missing, the qemu-system-x86 package:
# the kernel and busybox-static packages are downloaded and unpacked into the cache, never
# installed (so /boot, the boot loader and the host's busybox stay as they are).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${MI_VM_CACHE:-/var/tmp/mini-isolate-vm}
QEMU=qemu-system-x86_64
t_start=$SECONDS

die() { echo "cgv2-vm: $1" >&2; exit "${2:-2}"; }
apt() { DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=300 -o APT::Sandbox::User=root "$@"; }

# Why qemu cannot run here, or nothing.  Installs qemu where apt can.
cannot_run_qemu() {
    [ "$(uname -m)" = x86_64 ] || { echo "the VM needs an x86_64 host (this is $(uname -m))"; return; }
    if ! command -v $QEMU >/dev/null; then
        command -v apt-get >/dev/null || { echo "no $QEMU and no apt-get to install it"; return; }
        { apt update && apt install -y --no-install-recommends qemu-system-x86; } >/dev/null 2>&1 ||
            { echo "$QEMU is missing and apt-get could not install qemu-system-x86"; return; }
    fi
    $QEMU -accel help 2>/dev/null | grep -qx tcg || echo "$QEMU does not start (or has no TCG)"
}

# The guest kernel and busybox, unpacked into the cache once (shared by parallel runs).
fetch_guest() {
    mkdir -p "$CACHE"
    exec 8>"$CACHE/lock"
    flock 8
    if [ ! -s "$CACHE/vmlinuz" ] || [ ! -x "$CACHE/busybox" ]; then
        echo "cgv2-vm: downloading the guest kernel and busybox into $CACHE" >&2
        apt update
        # The metapackage only names the current kernel package: download that one.
        local kernel
        kernel=$(apt-cache depends linux-image-cloud-amd64 |
                 sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
        [ -n "$kernel" ] || die "apt knows no linux-image-cloud-amd64 (Debian's cloud kernel)" 1
        local dl
        dl=$(mktemp -d "$CACHE/download.XXXXXX")
        (cd "$dl" && apt download "$kernel" busybox-static) || die "apt-get download failed" 1
        for deb in "$dl"/*.deb; do dpkg-deb -x "$deb" "$dl/x"; done
        cp "$dl"/x/boot/vmlinuz-* "$CACHE/vmlinuz.part" && mv "$CACHE/vmlinuz.part" "$CACHE/vmlinuz"
        cp "$dl/x/bin/busybox" "$CACHE/busybox.part" && mv "$CACHE/busybox.part" "$CACHE/busybox"
        echo "$kernel" > "$CACHE/kernel"
        rm -rf "$dl"
    fi
    flock -u 8
}

if [ "${1:-}" = --check ]; then
    why=$(cannot_run_qemu)
    [ -z "$why" ] || { echo "$why"; exit 3; }
    exit 0
fi

files=() trees=() excludes=() root="" cgroup=""
while [ $# -gt 0 ]; do
    case $1 in
        --file) files+=("$2"); shift 2 ;;
        --tree) trees+=(--tree "$2"); shift 2 ;;
        --exclude) excludes+=(--exclude "$2"); shift 2 ;;
        --root) root=$2; shift 2 ;;
        --cgroup) cgroup=$2; shift 2 ;;
        --) shift; break ;;
        *) die "unknown option $1 (usage: $0 [--file P] [--tree P] [--root D] [--cgroup C] -- COMMAND...)" ;;
    esac
done
[ $# -gt 0 ] || die "no COMMAND (usage: $0 [OPTION]... -- COMMAND [ARG]...)"
[ "$(id -u)" = 0 ] || die "run as root (apt, the cache in /var/tmp)"
why=$(cannot_run_qemu)
[ -z "$why" ] || die "$why" 3
fetch_guest

work=$(mktemp -d /var/tmp/mi-vm-run.XXXXXX)
qemu_pid="" pack_pid="" sleep_pid=""
finish() {
    # Never leave a qemu behind: on a timeout, an error or an interrupt of this script.
    [ -z "$pack_pid" ] || kill -KILL "$pack_pid" 2>/dev/null || true
    [ -z "$sleep_pid" ] || kill "$sleep_pid" 2>/dev/null || true
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill -TERM "$qemu_pid" 2>/dev/null; sleep 1; kill -KILL "$qemu_pid" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The guest's own top: init, busybox (statically linked), merged /usr as on Debian 12, users.
top=$work/top
mkdir -p "$top"/usr/bin "$top"/usr/sbin "$top"/usr/lib "$top"/usr/lib64 "$top"/etc/mi-vm \
         "$top"/proc "$top"/sys "$top"/dev "$top"/run "$top"/tmp "$top"/var/tmp "$top"/root
chmod 1777 "$top"/tmp "$top"/var/tmp
for d in bin sbin lib lib64; do ln -s usr/$d "$top/$d"; done
cp "$CACHE/busybox" "$top/usr/bin/busybox"
ln -s busybox "$top/usr/bin/sh"
cp "$HERE/guest-init.sh" "$top/init"
chmod 0755 "$top/init" "$top/usr/bin/busybox"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    > "$top/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$top/etc/group"
printf '%s\n' "$@" > "$top/etc/mi-vm/command"
[ -z "$root" ] || cp -a "$root"/. "$top"/
# In the background, so that an interrupt is handled at once (bash runs traps between commands).
python3 "$HERE/initramfs.py" "$work/initrd" --root "$top" ${trees[@]+"${trees[@]}"} \
    ${excludes[@]+"${excludes[@]}"} ${files[@]+"${files[@]}"} &
pack_pid=$!
wait "$pack_pid" || die "could not write the initramfs" 1
pack_pid=""

accel=${MI_VM_ACCEL:-auto}
if [ "$accel" = auto ]; then
    # /dev/kvm alone is not enough: a paravirtual KVM (kvm_pvm, inside another VM) cannot run a
    # stock kernel (qemu aborts on an MSR, or the guest dies in emulation), while TCG boots it in
    # a second or two.  Only a hardware KVM module is trusted.
    accel=tcg
    if [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
        accel=kvm
    fi
fi
case $accel in
    kvm) machine=(-accel kvm -cpu host) ;;
    tcg) machine=(-accel tcg,thread=multi -cpu "${MI_VM_CPU:-max}") ;;
    *) die "MI_VM_ACCEL is kvm, tcg or auto" ;;
esac
limit=${MI_VM_TIMEOUT:-1200}
console=$work/console
: > "$console"
t_boot=$SECONDS
# -nodefaults and explicit serial ports: no firmware escape codes in the output.  panic=-1 and
# -no-reboot: if init dies, qemu exits at once instead of rebooting.
$QEMU "${machine[@]}" -m "${MI_VM_MEM:-2G}" -smp "${MI_VM_CPUS:-2}" \
    -nodefaults -no-reboot -display none -monitor none \
    -kernel "$CACHE/vmlinuz" -initrd "$work/initrd" \
    -append "console=ttyS0 quiet panic=-1 ${cgroup:+mi_cgroup=$cgroup}" \
    -serial "file:$console" -serial stdio < /dev/null &
qemu_pid=$!
# The time limit: whichever ends first, qemu or the sleep.
sleep "$limit" &
sleep_pid=$!
set +e
wait -n "$qemu_pid" "$sleep_pid"
if kill -0 "$qemu_pid" 2>/dev/null; then
    touch "$work/timed-out"
    kill -KILL "$qemu_pid"
fi
wait "$qemu_pid"
qemu_rc=$?
kill "$sleep_pid" 2>/dev/null
wait "$sleep_pid" 2>/dev/null
sleep_pid="" qemu_pid=""
set -e
qemu_pid=""

rc=$(tr -d '\r' < "$console" | sed -n 's/^mi-vm: exit \([0-9]*\)$/\1/p' | tail -n 1)
if [ "${MI_VM_VERBOSE:-0}" = 1 ] || [ -z "$rc" ]; then
    { echo "--- VM console (last 50 lines)"; tr -d '\r' < "$console" | tail -n 50; echo "---"; } >&2
fi
[ "${MI_VM_VERBOSE:-0}" != 1 ] || echo "cgv2-vm: $accel, initramfs $(($(stat -c %s "$work/initrd") >> 20)) MiB," \
    "setup $((t_boot - t_start)) s, VM $((SECONDS - t_boot)) s" >&2
[ -z "$rc" ] || exit "$rc"
[ ! -e "$work/timed-out" ] || die "the VM did not finish within $limit s (MI_VM_TIMEOUT): killed" 124
die "the VM ended (qemu exit code $qemu_rc) before the command finished" 125
