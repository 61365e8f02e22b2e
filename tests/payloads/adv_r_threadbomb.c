/* Class 7 (thread bomb).  Creates threads that sleep, until pthread_create fails (then exits 3)
 * or 100000 threads exist.  Expected containment: with --cg -p N pids.max stops it: ProcessLimit;
 * without --cg, RLIMIT_NPROC stops it: RuntimeError. */
#include <pthread.h>
#include "adv_common.h"
static void *idle(void *a)
{
    (void)a;
    pause();
    return NULL;
}
int main(void)
{
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 65536);
    for (int i = 0; i < 100000; i++) {
        pthread_t t;
        int e = pthread_create(&t, &at, idle, NULL);
        if (e) {
            printf("thread %d refused: %s\n", i, strerror(e));
            fflush(stdout);
            _exit(3);
        }
    }
    adv_escaped("100000 threads created");
    return adv_done();
}
