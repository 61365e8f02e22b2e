/* Class 3 (new syscalls missing from deny-lists: QingdaoU's list misses clone3).  clone3 with
 * CLONE_NEWUSER|CLONE_NEWNS in a struct the filter cannot inspect.  Expected containment: ENOSYS
 * for every clone3 (glibc falls back to clone, whose flags are checked); status Success. */
#include <linux/sched.h>
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    struct clone_args a;
    memset(&a, 0, sizeof a);
    a.flags = CLONE_NEWUSER | CLONE_NEWNS;
    a.exit_signal = 17;
    long r = syscall(SYS_clone3, &a, sizeof a);
    if (r == 0)
        _exit(0);
    adv_must_fail_with("clone3(CLONE_NEWUSER|CLONE_NEWNS)", r, ENOSYS);
    return adv_done();
}
