/* cgroup v1 backend.
 *
 * Layout: <mount>/<parent>/box-<id> in each hierarchy used (parent: cg_parent, by default
 * mini-isolate): memory, cpuacct and pids
 * (required), cpuset, freezer and cpu (optional); co-mounted controllers share one directory.  The
 * box group serves every run, so prepare_run resets what v1 can reset (memory peaks,
 * cpuacct.usage) and snapshots the cumulative counters it cannot (oom_kill).  pids.peak cannot be
 * reset at all: when the pids hierarchy is mounted alone (the usual layout), each run's tasks go
 * into a fresh child box-<id>/run of it, which holds pids.max, pids.events and pids.peak of
 * that run only. */
#include "cgroup.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { H_MEMORY, H_CPUACCT, H_PIDS, H_CPUSET, H_FREEZER, H_CPU, H_N, H_REQUIRED = H_CPUSET };

typedef struct cg1 {
    mi_cgroup base;
    int dir[H_N];      /* box-<id> per controller, -1 if absent; co-mounted ones share the fd */
    bool primary[H_N]; /* first controller of its hierarchy: owns dir[] and procs[] */
    int procs[H_N];    /* cgroup.procs of primary hierarchies, opened by prepare_run */
    bool memsw;        /* memory.memsw.* exist (swap accounting) */
    uint64_t oom_base, pids_base;
    bool pids_alone;   /* the pids hierarchy has no other controller we use: a run child works */
    int pids_run;      /* box-<id>/run in the pids hierarchy (pids_alone), -1 before a run */
    char path[4096];   /* memory hierarchy's box group, for messages */
} cg1;

static const char *mount_of(const mi_cg_layout *lay, int i)
{
    const char *m[H_N] = {lay->v1_memory, lay->v1_cpuacct, lay->v1_pids, lay->v1_cpuset,
                          lay->v1_freezer, lay->v1_cpu};
    return m[i];
}

static bool is_primary(const mi_cg_layout *lay, int i)
{
    for (int j = 0; j < i; j++)
        if (!strcmp(mount_of(lay, j), mount_of(lay, i)))
            return false;
    return mount_of(lay, i)[0] != 0;
}

static int box_path(const mi_cg_layout *lay, int i, uint32_t box_id, char *buf, size_t len)
{
    return mi_snprintf(buf, len, "%s/%s/box-%" PRIu32, mount_of(lay, i), lay->parent, box_id);
}

static void close_procs(cg1 *cg)
{
    for (int i = 0; i < H_N; i++) {
        if (cg->procs[i] >= 0)
            close(cg->procs[i]);
        cg->procs[i] = -1;
    }
}

static void cg1_close(mi_cgroup *base)
{
    cg1 *cg = (cg1 *)base;
    close_procs(cg);
    if (cg->pids_run >= 0)
        close(cg->pids_run);
    for (int i = 0; i < H_N; i++)
        if (cg->primary[i] && cg->dir[i] >= 0)
            close(cg->dir[i]);
    free(cg);
}

/* Open the box group in every hierarchy.  Missing optional ones are skipped; missing required
 * ones are an error only when must_exist. */
static int open_box(const mi_cg_layout *lay, uint32_t box_id, bool must_exist, cg1 **out,
                    mi_error *err)
{
    cg1 *cg = calloc(1, sizeof *cg);
    if (!cg)
        return mi_fail(err, MI_ERR_CGROUP, ENOMEM, "out of memory");
    cg->base.ops = &mi_cg_v1_ops;
    for (int i = 0; i < H_N; i++)
        cg->dir[i] = cg->procs[i] = -1;
    cg->pids_run = -1;
    cg->pids_alone = true;
    for (int i = 0; i < H_N; i++)
        if (i != H_PIDS && !strcmp(mount_of(lay, i), lay->v1_pids))
            cg->pids_alone = false;
    int rc = box_path(lay, H_MEMORY, box_id, cg->path, sizeof cg->path);
    for (int i = 0; rc == 0 && i < H_N; i++) {
        char p[4096];
        cg->primary[i] = is_primary(lay, i);
        if (!cg->primary[i]) {
            for (int j = 0; j < i; j++)
                if (!strcmp(mount_of(lay, j), mount_of(lay, i)))
                    cg->dir[i] = cg->dir[j];
            continue;
        }
        if (box_path(lay, i, box_id, p, sizeof p) < 0) {
            rc = -1;
            break;
        }
        cg->dir[i] = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cg->dir[i] >= 0 || (errno == ENOENT && (!must_exist || i >= H_REQUIRED)))
            continue;
        if (errno == ENOENT)
            mi_fail(err, MI_ERR_CGROUP, ENOENT, "Control group %s does not exist: initialise the "
                    "box with --init --cg (control groups do not survive a reboot)", p);
        else
            mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot open %s", p);
        cg1_close(&cg->base);
        return -1;
    }
    if (rc < 0) {
        cg1_close(&cg->base);
        return mi_fail(err, MI_ERR_CGROUP, ENAMETOOLONG, "cgroup path too long");
    }
    *out = cg;
    return 0;
}

