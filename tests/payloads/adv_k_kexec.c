/* Class 3 (kernel attack surface). kexec_load: load a new kernel.
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming kexec_load (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_kexec_load, 0, 0, 0, 0);
    adv_reached("kexec_load", r);
    return adv_done();
}
