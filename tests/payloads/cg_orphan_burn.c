/* Forks a child that burns CPU forever, sleeps argv[1] ms (default 1500) without using CPU, and
 * exits without reaping the child.  The program's own rusage stays near 0 while the box's
 * cgroup CPU counter grows by about the sleep time: --cg timing counts the child,
 * --no-cg-timing (rusage of the program) does not.  Exits 0. */
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    long ms = argc > 1 ? atol(argv[1]) : 1500;
    if (fork() == 0)
        for (volatile unsigned long x = 0;; x++)
            ;
    usleep((useconds_t)(ms * 1000));
    return 0;
}
