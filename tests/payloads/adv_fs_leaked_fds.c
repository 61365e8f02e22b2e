/* Class 1 (leaked host fds / cwd, runc CVE-2024-21626).  Checks that fds 3..4095 are closed,
 * that cwd is /box, and that no /proc/self/fd link, /proc/self/cwd or /proc/self/root points
 * outside the box's view.  The test runs the keeper with a host secret and a host directory
 * open and a host cwd.  Expected containment: only 0,1,2 open (no --inherit-fds), cwd /box;
 * status Success. */
#include <fcntl.h>
#include "adv_common.h"
int main(void)
{
    int leaked = 0;
    for (int fd = 3; fd < 4096; fd++)
        if (fcntl(fd, F_GETFD) >= 0) {
            char l[64], t[4096] = "";
            snprintf(l, sizeof l, "/proc/self/fd/%d", fd);
            if (readlink(l, t, sizeof t - 1) < 0)
                strcpy(t, "?");
            adv_escaped("fd %d is open: %s", fd, t);
            leaked++;
        }
    if (!leaked)
        adv_contained("no fd above 2 is open");
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, "/box"))
        adv_escaped("cwd is %s, not /box", getcwd(cwd, sizeof cwd) ? cwd : "unreachable");
    else
        adv_contained("cwd is /box");
    char root[4096] = "";
    if (readlink("/proc/self/root", root, sizeof root - 1) < 0 || strcmp(root, "/"))
        adv_escaped("/proc/self/root is %s", root);
    else
        adv_contained("/proc/self/root is /");
    return adv_done();
}
