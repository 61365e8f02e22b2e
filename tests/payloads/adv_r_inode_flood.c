/* Class 7 (inode exhaustion).  Creates empty files /tmp/f<N> until an error or argv[1] files
 * (default 100000).  /tmp is backed by a host directory of the box (as in isolate), so without
 * -q (quota) nothing bounds the inode count: the payload reports how far it got.  Expected
 * containment: the run ends, and the keeper's chown-back and cleanup walk the huge directory
 * (the test checks they succeed and nothing is left); status Success. */
#include <fcntl.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    char name[64];
    int i, max = argc > 1 ? atoi(argv[1]) : 100000;
    for (i = 0; i < max; i++) {
        snprintf(name, sizeof name, "/tmp/f%d", i);
        int fd = open(name, O_WRONLY | O_CREAT, 0600);
        if (fd < 0)
            break;
        close(fd);
    }
    if (i == max)
        adv_info("%d inodes created in /tmp: no inode bound without -q", i);
    else
        adv_contained("inode flood stopped at %d files (%s)", i, strerrorname_np(errno));
    return adv_done();
}
