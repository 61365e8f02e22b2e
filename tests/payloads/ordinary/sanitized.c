/* A correct program, built with -fsanitize=address|undefined|thread|leak: threads, a mutex, heap
 * memory used and freed.  Prints "sanitized ok 2000".  Under ASan and LSan the exit check
 * ptraces the program's own threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int counter;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static void *work(void *a)
{
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return a;
}
int main(void)
{
    char *p = malloc(64);
    strcpy(p, "sanitized ok");
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("%s %d\n", p, counter);
    free(p);
    return 0;
}
