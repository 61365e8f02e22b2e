/* Class 2 (read another process's memory without ptrace).  process_vm_readv on PID 1.
 * Expected containment: policy violation naming process_vm_readv; status SecurityViolation. */
#include <sys/uio.h>
#include "adv_common.h"
int main(void)
{
    char buf[64];
    struct iovec l = {buf, sizeof buf}, r = {(void *)0x400000, sizeof buf};
    long rc = process_vm_readv(1, &l, 1, &r, 1, 0);
    adv_reached("process_vm_readv(1)", rc);
    return adv_done();
}
