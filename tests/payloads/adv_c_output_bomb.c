/* Class 10 (compiler bomb: huge output).  Writes /tmp/o.c whose preprocessing output grows to
 * gigabytes (2^30 copies of a token) and runs the compiler proper, argv[1] (the test passes
 * `gcc -print-prog-name=cc1`), as "cc1 -E -quiet -o /box/o.i /tmp/o.c".  Run with --cg -p 50
 * -f 10240 -t 5 -w 10: expected containment: RLIMIT_FSIZE stops the output at 10 MiB (SIGXFSZ:
 * FileSizeLimit; through the gcc driver the same kill shows as an "internal compiler error",
 * exit 4: RuntimeError), or the time limit does (TimeLimit); nothing larger is left in the box. */
#include "adv_common.h"
int main(int argc, char **argv)
{
    FILE *f = fopen("/tmp/o.c", "w");
    if (!f)
        return 1;
    fputs("#define L0 xxxxxxxxxxxxxxxx\n", f);
    for (int i = 1; i <= 30; i++)
        fprintf(f, "#define L%d L%d L%d\n", i, i - 1, i - 1);
    fputs("L30\n", f);
    fclose(f);
    char *env[] = {"PATH=/usr/bin:/bin", "TMPDIR=/tmp", NULL};
    char *args[] = {argc > 1 ? argv[1] : "/usr/bin/gcc", "-E", "-quiet", "-o", "/box/o.i",
                    "/tmp/o.c", NULL};
    execve(args[0], args, env);
    printf("exec %s: %s\n", args[0], strerror(errno));
    return 5;
}
