/* Class 1 (device nodes).  Tries mknod of /dev/mem (c 1 1), a disk (b 8 0) in /box and /tmp and
 * opens the host's /dev/mem, /dev/kmsg, /dev/sda, /dev/port.  Expected containment: EPERM (no
 * CAP_MKNOD) and the minimal /dev holds none of these.  Status: Success. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail("mknod /box/mem c 1 1", mknod("/box/mem", S_IFCHR | 0666, makedev(1, 1)));
    adv_must_fail("mknod /tmp/sda b 8 0", mknod("/tmp/sda", S_IFBLK | 0666, makedev(8, 0)));
    adv_must_fail("mknod /dev/mem2 c 1 1", mknod("/dev/mem2", S_IFCHR | 0666, makedev(1, 1)));
    const char *devs[] = {"/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/sda",
                          "/dev/vda", "/dev/nvme0n1", "/dev/fuse", "/dev/kvm", "/dev/net/tun"};
    for (unsigned i = 0; i < sizeof devs / sizeof devs[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "open %s", devs[i]);
        adv_must_fail(what, open(devs[i], O_RDONLY));
    }
    return adv_done();
}
