/* The worker process of one command (worker.h). */
#include "worker.h"
#include "util.h"
#include "zygote.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The program's /tmp is the box's "tmp" rule, whose backing directory is <box>/tmp/tmp
 * (mounts.c: the inside path with '/' as ':'); /w is <box>/box, bound at /box and /w. */
#define TMP_BACKING "tmp/tmp"

/* The box's configuration: everything but the command's own (limits, argv, env, stdio).  The
 * tree's rules are here, so that the box prepared before the request is the request's.  0, or
 * -1 if a rule is refused (the server checked them at start). */
static int box_config(const gj_server *s, uint32_t id, mi_config *c)
{
    mi_error e;
    mi_config_init(c, &e);
    mi_host_config_free(&c->host);
    c->host = s->host; /* shared, read-only: the worker never frees it */
    c->box_id = id;
    c->cg = true;
    c->caller_uid = 0;
    c->caller_gid = 0;
    c->wait_for_lock = true;
    c->special_files = true; /* copyIn symlinks stay; copyOut refuses them (openat2) */
    c->share_net = s->o.net_share;
    if (mi_config_add_dir_rule(c, "w=./box:rw", &e) < 0)
        return -1;
    for (size_t i = 0; i < s->o.n_dir_rules; i++)
        if (mi_config_add_dir_rule(c, s->o.dir_rules[i], &e) < 0)
            return -1;
    return 0;
}

static int mount_tmpfs(const gj_server *s, const char *dir, const char *sub, char *err, size_t n)
{
    char path[4200], data[1200];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    snprintf(data, sizeof data, "%s%smode=0755", s->o.tmp_fs_param,
             s->o.tmp_fs_param[0] ? "," : "");
    /* A size-limited tmpfs: what the program writes to /w and /tmp is bounded and goes away
     * with the box (the host's disk under box_root is never filled by a run). */
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, data) < 0) {
        snprintf(err, n, "Cannot mount tmpfs (%s) on %s: %s", data, path, strerror(errno));
        return -1;
    }
    return 0;
}

static void unmount_box(const char *dir)
{
    char path[4200];
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, i ? "tmp" : "box");
        while (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
            ;
    }
}

/* The host configuration is the server's: only the rest is freed. */
static void box_config_free(mi_config *c)
{
    memset(&c->host, 0, sizeof c->host);
    mi_config_free(c);
}

