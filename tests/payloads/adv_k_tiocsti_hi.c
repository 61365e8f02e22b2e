/* Class 3 (kernel attack surface). ioctl(0, TIOCSTI) with the high 32 bits of the command set: the kernel truncates the command to 32 bits, a filter comparing only 64-bit values misses it (CVE-2019-10063).
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming ioctl (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_ioctl, 0, (0xffffffffUL << 32) | 0x5412, "x");
    adv_reached("ioctl", r);
    return adv_done();
}
