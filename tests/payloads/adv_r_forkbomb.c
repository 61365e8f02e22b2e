/* Class 7 (fork bomb).  Every process forks in a loop (children fork too) for at most ~2 s; when
 * fork is refused the process that saw the refusal exits 3, like a crashed program.
 * Expected containment: without --cg, RLIMIT_NPROC (-p, default 1) refuses the first fork:
 * RuntimeError (exit 3); with --cg -p N, pids.max refuses: ProcessLimit.  Nothing survives the
 * run (the test checks the box cgroup and process table). */
#include <time.h>
#include "adv_common.h"
int main(void)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        pid_t p = fork();
        if (p < 0) {
            printf("fork refused: %s\n", strerror(errno));
            fflush(stdout);
            _exit(3);
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 2)
            _exit(0);
    }
}
