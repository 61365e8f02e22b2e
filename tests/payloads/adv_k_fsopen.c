/* Class 3 (kernel attack surface). fsopen("tmpfs"): the new mount API, missing from old deny-lists.
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming fsopen (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_fsopen, "tmpfs", 0);
    adv_reached("fsopen", r);
    return adv_done();
}
