/* Control groups: host detection, dispatch to the v1/v2 backends, shared helpers and the
 * --check-environment report.  See cgroup.h for the life of a box cgroup. */
#include "cgroup.h"
#include "seccomp_policy.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- shared helpers */

static int parse_u64(const char *s, uint64_t *val)
{
    while (*s == ' ')
        s++;
    if (!strncmp(s, "max", 3)) {
        *val = MI_UNLIMITED;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || (*end && *end != '\n' && *end != ' '))
        return -EINVAL;
    *val = v;
    return 0;
}

int mi_cg_read_u64_at(int dirfd, const char *file, uint64_t *val)
{
    char buf[64];
    int rc = mi_read_file_at(dirfd, file, buf, sizeof buf);
    return rc < 0 ? rc : parse_u64(buf, val);
}

int mi_cg_read_key_at(int dirfd, const char *file, const char *key, uint64_t *val)
{
    char buf[4096];
    int rc = mi_read_file_at(dirfd, file, buf, sizeof buf);
    if (rc < 0)
        return rc;
    size_t klen = strlen(key);
    for (char *line = buf; *line;) {
        if (!strncmp(line, key, klen) && line[klen] == ' ')
            return parse_u64(line + klen + 1, val);
        char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return -ENODATA;
}

/* Callers freeze the group first where they can: a frozen task cannot exit, so its pid cannot
 * be recycled by an unrelated host process between our read of cgroup.procs and the kill(). */
int mi_cg_kill_listed_at(int dirfd)
{
    int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    char buf[4096];
    size_t have = 0;
    int n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        have += (size_t)r;
        buf[have] = 0;
        char *p = buf, *nl;
        while ((nl = strchr(p, '\n')) || (r == 0 && *p)) {
            if (nl)
                *nl = 0;
            long pid = strtol(p, NULL, 10);
            if (pid > 0) {
                kill((pid_t)pid, SIGKILL);
                n++;
            }
            p = nl ? nl + 1 : p + strlen(p);
        }
        have = (size_t)(buf + have - p);
        memmove(buf, p, have);
        if (r == 0)
            break;
    }
    close(fd);
    return n;
}

int mi_cg_mkdir_open_at(int parent_fd, const char *name)
{
    /* Root-owned 0755: the box user may read its group's statistics but cannot move itself out
     * or raise its limits (cgroupfs writes follow file permissions). */
    if (mkdirat(parent_fd, name, 0755) < 0 && errno != EEXIST)
        return -errno;
    /* O_NOFOLLOW | O_DIRECTORY: we only ever act on the directory we just made or found. */
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int mi_cg_mkdirs_open_at(int base_fd, const char *rel, int (*step)(int, int, void *), void *arg)
{
    int fd = dup(base_fd);
    if (fd < 0)
        return -errno;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    while (*rel) {
        char name[256];
        size_t n = strcspn(rel, "/");
        if (n == 0 || n >= sizeof name) {
            close(fd);
            return -EINVAL;
        }
        memcpy(name, rel, n);
        name[n] = 0;
        rel += n + (rel[n] == '/');
        int next = mi_cg_mkdir_open_at(fd, name);
        int rc = next < 0 ? next : step ? step(fd, next, arg) : 0;
        close(fd);
        if (rc < 0) {
            if (next >= 0)
                close(next);
            return rc;
        }
        fd = next;
    }
    return fd;
}

void mi_cg_rmdirs(const char *base, const char *rel)
{
    char p[4096];
    if (mi_snprintf(p, sizeof p, "%s/%s", base, rel) < 0)
        return;
    size_t stop = strlen(base) + 1;
    for (;;) {
        if (rmdir(p) < 0) /* fails while other boxes (or other levels) are there, as it should */
            return;
        char *slash = strrchr(p, '/');
        if (!slash || (size_t)(slash - p) < stop)
            return;
        *slash = 0;
    }
}

void mi_cg_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---------------------------------------------------------------- detection */

/* Is `word` one of the items of a list separated by spaces or commas? */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ' ' || p[-1] == ',') &&
            (p[n] == 0 || p[n] == ' ' || p[n] == ',' || p[n] == '\n'))
            return true;
    return false;
}

