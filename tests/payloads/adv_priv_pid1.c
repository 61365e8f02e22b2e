/* Class 2 (see and signal init / processes of other users).  Lists /proc: only the payload's own
 * processes may be visible (hidepid=invisible hides root-owned init); kill(1, 0) and
 * kill(1, SIGKILL) must fail.  Expected containment: /proc/1 absent, kill fails (EPERM/ESRCH);
 * status Success. */
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include "adv_common.h"
int main(void)
{
    struct stat st;
    if (stat("/proc/1", &st) == 0)
        adv_escaped("/proc/1 (init) is visible, uid %u", (unsigned)st.st_uid);
    else
        adv_contained("/proc/1 invisible (%s)", strerrorname_np(errno));
    adv_must_fail("kill(1, 0)", kill(1, 0));
    adv_must_fail("kill(1, SIGKILL)", kill(1, SIGKILL));
    DIR *d = opendir("/proc");
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)))
        if (de->d_name[0] >= '0' && de->d_name[0] <= '9') {
            n++;
            if (atoi(de->d_name) != getpid())
                adv_escaped("foreign process %s visible", de->d_name);
        }
    adv_info("%d pids visible", n);
    return adv_done();
}
