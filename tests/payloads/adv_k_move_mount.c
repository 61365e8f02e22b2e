/* Class 3 (kernel attack surface). move_mount of "/box" onto "/usr": the other half of the new mount API.
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming move_mount (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_move_mount, -100, "/box", -100, "/usr", 0);
    adv_reached("move_mount", r);
    return adv_done();
}