static const char *const v1_names[] = {"memory", "cpuacct", "pids", "cpuset", "freezer", "cpu"};
#define V1_N 6
#define V1_REQUIRED 3 /* the first three */

static char *v1_field(mi_cg_layout *l, int i)
{
    char *f[V1_N] = {l->v1_memory, l->v1_cpuacct, l->v1_pids, l->v1_cpuset, l->v1_freezer,
                     l->v1_cpu};
    return f[i];
}

static int scan_mounts(mi_cg_layout *lay)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -errno;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
        char *sep = strstr(line, " - ");
        char mnt[4096], fstype[32], super[1024];
        if (!sep)
            continue;
        *sep = 0;
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
            sscanf(sep + 3, "%31s %*s %1023s", fstype, super) != 2)
            continue;
        mi_mountinfo_unescape(mnt);
        if (!strcmp(fstype, "cgroup2")) {
            if (!lay->v2_mount[0] || !strcmp(mnt, "/sys/fs/cgroup"))
                snprintf(lay->v2_mount, sizeof lay->v2_mount, "%s", mnt);
        } else if (!strcmp(fstype, "cgroup")) {
            for (int i = 0; i < V1_N; i++)
                if (has_word(super, v1_names[i]) && !v1_field(lay, i)[0])
                    snprintf(v1_field(lay, i), sizeof lay->v1_memory, "%s", mnt);
        }
    }
    free(line);
    fclose(f);
    return 0;
}

static void read_controllers(const char *dir, char *buf, size_t len)
{
    char p[4200];
    buf[0] = 0;
    if (mi_snprintf(p, sizeof p, "%s/cgroup.controllers", dir) < 0 || mi_read_file(p, buf, len) < 0)
        buf[0] = 0;
    buf[strcspn(buf, "\n")] = 0;
}

/* cg_root = "auto:FILE" (isolate 2.x, with its cgroup keeper service): the cgroup is the
 * first line of FILE. */
static int resolve_root(const char *cg_root, char *out, size_t len, mi_error *err)
{
    if (strncmp(cg_root, "auto:", 5) != 0) {
        if (mi_snprintf(out, len, "%s", cg_root) < 0)
            return mi_fail(err, MI_ERR_CGROUP, ENAMETOOLONG, "cg_root path too long");
        return 0;
    }
    char buf[4096];
    int rc = mi_read_file(cg_root + 5, buf, sizeof buf);
    if (rc < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, -rc, "cg_root = %s: cannot read %s", cg_root,
                             cg_root + 5);
    buf[strcspn(buf, "\n")] = 0;
    if (buf[0] != '/' || mi_snprintf(out, len, "%s", buf) < 0)
        return mi_fail(err, MI_ERR_CGROUP, EINVAL, "cg_root = %s: the first line of %s must be "
                       "an absolute cgroup path, not \"%s\"", cg_root, cg_root + 5, buf);
    return 0;
}

static int check_v2_controllers(const char *dir, mi_error *err)
{
    char ctl[512];
    read_controllers(dir, ctl, sizeof ctl);
    const char *miss = !has_word(ctl, "memory") ? "memory" : !has_word(ctl, "pids") ? "pids" : NULL;
    if (miss)
        return mi_fail(err, MI_ERR_CGROUP, ENOENT,
                       "cg_root %s does not offer the %s controller (its cgroup.controllers: "
                       "\"%s\"): enable it in the parent with `echo +%s > %s/../"
                       "cgroup.subtree_control`, or use a systemd unit with Delegate=yes",
                       dir, miss, ctl, miss, dir);
    return 0;
}

