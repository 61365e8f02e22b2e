/* Class 2 (nested user namespace through clone, not unshare).  Raw clone(CLONE_NEWUSER|SIGCHLD)
 * with the high 32 bits of the flags set too.  Expected containment: policy violation naming
 * clone (checked on the full 64-bit flags); status SecurityViolation. */
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_clone, (0xffffffffUL << 32) | CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (r == 0)
        _exit(0);
    adv_reached("clone(CLONE_NEWUSER)", r);
    return adv_done();
}
