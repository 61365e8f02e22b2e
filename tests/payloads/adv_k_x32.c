/* Class 3 (kernel attack surface). getpid through the x32 ABI (nr | 0x40000000): a different syscall table that a native-only filter skips (Firejail x32 bypass).
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming getpid [x32] (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(0x40000000 | SYS_getpid);
    adv_reached("getpid [x32]", r);
    return adv_done();
}
