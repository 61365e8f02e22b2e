/* Class 3 (kernel attack surface). ioctl(1, TIOCLINUX) with the command's high 32 bits set (CVE-2023-28100 style).
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming ioctl (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_ioctl, 1, (0xffffffffUL << 32) | 0x541c, 0);
    adv_reached("ioctl", r);
    return adv_done();
}
