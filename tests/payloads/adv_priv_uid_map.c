/* Class 2 (rewrite the uid map to become root).  Writes "0 0 1" to /proc/self/uid_map,
 * /proc/self/gid_map and "deny" to /proc/self/setgroups.  Expected containment: EPERM/EACCES
 * (the maps belong to the initial user namespace and are set already); status Success. */
#include <fcntl.h>
#include "adv_common.h"
static void try_write(const char *path, const char *s)
{
    char what[128];
    snprintf(what, sizeof what, "write %s", path);
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        adv_must_fail(what, -1);
        return;
    }
    adv_must_fail(what, write(fd, s, strlen(s)));
    close(fd);
}
int main(void)
{
    try_write("/proc/self/uid_map", "0 0 1\n");
    try_write("/proc/self/gid_map", "0 0 1\n");
    try_write("/proc/self/setgroups", "deny\n");
    return adv_done();
}
