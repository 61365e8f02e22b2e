/* Burns CPU: argv[1] seconds of its own CPU time (forever without an argument), then prints
 * "burned" and exits 0.  Expected: TO when over -t (killed by the timer unless under -x). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
int main(int argc, char **argv)
{
    double limit = argc > 1 ? atof(argv[1]) : 1e18;
    volatile unsigned long x = 0;
    while (cpu() < limit)
        for (int i = 0; i < 100000; i++)
            x += (unsigned long)i;
    printf("burned\n");
    return 0;
}
