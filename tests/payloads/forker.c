/* Forks argv[1] children (default 1) that each sleep 0.2 s; all stay alive together.
 * Prints "forked N" and exits 0, or "fork failed after K" and exits 3.  Expected: with the
 * default -p 1 the first fork fails; with -p4 three children work; bare -p: unlimited. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1;
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0) {
            printf("fork failed after %d\n", i);
            return 3;
        }
        if (p == 0) {
            usleep(200000);
            _exit(0);
        }
    }
    while (wait(NULL) > 0)
        ;
    printf("forked %d\n", n);
    return 0;
}
