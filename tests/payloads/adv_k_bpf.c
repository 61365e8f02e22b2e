/* Class 3 (kernel attack surface). bpf(BPF_PROG_LOAD) with an empty program: eBPF verifier bugs are a classic local root.
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming bpf (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, 0, 0);
    adv_reached("bpf", r);
    return adv_done();
}
