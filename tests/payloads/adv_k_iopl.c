/* Class 3 (hardware access).  iopl(3) to reach I/O ports directly.  Expected containment: policy
 * violation naming iopl (it would fail EPERM anyway); status SecurityViolation. */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_iopl, 3);
    adv_reached("iopl", r);
    return adv_done();
}
