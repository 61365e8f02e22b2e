/* A thread bomb: creates sleeping threads until pthread_create fails (or 10000 of them),
 * prints "threads N" and exits 3 with the threads still alive.  Under -pN --cg the box's pids
 * limit must stop it below N, and nothing of the box may be left alive afterwards. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void *sleeper(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}
int main(void)
{
    long n = 0;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    for (; n < 10000; n++) {
        pthread_t t;
        if (pthread_create(&t, &a, sleeper, NULL) != 0)
            break;
    }
    printf("threads %ld\n", n);
    fflush(stdout);
    _exit(3);
}
