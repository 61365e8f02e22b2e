/* Forks a child that keeps stdout and stderr open and sleeps for ever (a day); the parent
 * prints "parent done" and exits 0 at once.  Expected with --json (needs -p2 or more): the
 * run ends as soon as the parent exits, Success, stdout "parent done\n", and the keeper never
 * waits for the child's copy of the pipe. */
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
        printf("child here\n");
        fflush(stdout);
        sleep(86400);
        return 0;
    }
    usleep(100000);
    printf("parent done\n");
    return 0;
}
