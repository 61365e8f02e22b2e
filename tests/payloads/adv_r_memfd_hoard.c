/* Class 7 (memory outside the address-space limit; issue 11 item 8).  Writes argv[1] MiB
 * (default 256) into a memfd and keeps it, then exits 0.  memfd (tmpfs) pages are not in the
 * process's address space unless mapped: RLIMIT_AS (-m) does not see them.  Expected: without
 * --cg, -m 65536 does not bound it -- never silently: a warning on stderr naming --cg and the
 * JSON "warnings"; with --cg --cg-mem 65536 the box's memory limit stops it (MemoryLimit). */
#include <sys/mman.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 256;
    int fd = memfd_create("hoard", 0);
    if (fd < 0)
        return 3;
    static char buf[1 << 20];
    memset(buf, 'm', sizeof buf);
    for (long i = 0; i < mib; i++)
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
            return 3;
    printf("info: %ld MiB kept in a memfd\n", mib);
    return 0;
}
