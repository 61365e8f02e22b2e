/* Class 7 (/dev/shm abuse: tmpfs pages are memory no rlimit counts).  Writes 1 MiB blocks to
 * /dev/shm/fill until an error (at most 8 GiB).  Expected containment: the box's /dev is a tiny
 * private tmpfs: ENOSPC after at most a few KiB; status Success (the payload stops at the error). */
#include <fcntl.h>
#include "adv_common.h"
int main(void)
{
    static char buf[1 << 20];
    int fd = open("/dev/shm/fill", O_WRONLY | O_CREAT, 0600);
    long total = 0, w;
    if (fd < 0) {
        adv_contained("cannot even create /dev/shm/fill (%s)", strerrorname_np(errno));
        return adv_done();
    }
    while (total < (8L << 30) && (w = write(fd, buf, sizeof buf)) > 0)
        total += w;
    if (total >= (1L << 30))
        adv_escaped("wrote %ld MiB to /dev/shm", total >> 20);
    else
        adv_contained("/dev/shm full after %ld KiB (%s)", total >> 10, strerrorname_np(errno));
    return adv_done();
}
