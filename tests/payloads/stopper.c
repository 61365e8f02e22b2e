/* Stop signals.  argv[1] = "self" (the program stops itself with signal argv[2]) or "child" (a
 * forked child stops itself and the program waits for it, as a judge's solution waiting for a
 * helper would); argv[2] = the signal number (default SIGSTOP).  Prints "continued" if the stop
 * did not happen (a stop signal of the terminal kind is discarded in an orphaned process group). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int sig = argc > 2 ? atoi(argv[2]) : SIGSTOP;
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && !strcmp(argv[1], "child")) {
        pid_t p = fork();
        if (p < 0)
            return 3;
        if (p == 0) {
            raise(sig);
            printf("child continued\n");
            _exit(0);
        }
        int st;
        waitpid(p, &st, 0);
        printf("parent done\n");
        return 0;
    }
    raise(sig);
    printf("continued\n");
    return 0;
}