int gj_box_reset(const gj_server *s, uint32_t box_id, bool keep, bool recycle, char *err,
                 size_t errlen)
{
    __attribute__((cleanup(box_config_free))) mi_config c;
    mi_error e;
    char dir[4096];
    if (box_config(s, box_id, &c) < 0 || mi_box_path(&c, dir, sizeof dir, &e) < 0) {
        snprintf(err, errlen, "Cannot configure box %u", (unsigned)box_id);
        return -1;
    }
    unmount_box(dir);
    if (!keep) {
        if (mi_box_cleanup(&c, &e) < 0) {
            snprintf(err, errlen, "%s", e.msg);
            return -1;
        }
        return 0;
    }
    /* After a run that ended cleanly in this server, the box itself stays: only its files go
     * (fresh tmpfs) with what mi_box_recycle drops.  Otherwise it is made anew. */
    if ((!recycle || mi_box_recycle(&c, &e) < 0) && mi_box_init(&c, dir, sizeof dir, &e) < 0) {
        snprintf(err, errlen, "%s", e.msg);
        return -1;
    }
    if (mount_tmpfs(s, dir, "box", err, errlen) < 0 || mount_tmpfs(s, dir, "tmp", err, errlen) < 0)
        return -1;
    char t[4200];
    snprintf(t, sizeof t, "%s/" TMP_BACKING, dir);
    if (mkdir(t, 0700) < 0) {
        snprintf(err, errlen, "mkdir %s: %s", t, strerror(errno));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ paths inside the box */

struct boxfs {
    int w, tmp; /* the tmpfs roots of /w and /tmp */
};

/* A path as the program sees it -> (directory fd, path below it).  Relative paths are under /w;
 * absolute ones must be under /w or /tmp.  ".." is refused. */
static int box_path(const struct boxfs *b, const char *path, int *dfd, const char **rel)
{
    const char *p = path;
    *dfd = b->w;
    if (p[0] == '/') {
        if (!strncmp(p, "/w/", 3))
            p += 3;
        else if (!strncmp(p, "/tmp/", 5)) {
            p += 5;
            *dfd = b->tmp;
        } else
            return -1;
    }
    while (*p == '/')
        p++;
    if (!*p)
        return -1;
    for (const char *q = p; *q;) {
        size_t l = strcspn(q, "/");
        if ((l == 2 && !strncmp(q, "..", 2)) || (l == 1 && q[0] == '.'))
            return -1;
        q += l;
        while (*q == '/')
            q++;
    }
    *rel = p;
    return 0;
}

static int openat2_box(int dfd, const char *rel, int flags, mode_t mode)
{
    /* Never out of the tmpfs, never through a symlink or /proc magic link the program (or a
     * copyIn symlink) planted: go-judge #176 let a symlink named like an output read host
     * files. */
    struct open_how how = {.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC | O_NOFOLLOW), .mode = mode,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                      RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
    return (int)syscall(SYS_openat2, dfd, rel, &how, sizeof how);
}

/* mkdir -p of rel's parents below dfd; the fd of the parent directory, and *base its last part. */
static int make_parents(int dfd, const char *rel, const char **base)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", rel);
    char *slash = strrchr(buf, '/');
    *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
    if (!slash)
        return fcntl(dfd, F_DUPFD_CLOEXEC, 0);
    *slash = 0;
    int cur = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
    for (char *tok = strtok(buf, "/"); tok && cur >= 0; tok = strtok(NULL, "/")) {
        if (mkdirat(cur, tok, 0777) < 0 && errno != EEXIST) {
            close(cur);
            return -1;
        }
        int next = openat2_box(cur, tok, O_RDONLY | O_DIRECTORY, 0);
        close(cur);
        cur = next;
    }
    return cur;
}

/* ------------------------------------------------------------------ copyIn */

static void file_error(json_t *errs, const char *name, const char *type, const char *msg)
{
    json_t *o = json_pack("{s:o,s:s}", "name", gj_json_bytes(name, strlen(name)), "type", type);
    if (o && msg)
        json_object_set_new(o, "message", gj_json_bytes(msg, strlen(msg)));
    json_array_append_new(errs, o);
}

static int copy_fd_to(int src, int dst)
{
    char buf[65536];
    if (lseek(src, 0, SEEK_SET) < 0)
        return -1;
    for (;;) {
        ssize_t r = read(src, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return (int)r;
        if (gj_write_all(dst, buf, (size_t)r) < 0)
            return -1;
    }
}

static int copy_in_one(const struct boxfs *b, const gj_copy_in *ci, int fd, int open_errno,
                       json_t *errs, char *msg, size_t n)
{
    int dfd;
    const char *rel, *base;
    if (box_path(b, ci->path, &dfd, &rel) < 0) {
        snprintf(msg, n, "copyIn %s: only paths under /w or /tmp, without \"..\"", ci->path);
        file_error(errs, ci->path, "CopyInCreateFile", msg);
        return -1;
    }
    if (ci->file.kind == GJ_FILE_SRC && fd < 0) {
        snprintf(msg, n, "copyIn %s: open %s: %s", ci->path, ci->file.str, strerror(open_errno));
        file_error(errs, ci->path, "CopyInOpenFile", msg);
        return -1;
    }
    int pfd = make_parents(dfd, rel, &base);
    if (pfd < 0) {
        snprintf(msg, n, "copyIn %s: create directory: %s", ci->path, strerror(errno));
        file_error(errs, ci->path, "CopyInCreateDir", msg);
        return -1;
    }
    int rc = 0;
    if (ci->file.kind == GJ_FILE_SYMLINK) {
        if (symlinkat(ci->file.str, pfd, base) < 0) {
            snprintf(msg, n, "copyIn %s: symlink: %s", ci->path, strerror(errno));
            file_error(errs, ci->path, "Symlink", msg);
            rc = -1;
        }
        close(pfd);
        return rc;
    }
    int out = openat2_box(pfd, base, O_WRONLY | O_CREAT | O_TRUNC, 0777);
    close(pfd);
    if (out < 0) {
        snprintf(msg, n, "copyIn %s: create: %s", ci->path, strerror(errno));
        file_error(errs, ci->path, "CopyInCreateFile", msg);
        return -1;
    }
    if (ci->file.kind == GJ_FILE_CONTENT)
        rc = gj_write_all(out, ci->file.str, ci->file.len);
    else
        rc = copy_fd_to(fd, out);
    if (rc < 0) {
        snprintf(msg, n, "copyIn %s: write: %s", ci->path, strerror(errno));
        file_error(errs, ci->path, "CopyInCopyContent", msg);
    }
    close(out);
    return rc;
}

/* Files first, then symlinks (a symlink never redirects a later file: openat2 refuses it). */
static int copy_in(const struct boxfs *b, const gj_cmd *cmd, const gj_cmd_fds *fds, json_t *errs,
                   char *msg, size_t n)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cmd->n_copy_in; i++) {
            const gj_copy_in *ci = &cmd->copy_in[i];
            if ((ci->file.kind == GJ_FILE_SYMLINK) != (pass == 1))
                continue;
            if (copy_in_one(b, ci, fds->copy_in_fd[i], fds->copy_in_errno[i], errs, msg, n) < 0)
                return -1;
        }
    return 0;
}

