/* Per-box CPU and memory-node sets (box<N>.cpus, box<N>.mems) when the run has no control
 * groups.  With --cg the cpuset controller enforces them (cgroup_v1.c, cgroup_v2.c): the kernel
 * bounds every affinity a task of the group sets.  Without --cg, isolate ignores them silently;
 * we set the affinity and the memory policy of the box's init before it starts the program
 * (both inherited), so an ordinary program stays on its CPUs and does not disturb the timing of
 * the other pinned boxes.  A hostile one may widen both again (sched_setaffinity and
 * set_mempolicy are ordinary calls, which runtimes use): every such run says so in a warning. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

void mi_cpuset_of_run(const mi_config *c, const char **cpus, const char **mems)
{
    mi_host_config_box_cpuset(&c->host, c->box_id, cpus, mems);
    if (c->cpus)
        *cpus = c->cpus;
}

/* A run's own CPU list (a server request's cpuSetLimit) may only narrow what the host
 * configuration gives the box: a client that could widen it would run on CPUs reserved for
 * other boxes and disturb their timing, or escape a pinned server's share of the machine.
 * (cgroup v2 would not refuse it: it silently intersects with the parent's set.) */
int mi_cpuset_check(const mi_config *c, mi_error *err)
{
    if (!c->cpus)
        return 0;
    const char *box_cpus, *mems;
    mi_host_config_box_cpuset(&c->host, c->box_id, &box_cpus, &mems);
    cpu_set_t want, allowed, both;
    if (mi_cpulist_parse(c->cpus, &want) < 0)
        return mi_fail(err, MI_ERR_CONFIG, EINVAL, "CPU list \"%s\": expected a list such as "
                       "0-3,8 (numbers below %d)", c->cpus, CPU_SETSIZE);
    if (box_cpus ? mi_cpulist_parse(box_cpus, &allowed) < 0
                 : sched_getaffinity(0, sizeof allowed, &allowed) < 0)
        return mi_fail_errno(err, MI_ERR_CONFIG, box_cpus ? EINVAL : errno,
                             "Cannot read the CPUs box %u may use", c->box_id);
    CPU_AND(&both, &want, &allowed);
    if (!CPU_EQUAL(&both, &want))
        return mi_fail(err, MI_ERR_USAGE, EPERM, "CPU list \"%s\" is not within the CPUs box %u "
                       "may use (%s%s): a run can narrow them, never widen them", c->cpus,
                       c->box_id, box_cpus ? "box<N>.cpus = " : "this process's affinity",
                       box_cpus ? box_cpus : "");
    return 0;
}

int mi_cpuset_apply_self(const mi_config *c, const char **what)
{
    const char *cpus, *mems;
    mi_cpuset_of_run(c, &cpus, &mems);
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
    mi_cpuset_of_run(c, &cpus, &mems);
    if (c->cg || (!cpus && !mems))
        return;
    snprintf(r->warning, sizeof r->warning,
             "%s%u.%s is only advisory without --cg: the program started with %s%s%s%s%s, but "
             "it may widen them (sched_setaffinity, set_mempolicy); use --cg to enforce them "
             "with the cpuset controller",
             c->cpus ? "the run's CPU list for box " : "box", c->box_id,
             cpus ? "cpus" : "mems", cpus ? "CPU affinity " : "",
             cpus ? cpus : "", cpus && mems ? " and " : "", mems ? "memory nodes " : "",
             mems ? mems : "");
}