/* freezer.state: FROZEN, wait up to 100 ms for it (a task in uninterruptible sleep can delay
 * it; the kill loop goes on regardless). */
static void freeze(int fd, bool on)
{
    if (mi_write_file_at(fd, "freezer.state", on ? "FROZEN" : "THAWED") < 0 || !on)
        return;
    char st[32];
    for (int i = 0; i < 100; i++) {
        if (mi_read_file_at(fd, "freezer.state", st, sizeof st) < 0 || !strncmp(st, "FROZEN", 6))
            return;
        mi_cg_sleep_ms(1);
    }
}

/* No process in any hierarchy of the box (the usual case at the end of a run: the PID
 * namespace is gone).  Nothing can enter a v1 group on its own, so empty stays empty. */
static bool box_empty(const cg1 *cg)
{
    for (int i = 0; i < H_N; i++) {
        char c;
        if (!cg->primary[i] || cg->dir[i] < 0)
            continue;
        int fd = openat(cg->dir[i], "cgroup.procs", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, &c, 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n != 0)
            return false;
    }
    return true;
}

static int kill_tasks(cg1 *cg, mi_error *err)
{
    if (box_empty(cg))
        return 0; /* freezing costs ~0.1 ms even for an empty group */
    int fz = cg->dir[H_FREEZER];
    double deadline = mi_now_monotonic() + MI_CG_KILL_TIMEOUT;
    for (unsigned ms = 1;; ms = ms < 16 ? ms * 2 : ms) {
        /* Freezing first stops a fork bomb from outrunning the kill loop, and keeps a listed
         * pid from being recycled by an unrelated process before our kill() reaches it.  v1
         * frozen tasks die only when thawed, hence the thaw right after. */
        if (fz >= 0)
            freeze(fz, true);
        int n = 0;
        for (int i = 0; i < H_N; i++)
            if (cg->primary[i] && cg->dir[i] >= 0) {
                int r = mi_cg_kill_listed_at(i == H_PIDS && cg->pids_run >= 0 ? cg->pids_run
                                                                              : cg->dir[i]);
                n += r > 0 ? r : 0;
            }
        if (fz >= 0)
            freeze(fz, false);
        if (n == 0)
            return 0;
        if (mi_now_monotonic() > deadline)
            return mi_fail(err, MI_ERR_CGROUP, EBUSY, "Processes in %s still alive %.0f s after "
                           "SIGKILL", cg->path, MI_CG_KILL_TIMEOUT);
        mi_cg_sleep_ms(ms);
    }
}

static int cg1_box_remove(const mi_cg_layout *lay, uint32_t box_id, mi_error *err)
{
    cg1 *cg;
    if (open_box(lay, box_id, false, &cg, err) < 0)
        return -1;
    int rc = kill_tasks(cg, err);
    if (rc == 0 && cg->dir[H_PIDS] >= 0 && unlinkat(cg->dir[H_PIDS], "run", AT_REMOVEDIR) < 0 &&
        errno != ENOENT)
        rc = mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot remove the run group of %s",
                           cg->path);
    for (int i = 0; rc == 0 && i < H_N; i++) {
        char p[4096];
        if (!cg->primary[i] || cg->dir[i] < 0 || box_path(lay, i, box_id, p, sizeof p) < 0)
            continue;
        if (rmdir(p) < 0 && errno != ENOENT)
            rc = mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot remove %s", p);
        else
            mi_cg_rmdirs(mount_of(lay, i), lay->parent);
    }
    cg1_close(&cg->base);
    return rc;
}