static int set_v2(mi_cg_layout *out, const char *base, const char *parent, mi_error *err)
{
    snprintf(out->v2_base, sizeof out->v2_base, "%s", base);
    snprintf(out->parent, sizeof out->parent, "%s", parent);
    out->v2_owned = parent[0] != 0;
    if ((parent[0] ? mi_snprintf(out->v2_root, sizeof out->v2_root, "%s/%s", base, parent)
                   : mi_snprintf(out->v2_root, sizeof out->v2_root, "%s", base)) < 0)
        return mi_fail(err, MI_ERR_CGROUP, ENAMETOOLONG, "cg_root/cg_parent path too long");
    out->version = MI_CG_V2;
    return 0;
}

/* Is `mnt` directly below `dir` (isolate 1.x: cg_root/<controller>)? */
static bool mounted_below(const char *mnt, const char *dir)
{
    size_t n = strlen(dir);
    const char *slash = strrchr(mnt, '/');
    return mnt[0] && slash && (size_t)(slash - mnt) == n && !strncmp(mnt, dir, n);
}

static int detect_explicit(const char *root, const char *cg_parent, mi_cg_layout *out,
                           mi_error *err)
{
    char dir[4096];
    if (root[0] != '/' || mi_snprintf(dir, sizeof dir, "%s", root) < 0)
        return mi_fail(err, MI_ERR_CGROUP, EINVAL,
                       "cg_root must be \"auto\", \"auto:FILE\" or an absolute path, not \"%s\"",
                       root);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        dir[--n] = 0;
    /* We create, write and remove files below cg_root as root.  Accepting only cgroupfs (or
     * the directory the v1 hierarchies are mounted in) stops a wrong or planted path from
     * turning those writes into writes to ordinary files. */
    struct statfs sfs;
    if (statfs(dir, &sfs) < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, errno,
                             "cg_root %s: cannot use it (it must be an existing directory in a "
                             "cgroup v2 tree delegated to mini-isolate, e.g. a systemd unit's "
                             "cgroup with Delegate=yes, or the cgroup filesystem root)", dir);
    if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
        /* The cgroup2 root itself (isolate 1.x's "cg_root = /sys/fs/cgroup" on a v2 host):
         * as "auto", box groups never go straight into the host's root group. */
        bool top = !strcmp(dir, out->v2_mount);
        if (check_v2_controllers(dir, err) < 0)
            return -1;
        return set_v2(out, dir, cg_parent ? cg_parent : top ? MI_CG_PARENT : "", err);
    }
    /* isolate 1.x: cg_root is where the v1 hierarchies are mounted (<cg_root>/<controller>). */
    for (int i = 0; i < V1_REQUIRED; i++)
        if (!mounted_below(v1_field(out, i), dir))
            return mi_fail(err, MI_ERR_CGROUP, EINVAL,
                           "cg_root %s is neither a cgroup v2 directory nor the directory the "
                           "cgroup v1 hierarchies are mounted in (the %s hierarchy is %s%s)",
                           dir, v1_names[i], v1_field(out, i)[0] ? "at " : "not mounted",
                           v1_field(out, i));
    snprintf(out->parent, sizeof out->parent, "%s", cg_parent ? cg_parent : MI_CG_PARENT);
    out->version = MI_CG_V1;
    return 0;
}

