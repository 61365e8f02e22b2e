/* Allocates and touches N MiB (argv[1]), one page at a time, then prints "touched N" and
 * exits 0.  Under --cg-mem below N MiB the box's OOM killer must stop it (SIGKILL,
 * cg-oom-killed:1); under a larger limit it must succeed with a cg-mem of about N MiB.
 * With argv[2] = K it then creates ./touched.<pid> and keeps its memory until K such files
 * exist (at most 30 s), so K copies started together hold K x N MiB at the same time. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static int count_touched(void)
{
    int n = 0;
    DIR *d = opendir(".");
    struct dirent *de;
    while (d && (de = readdir(d)))
        n += strncmp(de->d_name, "touched.", 8) == 0;
    if (d)
        closedir(d);
    return n;
}
int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 128;
    int together = argc > 2 ? atoi(argv[2]) : 0;
    long page = sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < mib; i++) {
        char *p = malloc(1 << 20);
        if (!p) {
            printf("malloc failed after %zu MiB\n", i);
            return 2;
        }
        for (long off = 0; off < (1 << 20); off += page)
            p[off] = 1;
    }
    if (together > 0) {
        char name[64];
        snprintf(name, sizeof name, "touched.%d", (int)getpid());
        close(open(name, O_WRONLY | O_CREAT, 0644));
        for (int i = 0; i < 3000 && count_touched() < together; i++)
            usleep(10000);
    }
    printf("touched %zu\n", mib);
    return 0;
}
