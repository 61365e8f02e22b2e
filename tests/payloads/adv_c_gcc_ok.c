/* Class 10 (control: compilation inside the box works).  Writes /tmp/ok.c and runs
 * gcc -O2 -o /box/ok /tmp/ok.c (full pipeline: cc1, as, collect2/ld), so the attack tests above
 * fail for the right reason.  Expected: status Success, /box/ok produced. */
#include "adv_common.h"
int main(void)
{
    FILE *f = fopen("/tmp/ok.c", "w");
    if (!f)
        return 1;
    fputs("#include <stdio.h>\nint main(void){puts(\"compiled\");return 0;}\n", f);
    fclose(f);
    char *env[] = {"PATH=/usr/bin:/bin", "TMPDIR=/tmp", NULL};
    char *args[] = {"gcc", "-O2", "-o", "/box/ok", "/tmp/ok.c", NULL};
    execve("/usr/bin/gcc", args, env);
    printf("exec gcc: %s\n", strerror(errno));
    return 5;
}