int mi_cg_detect(const mi_host_config *h, mi_cg_layout *out, mi_error *err)
{
    memset(out, 0, sizeof *out);
    const char *cg_parent = h ? h->cg_parent : NULL;
    if (resolve_root(h && h->cg_root ? h->cg_root : "auto", out->cg_root, sizeof out->cg_root,
                     err) < 0)
        return -1;
    int rc = scan_mounts(out);
    if (rc < 0)
        return mi_fail_errno(err, MI_ERR_CGROUP, -rc, "Cannot read /proc/self/mountinfo");
    bool any_v1 = false;
    for (int i = 0; i < V1_N; i++)
        any_v1 |= v1_field(out, i)[0] != 0;
    out->hybrid = any_v1 && out->v2_mount[0];
    if (strcmp(out->cg_root, "auto") != 0)
        return detect_explicit(out->cg_root, cg_parent, out, err);

    char ctl[512] = "";
    if (out->v2_mount[0])
        read_controllers(out->v2_mount, ctl, sizeof ctl);
    if (out->v2_mount[0] && has_word(ctl, "memory") && has_word(ctl, "pids"))
        return set_v2(out, out->v2_mount, cg_parent ? cg_parent : MI_CG_PARENT, err);
    int missing = -1;
    for (int i = 0; i < V1_REQUIRED && missing < 0; i++)
        if (!v1_field(out, i)[0])
            missing = i;
    if (missing < 0) {
        snprintf(out->parent, sizeof out->parent, "%s", cg_parent ? cg_parent : MI_CG_PARENT);
        out->version = MI_CG_V1;
        return 0;
    }
    if (!any_v1 && !out->v2_mount[0])
        return mi_fail(err, MI_ERR_CGROUP, ENOENT,
                       "--cg needs control groups, but no cgroup filesystem is mounted: mount "
                       "cgroup v2 with `mount -t cgroup2 none /sys/fs/cgroup`");
    if (!any_v1) {
        const char *miss = !has_word(ctl, "memory") ? "memory" : "pids";
        return mi_fail(err, MI_ERR_CGROUP, ENOENT,
                       "--cg needs the %s controller, but the cgroup2 root %s does not offer it "
                       "(cgroup.controllers: \"%s\"). Check that the kernel has it and the "
                       "command line has no cgroup_disable=%s; in a container, run it with its "
                       "own delegated cgroup (e.g. docker --cgroupns=private) or set cg_root to "
                       "a delegated cgroup",
                       miss, out->v2_mount, ctl, miss);
    }
    return mi_fail(err, MI_ERR_CGROUP, ENOENT,
                   "--cg needs the memory, cpuacct and pids cgroup v1 hierarchies (or cgroup v2 "
                   "with memory and pids), but no cgroup v1 hierarchy has the %s controller: "
                   "mount it (`mkdir -p /sys/fs/cgroup/%s && mount -t cgroup -o %s none "
                   "/sys/fs/cgroup/%s`) or boot with pure cgroup v2 "
                   "(systemd.unified_cgroup_hierarchy=1)",
                   v1_names[missing], v1_names[missing], v1_names[missing], v1_names[missing]);
}

/* ---------------------------------------------------------------- dispatch */

static const mi_cg_ops *backend(const mi_host_config *h, mi_cg_layout *lay, mi_error *err)
{
    if (mi_cg_detect(h, lay, err) < 0)
        return NULL;
    return lay->version == MI_CG_V2 ? &mi_cg_v2_ops : &mi_cg_v1_ops;
}

int mi_cg_box_create(const mi_host_config *h, uint32_t box_id, mi_error *err)
{
    mi_cg_layout lay;
    const mi_cg_ops *ops = backend(h, &lay, err);
    return ops ? ops->box_create(&lay, box_id, err) : -1;
}

int mi_cg_box_open(const mi_host_config *h, uint32_t box_id, mi_cgroup **out, mi_error *err)
{
    mi_cg_layout lay;
    *out = NULL;
    const mi_cg_ops *ops = backend(h, &lay, err);
    return ops ? ops->box_open(&lay, box_id, out, err) : -1;
}

int mi_cg_box_remove(const mi_host_config *h, uint32_t box_id, mi_error *err)
{
    mi_cg_layout lay;
    mi_error ignored;
    /* Without usable cgroups nothing of ours can exist (cgroupfs does not survive a reboot). */
    const mi_cg_ops *ops = backend(h, &lay, &ignored);
    return ops ? ops->box_remove(&lay, box_id, err) : 0;
}

int mi_cg_prepare_run(mi_cgroup *cg, const mi_cg_limits *lim, mi_error *err)
{
    return cg->ops->prepare_run(cg, lim, err);
}

int mi_cg_set_limits(mi_cgroup *cg, const mi_cg_limits *lim, mi_error *err)
{
    return cg->ops->set_limits(cg, lim, err);
}

int mi_cg_attach_self(const mi_cgroup *cg)
{
    return cg->ops->attach_self(cg);
}

