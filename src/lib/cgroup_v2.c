/* cgroup v2 backend.
 *
 * Layout: <v2_root>/box-<id>/run (v2_root: cg_root or the cgroup2 root, then cg_parent).
 * box-<id> is made by --init and only passes the memory, pids (and cpu, cpuset) controllers down; every run gets a fresh leaf "run".  A fresh cgroup makes
 * memory.peak, memory.events and pids.events count this run only on every kernel (resetting
 * memory.peak by writing needs >= 6.12), and page cache charged by earlier runs (files left in
 * the box) does not inflate this run's peak: it stays with the removed leaf's parent. */
#include "cgroup.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct cg2 {
    mi_cgroup base;
    int box_fd;   /* box-<id> */
    int run_fd;   /* box-<id>/run, -1 before prepare_run */
    int procs_fd; /* run/cgroup.procs, for mi_cg_attach_self */
    bool cpuset_set[2], rate_set; /* the leaf's cpuset.mems/.cpus and cpu.max are not defaults */
    char path[4096];
    char run_path[4200];
} cg2;

static int open_dir(const char *path)
{
    return open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Let children of dirfd use memory and pids (required) and cpu (optional). */
static int enable_controllers(int dirfd, const char *path, mi_error *err)
{
    static const char *const need[] = {"memory", "pids"};
    for (size_t i = 0; i < 2; i++) {
        char cmd[16];
        snprintf(cmd, sizeof cmd, "+%s", need[i]);
        int rc = mi_write_file_at(dirfd, "cgroup.subtree_control", cmd);
        if (rc == -EBUSY)
            return mi_fail(err, MI_ERR_CGROUP, EBUSY,
                           "Cannot enable the %s controller for the children of %s: it holds "
                           "processes, and a cgroup v2 group that passes controllers to its "
                           "children must not (no-internal-processes rule). Move its processes "
                           "into a child cgroup, or set cg_root to an empty delegated cgroup "
                           "(e.g. a subdirectory of a systemd unit with Delegate=yes)",
                           need[i], path);
        if (rc < 0)
            return mi_fail_errno(err, MI_ERR_CGROUP, -rc,
                                 "Cannot enable the %s controller in %s/cgroup.subtree_control "
                                 "(it must be enabled in the parent's cgroup.subtree_control)",
                                 need[i], path);
    }
    (void)mi_write_file_at(dirfd, "cgroup.subtree_control", "+cpu"); /* nice to have */
    /* Needed only by boxes with box<N>.cpus/.mems; prepare_run says so if it is missing. */
    (void)mi_write_file_at(dirfd, "cgroup.subtree_control", "+cpuset");
    return 0;
}

struct enable_arg {
    const char *base;
    mi_error *err;
};

static int enable_step(int parent_fd, int fd, void *arg)
{
    struct enable_arg *a = arg;
    return enable_controllers(parent_fd, a->base, a->err) < 0 ? -a->err->sys_errno : 0;
}

/* Kill every process in the group and below, and wait (bounded) until it is empty. */
static int kill_group(int fd, const char *path, mi_error *err)
{
    uint64_t pop = 1;
    if (mi_cg_read_key_at(fd, "cgroup.events", "populated", &pop) == 0 && pop == 0)
        return 0;
    /* cgroup.kill (5.14+) kills the whole subtree atomically, even a fork bomb.  Before it,
     * freeze first so the group cannot fork new processes while we signal the listed ones. */
    bool have_kill = mi_write_file_at(fd, "cgroup.kill", "1") == 0;
    bool frozen = !have_kill && mi_write_file_at(fd, "cgroup.freeze", "1") == 0;
    double deadline = mi_now_monotonic() + MI_CG_KILL_TIMEOUT;
    int rc = 0;
    for (unsigned ms = 1;; ms = ms < 16 ? ms * 2 : ms) {
        int r = mi_cg_read_key_at(fd, "cgroup.events", "populated", &pop);
        if (r < 0) {
            rc = mi_fail_errno(err, MI_ERR_CGROUP, -r, "Cannot read %s/cgroup.events", path);
            break;
        }
        if (pop == 0)
            break;
        if (!have_kill)
            mi_cg_kill_listed_at(fd); /* v2 frozen tasks do die from SIGKILL */
        if (mi_now_monotonic() > deadline) {
            rc = mi_fail(err, MI_ERR_CGROUP, EBUSY, "Processes in %s still alive %.0f s after "
                         "SIGKILL", path, MI_CG_KILL_TIMEOUT);
            break;
        }
        mi_cg_sleep_ms(ms);
    }
    if (frozen)
        (void)mi_write_file_at(fd, "cgroup.freeze", "0");
    return rc;
}

/* Kill and remove parent_fd/name and everything below it; a missing group is fine. */
static int destroy(int parent_fd, const char *name, const char *path, int depth, mi_error *err)
{
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0
                               : mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot open %s", path);
    int rc = 0, dfd = dup(fd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        rc = mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot list %s", path);
        if (dfd >= 0)
            close(dfd);
    }
    struct dirent *de;
    while (d && rc == 0 && (de = readdir(d))) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        char sub[4096];
        if (depth >= 16 || mi_snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) < 0)
            rc = mi_fail(err, MI_ERR_CGROUP, ENAMETOOLONG, "Cgroup tree under %s too deep", path);
        else
            rc = destroy(fd, de->d_name, sub, depth + 1, err);
    }
    if (d)
        closedir(d);
    if (rc == 0)
        rc = kill_group(fd, path, err);
    close(fd);
    if (rc == 0 && unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        rc = mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot remove %s", path);
    return rc;
}

