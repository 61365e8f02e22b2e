/* Class 10 (compile-time attack: include a host secret in the compiler's error output).  Writes
 * /tmp/s.c with #include "/etc/shadow" and a second include of argv[1] (a host secret path),
 * runs gcc -E, and reports whether the compile failed.  Expected containment: the files are not
 * visible in the box: gcc fails ("No such file"), the secret never reaches the output; the
 * payload exits 0 when gcc failed, 42 if it succeeded; status Success. */
#include <sys/wait.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    FILE *f = fopen("/tmp/s.c", "w");
    if (!f)
        return 1;
    fprintf(f, "#include \"%s\"\n", argc > 1 ? argv[1] : "/etc/hostname");
    fputs("#include \"/etc/shadow\"\nint main(void){return 0;}\n", f);
    fclose(f);
    pid_t p = fork();
    if (p == 0) {
        char *env[] = {"PATH=/usr/bin:/bin", "TMPDIR=/tmp", NULL};
        char *args[] = {"gcc", "-E", "-o", "/tmp/s.i", "/tmp/s.c", NULL};
        execve("/usr/bin/gcc", args, env);
        _exit(127);
    }
    int st = 0;
    waitpid(p, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        return 5;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        adv_escaped("gcc preprocessed a host secret");
    else
        adv_contained("gcc failed to include the host files (status %d)", st);
    return adv_done();
}
