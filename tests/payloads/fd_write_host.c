/* fd_write_host FD: the judge leaked a descriptor of a host directory (--inherit-fds).  Tries
 * to create a file and a directory through it.  Expected: both refused (Landlock fences writes
 * to the read-write rules even where the host's permissions would allow them); prints what
 * happened ("created"/"refused: ERRNO") for each. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int dfd = atoi(argv[1]);
    int fd = openat(dfd, "pwned", O_WRONLY | O_CREAT | O_EXCL, 0644);
    printf("file: %s\n", fd >= 0 ? "created" : strerror(errno));
    printf("dir: %s\n", mkdirat(dfd, "pwned-dir", 0755) == 0 ? "created" : strerror(errno));
    return 0;
}
