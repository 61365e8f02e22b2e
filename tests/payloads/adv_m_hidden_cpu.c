/* Class 9 (CPU time hidden in children reaped late or by someone else).  Double-forks a
 * grandchild (re-parented to the box's init, so the payload never reaps it) that burns ~1.5 s of
 * CPU, then creates /tmp/done; the payload itself only sleeps until /tmp/done exists.  Run with
 * --cg -p 4 -w 15: expected containment: the cgroup counts all the box's CPU: meta time >= 1.0 s
 * (not ~0 as the payload's own rusage would say); status Success. */
#include <sys/wait.h>
#include <time.h>
#include "adv_common.h"
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
int main(void)
{
    pid_t p = fork();
    if (p == 0) {
        if (fork() == 0) {
            while (cpu_now() < 1.5)
                ;
            FILE *f = fopen("/tmp/done", "w");
            if (f)
                fclose(f);
            _exit(0);
        }
        _exit(0);
    }
    if (p < 0)
        return 3;
    waitpid(p, NULL, 0);
    while (access("/tmp/done", F_OK) != 0)
        usleep(20 * 1000);
    return 0;
}
