/* Run configuration: isolate's defaults, the -d directory-rule language and -E rules. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* isolate's default directory rules (HEAD), in order.  /dev is our minimal device tree instead
 * of the host's /dev: a bind of the host /dev exposes every device node the host has and, in
 * isolate 1.x, the host's /dev/shm (a cross-box channel). */
static const struct {
    const char *in, *out;
    unsigned flags;
} default_dirs[] = {
    {"box", "./box", MI_DIR_RW},
    {"bin", "/bin", 0},
    {"dev", "minidev", MI_DIR_FS},
    {"dev/shm", "tmpfs", MI_DIR_FS | MI_DIR_RW},
    {"lib", "/lib", 0},
    {"lib64", "/lib64", MI_DIR_MAYBE},
    {"proc", "proc", MI_DIR_FS},
    {"tmp", NULL, MI_DIR_TMP | MI_DIR_RW},
    {"usr", "/usr", 0},
};

static void free_dir(mi_dir_rule *d)
{
    free(d->inside);
    free(d->outside);
}

int mi_config_init(mi_config *c, mi_error *err)
{
    memset(c, 0, sizeof *c);
    if (mi_host_config_defaults(&c->host, err) < 0)
        return -1;
    c->caller_uid = getuid();
    c->caller_gid = getgid();
    c->cg_mem_kib = MI_UNLIMITED;
    c->mem_kib = MI_UNLIMITED;
    c->stack_kib = MI_UNLIMITED;
    c->fsize_kib = MI_UNLIMITED;
    c->core_kib = 0;
    c->open_files = 1024;
    c->processes = 1;
    c->data_kib = MI_UNLIMITED;
    c->signal_fd = -1;
    c->output_limit = MI_DEFAULT_OUTPUT_LIMIT;
    c->dirs = calloc(sizeof default_dirs / sizeof default_dirs[0], sizeof *c->dirs);
    if (!c->dirs)
        return mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
    for (size_t i = 0; i < sizeof default_dirs / sizeof default_dirs[0]; i++) {
        c->dirs[i].inside = strdup(default_dirs[i].in);
        c->dirs[i].outside = mi_strdup(default_dirs[i].out);
        c->dirs[i].flags = default_dirs[i].flags;
        c->n_dirs++;
        if (!c->dirs[i].inside || (default_dirs[i].out && !c->dirs[i].outside))
            return mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
    }
    return 0;
}

void mi_config_free(mi_config *c)
{
    mi_host_config_free(&c->host);
    free(c->stdin_path);
    free(c->stdout_path);
    free(c->stderr_path);
    free(c->chdir);
    free(c->cpus);
    for (size_t i = 0; i < c->n_env; i++) {
        free(c->env[i].name);
        free(c->env[i].value);
    }
    free(c->env);
    for (size_t i = 0; i < c->n_dirs; i++)
        free_dir(&c->dirs[i]);
    free(c->dirs);
    for (size_t i = 0; i < c->argc; i++)
        free(c->argv[i]);
    free(c->argv);
    free(c->instance_id);
    free(c->chroot_dir);
    for (size_t i = 0; i < c->n_allowed_syscalls; i++)
        free(c->allowed_syscalls[i]);
    free(c->allowed_syscalls);
    memset(c, 0, sizeof *c);
    c->signal_fd = -1;
}

void mi_config_no_default_dirs(mi_config *c)
{
    for (size_t i = 0; i < c->n_dirs; i++)
        free_dir(&c->dirs[i]);
    c->n_dirs = 0;
}

/* The inside path becomes a mount point under the box's root: ".." would let a rule mount
 * outside that root, in the host's tree as seen from the sandbox's mount namespace. */
static int check_inside(const char *in, mi_error *err)
{
    if (!*in)
        return mi_fail(err, MI_ERR_CONFIG, EINVAL, "Invalid directory rule: empty path inside");
    const char *p = in;
    while (*p) {
        const char *e = strchrnul(p, '/');
        size_t n = (size_t)(e - p);
        if ((n == 2 && !strncmp(p, "..", 2)) || (n == 1 && *p == '.'))
            return mi_fail(err, MI_ERR_CONFIG, EINVAL,
                           "Invalid directory rule: '.' and '..' are not allowed inside ('%s')",
                           in);
        p = *e ? e + 1 : e;
    }
    return 0;
}

static const char *const fs_types[] = {"proc", "sysfs", "tmpfs", "devpts", "mqueue", "minidev"};

