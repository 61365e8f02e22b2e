/* Burns CPU in 2 threads and 2 child processes, each until it has used argv[1] ms (default
 * 500) of its own CPU time, reaps the children, then prints the kernel's own accounting:
 * "rusage-ms N", the CPU time of RUSAGE_SELF (all threads) + RUSAGE_CHILDREN.
 * With --cg the box's CPU time must count all four burners (about 4 x argv[1] ms) and agree
 * with N; on 2 free cores it exceeds the wall time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static long burn_ms = 500;
static void burn(clockid_t clk)
{
    struct timespec ts;
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++)
            x += (unsigned long)i;
        clock_gettime(clk, &ts);
    } while (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L < burn_ms);
}
static void *thread(void *arg)
{
    (void)arg;
    burn(CLOCK_THREAD_CPUTIME_ID);
    return NULL;
}
static double tv(struct timeval t)
{
    return (double)t.tv_sec * 1e3 + t.tv_usec / 1e3;
}
int main(int argc, char **argv)
{
    if (argc > 1)
        burn_ms = atol(argv[1]);
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] < 0) {
            perror("fork");
            return 2;
        }
        if (kids[i] == 0) {
            burn(CLOCK_PROCESS_CPUTIME_ID);
            _exit(0);
        }
    }
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, thread, NULL) != 0) {
            perror("pthread_create");
            return 2;
        }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++)
        waitpid(kids[i], NULL, 0);
    struct rusage self, kids_ru;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids_ru);
    printf("rusage-ms %.0f\n", tv(self.ru_utime) + tv(self.ru_stime) + tv(kids_ru.ru_utime) +
                                   tv(kids_ru.ru_stime));
    return 0;
}
