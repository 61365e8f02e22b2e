/* Class 1/7 (keeper robustness: deep tree).  argv[1] = depth (default 10000).  Creates a chain
 * of nested directories d/d/d/... in /box (plus a file at the bottom) using relative mkdir+chdir,
 * far deeper than PATH_MAX.  Expected containment: the keeper's chown-back and cleanup walk it
 * without crashing, running out of fds or following anything; the test checks the next run and
 * --cleanup succeed and nothing is left.  Status: Success. */
#include <fcntl.h>
#include <sys/stat.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    int depth = argc > 1 ? atoi(argv[1]) : 10000, i;
    if (chdir("/box") < 0)
        return 1;
    for (i = 0; i < depth; i++)
        if (mkdir("d", 0755) < 0 || chdir("d") < 0)
            break;
    int fd = open("bottom", O_WRONLY | O_CREAT, 0644);
    if (fd >= 0)
        close(fd);
    adv_info("depth %d", i);
    return i == depth ? adv_done() : 1;
}
