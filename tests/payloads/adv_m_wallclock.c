/* Class 9 (measurement tampering: make the wall time look short).  Tries to set the realtime
 * clock back one hour, then sleeps 5 s.  Run with -w 1: expected containment: the keeper measures
 * wall time with CLOCK_MONOTONIC (and the clock change fails anyway): status TO (wall clock),
 * verdict TimeLimit, time-wall >= 1. */
#include <sys/time.h>
#include "adv_common.h"
int main(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    tv.tv_sec -= 3600;
    adv_must_fail("settimeofday(-1h)", settimeofday(&tv, NULL));
    sleep(5);
    return 0;
}