void mi_cg_run_fds(const mi_cgroup *cg, int fds[MI_CG_RUN_FDS])
{
    for (int i = 0; i < MI_CG_RUN_FDS; i++)
        fds[i] = -1;
    cg->ops->run_fds(cg, fds);
}

void mi_cg_adopt_fds(mi_cgroup *cg, const int fds[MI_CG_RUN_FDS])
{
    cg->ops->adopt_fds(cg, fds);
}

int mi_cg_cpu_usec(mi_cgroup *cg, uint64_t *usec, mi_error *err)
{
    return cg->ops->cpu_usec(cg, usec, err);
}

void mi_cg_signal_all(mi_cgroup *cg)
{
    cg->ops->signal_all(cg);
}

int mi_cg_kill_all(mi_cgroup *cg, mi_error *err)
{
    return cg->ops->kill_all(cg, err);
}

int mi_cg_read_stats(mi_cgroup *cg, mi_cg_stats *st, mi_error *err)
{
    memset(st, 0, sizeof *st);
    return cg->ops->read_stats(cg, st, err);
}

void mi_cg_close(mi_cgroup *cg)
{
    if (cg)
        cg->ops->close(cg);
}

/* ---------------------------------------------------------------- --check-environment */

static int kernel_version(void)
{
    struct utsname u;
    int maj = 0, min = 0;
    if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &maj, &min) == 2)
        return maj * 1000 + min;
    return 0;
}

static bool file_exists(const char *dir, const char *name)
{
    char p[4200];
    return mi_snprintf(p, sizeof p, "%s/%s", dir, name) == 0 && access(p, F_OK) == 0;
}

/* unshare(flag) in a throwaway child; returns 0 or the errno it failed with. */
static int probe_unshare(int flag, uid_t as_uid)
{
    pid_t pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0) {
        if (as_uid && setresuid(as_uid, as_uid, as_uid) < 0)
            _exit(EPERM);
        _exit(unshare(flag) == 0 ? 0 : (errno & 0xff));
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : EIO;
}

/* A cgroup v2 directory other than the real root (cgroup.type is not on the root) that holds
 * processes cannot enable controllers for children: the no-internal-processes rule. */
static bool v2_blocked_by_procs(const char *dir)
{
    char p[4200], procs[16], sub[256];
    if (!file_exists(dir, "cgroup.type") ||
        mi_snprintf(p, sizeof p, "%s/cgroup.procs", dir) < 0 ||
        mi_read_file(p, procs, sizeof procs) < 0 || !procs[0])
        return false;
    if (mi_snprintf(p, sizeof p, "%s/cgroup.subtree_control", dir) < 0 ||
        mi_read_file(p, sub, sizeof sub) < 0)
        return false;
    return !has_word(sub, "memory") || !has_word(sub, "pids");
}

static void report_v1(FILE *out, mi_cg_layout *lay)
{
    static const char *const breaks[V1_N] = {
        "required: memory limit and peak",
        "required: CPU time of the box",
        "required: process limit (-p) and fork-bomb protection",
        "optional: boxes inherit the keeper's CPUs",
        "optional: killing races with a fork bomb (pids.max still bounds it)",
    };
    for (int i = 0; i < V1_N; i++) {
        const char *p = v1_field(lay, i);
        if (p[0])
            fprintf(out, "  v1 %-8s %s\n", v1_names[i], p);
        else
            fprintf(out, "  v1 %-8s not mounted (%s)\n", v1_names[i], breaks[i]);
    }
}

struct feature {
    const char *name, *file;
    int version; /* major * 1000 + minor */
    const char *missing;
};

static const struct feature features[] = {
    {"cgroup.kill", "cgroup.kill", 5014,
     "the box is killed by freezing it and signalling each process (slower); kernel >= 5.14"},
    {"memory.peak", "memory.peak", 5019, "cg-mem is not reported in v2 mode; kernel >= 5.19"},
    {"memory.peak reset", NULL, 6012,
     "nothing: every run gets a fresh cgroup, so memory.peak is per run anyway"},
    {"pids.peak", "pids.peak", 6001, "nothing (informational only)"},
};

