/* Class 4 (page-cache channel between boxes; issue 11 item 3).  argv[1] = a shared read-only
 * file (default /usr/bin/env).  Evicts it with posix_fadvise(DONTNEED) (also the raw syscall
 * with the advice's high 32 bits set), then probes residency with mincore on a mapping,
 * preadv2(RWF_NOWAIT) (also with high flag bits set) and cachestat.  The sender of such a
 * channel evicts, another box reads or not, the receiver probes.  Expected containment: the
 * probes fail (ENOSYS / EOPNOTSUPP) and DONTNEED evicts nothing (the test checks from the host
 * that the file stays cached); status Success. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "adv_common.h"
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x8
#endif
int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/usr/bin/env";
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        printf("info: open %s: %s\n", path, strerror(errno));
        return 3;
    }
    int r = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    printf("info: posix_fadvise(DONTNEED) = %d\n", r);
    long r2 = syscall(SYS_fadvise64, fd, 0L, 0L, (long)(POSIX_FADV_DONTNEED | (1UL << 32)));
    printf("info: fadvise64(DONTNEED | 1<<32) = %ld\n", r2);
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    unsigned char vec[4096];
    if (m != MAP_FAILED) {
        size_t len = (size_t)st.st_size < 4096 * 4096 ? (size_t)st.st_size : 4096 * 4096;
        if (mincore(m, len, vec) == 0)
            adv_escaped("mincore tells which pages of %s are cached", path);
        else
            adv_contained("mincore: %s", strerror(errno));
    }
    char buf[4096];
    struct iovec iov = {buf, sizeof buf};
    unsigned long flags[] = {RWF_NOWAIT, RWF_NOWAIT | (1UL << 32)};
    for (int i = 0; i < 2; i++) {
        long n = syscall(SYS_preadv2, fd, &iov, 1, 0L, 0L, flags[i]);
        if (n >= 0 || errno == EAGAIN)
            adv_escaped("preadv2(RWF_NOWAIT, %#lx) probes the cache (%ld)", flags[i], n);
        else
            adv_contained("preadv2(RWF_NOWAIT, %#lx): %s", flags[i], strerror(errno));
    }
    struct { unsigned long long off, len; } range = {0, 0};
    unsigned long long cs[8];
    long c = syscall(451 /* cachestat */, fd, &range, cs, 0L);
    if (c == 0)
        adv_escaped("cachestat tells how much of %s is cached", path);
    else
        adv_contained("cachestat: %s", strerror(errno));
    return adv_escapes ? 42 : 0;
}
