/* Class 10 (compiler bomb: exponential macro expansion).  Writes /tmp/b.c where each macro level
 * doubles the expansion (2^40 tokens) and runs gcc -S.  Run with --cg -p 50 --cg-mem 262144
 * -t 3 -w 8: expected containment: the compiler is stopped by the time or memory limit:
 * verdict TimeLimit or MemoryLimit; the judge returns in bounded time. */
#include "adv_common.h"
int main(void)
{
    FILE *f = fopen("/tmp/b.c", "w");
    if (!f)
        return 1;
    fputs("#define L0(x) x+x\n", f);
    for (int i = 1; i <= 40; i++)
        fprintf(f, "#define L%d(x) L%d(L%d(x))\n", i, i - 1, i - 1);
    fputs("int v = L40(1);\nint main(void){return 0;}\n", f);
    fclose(f);
    char *env[] = {"PATH=/usr/bin:/bin", "TMPDIR=/tmp", NULL};
    char *args[] = {"gcc", "-S", "-o", "/tmp/b.s", "/tmp/b.c", NULL};
    execve("/usr/bin/gcc", args, env);
    printf("exec gcc: %s\n", strerror(errno));
    return 5;
}
