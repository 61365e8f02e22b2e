/* sc_threads: an ordinary multi-threaded program (4 pthreads summing ranges, joined, then a mutex
 * and a condition variable round trip).  Expected: Success and "sum=..." with and without the
 * syscall policy (run with -p 5 or more). */
#include <pthread.h>
#include <stdio.h>

static long part[4];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;

static void *work(void *arg)
{
    long i = (long)arg, s = 0;
    for (long x = i * 1000000; x < (i + 1) * 1000000; x++)
        s += x % 7;
    part[i] = s;
    pthread_mutex_lock(&mu);
    ready++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(void)
{
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        if (pthread_create(&t[i], NULL, work, (void *)i) != 0) {
            perror("pthread_create");
            return 1;
        }
    pthread_mutex_lock(&mu);
    while (ready < 4)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    long s = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        s += part[i];
    }
    printf("sum=%ld\n", s);
    return 0;
}