/* A new v1 cpuset group starts with no CPUs and no memory nodes, and nothing can join it:
 * give it its parent's. */
static int copy_cpuset(int from, int to)
{
    static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
    for (int i = 0; i < 2; i++) {
        char v[4096];
        int rc = mi_read_file_at(to, files[i], v, sizeof v);
        if (rc == 0 && v[0] != '\n' && v[0])
            continue;
        if (rc < 0 || (rc = mi_read_file_at(from, files[i], v, sizeof v)) < 0 ||
            (rc = mi_write_file_at(to, files[i], v)) < 0)
            return rc;
    }
    return 0;
}

static int copy_step(int parent_fd, int fd, void *arg)
{
    return copy_cpuset(parent_fd, fd);
}

static int create_in(const mi_cg_layout *lay, int i, uint32_t box_id, mi_error *err)
{
    const char *mnt = mount_of(lay, i);
    bool cpuset = !strcmp(mnt, lay->v1_cpuset);
    char name[32], p[4096];
    snprintf(name, sizeof name, "box-%" PRIu32, box_id);
    if (box_path(lay, i, box_id, p, sizeof p) < 0)
        return mi_fail(err, MI_ERR_CGROUP, ENAMETOOLONG, "cgroup path too long");
    for (int attempt = 0;; attempt++) {
        int mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (mfd < 0)
            return mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot open %s", mnt);
        int pfd = mi_cg_mkdirs_open_at(mfd, lay->parent, cpuset ? copy_step : NULL, NULL);
        int rc = pfd < 0 ? pfd : 0;
        close(mfd);
        int bfd = rc < 0 ? rc : mi_cg_mkdir_open_at(pfd, name);
        /* ENOENT: a concurrent --cleanup of the last other box removed our parent; redo it. */
        if (bfd == -ENOENT && pfd >= 0 && attempt < 3) {
            close(pfd);
            continue;
        }
        if (bfd >= 0 && cpuset)
            rc = copy_cpuset(pfd, bfd);
        if (pfd >= 0)
            close(pfd);
        if (bfd >= 0)
            close(bfd);
        if (bfd < 0 || rc < 0)
            return mi_fail_errno(err, MI_ERR_CGROUP, bfd < 0 ? -bfd : -rc, "Cannot create %s", p);
        return 0;
    }
}

static int cg1_box_create(const mi_cg_layout *lay, uint32_t box_id, mi_error *err)
{
    if (cg1_box_remove(lay, box_id, err) < 0) /* a stale group from an earlier life */
        return -1;
    for (int i = 0; i < H_N; i++) {
        if (is_primary(lay, i) && create_in(lay, i, box_id, err) < 0) {
            mi_error ignored;
            (void)cg1_box_remove(lay, box_id, &ignored);
            return -1;
        }
    }
    return 0;
}

static int cg1_box_open(const mi_cg_layout *lay, uint32_t box_id, mi_cgroup **out, mi_error *err)
{
    cg1 *cg;
    if (open_box(lay, box_id, true, &cg, err) < 0)
        return -1;
    *out = &cg->base;
    return 0;
}

static int set(int dirfd, const char *file, const char *val, const cg1 *cg, mi_error *err)
{
    int rc = mi_write_file_at(dirfd, file, val);
    return rc < 0 ? mi_fail_errno(err, MI_ERR_CGROUP, -rc, "Cannot write %s to %s of box group "
                                  "%s", val, file, cg->path) : 0;
}

/* box<N>.cpus / .mems, or the parent's sets when the box has none (a box whose entry was
 * removed from the config must not stay pinned).  The kernel bounds the affinity of every task
 * of the group by them: the program cannot widen its own with sched_setaffinity. */
