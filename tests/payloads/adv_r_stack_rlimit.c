/* Class 7 (raising the limits from inside).  Tries to raise the hard RLIMIT_NPROC, RLIMIT_FSIZE,
 * RLIMIT_NOFILE and RLIMIT_AS above what the sandbox set (run with -p1 -f 1024 -n 64 -m 262144).
 * Expected containment: EPERM for each (raising a hard limit needs CAP_SYS_RESOURCE);
 * status Success. */
#include <sys/resource.h>
#include "adv_common.h"
int main(void)
{
    static const struct {
        int res;
        const char *name;
    } lim[] = {{RLIMIT_NPROC, "NPROC"}, {RLIMIT_FSIZE, "FSIZE"}, {RLIMIT_NOFILE, "NOFILE"},
               {RLIMIT_AS, "AS"}};
    for (unsigned i = 0; i < sizeof lim / sizeof lim[0]; i++) {
        struct rlimit r;
        getrlimit(lim[i].res, &r);
        r.rlim_max = RLIM_INFINITY;
        r.rlim_cur = RLIM_INFINITY;
        char what[64];
        snprintf(what, sizeof what, "raise RLIMIT_%s to unlimited", lim[i].name);
        adv_must_fail(what, setrlimit(lim[i].res, &r));
    }
    return adv_done();
}
