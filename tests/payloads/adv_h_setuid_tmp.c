/* Class 12 (local host users).  Leaves doors for a host user: copies of its own executable in
 * /tmp and /box made setuid+setgid (06755), a setgid directory, and /tmp and /box opened to
 * everyone (0777).  A host user who can run <box>/tmp/<n>/door becomes the box uid and, through
 * /proc/PID/root, reaches later runs.  Expected containment (host side, checked by the test):
 * after the run no file of the box has a setuid/setgid bit, box/, every tmp backing directory
 * and their parent <box>/tmp are mode 0700, and another uid cannot reach the door.
 * Status: Success. */
#include <fcntl.h>
#include <sys/stat.h>
#include "adv_common.h"

static void copy_self(const char *dst)
{
    int in = open("/proc/self/exe", O_RDONLY);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    char buf[65536];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            break;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    if (chmod(dst, 06755) < 0)
        printf("info: chmod %s: %s\n", dst, strerror(errno));
}

int main(void)
{
    copy_self("/tmp/door");
    copy_self("/box/door");
    mkdir("/box/sgid", 0777);
    chmod("/box/sgid", 02777);
    copy_self("/box/sgid/door");
    if (chmod("/tmp", 0777) < 0 || chmod("/box", 0777) < 0)
        printf("info: chmod of /tmp or /box: %s\n", strerror(errno));
    printf("info: doors left in /tmp and /box\n");
    return adv_done();
}