static int set_cpuset(cg1 *cg, const mi_cg_limits *lim, mi_error *err)
{
    int fd = cg->dir[H_CPUSET];
    if (fd < 0 && (lim->cpus || lim->mems))
        return mi_fail(err, MI_ERR_CGROUP, ENOENT, "box%u.%s cannot be enforced: no cgroup v1 "
                       "cpuset hierarchy is mounted (or the box was made without it: run --init "
                       "--cg again)", lim->box_id, lim->cpus ? "cpus" : "mems");
    if (fd < 0)
        return 0;
    const char *val[2] = {lim->mems, lim->cpus}; /* nodes first: a task needs both non-empty */
    static const char *const file[2] = {"cpuset.mems", "cpuset.cpus"};
    int pfd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot open the parent of the cpuset "
                             "group of box %u", lim->box_id);
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        char parent[4096] = "";
        int r = mi_read_file_at(pfd, file[i], parent, sizeof parent);
        parent[strcspn(parent, "\n")] = 0;
        if (r == 0)
            r = mi_write_file_at(fd, file[i], val[i] ? val[i] : parent);
        if (r < 0 && val[i])
            rc = mi_fail_errno(err, MI_ERR_CGROUP, -r, "box%u.%s = %s: cannot write it to the "
                               "box's %s (the set must lie within the parent group's, here "
                               "\"%s\")", lim->box_id, file[i] + 7, val[i], file[i], parent);
        else if (r < 0)
            rc = mi_fail_errno(err, MI_ERR_CGROUP, -r, "Cannot reset %s of box %u", file[i],
                               lim->box_id);
    }
    close(pfd);
    return rc;
}

/* This run's group in the pids hierarchy: a fresh box-<id>/run (pids.peak counts this run
 * only), or the box group itself when pids shares its hierarchy with other controllers. */
static int pids_group(cg1 *cg, mi_error *err)
{
    int box = cg->dir[H_PIDS];
    if (cg->pids_run >= 0)
        close(cg->pids_run);
    cg->pids_run = -1;
    if (!cg->pids_alone)
        return box;
    /* The box group's own limit goes: the run's is the one that counts refused forks. */
    if (set(box, "pids.max", "max", cg, err) < 0)
        return -1;
    if (unlinkat(box, "run", AT_REMOVEDIR) < 0 && errno != ENOENT)
        return mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot remove the last run's pids "
                             "group of %s", cg->path);
    int fd = mi_cg_mkdir_open_at(box, "run");
    if (fd < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, -fd, "Cannot create the pids group of this "
                             "run under %s", cg->path);
    return cg->pids_run = fd;
}

/* CFS bandwidth: a quota of CPU time per period for the whole box (all its threads). */
static int set_cpu_rate(cg1 *cg, const mi_cg_limits *lim, mi_error *err)
{
    int fd = cg->dir[H_CPU];
    if (fd < 0 && lim->cpu_quota_us)
        return mi_fail(err, MI_ERR_CGROUP, ENOENT, "A CPU rate limit needs the cgroup v1 cpu "
                       "hierarchy (not mounted, or the box was made without it: run --init "
                       "--cg again)");
    if (fd < 0 || !lim->cpu_quota_us) /* the box group serves every run: lift the last quota */
        return fd < 0 ? 0 : set(fd, "cpu.cfs_quota_us", "-1", cg, err);
    char q[32], per[32];
    snprintf(per, sizeof per, "%" PRIu64, lim->cpu_period_us);
    snprintf(q, sizeof q, "%" PRIu64, lim->cpu_quota_us);
    /* quota off first: the kernel checks each new period against the current quota */
    return set(fd, "cpu.cfs_quota_us", "-1", cg, err) < 0 ||
                   set(fd, "cpu.cfs_period_us", per, cg, err) < 0 ||
                   set(fd, "cpu.cfs_quota_us", q, cg, err) < 0
               ? -1 : 0;
}

/* The run's limits.  Called by prepare_run, and again by set_limits when a prepared run gets
 * other limits; 1 when they cannot change in place: the run would have to join (or leave) the
 * cpu hierarchy's group, which the prepared program's cgroup.procs descriptors fix. */
