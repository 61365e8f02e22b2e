/* Class 7 (disk filling through /tmp).  Writes 1 MiB blocks to /tmp/fill until an error (at most
 * 4 GiB).  Run with -f 10240: expected containment RLIMIT_FSIZE sends SIGXFSZ at 10 MiB:
 * FileSizeLimit (SG 25).  Without -f the bounded /tmp tmpfs (256 MiB) ends it with ENOSPC. */
#include <fcntl.h>
#include "adv_common.h"
int main(void)
{
    static char buf[1 << 20];
    int fd = open("/tmp/fill", O_WRONLY | O_CREAT, 0600);
    long total = 0, w;
    if (fd < 0)
        return 1;
    while (total < (4L << 30) && (w = write(fd, buf, sizeof buf)) > 0)
        total += w;
    if (total >= (1L << 30))
        adv_escaped("wrote %ld MiB to /tmp", total >> 20);
    else
        adv_contained("/tmp write stopped at %ld MiB (%s)", total >> 20, strerrorname_np(errno));
    return adv_done();
}
