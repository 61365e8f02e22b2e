/* sc_int80 [NR]: a 64-bit program issues an i386 system call through "int $0x80" (default NR 20,
 * getpid in the i386 table).  The i386 table is a different numbering that a native-only filter
 * does not see; expected: SecurityViolation naming the call as i386 under the default policy
 * (native only); with --syscalls bit 16 clear, getpid succeeds and i386 ptrace (26) is still a
 * violation. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
#if defined(__x86_64__)
    long nr = argc > 1 ? strtol(argv[1], NULL, 0) : 20, ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(0L), "c"(0L), "d"(0L) : "memory");
    printf("ret=%ld errno=0\n", ret);
#else
    printf("not x86_64\n");
#endif
    return 0;
}
