/* sc_syscall NR [ARG0 ... ARG5]: issue one raw system call (syscall(2)) with the given numbers
 * (decimal or 0x hex, full 64 bits) and print "ret=R errno=E".  Used by the syscall-policy tests
 * to reach every rule directly, bypassing libc wrappers (which truncate or reorder arguments).
 * Expected: the documented errno for ERRNO rules, SecurityViolation (killed, never prints) for
 * violation rules, the kernel's own answer for allowed calls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    unsigned long a[6] = {0};
    if (argc < 2)
        return 2;
    long nr = (long)strtoull(argv[1], NULL, 0);
    for (int i = 2; i < argc && i < 8; i++)
        a[i - 2] = strtoull(argv[i], NULL, 0);
    errno = 0;
    long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    printf("ret=%ld errno=%d\n", r, r < 0 ? errno : 0);
    fflush(stdout);
    return 0;
}
