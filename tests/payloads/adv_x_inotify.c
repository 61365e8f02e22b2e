/* Class 4 (cross-box channel through inotify on the shared read-only files; issue 11 item 2).
 * Tries inotify_init1 and inotify_init; with an instance, watches /usr/bin/env and /usr/lib for
 * IN_OPEN|IN_ACCESS (another box, or a host process, opening them would show up here).
 * Expected containment: the default policy refuses inotify (ENOSYS), as dnotify, fanotify and
 * locks; status Success. */
#include <sys/inotify.h>
#include <sys/syscall.h>
#include "adv_common.h"
static void probe(const char *how, int fd)
{
    if (fd < 0) {
        adv_contained("%s: %s", how, strerror(errno));
        return;
    }
    int w1 = inotify_add_watch(fd, "/usr/bin/env", IN_OPEN | IN_ACCESS);
    int w2 = inotify_add_watch(fd, "/usr/lib", IN_OPEN | IN_ACCESS);
    if (w1 >= 0 || w2 >= 0)
        adv_escaped("%s: watches on shared system files (%d, %d)", how, w1, w2);
    else
        adv_contained("%s: no watch on shared files (%s)", how, strerror(errno));
    close(fd);
}
int main(void)
{
    probe("inotify_init1", inotify_init1(IN_CLOEXEC));
#ifdef SYS_inotify_init
    probe("inotify_init", (int)syscall(SYS_inotify_init));
#endif
    return adv_escapes ? 42 : 0;
}
