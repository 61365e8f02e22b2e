/* Class 3 (kernel attack surface). userfaultfd(O_CLOEXEC): used to stall the kernel mid-copy and win races in exploits.
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming userfaultfd (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_userfaultfd, 02000000);
    adv_reached("userfaultfd", r);
    return adv_done();
}
