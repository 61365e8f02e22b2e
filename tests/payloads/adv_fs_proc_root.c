/* Class 1 (filesystem escape, /proc/<pid>/root trick). argv[1] = a host path of a secret.
 * Tries /proc/1/root/<secret>, /proc/1/cwd, /proc/self/root/../<secret> and scans every visible
 * /proc/<pid>/root.  Expected containment: PID 1 (init, root-owned) is invisible (hidepid) and
 * every visible process shares the box root, so the secret is unreachable.  Status: Success. */
#include <dirent.h>
#include <fcntl.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    const char *secret = argc > 1 ? argv[1] : "/etc/shadow";
    char p[4200];
    snprintf(p, sizeof p, "/proc/1/root%s", secret);
    adv_must_fail("open /proc/1/root/<secret>", open(p, O_RDONLY));
    adv_must_fail("open /proc/1/cwd", open("/proc/1/cwd", O_RDONLY | O_DIRECTORY));
    snprintf(p, sizeof p, "/proc/self/root/..%s", secret);
    adv_must_fail("open /proc/self/root/../<secret>", open(p, O_RDONLY));
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        snprintf(p, sizeof p, "/proc/%s/root%s", de->d_name, secret);
        int fd = open(p, O_RDONLY);
        if (fd >= 0)
            adv_escaped("read the secret through %s", p);
    }
    return adv_done();
}
