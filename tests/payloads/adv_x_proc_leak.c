/* Class 4 (/proc leaks).  argv[1] = a host path fragment to look for (the box root).
 * Counts visible pids; reads /proc/self/mountinfo (reports host paths it reveals); tries the
 * masked files kallsyms, kcore, sched_debug, timer_list, keys, sysrq-trigger; writes to
 * /proc/sys/kernel/hostname and /proc/sysrq-trigger.  Expected containment: only own pids,
 * masked files empty or unreadable, /proc/sys read-only; mountinfo content is reported
 * (informational); status Success. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)))
        n += de->d_name[0] >= '0' && de->d_name[0] <= '9';
    if (n > 4)
        adv_escaped("%d pids visible in /proc", n);
    else
        adv_contained("%d pid(s) visible", n);
    const char *masked[] = {"/proc/kallsyms", "/proc/kcore", "/proc/sched_debug",
                            "/proc/timer_list", "/proc/keys", "/proc/sysrq-trigger",
                            "/proc/kmsg", "/proc/key-users"};
    for (unsigned i = 0; i < sizeof masked / sizeof masked[0]; i++) {
        int fd = open(masked[i], O_RDONLY);
        char buf[256];
        long got = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
        if (got > 0)
            adv_escaped("%s readable (%ld bytes)", masked[i], got);
        else
            adv_contained("%s %s", masked[i], fd < 0 ? "unopenable" : "empty");
        if (fd >= 0)
            close(fd);
    }
    int fd = open("/proc/sys/kernel/hostname", O_WRONLY);
    adv_must_fail("write /proc/sys/kernel/hostname", fd < 0 ? -1 : write(fd, "pwned", 5));
    fd = open("/proc/sysrq-trigger", O_WRONLY);
    struct stat sst;
    if (fd >= 0 && fstat(fd, &sst) == 0 && S_ISCHR(sst.st_mode) && sst.st_rdev == makedev(1, 3))
        adv_contained("/proc/sysrq-trigger is masked by /dev/null (writes go nowhere)");
    else
        adv_must_fail("write /proc/sysrq-trigger", fd < 0 ? -1 : write(fd, "h", 1));
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[1024];
    int host = 0;
    while (f && fgets(line, sizeof line, f))
        if (argc > 1 && strstr(line, argv[1]))
            host++;
    adv_info("mountinfo lines revealing the host box path: %d", host);
    return adv_done();
}
