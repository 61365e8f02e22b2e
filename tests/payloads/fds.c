/* Prints the open file descriptors above 2 ("fds: 3 7 ..."), not counting the one used to list
 * them.  Expected: none unless --inherit-fds. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        perror("/proc/self/fd");
        return 1;
    }
    int self = dirfd(d);
    struct dirent *de;
    printf("fds:");
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        int fd = atoi(de->d_name);
        if (fd > 2 && fd != self)
            printf(" %d", fd);
    }
    printf("\n");
    return 0;
}