/* ------------------------------------------------------------------ the command */

/* go-judge's lookup: a name without '/' is looked for in /w, then in the last PATH= of env. */
static char *resolve_program(const struct boxfs *b, const gj_cmd *cmd, char *msg, size_t n)
{
    const char *a0 = cmd->args[0];
    if (strchr(a0, '/'))
        return strdup(a0);
    struct stat st;
    if (fstatat(b->w, a0, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
        char *p;
        return asprintf(&p, "/w/%s", a0) < 0 ? NULL : p;
    }
    const char *path = NULL;
    for (size_t i = 0; i < cmd->n_env; i++)
        if (!strncmp(cmd->env[i], "PATH=", 5))
            path = cmd->env[i] + 5;
    if (!path) {
        snprintf(msg, n, "no PATH environment variable provided for look up");
        return NULL;
    }
    char *copy = strdup(path), *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *cand;
        if (d[0] != '/' || asprintf(&cand, "%s/%s", d, a0) < 0)
            continue;
        /* The box binds the host's system directories read-only, so the host path tells. */
        bool found = !strncmp(d, "/w", 2) && (d[2] == 0 || d[2] == '/')
                         ? fstatat(b->w, cand + 3, &st, 0) == 0
                         : access(cand, X_OK) == 0;
        if (found) {
            free(copy);
            return cand;
        }
        free(cand);
    }
    free(copy);
    snprintf(msg, n, "execve: exec: \"%s\": executable file not found in $PATH", a0);
    return NULL;
}

static void set_limits(const gj_server *s, const gj_cmd *cmd, mi_config *c)
{
    uint64_t mem = cmd->memory_limit + s->o.extra_memory_limit;
    /* cpuLimit 0 ends every run TLE in go-judge (its watcher kills at once): the same here,
     * rather than a program with no limit at all. */
    c->time_limit = cmd->cpu_limit ? (double)cmd->cpu_limit / 1e9 : 1e-6;
    c->wall_time_limit = (double)cmd->clock_limit / 1e9;
    c->cg_mem_kib = (mem + 1023) / 1024;
    c->mem_kib = cmd->address_space_limit ? mem / 1024 : MI_UNLIMITED;
    struct rlimit rl;
    uint64_t stack = cmd->stack_limit;
    if (stack > mem)
        stack = mem;
    if (stack)
        c->stack_kib = stack / 1024;
    else /* 0: what the server itself inherited, as go-judge */
        c->stack_kib = getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                           ? rl.rlim_cur / 1024 : MI_UNLIMITED;
    c->fsize_kib = s->o.output_limit / 1024;
    c->open_files = s->o.open_file_limit;
    c->processes = cmd->proc_limit ? cmd->proc_limit : 1;
    if (cmd->data_segment_limit) /* go-judge: RLIMIT_DATA = memoryLimit + the extra */
        c->data_kib = mem / 1024;
    if (s->o.enable_cpu_rate && cmd->cpu_rate_limit) { /* ignored without the flag, as go-judge */
        c->cpu_rate = (uint32_t)cmd->cpu_rate_limit;
        c->cpu_period_us = (uint32_t)s->o.cpu_cfs_period_us;
    }
    int slot = gj_pool_slot();
    const char *cpus = cmd->cpu_set_limit ? cmd->cpu_set_limit
                       : s->o.n_cpusets && slot >= 0 ? s->o.cpusets[(size_t)slot % s->o.n_cpusets]
                                                     : NULL;
    free(c->cpus);
    c->cpus = cpus ? strdup(cpus) : NULL; /* the library refuses a list wider than the box's */
}