static void report_features(FILE *out, const mi_cg_layout *lay, int kver)
{
    /* Probe in a temporary child of the directory box groups go under, when the memory and
     * pids controllers are already enabled there (we do not change the host to find out). */
    char parent[4096] = "", probe[4200] = "", sub[256] = "";
    if (lay->version == MI_CG_V2)
        snprintf(parent, sizeof parent, "%s", lay->v2_owned ? lay->v2_base : lay->v2_root);
    char p[4200];
    if (parent[0] && mi_snprintf(p, sizeof p, "%s/cgroup.subtree_control", parent) == 0 &&
        mi_read_file(p, sub, sizeof sub) == 0 && has_word(sub, "memory") &&
        has_word(sub, "pids") &&
        mi_snprintf(probe, sizeof probe, "%s/mini-isolate-probe-%d", parent, (int)getpid()) == 0 &&
        mkdir(probe, 0700) < 0)
        probe[0] = 0;
    /* A delegated cg_root offering memory and pids has the same interface files as a box
     * group: look there (read-only) when no probe group could be made. */
    const char *look = probe[0] ? probe : NULL;
    if (!look && lay->version == MI_CG_V2 && !lay->v2_owned)
        look = lay->v2_root;
    const char *how = probe[0] ? "probed" : look ? "seen in cg_root" : "by kernel version";

    for (size_t i = 0; i < sizeof features / sizeof features[0]; i++) {
        const struct feature *f = &features[i];
        bool yes;
        if (look && f->file)
            yes = file_exists(look, f->file);
        else if (probe[0]) {
            /* The reset is a write to memory.peak; older kernels refuse it with EINVAL. */
            char mp[4300];
            yes = mi_snprintf(mp, sizeof mp, "%s/memory.peak", probe) == 0 &&
                  mi_write_file(mp, "reset\n") == 0;
        } else
            yes = kver >= f->version;
        fprintf(out, "  %s: %s (%s)%s", f->name, yes ? "yes" : "no",
                look && f->file ? how : probe[0] ? "probed" : "by kernel version",
                lay->version == MI_CG_V1 ? ", v2 backend only" : "");
        if (!yes && lay->version != MI_CG_V1)
            fprintf(out, "; missing means: %s", f->missing);
        fputc('\n', out);
    }
    if (lay->version == MI_CG_V2) {
        if (!look)
            fprintf(out, "  swap accounting: unknown (memory/pids not yet enabled in %s; "
                         "they are at the first --init --cg)\n", parent);
        else if (file_exists(look, "memory.swap.max"))
            fprintf(out, "  swap accounting: yes (memory.swap.max is set to 0: swap cannot "
                         "extend --cg-mem)\n");
        else
            fprintf(out, "  swap accounting: NO (no memory.swap.max): a box can exceed --cg-mem "
                         "by swapping; fix: swapaccount=1 on the kernel command line, or no "
                         "swap (swapoff -a)\n");
    }
    if (probe[0])
        rmdir(probe);
}

/* box<N>.cpus / .mems: enforced by the cpuset controller with --cg; what happens without. */
static void report_cpusets(FILE *out, const mi_host_config *h, const mi_cg_layout *lay)
{
    if (!h || !h->n_cpusets)
        return;
    char ctl[512] = "";
    if (lay->version == MI_CG_V2)
        read_controllers(lay->v2_base, ctl, sizeof ctl);
    bool have = lay->version == MI_CG_V1 ? lay->v1_cpuset[0] != 0
                : lay->version == MI_CG_V2 && has_word(ctl, "cpuset");
    fprintf(out, "  per-box CPU/memory-node sets: %zu box(es) configured; with --cg: %s\n",
            h->n_cpusets,
            have ? "enforced by the cpuset controller (the program cannot leave the set)"
                 : "CANNOT be enforced: no cpuset controller for the box groups (v1: mount the "
                   "cpuset hierarchy; v2: cpuset must be in the cgroup.controllers of the box "
                   "groups' parent)");
    fprintf(out, "  without --cg: CPU affinity and memory policy set before exec (advisory: "
                 "the program may widen them with sched_setaffinity/set_mempolicy; each run "
                 "says so)\n");
    for (size_t i = 0; i < h->n_cpusets; i++)
        fprintf(out, "    box %u: cpus %s, mems %s\n", h->cpusets[i].box_id,
                h->cpusets[i].cpus ? h->cpusets[i].cpus : "(all)",
                h->cpusets[i].mems ? h->cpusets[i].mems : "(all)");
}

