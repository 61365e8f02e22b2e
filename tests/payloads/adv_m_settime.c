/* Class 9 (measurement tampering: clock changes).  clock_settime(CLOCK_REALTIME, epoch),
 * settimeofday, adjtimex(ADJ_OFFSET), clock_adjtime.  Expected containment: EPERM everywhere
 * (policy and no CAP_SYS_TIME); the host clock is unchanged (the test compares); Success. */
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include "adv_common.h"
int main(void)
{
    struct timespec ts = {0, 0};
    adv_must_fail("clock_settime(CLOCK_REALTIME, 0)", clock_settime(CLOCK_REALTIME, &ts));
    struct timeval tv = {0, 0};
    adv_must_fail("settimeofday(0)", settimeofday(&tv, NULL));
    struct timex tx = {.modes = ADJ_OFFSET, .offset = 100000};
    adv_must_fail("adjtimex(ADJ_OFFSET)", adjtimex(&tx));
    adv_must_fail("clock_adjtime(CLOCK_REALTIME)", syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx));
    return adv_done();
}
