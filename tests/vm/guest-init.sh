#!/bin/sh
# /init of the test VM (tests/vm/cgv2-vm.sh), run by busybox sh as PID 1.
#   ttyS0: the kernel's console and this script's status lines (a log file on the host);
#   ttyS1: the command's stdout and stderr (streamed to the host's stdout).
# The command is /etc/mi-vm/command (argv, one per line); mi_cgroup=PATH on the kernel command
# line runs it in that non-root cgroup.  The last console line is "mi-vm: exit N".
if [ "$1" != again ]; then
    /usr/bin/busybox --install -s
    # The initramfs is a mount without a parent, where pivot_root(2) fails with EINVAL (and the
    # sandbox pivots into each box's root): make a bind mount of it the root, then start over.
    mkdir -p /.newroot && mount --bind / /.newroot && cd /.newroot && mount --move . / &&
        exec chroot . /init again
    echo "mi-vm: cannot re-root the initramfs"
    exit 1
fi

export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts
ln -sf pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
chmod 1777 /tmp
# Only cgroup v2, with the mount options systemd uses, controllers enabled at the top as a
# systemd host has them.
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
controllers='+cpu +cpuset +memory +pids'
echo "$controllers" > /sys/fs/cgroup/cgroup.subtree_control
hostname mi-vm
ip link set lo up

# The command's cgroup: each level on the way gets the controllers, as systemd's slices do.
cg=/sys/fs/cgroup
for level in $(echo "${mi_cgroup:-}" | tr / ' '); do
    [ "$cg" = /sys/fs/cgroup ] || echo "$controllers" > "$cg/cgroup.subtree_control"
    cg=$cg/$level
    mkdir -p "$cg"
done

stty -F /dev/ttyS1 -opost  # lines end in \n on the host, not \r\n
echo "mi-vm: command starts at uptime $(cut -d' ' -f1 /proc/uptime)s, cgroup ${mi_cgroup:-/}"
set -- # the command, read back into "$@" line by line
while IFS= read -r word; do set -- "$@" "$word"; done < /etc/mi-vm/command
cd /
set -o pipefail
# In a pipe, as under CI: the command's output is not a terminal.
sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' - "$cg" "$@" < /dev/null 2>&1 | cat > /dev/ttyS1
rc=$?
echo "mi-vm: exit $rc"
sync
poweroff -f
