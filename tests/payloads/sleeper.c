/* Sleeps argv[1] seconds (default: a day) without using CPU, then prints "slept".
 * Expected: TO (wall clock) under -w, or Interrupted when the keeper is signalled. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv)
{
    double s = argc > 1 ? atof(argv[1]) : 86400;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0)
        ;
    printf("slept\n");
    return 0;
}