bool mi_procs_peak_available(const mi_host_config *h)
{
    mi_cg_layout lay;
    mi_error e;
    struct utsname u;
    unsigned major = 0, minor = 0;
    if (mi_cg_detect(h, &lay, &e) < 0 || uname(&u) < 0 ||
        sscanf(u.release, "%u.%u", &major, &minor) != 2 || major * 1000 + minor < 6001)
        return false; /* pids.peak is in kernels >= 6.1 */
    if (lay.version == MI_CG_V2)
        return true; /* every run has a fresh leaf */
    /* v1: the run's own pids group exists only when pids has its hierarchy to itself */
    const char *other[] = {lay.v1_memory, lay.v1_cpuacct, lay.v1_cpuset, lay.v1_freezer,
                           lay.v1_cpu};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (!strcmp(other[i], lay.v1_pids))
            return false;
    return true;
}

int mi_cg_check_environment(const mi_host_config *h, FILE *out)
{
    struct utsname u;
    if (uname(&u) < 0)
        memset(&u, 0, sizeof u);
    int kver = kernel_version();
    fprintf(out, "Kernel: %s %s\n\n", u.sysname, u.release);
    if (h)
        fprintf(out, "Configuration: %s\n  cg_root %s, cg_parent %s, restricted_init %s\n\n",
                h->path ? h->path : "(built-in defaults)", h->cg_root ? h->cg_root : "auto",
                h->cg_parent ? h->cg_parent : "(default)",
                h->restricted_init ? "1 (only root may --init)" : "0");
    fprintf(out, "Control groups:\n");

    mi_cg_layout lay;
    mi_error e = {0};
    int ok = mi_cg_detect(h, &lay, &e);
    bool any_v1 = false;
    for (int i = 0; i < V1_N; i++)
        any_v1 |= v1_field(&lay, i)[0] != 0;
    fprintf(out, "  layout: %s\n",
            lay.hybrid ? "hybrid (cgroup v1 controllers plus a cgroup2 mount)"
            : any_v1   ? "cgroup v1 only"
            : lay.v2_mount[0] ? "pure cgroup v2"
                              : "no cgroup filesystem mounted");
    if (lay.v2_mount[0]) {
        char ctl[512];
        read_controllers(lay.v2_mount, ctl, sizeof ctl);
        fprintf(out, "  cgroup2 at %s, controllers: %s\n", lay.v2_mount, ctl[0] ? ctl : "(none)");
    }
    if (any_v1 || lay.version == MI_CG_V1)
        report_v1(out, &lay);
    if (lay.version == MI_CG_V2) {
        char ctl[512];
        read_controllers(lay.v2_root, ctl, sizeof ctl);
        fprintf(out, "  --cg backend: cgroup v2, box groups in %s/box-N%s\n", lay.v2_root,
                lay.v2_owned ? " (created on demand)" : " (delegated cg_root)");
        if (!lay.v2_owned)
            fprintf(out, "  cg_root controllers: %s\n", ctl);
        const char *dir = lay.v2_owned ? lay.v2_base : lay.v2_root;
        if (lay.v2_owned)
            fprintf(out, "  (cg_parent %s below %s)\n", lay.parent, lay.v2_base);
        if (v2_blocked_by_procs(dir)) {
            fprintf(out, "  PROBLEM: %s holds processes and is not the root cgroup, so it cannot "
                         "enable controllers for box groups (no-internal-processes rule; "
                         "--init --cg fails with EBUSY). Fix: move those processes into a child "
                         "cgroup, or point cg_root at an empty delegated cgroup\n", dir);
            ok = -1;
            mi_fail(&e, MI_ERR_CGROUP, EBUSY, "%s holds processes", dir);
        }
    } else if (lay.version == MI_CG_V1) {
        fprintf(out, "  --cg backend: cgroup v1, box groups in <hierarchy>/%s/box-N\n",
                lay.parent);
        if (file_exists(lay.v1_memory, "memory.memsw.limit_in_bytes"))
            fprintf(out, "  swap accounting: yes (memory.memsw.*: swap cannot extend --cg-mem)\n");
        else
            fprintf(out, "  swap accounting: NO (no memory.memsw.*): a box can exceed --cg-mem by "
                         "swapping; fix: swapaccount=1 on the kernel command line, or no swap "
                         "(swapoff -a)\n");
    } else
        fprintf(out, "  --cg backend: NONE: %s\n", e.msg);

    report_cpusets(out, h, &lay);

    fprintf(out, "\nKernel features:\n");
    report_features(out, &lay, kver);

    fprintf(out, "\nNamespaces (probed with unshare in a child):\n");
    static const struct {
        const char *name, *config, *breaks;
        int flag;
    } ns[] = {
        {"mount", "CONFIG_NAMESPACES", "no private filesystem view: boxes cannot run", CLONE_NEWNS},
        {"pid", "CONFIG_PID_NS", "boxes could see and signal host processes", CLONE_NEWPID},
        {"net", "CONFIG_NET_NS", "boxes would have network access", CLONE_NEWNET},
        {"ipc", "CONFIG_IPC_NS", "boxes would share SysV IPC with the host", CLONE_NEWIPC},
        {"uts", "CONFIG_UTS_NS", "boxes could change the host name", CLONE_NEWUTS},
        {"user", "CONFIG_USER_NS and sysctl user.max_user_namespaces > 0",
         "rootless (non-setuid) mode cannot work", CLONE_NEWUSER},
    };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        int rc = probe_unshare(ns[i].flag, 0);
        if (rc == 0)
            fprintf(out, "  %-6s ok\n", ns[i].name);
        else
            fprintf(out, "  %-6s FAILED (%s): %s; fix: %s\n", ns[i].name, strerror(rc),
                    ns[i].breaks, ns[i].config);
    }
    if (geteuid() == 0) {
        int rc = probe_unshare(CLONE_NEWUSER, 65534);
        fprintf(out, "  unprivileged user namespaces: %s%s\n", rc == 0 ? "ok" : strerror(rc),
                rc == 0 ? ""
                        : " (only rootless mode needs them; fix: sysctl "
                          "kernel.unprivileged_userns_clone=1 or "
                          "kernel.apparmor_restrict_unprivileged_userns=0)");
    }

    fprintf(out, "\nSeccomp:\n");
    int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
    /* A NULL filter program fails with EFAULT when filter mode exists, EINVAL when it does not. */
    long sr = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, NULL);
    int se = sr < 0 ? errno : 0;
    if (mode < 0 || se == EINVAL || se == ENOSYS)
        fprintf(out, "  filter mode: MISSING: the box's syscall filter cannot be installed; fix: "
                     "a kernel with CONFIG_SECCOMP_FILTER\n");
    else
        fprintf(out, "  filter mode: ok%s\n",
                mode == 2 ? " (this process already runs under a filter, e.g. a container's: "
                            "syscalls it blocks are unavailable to boxes too)"
                          : "");
    mi_seccomp_report(out);

    if (ok == 0)
        fprintf(out, "\nResult: --cg can work on this host (cgroup v%d backend)\n",
                lay.version == MI_CG_V2 ? 2 : 1);
    else
        fprintf(out, "\nResult: --cg CANNOT work on this host: %s\n", e.msg);
    return ok == 0 ? 0 : 1;
}
