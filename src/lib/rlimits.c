/* Resource limits set on the program itself (isolate's -m, -k, -f, -n, -p, --core; and the
 * library's data_kib, RLIMIT_DATA). */
#include "rlimits.h"

#include <errno.h>
#include <sys/resource.h>

static rlim_t kib(uint64_t v)
{
    if (v == MI_UNLIMITED || v > RLIM_INFINITY / 1024)
        return RLIM_INFINITY;
    return (rlim_t)v * 1024;
}

static int set(int res, rlim_t v)
{
    struct rlimit rl = {v, v};
    return setrlimit(res, &rl) < 0 ? -errno : 0;
}

int mi_rlimits_apply(const mi_config *c, const char **which)
{
    struct {
        int res;
        rlim_t val;
        bool apply;
        const char *name;
    } l[] = {
        /* Unlimited for now (as root, so even a lower inherited hard limit is lifted); the real
         * value comes last, in mi_rlimits_apply_late(). */
        {RLIMIT_AS, RLIM_INFINITY, true, "RLIMIT_AS"},
        {RLIMIT_DATA, RLIM_INFINITY, true, "RLIMIT_DATA"},
        /* isolate: -k 0 (the default) means unlimited */
        {RLIMIT_STACK, c->stack_kib == 0 ? RLIM_INFINITY : kib(c->stack_kib), true, "RLIMIT_STACK"},
        {RLIMIT_FSIZE, kib(c->fsize_kib), true, "RLIMIT_FSIZE"},
        {RLIMIT_CORE, kib(c->core_kib), true, "RLIMIT_CORE"},
        /* Locked memory is never charged to a limit we control: none. */
        {RLIMIT_MEMLOCK, 0, true, "RLIMIT_MEMLOCK"},
        {RLIMIT_NOFILE, (rlim_t)c->open_files, c->open_files != 0, "RLIMIT_NOFILE"},
        /* Per real uid; every box has its own uid, so this counts only this box.  With --cg the
         * box cgroup's pids.max (same number, whole box) enforces it instead: RLIMIT_NPROC is
         * checked first in fork and leaves no trace, so ProcessLimit could never be decided. */
        {RLIMIT_NPROC, c->processes == MI_UNLIMITED ? RLIM_INFINITY : (rlim_t)c->processes,
         c->processes != MI_UNLIMITED && !c->cg, "RLIMIT_NPROC"},
    };
    for (size_t i = 0; i < sizeof l / sizeof l[0]; i++) {
        if (!l[i].apply)
            continue;
        int r = set(l[i].res, l[i].val);
        if (r < 0) {
            *which = l[i].name;
            return r;
        }
    }
    return 0;
}

int mi_rlimits_apply_late(const mi_config *c)
{
    int rc = set(RLIMIT_DATA, kib(c->data_kib));
    return rc < 0 ? rc : set(RLIMIT_AS, kib(c->mem_kib));
}