int mi_config_add_dir_rule(mi_config *c, const char *spec, mi_error *err)
{
    char *s = strdup(spec);
    if (!s)
        return mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
    char *in = s, *out = NULL, *opts = NULL;
    char *eq = strchr(s, '=');
    if (eq) {
        *eq = 0;
        out = eq + 1;
        opts = strchr(out, ':');
    } else {
        opts = strchr(s, ':');
    }
    if (opts)
        *opts++ = 0;
    bool implicit_out = !eq;
    while (*in == '/')
        in++;
    size_t inlen = strlen(in);
    while (inlen > 1 && in[inlen - 1] == '/')
        in[--inlen] = 0;
    int rc = check_inside(in, err);
    unsigned flags = 0;
    while (rc == 0 && opts && *opts) {
        char *next = strchr(opts, ':');
        if (next)
            *next++ = 0;
        if (!strcmp(opts, "rw"))
            flags |= MI_DIR_RW;
        else if (!strcmp(opts, "dev"))
            flags |= MI_DIR_DEV;
        else if (!strcmp(opts, "noexec"))
            flags |= MI_DIR_NOEXEC;
        else if (!strcmp(opts, "maybe"))
            flags |= MI_DIR_MAYBE;
        else if (!strcmp(opts, "fs"))
            flags |= MI_DIR_FS;
        else if (!strcmp(opts, "tmp"))
            flags |= MI_DIR_TMP | MI_DIR_RW;
        else if (!strcmp(opts, "norec"))
            flags |= MI_DIR_NOREC;
        else
            rc = mi_fail(err, MI_ERR_CONFIG, EINVAL, "Invalid directory rule '%s': unknown option '%s'",
                         spec, opts);
        opts = next;
    }
    char outbuf[4096];
    const char *outside = NULL;
    bool remove = eq && !*out && !(flags & MI_DIR_TMP);
    if (rc == 0 && !remove) {
        if ((flags & MI_DIR_TMP) && (flags & MI_DIR_FS))
            rc = mi_fail(err, MI_ERR_CONFIG, EINVAL,
                         "Invalid directory rule '%s': 'tmp' and 'fs' exclude each other", spec);
        else if (flags & MI_DIR_TMP) {
            if (!implicit_out && *out)
                rc = mi_fail(err, MI_ERR_CONFIG, EINVAL,
                             "Invalid directory rule '%s': a 'tmp' rule takes no outside path",
                             spec);
        } else if (flags & MI_DIR_FS) {
            outside = implicit_out ? in : out;
            bool known = false;
            for (size_t i = 0; i < sizeof fs_types / sizeof fs_types[0]; i++)
                known |= !strcmp(outside, fs_types[i]);
            if (!known)
                rc = mi_fail(err, MI_ERR_CONFIG, EINVAL,
                             "Invalid directory rule '%s': filesystem '%s' is not one of proc, "
                             "sysfs, tmpfs, devpts, mqueue, minidev", spec, outside);
        } else if (implicit_out) {
            if (mi_snprintf(outbuf, sizeof outbuf, "/%s", in) < 0)
                rc = mi_fail(err, MI_ERR_CONFIG, ENAMETOOLONG, "Directory rule too long");
            outside = outbuf;
        } else {
            if (out[0] != '/' && strncmp(out, "./", 2) != 0)
                rc = mi_fail(err, MI_ERR_CONFIG, EINVAL,
                             "Invalid directory rule '%s': right-hand side must start with '/' "
                             "or './'", spec);
            outside = out;
        }
    }
    if (rc == 0) {
        size_t slot = c->n_dirs;
        for (size_t i = 0; i < c->n_dirs; i++)
            if (!strcmp(c->dirs[i].inside, in))
                slot = i;
        if (remove) {
            if (slot < c->n_dirs) {
                free_dir(&c->dirs[slot]);
                memmove(&c->dirs[slot], &c->dirs[slot + 1],
                        (c->n_dirs - slot - 1) * sizeof *c->dirs);
                c->n_dirs--;
            }
        } else {
            mi_dir_rule r = {strdup(in), mi_strdup(outside), flags};
            if (!r.inside || (outside && !r.outside)) {
                free_dir(&r);
                rc = mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
            } else if (slot < c->n_dirs) {
                free_dir(&c->dirs[slot]);
                c->dirs[slot] = r;
            } else {
                mi_dir_rule *nd = realloc(c->dirs, (c->n_dirs + 1) * sizeof *nd);
                if (!nd) {
                    free_dir(&r);
                    rc = mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
                } else {
                    c->dirs = nd;
                    c->dirs[c->n_dirs++] = r;
                }
            }
        }
    }
    free(s);
    return rc;
}

int mi_config_push_env(mi_config *c, const char *name, size_t name_len, const char *value,
                       mi_error *err)
{
    mi_env_rule r = {strndup(name, name_len), value ? strdup(value) : NULL};
    mi_env_rule *ne = realloc(c->env, (c->n_env + 1) * sizeof *ne);
    if (!r.name || (value && !r.value) || !ne) {
        free(r.name);
        free(r.value);
        if (ne)
            c->env = ne;
        return mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
    }
    c->env = ne;
    c->env[c->n_env++] = r;
    return 0;
}

int mi_config_add_env_rule(mi_config *c, const char *spec, mi_error *err)
{
    const char *eq = strchr(spec, '=');
    size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
    if (n == 0)
        return mi_fail(err, MI_ERR_CONFIG, EINVAL, "Invalid environment rule '%s'", spec);
    return mi_config_push_env(c, spec, n, eq ? eq + 1 : NULL, err);
}
