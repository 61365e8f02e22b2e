/* Class 2 (nested user namespace: become "root" and use the kernel's userns-reachable code).
 * Calls unshare(CLONE_NEWUSER).  Expected containment: policy violation (namespace flags are
 * checked on unshare/clone); status SecurityViolation naming unshare.  Nothing printed after. */
#include <sched.h>
#include "adv_common.h"
int main(void)
{
    long r = unshare(CLONE_NEWUSER);
    adv_reached("unshare(CLONE_NEWUSER)", r);
    return adv_done();
}
