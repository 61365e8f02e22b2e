/* Benchmark payload: burns a fixed amount of CPU work (argv[1] million loop iterations, default
 * 400), then prints its own CPU time as the kernel accounts it:
 *   "rusage <user+sys seconds> cputime <CLOCK_PROCESS_CPUTIME_ID seconds>"
 * The sandbox's reported `time` is compared with these figures.  Expected: OK. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

int main(int argc, char **argv)
{
    unsigned long n = (argc > 1 ? strtoul(argv[1], NULL, 10) : 400) * 1000000UL;
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < n; i++)
        x += i;
    struct rusage ru;
    struct timespec ts;
    getrusage(RUSAGE_SELF, &ru);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    double r = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    printf("rusage %.6f cputime %.9f\n", r, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
    return 0;
}
