/* Forks argv[1] children (default 3) that all wait until every one exists, then lets them go:
 * the box holds 1 + N processes at its peak (procs_peak / procPeak tests). */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3, go[2];
    if (pipe(go) < 0)
        return 2;
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0)
            return 3;
        if (p == 0) {
            char c;
            close(go[1]);
            if (read(go[0], &c, 1) < 0) /* EOF once the parent closes its end */
                _exit(1);
            _exit(0);
        }
    }
    usleep(200000);
    close(go[1]);
    while (wait(NULL) > 0)
        ;
    return 0;
}
