/* Writes argv[1] MiB (default 1024 = 1 GiB) of 'x' to stdout (argv[2] = "err": to stderr), then
 * prints "flooded" to stderr and exits 0.  Expected with --json: killed at the output cap
 * (FileSizeLimit) long before the end, the keeper's memory bounded by the cap; with -o FILE and
 * -f it dies of SIGXFSZ instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 1024;
    int fd = argc > 2 && !strcmp(argv[2], "err") ? 2 : 1;
    static char buf[1 << 20];
    memset(buf, 'x', sizeof buf);
    for (long i = 0; i < mib; i++) {
        size_t off = 0;
        while (off < sizeof buf) {
            ssize_t n = write(fd, buf + off, sizeof buf - off);
            if (n <= 0)
                return 1;
            off += (size_t)n;
        }
    }
    fprintf(stderr, "flooded\n");
    return 0;
}
