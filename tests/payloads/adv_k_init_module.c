/* Class 3 (kernel attack surface). init_module: load a kernel module from memory.
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming init_module (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_init_module, 0, 0, "");
    adv_reached("init_module", r);
    return adv_done();
}
