/* Class 1 (a symlink planted through a rw share for a later run's rule source).  The test binds
 * a host directory read-write at /share and, in the second run, its subdirectory "sub" at
 * /other too.  argv[1] = "plant": replaces /share/sub by a symlink to /etc.  argv[1] = "read":
 * reports whether /other is the host's /etc (ESCAPED if /other/passwd exists).  Expected
 * containment: the host side never follows a link a box could have planted: the second run's
 * source is refused (InternalError, XX) or /other is the real sub directory. */
#include <sys/stat.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "plant")) {
        if (rmdir("/share/sub") < 0 || symlink("/etc", "/share/sub") < 0)
            printf("info: plant failed: %s\n", strerror(errno));
        else
            printf("info: /share/sub -> /etc planted\n");
        return adv_done();
    }
    struct stat st;
    if (stat("/other/passwd", &st) == 0)
        adv_escaped("/other is the host's /etc");
    else
        adv_contained("/other is not the host's /etc (%s)", strerrorname_np(errno));
    return adv_done();
}
