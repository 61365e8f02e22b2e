/* Class 1 (write to the shared system directories).  Tries to create files in /usr, /bin,
 * /lib, /lib64, to unlink /usr/bin/env, chmod /usr/bin and rename inside /usr.
 * Expected containment: EROFS (read-only binds) or EACCES; the test checks the host has no new
 * file.  Status: Success. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail("create /usr/mi-adv-probe", open("/usr/mi-adv-probe", O_WRONLY | O_CREAT, 0644));
    adv_must_fail("create /bin/mi-adv-probe", open("/bin/mi-adv-probe", O_WRONLY | O_CREAT, 0644));
    adv_must_fail("create /lib/mi-adv-probe", open("/lib/mi-adv-probe", O_WRONLY | O_CREAT, 0644));
    adv_must_fail("mkdir /lib64/mi-adv-probe", mkdir("/lib64/mi-adv-probe", 0755));
    adv_must_fail("unlink /usr/bin/env", unlink("/usr/bin/env"));
    adv_must_fail("chmod /usr/bin 0777", chmod("/usr/bin", 0777));
    adv_must_fail("rename /usr/bin/env", rename("/usr/bin/env", "/usr/bin/env2"));
    adv_must_fail("open /usr/bin/env O_RDWR", open("/usr/bin/env", O_RDWR));
    adv_must_fail("utimes /usr/bin/env", utimes("/usr/bin/env", NULL));
    return adv_done();
}
