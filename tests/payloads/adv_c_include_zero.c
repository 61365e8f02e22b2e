/* Class 10 (compile-time attack: #include "/dev/zero").  Writes /tmp/z.c including /dev/zero
 * and runs gcc -S on it inside the box (the compiler reads zeros forever, growing memory).
 * Run with --cg -p 50 --cg-mem 262144 -t 5 -w 10: expected containment: the judge is not hung:
 * the memory or time limit stops the compiler: verdict MemoryLimit or TimeLimit. */
#include "adv_common.h"
int main(void)
{
    FILE *f = fopen("/tmp/z.c", "w");
    if (!f)
        return 1;
    fputs("#include \"/dev/zero\"\nint main(void){return 0;}\n", f);
    fclose(f);
    char *env[] = {"PATH=/usr/bin:/bin", "TMPDIR=/tmp", NULL};
    char *args[] = {"gcc", "-S", "-o", "/tmp/z.s", "/tmp/z.c", NULL};
    execve("/usr/bin/gcc", args, env);
    printf("exec gcc: %s\n", strerror(errno));
    return 5;
}
