/* Class 8 (many threads burn CPU faster than the wall clock).  Starts 4 busy threads and loops
 * for 30 s.  Run with --cg -p 10 -t 1 -w 10: expected containment: CPU time of all threads is
 * counted (cgroup), so the CPU limit fires after ~1 s of CPU — earlier than 1 s of wall when
 * two cores are free: status TO, verdict TimeLimit, reported time >= 1 s. */
#include <pthread.h>
#include "adv_common.h"
static volatile unsigned long sink;
static void *burn(void *a)
{
    (void)a;
    for (;;)
        sink++;
    return NULL;
}
int main(void)
{
    for (int i = 0; i < 4; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, burn, NULL))
            return 3;
    }
    sleep(30);
    return 0;
}
