/* Class 3 (kernel attack surface).  io_uring_setup(8, params): io_uring bypasses syscall filters
 * (its operations are not syscalls) and has had many exploits.  Expected containment: the policy
 * returns ENOSYS (as if the kernel lacked it, so runtimes fall back); status Success. */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    unsigned char params[120] = {0};
    adv_must_fail_with("io_uring_setup", syscall(SYS_io_uring_setup, 8, params), ENOSYS);
    return adv_done();
}
