/* Per-box CPU and memory-node sets (box<N>.cpus, box<N>.mems) when the run has no control
 * groups.  With --cg the cpuset controller enforces them (cgroup_v1.c, cgroup_v2.c): the kernel
 * bounds every affinity a task of the group sets.  Without --cg, isolate ignores them silently;
 * we set the affinity and the memory policy of the box's init before it starts the program
 * (both inherited), so an ordinary program stays on its CPUs and does not disturb the timing of
 * the other pinned boxes.  A hostile one may widen both again (sched_setaffinity and
 * set_mempolicy are ordinary calls, which runtimes use): every such run says so in a warning. */
#include "internal.h"

#include <errno.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int mi_cpuset_apply_self(const mi_config *c, const char **what)
{
    const char *cpus, *mems;
    mi_host_config_box_cpuset(&c->host, c->box_id, &cpus, &mems);
    cpu_set_t set;
    if (cpus) {
        *what = "box<N>.cpus: sched_setaffinity";
        if (mi_cpulist_parse(cpus, &set) < 0)
            return -EINVAL;
        if (sched_setaffinity(0, sizeof set, &set) < 0)
            return -errno;
    }
    if (mems) {
        *what = "box<N>.mems: set_mempolicy(MPOL_BIND)";
        if (mi_cpulist_parse(mems, &set) < 0) /* same list syntax, same 1024-bit mask */
            return -EINVAL;
        if (syscall(SYS_set_mempolicy, MPOL_BIND, (unsigned long *)(void *)&set,
                    (unsigned long)CPU_SETSIZE) < 0)
            return -errno;
    }
    return 0;
}

void mi_cpuset_warning(const mi_config *c, mi_result *r)
{
    const char *cpus, *mems;
    mi_host_config_box_cpuset(&c->host, c->box_id, &cpus, &mems);
    if (c->cg || (!cpus && !mems))
        return;
    snprintf(r->warning, sizeof r->warning,
             "box%u.%s is only advisory without --cg: the program started with %s%s%s%s%s, but "
             "it may widen them (sched_setaffinity, set_mempolicy); use --cg to enforce them "
             "with the cpuset controller",
             c->box_id, cpus ? "cpus" : "mems", cpus ? "CPU affinity " : "",
             cpus ? cpus : "", cpus && mems ? " and " : "", mems ? "memory nodes " : "",
             mems ? mems : "");
}
