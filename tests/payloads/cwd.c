/* Prints its working directory, then copies stdin to stdout and writes "to-stderr" on stderr.
 * Expected: cwd /box unless -c; redirections land where -i/-o/-r say. */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    char buf[4096];
    if (getcwd(buf, sizeof buf))
        printf("cwd=%s\n", buf);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        fwrite(buf, 1, n, stdout);
    fflush(stdout);
    fprintf(stderr, "to-stderr\n");
    return 0;
}
