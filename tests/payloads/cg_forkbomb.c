/* A fork bomb: every process forks as fast as it can, forever.  The original process counts
 * its successful forks for about 1 s, prints "forks N" and exits 3, leaving the bomb running.
 * Under -pN --cg the box's pids limit must hold the whole box to N tasks, the run must end,
 * and nothing of the box may be left alive afterwards. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
int main(void)
{
    double end = now() + 1.0;
    long forks = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    while (now() < end) {
        pid_t p = fork();
        if (p == 0)
            for (;;)
                fork(); /* the bomb */
        if (p > 0)
            forks++;
    }
    printf("forks %ld\n", forks);
    return 3;
}
