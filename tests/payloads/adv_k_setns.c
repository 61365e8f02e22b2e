/* Class 3 (kernel attack surface). setns(0, 0): join another namespace through an fd.
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming setns (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_setns, 0, 0);
    adv_reached("setns", r);
    return adv_done();
}
