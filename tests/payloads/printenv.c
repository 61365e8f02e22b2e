/* Prints its environment, one VAR=value a line.  Expected: only LIBC_FATAL_STDERR_=1 by default. */
#include <stdio.h>
extern char **environ;
int main(void)
{
    for (char **e = environ; *e; e++)
        printf("%s\n", *e);
    return 0;
}
