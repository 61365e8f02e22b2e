/* Class 1 (hard link to a host file).  Tries link() of files from the read-only host binds
 * (/usr/bin/passwd, setuid on most hosts; /bin/sh) and of /proc/self/exe into /box.
 * Expected containment: EXDEV (different mounts) or EPERM (protected_hardlinks), so the
 * keeper's chown-back can never hand a host inode to the box user.  Status: Success. */
#include <fcntl.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail("link /usr/bin/passwd -> /box/pw", link("/usr/bin/passwd", "/box/pw"));
    adv_must_fail("link /bin/sh -> /box/sh", link("/bin/sh", "/box/sh"));
    adv_must_fail("link /usr/bin/env -> /tmp/env", link("/usr/bin/env", "/tmp/env"));
    adv_must_fail("linkat /proc/self/exe -> /tmp/me (AT_SYMLINK_FOLLOW)",
                  linkat(AT_FDCWD, "/proc/self/exe", AT_FDCWD, "/tmp/me", AT_SYMLINK_FOLLOW));
    return adv_done();
}
