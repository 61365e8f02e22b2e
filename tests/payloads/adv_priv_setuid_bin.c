/* Class 2 (privilege: setuid binary).  The test drops a root-owned mode-4755 copy of this payload
 * into /box as "suid".  Without arguments the payload executes "./suid child"; the child reports
 * its real/effective/saved uid and tries setuid(0); the parent also checks no_new_privs.
 * Expected containment: /box is nosuid and no_new_privs is set, so the child's euid stays the box
 * uid; status Success. */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child")) {
        uid_t r, e, s;
        getresuid(&r, &e, &s);
        if (e == 0 || s == 0 || setuid(0) == 0)
            adv_escaped("setuid-root binary ran with euid %u suid %u", (unsigned)e, (unsigned)s);
        else
            adv_contained("setuid-root binary ran with ruid=euid=%u (nosuid, no_new_privs)",
                          (unsigned)e);
        return adv_done();
    }
    adv_info("no_new_privs=%d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        adv_escaped("no_new_privs is not set");
    pid_t p = fork();
    if (p == 0) {
        execl("./suid", "suid", "child", (char *)NULL);
        printf("exec ./suid: %s\n", strerror(errno));
        _exit(3);
    }
    int st = 0;
    waitpid(p, &st, 0);
    fflush(stdout);
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 42)
        adv_escapes++;
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 3)
        return 3;
    return adv_done();
}