static int set_command(const gj_server *s, const gj_cmd *cmd, char *prog, mi_config *c)
{
    mi_error e;
    c->argv = calloc(cmd->n_args + 1, sizeof *c->argv);
    if (!c->argv)
        return -1;
    c->argv[0] = prog;
    for (size_t i = 1; i < cmd->n_args; i++)
        c->argv[i] = strdup(cmd->args[i]);
    c->argc = cmd->n_args;
    /* go-judge passes env as given (no default PATH or HOME).  Only "K=V" entries: a bare
     * "K" would mean "inherit the server's K" to the library. */
    for (size_t i = 0; i < cmd->n_env; i++)
        if (strchr(cmd->env[i], '=') && cmd->env[i][0] != '=' &&
            mi_config_add_env_rule(c, cmd->env[i], &e) < 0)
            return -1;
    c->chdir = strdup("/w");
    c->stdin_path = strdup("/dev/null");
    c->stdout_path = strdup("/dev/null");
    c->stderr_path = strdup("/dev/null");
    return 0;
}

/* ------------------------------------------------------------------ the result */

struct outcome {
    const char *status;
    int exit_status;
    char error[1200];
};

static void base_status(const mi_result *r, struct outcome *o)
{
    o->exit_status = r->has_signal ? r->signal : r->has_exit_code ? r->exit_code : 0;
    switch (r->status) {
    case MI_STATUS_SUCCESS:
        o->status = "Accepted";
        return;
    case MI_STATUS_TIME_LIMIT:
    case MI_STATUS_MEMORY_LIMIT:
        o->status = r->status == MI_STATUS_TIME_LIMIT ? "Time Limit Exceeded" : "Memory Limit Exceeded";
        o->exit_status = SIGKILL;
        return;
    case MI_STATUS_SECURITY_VIOLATION: /* "Signalled" with SIGSYS: clients know it */
        o->status = "Signalled";
        o->exit_status = SIGSYS;
        return;
    case MI_STATUS_FILE_SIZE_LIMIT:
        o->status = "Output Limit Exceeded";
        o->exit_status = r->has_signal ? r->signal : SIGXFSZ;
        return;
    case MI_STATUS_INTERNAL_ERROR:
        o->status = "Internal Error";
        snprintf(o->error, sizeof o->error, "%s", r->error_message ? r->error_message : r->message);
        return;
    default: /* runtime error, signalled, process limit: by the wait status, as go-judge */
        break;
    }
    if (r->has_signal) {
        int sig = r->signal;
        o->status = sig == SIGKILL || sig == SIGXCPU ? "Time Limit Exceeded"
                    : sig == SIGXFSZ                 ? "Output Limit Exceeded"
                                                     : "Signalled";
    } else
        o->status = r->exit_code ? "Nonzero Exit Status" : "Accepted";
}

static bool is_collector(const gj_cmd *cmd, const char *name)
{
    for (size_t i = 0; i < cmd->n_files; i++)
        if (cmd->files[i].kind == GJ_FILE_COLLECTOR && !strcmp(cmd->files[i].str, name))
            return true;
    return false;
}

static bool is_cached(const gj_cmd *cmd, const char *name)
{
    for (size_t i = 0; i < cmd->n_copy_out_cached; i++) {
        size_t l = strlen(cmd->copy_out_cached[i]);
        if (!strcmp(cmd->copy_out_cached[i], name) ||
            (l && cmd->copy_out_cached[i][l - 1] == '?' && strlen(name) == l - 1 &&
             !strncmp(cmd->copy_out_cached[i], name, l - 1)))
            return true;
    }
    return false;
}

/* Stores a copy in the file store and records fileIds[name]. */
static int cache(const gj_server *s, const char *data, size_t len, const char *name, json_t *ids)
{
    char id[GJ_ID_LEN + 1];
    int fd = gj_store_create_in(gj_store_dir(s->store), id);
    if (fd < 0)
        return -1;
    int rc = gj_write_all(fd, data, len);
    close(fd);
    if (rc == 0)
        json_object_set_new(ids, name, json_string(id));
    return rc;
}

