/* Class 1 (host-side symlink following, Judge0 CVE-2024-28185/-28189).  argv[1..] = host paths.
 * Plants /box/evil_N -> argv[N], a directory symlink /box/evilroot -> "/", and tries to write
 * through them.  Expected containment: the host paths do not exist inside the box (writes fail)
 * and the keeper's chown-back/cleanup never follows the links: the test checks that the host
 * files keep owner/mode/content and that the links are deleted.  Status: Success. */
#include <fcntl.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    char name[64];
    for (int i = 1; i < argc; i++) {
        snprintf(name, sizeof name, "/box/evil_%d", i);
        if (symlink(argv[i], name) < 0)
            adv_info("symlink %s failed: %s", name, strerror(errno));
        adv_must_fail("write through planted link", open(name, O_WRONLY | O_TRUNC));
    }
    if (argc > 1 && symlink("/", "/box/evilroot") < 0)
        adv_info("symlink evilroot: %s", strerror(errno));
    adv_info("links planted");
    return adv_done();
}
