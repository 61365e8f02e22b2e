/* sc_proc_probe: reports how /proc files that reveal the host look inside the box: "masked" (a
 * /dev/null bind: empty), "absent", "denied" or "readable N" (bytes read), and whether /proc/sys
 * is mounted read-only ("ro"/"rw").  Expected: no host-revealing file readable, /proc/sys ro. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *const files[] = {"/proc/kallsyms", "/proc/kcore", "/proc/timer_list",
                                    "/proc/keys", "/proc/sched_debug", "/proc/sysrq-trigger",
                                    "/proc/kmsg", NULL};

int main(void)
{
    for (int i = 0; files[i]; i++) {
        struct stat st;
        if (stat(files[i], &st) < 0) {
            printf("%s absent %d\n", files[i], errno);
            continue;
        }
        if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3) {
            printf("%s masked\n", files[i]);
            continue;
        }
        int fd = open(files[i], O_RDONLY | O_NONBLOCK);
        if (fd < 0) {
            printf("%s denied %d\n", files[i], errno);
            continue;
        }
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        printf("%s readable %zd\n", files[i], n);
        close(fd);
    }
    struct statvfs sv;
    if (statvfs("/proc/sys", &sv) == 0)
        printf("/proc/sys %s\n", (sv.f_flag & ST_RDONLY) ? "ro" : "rw");
    else
        printf("/proc/sys absent\n");
    return 0;
}