/* Open v2_root; when creating, first make it (auto mode) and enable controllers on the way. */
static int open_root(const mi_cg_layout *lay, bool create, mi_error *err)
{
    int fd;
    if (create && lay->v2_owned) {
        /* cg_parent's levels: each passes the controllers down to the next. */
        int mfd = open_dir(lay->v2_base);
        if (mfd < 0)
            return mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot open %s", lay->v2_base);
        mi_error e = {0};
        struct enable_arg a = {lay->v2_base, &e};
        fd = mi_cg_mkdirs_open_at(mfd, lay->parent, enable_step, &a);
        close(mfd);
        if (fd < 0 && e.msg[0]) {
            *err = e;
            return -1;
        }
        if (fd < 0)
            return mi_fail_errno(err, MI_ERR_CGROUP, -fd, "Cannot create %s", lay->v2_root);
    } else if ((fd = open_dir(lay->v2_root)) < 0) {
        return errno == ENOENT && !create ? -2
                                          : mi_fail_errno(err, MI_ERR_CGROUP, errno,
                                                          "Cannot open %s", lay->v2_root);
    }
    if (create && enable_controllers(fd, lay->v2_root, err) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int cg2_box_create(const mi_cg_layout *lay, uint32_t box_id, mi_error *err)
{
    char name[32], path[4096];
    snprintf(name, sizeof name, "box-%" PRIu32, box_id);
    if (mi_snprintf(path, sizeof path, "%s/%s", lay->v2_root, name) < 0)
        return mi_fail(err, MI_ERR_CGROUP, ENAMETOOLONG, "cg_root path too long");
    for (int attempt = 0;; attempt++) {
        int rfd = open_root(lay, true, err);
        /* ENODEV/ENOENT: a concurrent --cleanup of the last other box removed our parent
         * between its mkdir and the subtree_control write (a removed group's files say
         * ENODEV); redo it. */
        if (rfd < 0 && lay->v2_owned && attempt < 3 && err &&
            (err->sys_errno == ENODEV || err->sys_errno == ENOENT))
            continue;
        if (rfd < 0)
            return -1;
        if (destroy(rfd, name, path, 0, err) < 0) { /* a stale group from an earlier life */
            close(rfd);
            return -1;
        }
        int bfd = mi_cg_mkdir_open_at(rfd, name);
        close(rfd);
        /* ENOENT: the same race, before our mkdir; redo it. */
        if (bfd == -ENOENT && lay->v2_owned && attempt < 3)
            continue;
        if (bfd < 0)
            return mi_fail_errno(err, MI_ERR_CGROUP, -bfd, "Cannot create %s", path);
        int rc = enable_controllers(bfd, path, err);
        close(bfd);
        return rc;
    }
}

static int cg2_box_remove(const mi_cg_layout *lay, uint32_t box_id, mi_error *err)
{
    char name[32], path[4096];
    snprintf(name, sizeof name, "box-%" PRIu32, box_id);
    if (mi_snprintf(path, sizeof path, "%s/%s", lay->v2_root, name) < 0)
        return mi_fail(err, MI_ERR_CGROUP, ENAMETOOLONG, "cg_root path too long");
    int rfd = open_root(lay, false, err);
    if (rfd == -2)
        return 0;
    if (rfd < 0)
        return -1;
    int rc = destroy(rfd, name, path, 0, err);
    close(rfd);
    if (rc == 0 && lay->v2_owned)
        mi_cg_rmdirs(lay->v2_base, lay->parent); /* stops at a level other boxes still use */
    return rc;
}

static int cg2_box_open(const mi_cg_layout *lay, uint32_t box_id, mi_cgroup **out, mi_error *err)
{
    cg2 *cg = calloc(1, sizeof *cg);
    if (!cg)
        return mi_fail(err, MI_ERR_CGROUP, ENOMEM, "out of memory");
    cg->base.ops = &mi_cg_v2_ops;
    cg->run_fd = cg->procs_fd = -1;
    if (mi_snprintf(cg->path, sizeof cg->path, "%s/box-%" PRIu32, lay->v2_root, box_id) < 0 ||
        mi_snprintf(cg->run_path, sizeof cg->run_path, "%s/run", cg->path) < 0) {
        free(cg);
        return mi_fail(err, MI_ERR_CGROUP, ENAMETOOLONG, "cg_root path too long");
    }
    cg->box_fd = open_dir(cg->path);
    if (cg->box_fd < 0) {
        int e = errno;
        if (e == ENOENT)
            mi_fail(err, MI_ERR_CGROUP, e, "Control group %s does not exist: initialise the box "
                    "with --init --cg (control groups do not survive a reboot)", cg->path);
        else
            mi_fail_errno(err, MI_ERR_CGROUP, e, "Cannot open %s", cg->path);
        free(cg);
        return -1;
    }
    *out = &cg->base;
    return 0;
}

static void close_run(cg2 *cg)
{
    if (cg->procs_fd >= 0)
        close(cg->procs_fd);
    if (cg->run_fd >= 0)
        close(cg->run_fd);
    cg->procs_fd = cg->run_fd = -1;
}

static void limit_str(char *buf, size_t len, uint64_t v)
{
    if (v == MI_UNLIMITED)
        snprintf(buf, len, "max");
    else
        snprintf(buf, len, "%" PRIu64, v);
}

/* box<N>.cpus / .mems on this run's fresh leaf (without them it inherits every CPU and node
 * of its parents).  The kernel bounds the affinity of every task of the group by them: the
 * program cannot widen its own with sched_setaffinity. */
static int set_cpuset(cg2 *cg, const mi_cg_limits *lim, mi_error *err)
{
    const char *val[2] = {lim->mems, lim->cpus}; /* nodes first: a task needs both non-empty */
    static const char *const file[2] = {"cpuset.mems", "cpuset.cpus"};
    for (int i = 0; i < 2; i++) {
        int r0 = !val[i] && cg->cpuset_set[i] ? mi_write_file_at(cg->run_fd, file[i], "\n") : 0;
        if (r0 < 0) /* "\n": empty after the kernel strips it, the parent's set again */
            return mi_fail_errno(err, MI_ERR_CGROUP, -r0, "Cannot reset %s/%s", cg->run_path,
                                 file[i]);
        cg->cpuset_set[i] = val[i] != NULL;
        if (!val[i])
            continue;
        int rc = mi_write_file_at(cg->run_fd, file[i], val[i]);
        if (rc == -ENOENT)
            return mi_fail(err, MI_ERR_CGROUP, ENOENT, "box%u.%s = %s cannot be enforced: the "
                           "cpuset controller is not enabled for %s (it must be listed in the "
                           "cgroup.controllers of %s; a box made before: run --init --cg again)",
                           lim->box_id, file[i] + 7, val[i], cg->run_path, cg->path);
        if (rc < 0) {
            char eff[256] = "?";
            char name[32];
            snprintf(name, sizeof name, "%s.effective", file[i]);
            if (mi_read_file_at(cg->box_fd, name, eff, sizeof eff) == 0)
                eff[strcspn(eff, "\n")] = 0;
            return mi_fail_errno(err, MI_ERR_CGROUP, -rc, "box%u.%s = %s: cannot write it to "
                                 "%s/%s (the set must lie within the parent's %s, here \"%s\")",
                                 lim->box_id, file[i] + 7, val[i], cg->run_path, file[i],
                                 name, eff);
        }
    }
    return 0;
}

/* CFS bandwidth of the run's leaf: cpu.max = "quota period" for the whole box. */
static int set_cpu_rate(cg2 *cg, const mi_cg_limits *lim, mi_error *err)
{
    if (!lim->cpu_quota_us && !cg->rate_set)
        return 0; /* a fresh leaf has "max" */
    char v[64];
    if (lim->cpu_quota_us)
        snprintf(v, sizeof v, "%" PRIu64 " %" PRIu64, lim->cpu_quota_us, lim->cpu_period_us);
    else
        snprintf(v, sizeof v, "max");
    int rc = mi_write_file_at(cg->run_fd, "cpu.max", v);
    cg->rate_set = lim->cpu_quota_us != 0;
    if (rc == -ENOENT)
        return mi_fail(err, MI_ERR_CGROUP, ENOENT, "A CPU rate limit needs the cpu controller, "
                       "which is not enabled for %s (it must be listed in the cgroup.controllers "
                       "of %s; a box made before: run --init --cg again)", cg->run_path, cg->path);
    if (rc < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, -rc, "Cannot write %s to %s/cpu.max", v,
                             cg->run_path);
    return 0;
}

/* The run's limits on its leaf; written again by set_limits when a prepared run gets other
 * limits than it was prepared with (a NULL cpuset or no quota resets the file). */
static int cg2_set_limits(mi_cgroup *base, const mi_cg_limits *lim, mi_error *err)
{
    cg2 *cg = (cg2 *)base;
    char mem[32], pids[32];
    limit_str(mem, sizeof mem, lim->mem_bytes);
    limit_str(pids, sizeof pids, lim->pids_max);
    const char *file = "memory.max";
    int rc = mi_write_file_at(cg->run_fd, file, mem);
    if (rc == 0) {
        /* Swap must not extend the memory limit (a box could go far beyond it by swapping).
         * The file is missing without swap accounting; --check-environment reports that. */
        file = "memory.swap.max";
        if ((rc = mi_write_file_at(cg->run_fd, file, "0")) == -ENOENT)
            rc = 0;
    }
    if (rc == 0) {
        file = "pids.max";
        rc = mi_write_file_at(cg->run_fd, file, pids);
    }
    if (rc < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, -rc, "Cannot set %s/%s%s", cg->run_path, file,
                             rc == -ENOENT ? " (controller not enabled in the box group: run "
                                             "--init --cg again)" : "");
    return set_cpuset(cg, lim, err) < 0 || set_cpu_rate(cg, lim, err) < 0 ? -1 : 0;
}

static int cg2_prepare_run(mi_cgroup *base, const mi_cg_limits *lim, mi_error *err)
{
    cg2 *cg = (cg2 *)base;
    close_run(cg);
    if (destroy(cg->box_fd, "run", cg->run_path, 0, err) < 0)
        return -1;
    int fd = mkdirat(cg->box_fd, "run", 0755) < 0 ? -errno : mi_cg_mkdir_open_at(cg->box_fd, "run");
    if (fd < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, -fd, "Cannot create %s", cg->run_path);
    cg->run_fd = fd;
    cg->cpuset_set[0] = cg->cpuset_set[1] = cg->rate_set = false;
    if (cg2_set_limits(base, lim, err) < 0) {
        close_run(cg);
        return -1;
    }
    cg->procs_fd = openat(cg->run_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (cg->procs_fd < 0) {
        mi_fail_errno(err, MI_ERR_CGROUP, errno, "Cannot open %s/cgroup.procs", cg->run_path);
        close_run(cg);
        return -1;
    }
    return 0;
}

static int cg2_attach_self(const mi_cgroup *base)
{
    const cg2 *cg = (const cg2 *)base;
    if (cg->procs_fd < 0)
        return -EBADF;
    return write(cg->procs_fd, "0", 1) == 1 ? 0 : -errno; /* "0" = the calling process */
}

static void cg2_run_fds(const mi_cgroup *base, int fds[MI_CG_RUN_FDS])
{
    const cg2 *cg = (const cg2 *)base;
    /* Both: mi_cg_adopt_fds closes both in init's copy, so init must keep both until then. */
    fds[0] = cg->run_fd;
    fds[1] = cg->procs_fd;
}

static void cg2_adopt_fds(mi_cgroup *base, const int fds[MI_CG_RUN_FDS])
{
    cg2 *cg = (cg2 *)base;
    close_run(cg);
    cg->run_fd = fds[0];
    cg->procs_fd = fds[1];
}

static int need_run(const cg2 *cg, mi_error *err)
{
    if (cg->run_fd < 0)
        return mi_fail(err, MI_ERR_CGROUP, EINVAL, "No run prepared in %s", cg->path);
    return 0;
}

static int cg2_cpu_usec(mi_cgroup *base, uint64_t *usec, mi_error *err)
{
    cg2 *cg = (cg2 *)base;
    if (need_run(cg, err) < 0)
        return -1;
    int rc = mi_cg_read_key_at(cg->run_fd, "cpu.stat", "usage_usec", usec);
    if (rc < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, -rc, "Cannot read %s/cpu.stat", cg->run_path);
    return 0;
}

static void cg2_signal_all(mi_cgroup *base)
{
    cg2 *cg = (cg2 *)base;
    if (cg->run_fd >= 0 && mi_write_file_at(cg->run_fd, "cgroup.kill", "1") < 0)
        mi_cg_kill_listed_at(cg->run_fd); /* before 5.14: the listed ones */
}

static int cg2_kill_all(mi_cgroup *base, mi_error *err)
{
    cg2 *cg = (cg2 *)base;
    return cg->run_fd < 0 ? 0 : kill_group(cg->run_fd, cg->run_path, err);
}

static int cg2_read_stats(mi_cgroup *base, mi_cg_stats *st, mi_error *err)
{
    cg2 *cg = (cg2 *)base;
    if (cg2_cpu_usec(base, &st->cpu_usec, err) < 0)
        return -1;
    int rc = mi_cg_read_u64_at(cg->run_fd, "memory.peak", &st->mem_peak_bytes);
    st->mem_peak_valid = rc == 0; /* memory.peak needs kernel >= 5.19 */
    if (rc < 0)
        st->mem_peak_bytes = 0;
    const char *file = "memory.events";
    rc = mi_cg_read_key_at(cg->run_fd, file, "oom_kill", &st->oom_kills);
    if (rc == 0) {
        file = "pids.events";
        rc = mi_cg_read_key_at(cg->run_fd, file, "max", &st->pids_max_hits);
    }
    /* pids.peak needs kernel >= 6.1; the leaf is fresh, so it is this run's */
    st->pids_peak_valid = mi_cg_read_u64_at(cg->run_fd, "pids.peak", &st->pids_peak) == 0;
    if (rc < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, -rc, "Cannot read %s/%s", cg->run_path, file);
    return 0;
}

static void cg2_close(mi_cgroup *base)
{
    cg2 *cg = (cg2 *)base;
    close_run(cg);
    close(cg->box_fd);
    free(cg);
}

const mi_cg_ops mi_cg_v2_ops = {
    .box_create = cg2_box_create,
    .box_open = cg2_box_open,
    .box_remove = cg2_box_remove,
    .prepare_run = cg2_prepare_run,
    .set_limits = cg2_set_limits,
    .attach_self = cg2_attach_self,
    .cpu_usec = cg2_cpu_usec,
    .run_fds = cg2_run_fds,
    .adopt_fds = cg2_adopt_fds,
    .kill_all = cg2_kill_all,
    .signal_all = cg2_signal_all,
    .read_stats = cg2_read_stats,
    .close = cg2_close,
};
