/* Class 4 (AF_VSOCK: reaches the hypervisor / other VMs, not covered by network namespaces).
 * socket(AF_VSOCK, SOCK_STREAM) and connect to CID 2 (host), port 22; also with high bits set in
 * the family argument.  Expected containment: EAFNOSUPPORT from the policy; status Success. */
#include <sys/socket.h>
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail_with("socket(AF_VSOCK)", socket(40, SOCK_STREAM, 0), EAFNOSUPPORT);
    adv_must_fail_with("socket(AF_VSOCK | 1<<32)",
                       syscall(SYS_socket, (1UL << 32) | 40, SOCK_STREAM, 0), EAFNOSUPPORT);
    return adv_done();
}
