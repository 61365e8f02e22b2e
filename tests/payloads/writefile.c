/* Writes argv[2] KiB (default 1) to the file argv[1].  Prints "wrote PATH" and exits 0, or
 * "PATH: <errno name>" and exits 1.  Expected: fails outside /box and /tmp (EROFS/EACCES/ENOENT),
 * dies of SIGXFSZ when over -f. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    long kib = argc > 2 ? atol(argv[2]) : 1;
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        printf("%s: %s\n", argv[1], strerrorname_np(errno));
        return 1;
    }
    char buf[1024];
    memset(buf, 'x', sizeof buf);
    for (long i = 0; i < kib; i++)
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
            printf("%s: %s\n", argv[1], strerrorname_np(errno));
            return 1;
        }
    close(fd);
    printf("wrote %s\n", argv[1]);
    return 0;
}
