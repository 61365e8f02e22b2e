/* The shape of CMS's batch test programs (cmstestsuite): reads an integer n from stdin (or, with
 * argv[2] = "fileio", from input.txt), writes "correct n" to stdout (or output.txt), flushed, and
 * then does argv[1]: "ok" (exit 0), "exit1" (exit 1), "cpu" (burn CPU forever), "pause",
 * "sleep", "select" (block forever), "sigstop" (raise(SIGSTOP) in a loop), "oom" (touch
 * 256 MiB). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "ok";
    int fileio = argc > 2 && !strcmp(argv[2], "fileio");
    FILE *in = fileio ? fopen("input.txt", "r") : stdin;
    FILE *out = fileio ? fopen("output.txt", "w") : stdout;
    int n = 0;
    if (!in || !out || fscanf(in, "%d", &n) != 1)
        return 3;
    fprintf(out, "correct %d\n", n);
    fflush(out);
    if (!strcmp(what, "exit1"))
        return 1;
    if (!strcmp(what, "cpu"))
        for (volatile unsigned long i = 0;; i++)
            ;
    if (!strcmp(what, "pause"))
        for (;;)
            pause();
    if (!strcmp(what, "sleep"))
        for (;;)
            sleep(1000);
    if (!strcmp(what, "select"))
        for (;;)
            select(0, NULL, NULL, NULL, NULL);
    if (!strcmp(what, "sigstop"))
        for (;;)
            raise(SIGSTOP);
    if (!strcmp(what, "oom")) {
        size_t sz = 256u << 20;
        volatile char *p = malloc(sz); /* volatile: the stores must happen */
        for (size_t i = 0; p && i < sz; i += 4096)
            p[i] = 1;
        return p ? 0 : 4;
    }
    return 0;
}
