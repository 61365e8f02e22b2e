/* Class 11 (scheduling games against fairness).  Tries to raise its priority: nice(-10),
 * setpriority(-20), SCHED_FIFO, sched_setaffinity to all CPUs of the host.
 * Expected containment: EPERM/EACCES for priority and real-time changes (no CAP_SYS_NICE);
 * affinity is reported; status Success. */
#include <sched.h>
#include <sys/resource.h>
#include "adv_common.h"
int main(void)
{
    errno = 0;
    int r = nice(-10);
    adv_must_fail("nice(-10)", r == -1 && errno ? -1 : (r < 0 ? 0 : r));
    adv_must_fail("setpriority(-20)", setpriority(PRIO_PROCESS, 0, -20));
    struct sched_param sp = {.sched_priority = 50};
    adv_must_fail("sched_setscheduler(SCHED_FIFO)", sched_setscheduler(0, SCHED_FIFO, &sp));
    cpu_set_t s;
    CPU_ZERO(&s);
    for (int i = 0; i < 64; i++)
        CPU_SET(i, &s);
    adv_info("sched_setaffinity(all) = %d", sched_setaffinity(0, sizeof s, &s));
    return adv_done();
}
