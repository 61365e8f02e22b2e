/* Class 7 (disk filling under --quota).  argv[1] = directory (/box or /tmp), argv[2] = "bytes"
 * (write 64 KiB blocks to DIR/fill, at most 1 GiB) or "inodes" (create empty files DIR/i<N>, at
 * most 1000000).  Prints "info: quota stop bytes=N errno=NAME" (or inodes=N) and exits 0 when
 * the write failed with ENOSPC or EDQUOT, as isolate's quota makes it fail; exits 1 on any
 * other end.  Expected containment: the box's quota stops it; status Success. */
#include <fcntl.h>
#include <sys/stat.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    char path[256];
    long n = 0;
    int e = 0;
    if (!strcmp(argv[2], "bytes")) {
        static char buf[65536];
        memset(buf, 'x', sizeof buf);
        snprintf(path, sizeof path, "%s/fill", argv[1]);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            return 1;
        ssize_t w;
        while (n < (1L << 30) && (w = write(fd, buf, sizeof buf)) > 0)
            n += w;
        e = errno;
        close(fd);
        printf("info: quota stop bytes=%ld errno=%s\n", n, strerrorname_np(e));
    } else {
        for (; n < 1000000; n++) {
            snprintf(path, sizeof path, "%s/i%ld", argv[1], n);
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
            if (fd < 0)
                break;
            close(fd);
        }
        e = errno;
        printf("info: quota stop inodes=%ld errno=%s\n", n, strerrorname_np(e));
    }
    fflush(stdout);
    return e == ENOSPC || e == EDQUOT ? 0 : 1;
}