static void put_output(const gj_server *s, const gj_cmd *cmd, const char *name, const char *data,
                       size_t len, json_t *files, json_t *ids, json_t *errs, struct outcome *o)
{
    if (!is_cached(cmd, name)) {
        json_object_set_new(files, name, gj_json_bytes(data, len));
        return;
    }
    if (cache(s, data, len, name, ids) < 0) {
        char m[512];
        snprintf(m, sizeof m, "copyOutCached %s: %s", name, strerror(errno));
        file_error(errs, name, "CopyOutCreateFile", m);
        o->status = "File Error";
        if (!o->error[0])
            snprintf(o->error, sizeof o->error, "%s", m);
    }
}

static void collect(const gj_server *s, const gj_cmd *cmd, const gj_cmd_fds *fds, bool exited0,
                    json_t *files, json_t *ids, json_t *errs, struct outcome *o)
{
    for (size_t i = 0; i < cmd->n_files; i++) {
        const gj_file *f = &cmd->files[i];
        if (f->kind != GJ_FILE_COLLECTOR || fds->collect[i] < 0)
            continue;
        size_t len = 0;
        bool more = false;
        char *data = gj_read_head(fds->collect[i], f->max, &len, &more);
        if (!data)
            continue;
        if (more) {
            /* go-judge returns max+1 bytes here; we return max (the limit says max). */
            file_error(errs, f->str, "CollectSizeExceeded", NULL);
            if (exited0 && !strcmp(o->status, "Accepted"))
                o->status = "Output Limit Exceeded";
        }
        put_output(s, cmd, f->str, data, len, files, ids, errs, o);
        free(data);
    }
}

static void copy_out_one(const gj_server *s, const struct boxfs *b, const gj_cmd *cmd,
                         const char *spec, bool exited0, json_t *files, json_t *ids,
                         json_t *errs, struct outcome *o)
{
    char name[4096];
    snprintf(name, sizeof name, "%s", spec);
    size_t l = strlen(name);
    bool optional = l > 0 && name[l - 1] == '?';
    if (optional)
        name[--l] = 0;
    if (!l || is_collector(cmd, name))
        return;
    char m[4400];
    const char *type = NULL;
    int dfd, fd = -1;
    const char *rel;
    struct stat st;
    uint64_t max = cmd->has_copy_out_max ? cmd->copy_out_max : s->o.copy_out_limit;
    if (box_path(b, name, &dfd, &rel) < 0)
        type = "CopyOutOpen", snprintf(m, sizeof m, "%s: only paths under /w or /tmp", name);
    else if ((fd = openat2_box(dfd, rel, O_RDONLY | O_NONBLOCK, 0)) < 0) {
        if (errno == ENOENT && optional)
            return;
        type = errno == ELOOP ? "CopyOutNotRegularFile" : "CopyOutOpen";
        snprintf(m, sizeof m, "%s: %s", name,
                 errno == ELOOP ? "is a symbolic link, not a regular file" : strerror(errno));
    } else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        type = "CopyOutNotRegularFile", snprintf(m, sizeof m, "%s: not a regular file", name);
    size_t len = 0;
    bool more = false;
    char *data = NULL;
    if (!type && !(data = gj_read_head(fd, max, &len, &more)))
        type = "CopyOutCopyContent", snprintf(m, sizeof m, "%s: %s", name, strerror(errno));
    if (!type && more)
        type = "CopyOutSizeExceeded",
        snprintf(m, sizeof m, "%s: size exceeds the limit of %llu bytes", name, (unsigned long long)max);
    if (fd >= 0)
        close(fd);
    if (type) {
        file_error(errs, name, type, m);
        /* go-judge: File Error only when it exited 0; copyOutTruncate still returns the head */
        if (exited0 && (!strcmp(o->status, "Accepted") || !strcmp(o->status, "File Error"))) {
            o->status = "File Error";
            if (!o->error[0])
                snprintf(o->error, sizeof o->error, "%s", m);
        }
    }
    if (data && (!more || cmd->copy_out_truncate))
        put_output(s, cmd, name, data, len, files, ids, errs, o);
    free(data);
}