static int cg1_set_limits(mi_cgroup *base, const mi_cg_limits *lim, mi_error *err)
{
    cg1 *cg = (cg1 *)base;
    int m = cg->dir[H_MEMORY];
    if (cg->procs[H_MEMORY] >= 0 && cg->primary[H_CPU] && cg->dir[H_CPU] >= 0 &&
        (cg->procs[H_CPU] >= 0) != (lim->cpu_quota_us != 0))
        return 1;
    char mem[32], pids[32];
    if (lim->mem_bytes == MI_UNLIMITED)
        snprintf(mem, sizeof mem, "-1");
    else
        snprintf(mem, sizeof mem, "%" PRIu64, lim->mem_bytes);
    if (lim->pids_max == MI_UNLIMITED)
        snprintf(pids, sizeof pids, "max");
    else
        snprintf(pids, sizeof pids, "%" PRIu64, lim->pids_max);
    /* Swap must not extend the limit, so memsw gets the same value; the kernel insists on
     * memsw >= limit at every moment: open memsw wide, set the limit, then memsw. */
    cg->memsw = faccessat(m, "memory.memsw.limit_in_bytes", F_OK, 0) == 0;
    if ((cg->memsw && set(m, "memory.memsw.limit_in_bytes", "-1", cg, err) < 0) ||
        set(m, "memory.limit_in_bytes", mem, cg, err) < 0 ||
        (cg->memsw && set(m, "memory.memsw.limit_in_bytes", mem, cg, err) < 0))
        return -1;
    int pfd = cg->pids_run >= 0 ? cg->pids_run : cg->dir[H_PIDS];
    if (set(pfd, "pids.max", pids, cg, err) < 0)
        return -1;
    return set_cpuset(cg, lim, err) < 0 || set_cpu_rate(cg, lim, err) < 0 ? -1 : 0;
}

static int cg1_prepare_run(mi_cgroup *base, const mi_cg_limits *lim, mi_error *err)
{
    cg1 *cg = (cg1 *)base;
    int m = cg->dir[H_MEMORY];
    close_procs(cg);
    /* Page cache charged by earlier runs (files left in the box) would count in this run's
     * peak; reclaim it (best effort: it is only accounting noise).  Reclaim is slow (~1 ms)
     * even with little to do, so only when more than kernel-object crumbs and per-CPU charge
     * batches are charged (140-420 KiB after a trivial run here; with a 256 KiB threshold
     * three runs in four paid for a reclaim): what stays is below the 1 MiB peak accuracy we
     * promise. */
    uint64_t usage = UINT64_MAX;
    if (mi_cg_read_u64_at(m, "memory.usage_in_bytes", &usage) < 0 || usage > 512 * 1024)
        (void)mi_write_file_at(m, "memory.force_empty", "0");
    int pfd = pids_group(cg, err);
    if (pfd < 0 || cg1_set_limits(base, lim, err) < 0 ||
        set(m, "memory.max_usage_in_bytes", "0", cg, err) < 0 ||
        (cg->memsw && set(m, "memory.memsw.max_usage_in_bytes", "0", cg, err) < 0) ||
        set(cg->dir[H_CPUACCT], "cpuacct.usage", "0", cg, err) < 0)
        return -1;
    /* oom_kill is in memory.oom_control since 4.13; without it we cannot count OOM kills. */
    if (mi_cg_read_key_at(m, "memory.oom_control", "oom_kill", &cg->oom_base) < 0)
        cg->oom_base = 0;
    int rc = mi_cg_read_key_at(pfd, "pids.events", "max", &cg->pids_base);
    if (rc < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, -rc, "Cannot read pids.events of %s", cg->path);
    for (int i = 0; i < H_N; i++) {
        /* A cpu hierarchy of its own is joined only by runs with a CPU rate: a group competes
         * with its siblings as one entity, so every box in it would share one task's weight
         * against the rest of the host. */
        if (!cg->primary[i] || cg->dir[i] < 0 || (i == H_CPU && !lim->cpu_quota_us))
            continue;
        cg->procs[i] = openat(i == H_PIDS ? pfd : cg->dir[i], "cgroup.procs",
                              O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (cg->procs[i] < 0) {
            mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot open cgroup.procs of the box "
                          "group in the %s hierarchy", i == H_MEMORY ? "memory" : "other");
            close_procs(cg);
            return -1;
        }
    }
    return 0;
}

