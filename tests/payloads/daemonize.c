/* Double-forks an orphan that calls setsid() and sleeps forever, then exits 0 at once.
 * The orphan writes its pid (as seen in the box) to /box/daemon.pid.  Expected: after --run
 * returns, no process of the box user is left on the host. */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    pid_t p = fork();
    if (p < 0) {
        perror("fork");
        return 3;
    }
    if (p == 0) {
        setsid();
        if (fork() == 0) {
            FILE *f = fopen("/box/daemon.pid", "w");
            if (f) {
                fprintf(f, "%d\n", (int)getpid());
                fclose(f);
            }
            for (;;)
                pause();
        }
        _exit(0);
    }
    usleep(300000); /* let the grandchild start */
    printf("daemonized\n");
    return 0;
}
