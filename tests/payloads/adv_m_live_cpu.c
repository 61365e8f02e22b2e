/* Class 9 (CPU time hidden in a child that never exits; issue 11 item 1).  argv[1] = seconds of
 * CPU the child burns (default 1.5).  The child burns them, writes the "answer" to /tmp/answer
 * and then sleeps for ever (it is never reaped by anyone before the run ends); the payload waits
 * for the answer, prints it and exits 0 at once.  Run without --cg, with -p 4.  Expected
 * containment: the CPU of every process of the box counts, while it runs and at the end: under
 * -t 1 a 1.5 s burn is stopped by the CPU limit (TimeLimit, not Success with time ~0); with
 * -t 3 a 0.6 s burn ends Success with meta time >= 0.5. */
#include <signal.h>
#include <time.h>
#include "adv_common.h"
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
int main(int argc, char **argv)
{
    double burn = argc > 1 ? atof(argv[1]) : 1.5;
    pid_t p = fork();
    if (p < 0)
        return 3;
    if (p == 0) {
        volatile unsigned long x = 0;
        while (cpu_now() < burn)
            x++;
        FILE *f = fopen("/tmp/answer.tmp", "w");
        if (f) {
            fprintf(f, "42\n");
            fclose(f);
            rename("/tmp/answer.tmp", "/tmp/answer");
        }
        for (;;)
            pause(); /* alive, its CPU time in nobody's rusage */
    }
    char buf[16] = "";
    for (;;) {
        FILE *f = fopen("/tmp/answer", "r");
        if (f) {
            if (!fgets(buf, sizeof buf, f))
                buf[0] = 0;
            fclose(f);
            break;
        }
        usleep(10 * 1000);
    }
    printf("info: answer %s", buf);
    return 0;
}
