/* Class 4 (file locks on shared inodes: a box could block other boxes or the host that read the
 * same /usr files).  argv[1] = a shared read-only file (default /usr/bin/env).  Tries flock
 * LOCK_EX, fcntl F_SETLK/F_OFD_SETLK read locks on it, and holds whatever it got for argv[2]
 * seconds.  Expected containment: flock ENOSYS and fcntl locks EPERM (policy), so the test's
 * concurrent host-side non-blocking flock succeeds; status Success. */
#include <fcntl.h>
#include <sys/file.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/usr/bin/env";
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        adv_info("open %s: %s", path, strerror(errno));
        return 1;
    }
    adv_must_fail_with("flock(LOCK_EX) on a shared file", flock(fd, LOCK_EX | LOCK_NB), ENOSYS);
    struct flock l = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
    adv_must_fail_with("fcntl(F_SETLK, F_RDLCK)", fcntl(fd, F_SETLK, &l), EPERM);
    adv_must_fail_with("fcntl(F_OFD_SETLK, F_RDLCK)", fcntl(fd, F_OFD_SETLK, &l), EPERM);
    adv_ready();
    sleep(argc > 2 ? (unsigned)atoi(argv[2]) : 0);
    return adv_done();
}
