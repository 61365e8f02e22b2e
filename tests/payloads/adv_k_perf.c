/* Class 3 (kernel attack surface). perf_event_open on the current task: perf has a long CVE history and leaks kernel addresses.
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming perf_event_open (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_perf_event_open, 0, 0, -1, -1, 0);
    adv_reached("perf_event_open", r);
    return adv_done();
}
