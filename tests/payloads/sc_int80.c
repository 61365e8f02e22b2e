/* sc_int80 [NR [ARG0 ARG1]]: a 64-bit program issues an i386 system call through "int $0x80"
 * (default NR 20, getpid in the i386 table; arguments default to 0).  The i386 table is a different numbering that a native-only filter
 * does not see; expected: SecurityViolation naming the call as i386 under the default policy
 * (native only); with --syscalls bit 16 clear, getpid succeeds and i386 ptrace (26) is still a
 * violation
 * (26 16 1: PTRACE_ATTACH to the box's init). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
#if defined(__x86_64__)
    long nr = argc > 1 ? strtol(argv[1], NULL, 0) : 20, ret;
    long a0 = argc > 3 ? strtol(argv[2], NULL, 0) : 0, a1 = argc > 3 ? strtol(argv[3], NULL, 0) : 0;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(0L) : "memory");
    printf("ret=%ld errno=0\n", ret);
#else
    printf("not x86_64\n");
#endif
    return 0;
}
