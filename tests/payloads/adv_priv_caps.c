/* Class 2 (capability leftovers).  Reads CapInh/CapPrm/CapEff/CapAmb/CapBnd and NoNewPrivs,
 * Seccomp from /proc/self/status.  Expected containment: CapPrm, CapEff, CapAmb and CapInh are
 * all zero, NoNewPrivs is 1, Seccomp is 2 (filter).  Status: Success. */
#include "adv_common.h"
int main(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    if (!f) {
        adv_escaped("cannot read /proc/self/status: %s", strerror(errno));
        return adv_done();
    }
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        unsigned long long v = 0;
        char *c = strchr(line, ':');
        if (!c)
            continue;
        v = strtoull(c + 1, NULL, !strncmp(line, "Cap", 3) ? 16 : 10);
        if (!strncmp(line, "CapBnd", 6)) {
            adv_info("%s", line);
        } else if (!strncmp(line, "Cap", 3)) {
            if (v)
                adv_escaped("%s", line);
            else
                adv_contained("%s", line);
        } else if (!strncmp(line, "NoNewPrivs", 10)) {
            if (v != 1)
                adv_escaped("%s", line);
            else
                adv_contained("%s", line);
        } else if (!strncmp(line, "Seccomp:", 8)) {
            if (v != 2)
                adv_escaped("%s (no seccomp filter)", line);
            else
                adv_contained("%s", line);
        }
    }
    return adv_done();
}
