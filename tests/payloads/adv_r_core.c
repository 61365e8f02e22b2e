/* Class 7 (core dumps filling the disk / leaking memory to the host).  Tries to raise
 * RLIMIT_CORE to unlimited, sets PR_SET_DUMPABLE, then abort()s in /box.
 * Expected containment: --core 0 is a hard limit (raising fails), no core file appears in the
 * box or /tmp; status SG 6 (Signaled). */
#include <sys/prctl.h>
#include <sys/resource.h>
#include "adv_common.h"
int main(void)
{
    struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
    adv_must_fail("setrlimit(RLIMIT_CORE, unlimited)", setrlimit(RLIMIT_CORE, &r));
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    fflush(stdout);
    abort();
}
