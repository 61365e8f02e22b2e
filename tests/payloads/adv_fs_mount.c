/* Class 1 (mount attempts).  Calls mount("none", "/tmp", "tmpfs") to shadow a directory (or
 * remount / read-write).  Expected containment: mount(2) is a policy violation (and needs
 * CAP_SYS_ADMIN); expected status: SecurityViolation naming mount.  Nothing printed after. */
#include <sys/mount.h>
#include "adv_common.h"
int main(void)
{
    long r = mount("none", "/tmp", "tmpfs", 0, NULL);
    adv_reached("mount tmpfs on /tmp", r);
    return adv_done();
}