static json_t *result_json(const gj_server *s, const gj_cmd *cmd, const gj_cmd_fds *fds,
                           const struct boxfs *b, const mi_result *r, bool ran, struct outcome *o,
                           json_t *errs)
{
    json_t *files = json_object(), *ids = json_object();
    bool exited0 = ran && r->has_exit_code && r->exit_code == 0 && !strcmp(o->status, "Accepted");
    if (ran) {
        collect(s, cmd, fds, exited0, files, ids, errs, o);
        for (size_t i = 0; i < cmd->n_copy_out; i++)
            copy_out_one(s, b, cmd, cmd->copy_out[i], exited0, files, ids, errs, o);
        for (size_t i = 0; i < cmd->n_copy_out_cached; i++)
            copy_out_one(s, b, cmd, cmd->copy_out_cached[i], exited0, files, ids, errs, o);
    }
    uint64_t t = ran ? (uint64_t)(r->cpu_time * 1e9) : 0;
    uint64_t rt = ran ? (uint64_t)(r->wall_time * 1e9) : 0;
    uint64_t mem = ran ? r->memory_peak : 0;
    if (ran && strcmp(o->status, "Internal Error")) {
        if (t > cmd->cpu_limit)
            o->status = "Time Limit Exceeded";
        if (mem > cmd->memory_limit)
            o->status = "Memory Limit Exceeded";
        /* go-judge: a kill from elsewhere is not a time limit */
        if (!strcmp(o->status, "Time Limit Exceeded") && o->exit_status != 0 &&
            t < cmd->cpu_limit && cmd->clock_limit && rt < cmd->clock_limit)
            o->status = "Signalled";
    }
    json_t *res = json_pack("{s:s,s:i,s:I,s:I,s:I}", "status", o->status, "exitStatus",
                            o->exit_status, "time", (json_int_t)t, "memory", (json_int_t)mem,
                            "runTime", (json_int_t)rt);
    if (ran && r->has_procs_peak) /* omitted where the kernel has no pids.peak (/version says) */
        json_object_set_new(res, "procPeak", json_integer((json_int_t)r->procs_peak));
    if (o->error[0])
        json_object_set_new(res, "error", gj_json_bytes(o->error, strlen(o->error)));
    if (json_object_size(files))
        json_object_set(res, "files", files);
    if (json_object_size(ids))
        json_object_set(res, "fileIds", ids);
    if (json_array_size(errs))
        json_object_set(res, "fileError", errs);
    const char *msg = ran ? (r->error_message ? r->error_message : r->message) : o->error;
    json_object_set_new(res, "miniIsolate",
                        json_pack("{s:s,s:o}", "status",
                                  ran ? mi_status_name(r->status) : "InternalError", "message",
                                  gj_json_bytes(msg, strlen(msg))));
    json_decref(files);
    json_decref(ids);
    return res;
}

/* ------------------------------------------------------------------ collectors on pipes */

/* A pipe:true collector: a copier process keeps the first max+1 bytes in the collector's memfd
 * and drains the rest, so the program never blocks on a full pipe. */
