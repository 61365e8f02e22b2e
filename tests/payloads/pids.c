/* Prints the pids listed in /proc, space-separated, and its own pid.  Expected: only the box's
 * own processes (the program is pid 2 under the box's init, or thereabouts), no host pids. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    DIR *d = opendir("/proc");
    if (!d) {
        perror("/proc");
        return 1;
    }
    struct dirent *de;
    printf("self=%d pids=", (int)getpid());
    while ((de = readdir(d)))
        if (isdigit((unsigned char)de->d_name[0]))
            printf("%s ", de->d_name);
    printf("\n");
    return 0;
}
