/* Prints "uid=R,E,S gid=R,E,S groups=N [list] capeff=HEX capprm=HEX nnp=N" from the kernel.
 * Expected: uid/gid = first + box id, no supplementary groups, no capabilities, no_new_privs 1. */
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(void)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    gid_t g[64];
    int n = getgroups(64, g);
    printf("uid=%u,%u,%u gid=%u,%u,%u groups=%d", r, e, s, gr, ge, gs, n);
    for (int i = 0; i < n; i++)
        printf(" %u", g[i]);
    char line[256], capeff[256] = "?", capprm[256] = "?", capbnd[256] = "?";
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "CapEff:\t", 8))
            snprintf(capeff, sizeof capeff, "%s", line + 8);
        if (!strncmp(line, "CapPrm:\t", 8))
            snprintf(capprm, sizeof capprm, "%s", line + 8);
        if (!strncmp(line, "CapBnd:\t", 8))
            snprintf(capbnd, sizeof capbnd, "%s", line + 8);
    }
    printf(" capeff=%s capprm=%s capbnd=%s nnp=%d\n", capeff, capprm, capbnd,
           prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    return 0;
}