static int cg1_attach_self(const mi_cgroup *base)
{
    const cg1 *cg = (const cg1 *)base;
    if (cg->procs[H_MEMORY] < 0)
        return -EBADF;
    for (int i = 0; i < H_N; i++)
        if (cg->procs[i] >= 0 && write(cg->procs[i], "0", 1) != 1) /* "0" = the caller */
            return -errno;
    return 0;
}

static void cg1_run_fds(const mi_cgroup *base, int fds[MI_CG_RUN_FDS])
{
    const cg1 *cg = (const cg1 *)base;
    for (int i = 0; i < H_N && i < MI_CG_RUN_FDS; i++)
        fds[i] = cg->procs[i];
}

static void cg1_adopt_fds(mi_cgroup *base, const int fds[MI_CG_RUN_FDS])
{
    cg1 *cg = (cg1 *)base;
    close_procs(cg);
    for (int i = 0; i < H_N && i < MI_CG_RUN_FDS; i++)
        cg->procs[i] = fds[i];
}

static int cg1_cpu_usec(mi_cgroup *base, uint64_t *usec, mi_error *err)
{
    cg1 *cg = (cg1 *)base;
    uint64_t ns;
    int rc = mi_cg_read_u64_at(cg->dir[H_CPUACCT], "cpuacct.usage", &ns);
    if (rc < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, -rc, "Cannot read cpuacct.usage of %s", cg->path);
    *usec = ns / 1000;
    return 0;
}

/* Nothing: v1 has no atomic kill, and signalling listed pids is safe only frozen (a pid could
 * be recycled by a host process between the listing and the kill), while freezing waits for
 * the freezer (milliseconds the keeper's loop would not see the run end).  The keeper's own
 * SIGKILL to the program ends the run: init then kills every process of its PID namespace,
 * which every process of the box is in; kill_all at the end makes sure. */
static void cg1_signal_all(mi_cgroup *base)
{
    (void)base;
}

static int cg1_kill_all(mi_cgroup *base, mi_error *err)
{
    return kill_tasks((cg1 *)base, err);
}

static uint64_t since(uint64_t now, uint64_t base)
{
    return now > base ? now - base : 0;
}

static int cg1_read_stats(mi_cgroup *base, mi_cg_stats *st, mi_error *err)
{
    cg1 *cg = (cg1 *)base;
    if (cg1_cpu_usec(base, &st->cpu_usec, err) < 0)
        return -1;
    int m = cg->dir[H_MEMORY];
    /* With swap accounting, memsw counts memory + swap: the quantity the limit applies to. */
    const char *file = cg->memsw ? "memory.memsw.max_usage_in_bytes" : "memory.max_usage_in_bytes";
    int rc = mi_cg_read_u64_at(m, file, &st->mem_peak_bytes);
    st->mem_peak_valid = rc == 0;
    uint64_t v;
    if (rc == 0 && mi_cg_read_key_at(m, "memory.oom_control", "oom_kill", &v) == 0)
        st->oom_kills = since(v, cg->oom_base);
    int pfd = cg->pids_run >= 0 ? cg->pids_run : cg->dir[H_PIDS];
    if (rc == 0) {
        file = "pids.events";
        if ((rc = mi_cg_read_key_at(pfd, file, "max", &v)) == 0)
            st->pids_max_hits = since(v, cg->pids_base);
    }
    /* pids.peak (kernel >= 6.1) only when it is this run's own group's */
    st->pids_peak_valid = cg->pids_run >= 0 &&
                          mi_cg_read_u64_at(cg->pids_run, "pids.peak", &st->pids_peak) == 0;
    if (rc < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, -rc, "Cannot read %s of %s", file, cg->path);
    return 0;
}

const mi_cg_ops mi_cg_v1_ops = {
    .box_create = cg1_box_create,
    .box_open = cg1_box_open,
    .box_remove = cg1_box_remove,
    .prepare_run = cg1_prepare_run,
    .set_limits = cg1_set_limits,
    .attach_self = cg1_attach_self,
    .run_fds = cg1_run_fds,
    .adopt_fds = cg1_adopt_fds,
    .cpu_usec = cg1_cpu_usec,
    .kill_all = cg1_kill_all,
    .signal_all = cg1_signal_all,
    .read_stats = cg1_read_stats,
    .close = cg1_close,
};