static pid_t start_copier(int rd, int memfd, uint64_t max)
{
    pid_t p = fork();
    if (p != 0)
        return p;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int keep[2] = {rd, memfd};
    gj_close_except(keep, 2); /* no write end of this pipe: EOF when the program's side closes */
    char buf[65536];
    uint64_t kept = 0;
    for (;;) {
        ssize_t r = read(rd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            _exit(0);
        size_t take = kept > max ? 0 : (size_t)((uint64_t)r < max + 1 - kept ? (uint64_t)r : max + 1 - kept);
        if (take && gj_write_all(memfd, buf, take) < 0)
            _exit(1);
        kept += take;
    }
}

/* The command, on a box reset and prepared before it arrived (reset_err: why that failed, else
 * NULL).  *prep stays prepared for the next command when the run leaves the box fit for one
 * (mi_prepared_run_keep), else it is freed and NULL.  The worker's exit status if it must end
 * now: 0 (the box may be recycled), 1 or 2 (made anew); -1 to go on with the next command.
 * *result_fd is closed (-1) once the Result is written on it. */
static int serve_one(const gj_server *s, const gj_cmd *cmd, const gj_cmd_fds *fds,
                     uint32_t box_id, int cancel_fd, int *result_fd, const char *reset_err,
                     mi_prepared **prep)
{
    char msg[1200] = "";
    struct outcome o = {.status = "Internal Error"};
    json_t *errs = json_array();
    mi_result r;
    mi_result_init(&r);
    bool ran = false;
    int rc = -1;
    struct boxfs b = {-1, -1};
    char dir[4096];
    mi_config c;
    int conf_rc = box_config(s, box_id, &c);
    mi_error e;
    pid_t copiers[GJ_MAX_FD + 1];
    size_t n_copiers = 0;
    if (!reset_err && conf_rc < 0)
        reset_err = "Cannot configure the box: a directory rule was refused";
    if (reset_err) {
        snprintf(o.error, sizeof o.error, "%s", reset_err);
        goto out;
    }
    if (mi_box_path(&c, dir, sizeof dir, &e) < 0) {
        snprintf(o.error, sizeof o.error, "%s", e.msg);
        goto out;
    }
    char p[4200];
    snprintf(p, sizeof p, "%s/box", dir);
    b.w = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    snprintf(p, sizeof p, "%s/" TMP_BACKING, dir);
    b.tmp = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (b.w < 0 || b.tmp < 0) {
        snprintf(o.error, sizeof o.error, "Cannot open the box's /w or /tmp: %s", strerror(errno));
        goto out;
    }
    if (copy_in(&b, cmd, fds, errs, msg, sizeof msg) < 0) {
        o.status = "File Error";
        snprintf(o.error, sizeof o.error, "%s", msg);
        goto out;
    }
    char *prog = resolve_program(&b, cmd, o.error, sizeof o.error);
    if (!prog)
        goto out;
    set_limits(s, cmd, &c);
    if (set_command(s, cmd, prog, &c) < 0) {
        snprintf(o.error, sizeof o.error, "Cannot build the command: out of memory or bad env");
        goto out;
    }
    c.fd_map = fds->fd_map;
    c.n_fd_map = fds->n_fd_map;
    c.signal_fd = cancel_fd;
    for (size_t i = 0; i < cmd->n_files; i++)
        if (fds->collect_pipe[i] >= 0) {
            pid_t cp = start_copier(fds->collect_pipe[i], fds->collect[i], cmd->files[i].max);
            close(fds->collect_pipe[i]);
            fds->collect_pipe[i] = -1;
            if (cp > 0)
                copiers[n_copiers++] = cp;
        }
    rc = mi_prepared_run_keep(*prep, &c, &r, &e);
    if (rc != 0) {
        mi_prepared_free(*prep);
        *prep = NULL;
    }
    if (rc < 0 && !r.error_message && !r.message[0])
        snprintf(r.message, sizeof r.message, "%s", e.msg);
    ran = true;
    /* Our copies of the program's pipe ends go now: the copiers and peers see EOF. */
    for (size_t i = 0; i < fds->n_fd_map; i++)
        if (fds->fd_map[i] >= 0) {
            close(fds->fd_map[i]);
            fds->fd_map[i] = -1;
        }
    for (size_t i = 0; i < n_copiers; i++)
        while (waitpid(copiers[i], NULL, 0) < 0 && errno == EINTR)
            ;
    base_status(&r, &o);
out:
    c.fd_map = NULL; /* the request's, closed above or by the caller */
    c.n_fd_map = 0;
    json_t *res = result_json(s, cmd, fds, &b, &r, ran, &o, errs);
    char *txt = res ? json_dumps(res, JSON_COMPACT) : NULL;
    if (txt)
        gj_write_all(*result_fd, txt, strlen(txt));
    /* The server answers at the end of the result (EOF), so the reset below waits for no one. */
    close(*result_fd);
    *result_fd = -1;
    /* Exit 0 tells the zygote the box may be recycled: the run ended as the library promises
     * (its processes killed, its cgroup emptied).  Anything else: the next worker makes it
     * anew.  A command that never ran leaves its prepared box as it was. */
    int status = !txt ? 1 : ran && rc < 0 ? 2 : -1;
    /* Only now, with the answer sent, the box is reset for the next command (box/ and /tmp
     * emptied and handed back, init's namespaces and the cgroup renewed); a box that cannot be
     * reset is not used again. */
    if (*prep && (status >= 0 || mi_prepared_clean(*prep, &c, &e) < 0)) {
        mi_prepared_free(*prep);
        *prep = NULL;
        status = status >= 0 ? status : 2;
    }
    if (status < 0 && !*prep)
        status = ran ? 0 : 2;
    free(txt);
    json_decref(res);
    json_decref(errs);
    mi_result_free(&r);
    box_config_free(&c);
    if (b.w >= 0)
        close(b.w);
    if (b.tmp >= 0)
        close(b.tmp);
    return status;
}

/* The request body as the server received it (a sealed memfd), mapped read-only. */
static const char *map_body(int fd, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return NULL;
    *len = (size_t)st.st_size;
    if (!*len)
        return "";
    void *p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* The box made ready before the request: its cgroup, namespaces and mount tree, with init
 * waiting for the command (mi_box_prepare).  The limits, command and descriptors come with the
 * request; files copied in before the run are in the tree already (box/ is bound, not copied). */
static void prepare_box(const gj_server *s, uint32_t box_id, mi_prepared **prep, char *err,
                        size_t errlen)
{
    __attribute__((cleanup(box_config_free))) mi_config c;
    mi_error e;
    if (box_config(s, box_id, &c) < 0)
        snprintf(err, errlen, "Cannot configure the box: a directory rule was refused");
    else if (mi_box_prepare_many(&c, prep, &e) < 0)
        snprintf(err, errlen, "%s", e.msg);
}

/* Everything of one command message the worker holds, closed and freed. */
static void msg_free(gj_worker_msg *m, size_t n_files, size_t n_copy_in)
{
    int *one[] = {&m->body_fd, &m->cancel_r, &m->res_w};
    for (size_t i = 0; i < 3; i++)
        if (*one[i] >= 0)
            close(*one[i]);
    gj_cmd_fds *f = &m->fds;
    for (size_t i = 0; f->fd_map && i < f->n_fd_map; i++)
        if (f->fd_map[i] >= 0)
            close(f->fd_map[i]);
    for (size_t i = 0; f->collect && i < n_files; i++) {
        if (f->collect[i] >= 0)
            close(f->collect[i]);
        if (f->collect_pipe[i] >= 0)
            close(f->collect_pipe[i]);
    }
    for (size_t i = 0; f->copy_in_fd && i < n_copy_in; i++)
        if (f->copy_in_fd[i] >= 0)
            close(f->copy_in_fd[i]);
    gj_cmd_fds_free(f);
}

void gj_cmd_fds_free(gj_cmd_fds *f)
{
    free(f->fd_map);
    free(f->collect);
    free(f->collect_pipe);
    free(f->copy_in_fd);
    free(f->copy_in_errno);
}

/* One command from the channel, run; the worker's exit status or -1 to go on (serve_one). */
static int next_command(const gj_server *s, uint32_t box_id, int chan, const char *reset_err,
                        mi_prepared **prep)
{
    gj_worker_msg m;
    if (write(chan, "R", 1) != 1 || gj_worker_recv(chan, &m) < 0)
        return 1; /* the server let the box go (shutdown, or a request that failed) */
    size_t len = 0;
    const char *body = map_body(m.body_fd, &len);
    gj_request req;
    char err[1024];
    bool ok = body && gj_request_parse(body, len, &req, err, sizeof err) == 0;
    int status = 1; /* the server sees no result: Internal Error */
    if (ok && m.index < req.n_cmds && req.cmds[m.index].n_files == m.n_files &&
        req.cmds[m.index].n_copy_in == m.n_copy_in)
        status = serve_one(s, &req.cmds[m.index], &m.fds, box_id, m.cancel_r, &m.res_w,
                           reset_err, prep);
    if (ok)
        gj_request_free(&req);
    if (body && len)
        munmap((void *)body, len);
    msg_free(&m, m.n_files, m.n_copy_in);
    return status;
}

__attribute__((noreturn)) void gj_worker_serve(const gj_server *s, uint32_t box_id, int chan,
                                               bool recycle)
{
    /* The worker dies with the zygote (and its box with it: init has PDEATHSIG too). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    char reset_err[1200] = "";
    if (gj_box_reset(s, box_id, true, recycle, reset_err, sizeof reset_err) < 0 && !reset_err[0])
        snprintf(reset_err, sizeof reset_err, "Cannot reset box %u", (unsigned)box_id);
    mi_prepared *prep = NULL;
    if (!reset_err[0])
        prepare_box(s, box_id, &prep, reset_err, sizeof reset_err);
    /* Command after command in the same resident box, while each leaves it fit for the next
     * (its namespaces renewed by init, box/ and /tmp emptied here). */
    for (;;) {
        int status = next_command(s, box_id, chan, reset_err[0] ? reset_err : NULL, &prep);
        if (status >= 0) {
            mi_prepared_free(prep);
            _exit(status);
        }
    }
}
