/* Burns argv[1] milliseconds of CPU time (default 300), then prints the wall time it took in
 * ms: under a CPU rate limit the wall time stretches (tests of cpu_rate_limit / cpuRateLimit). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    double want = argc > 1 ? atof(argv[1]) : 300, w0 = now(CLOCK_MONOTONIC);
    double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    volatile unsigned long x = 0;
    while (now(CLOCK_PROCESS_CPUTIME_ID) - c0 < want)
        for (int i = 0; i < 100000; i++)
            x += i;
    printf("%.0f\n", now(CLOCK_MONOTONIC) - w0);
    return 0;
}
