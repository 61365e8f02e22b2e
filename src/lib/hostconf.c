/* Host configuration: isolate's "key = value" file. */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

void mi_host_config_free(mi_host_config *h)
{
    free(h->box_root);
    free(h->lock_root);
    free(h->cg_root);
    free(h->cg_parent);
    free(h->subid_user);
    for (size_t i = 0; i < h->n_cpusets; i++) {
        free(h->cpusets[i].cpus);
        free(h->cpusets[i].mems);
    }
    free(h->cpusets);
    free(h->path);
    memset(h, 0, sizeof *h);
}

int mi_host_config_defaults(mi_host_config *h, mi_error *err)
{
    memset(h, 0, sizeof *h);
    h->box_root = strdup("/var/lib/mini-isolate");
    h->lock_root = strdup("/run/mini-isolate/locks");
    h->cg_root = strdup("auto");
    h->first_uid = 60000;
    h->first_gid = 60000;
    h->num_boxes = 1000;
    h->syscall_flags = MI_SYSCALLS_DEFAULT;
    if (!h->box_root || !h->lock_root || !h->cg_root) {
        mi_host_config_free(h);
        return mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
    }
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

static int set_path(char **dst, const char *val, const char *file, int line, const char *key,
                    mi_error *err)
{
    /* Box and lock roots are where root creates and deletes trees: relative paths would
     * depend on the caller's cwd, which a setuid caller controls. */
    if (val[0] != '/')
        return mi_fail(err, MI_ERR_CONFIG, EINVAL,
                       "Error in config file %s, line %d: %s must be an absolute path", file, line,
                       key);
    char *d = strdup(val);
    if (!d)
        return mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
    free(*dst);
    *dst = d;
    return 0;
}

static int set_u32(uint32_t *dst, const char *val, uint64_t min, uint64_t max, const char *file,
                   int line, const char *key, mi_error *err)
{
    uint64_t v;
    mi_error e;
    if (mi_parse_u64(val, &v, &e, key) < 0 || v < min || v > max)
        return mi_fail(err, MI_ERR_CONFIG, EINVAL,
                       "Error in config file %s, line %d: %s must be an integer in %llu..%llu",
                       file, line, key, (unsigned long long)min, (unsigned long long)max);
    *dst = (uint32_t)v;
    return 0;
}

static int bad(const char *file, int line, const char *key, const char *why, mi_error *err)
{
    return mi_fail(err, MI_ERR_CONFIG, EINVAL, "Error in config file %s, line %d: %s %s", file,
                   line, key, why);
}

static int set_str(char **dst, const char *val)
{
    char *d = strdup(val);
    if (!d)
        return -1;
    free(*dst);
    *dst = d;
    return 0;
}

int mi_cpulist_parse(const char *s, cpu_set_t *set)
{
    CPU_ZERO(set);
    if (!*s)
        return -1;
    for (;;) {
        char *end;
        errno = 0;
        unsigned long a = strtoul(s, &end, 10), b = a;
        if (errno || end == s || *s == '-' || *s == '+' || a >= CPU_SETSIZE)
            return -1;
        if (*end == '-') {
            s = end + 1;
            b = strtoul(s, &end, 10);
            if (errno || end == s || *s == '-' || *s == '+' || b >= CPU_SETSIZE || b < a)
                return -1;
        }
        for (unsigned long i = a; i <= b; i++)
            CPU_SET(i, set);
        if (!*end)
            return 0;
        if (*end != ',')
            return -1;
        s = end + 1;
    }
}

/* cg_root: "auto", "auto:FILE" (isolate 2.x: the path is FILE's first line, written by a
 * service manager) or an absolute path; checked against the host when --cg is used. */
static int set_cg_root(mi_host_config *h, const char *val, const char *file, int line,
                       mi_error *err)
{
    if (strcmp(val, "auto") != 0 && strncmp(val, "auto:", 5) != 0 && val[0] != '/')
        return bad(file, line, "cg_root", "must be \"auto\", \"auto:FILE\" or an absolute path",
                   err);
    if (!strncmp(val, "auto:", 5) && val[5] != '/')
        return bad(file, line, "cg_root", "auto:FILE needs an absolute FILE", err);
    return set_str(&h->cg_root, val) < 0 ? mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory")
                                         : 0;
}

/* cg_parent is joined below cgroup directories we create and remove as root: only plain
 * relative names, so that it cannot climb out ("..") or name another tree. */
static int set_cg_parent(mi_host_config *h, const char *val, const char *file, int line,
                         mi_error *err)
{
    bool ok = val[0] && val[0] != '/' && strlen(val) < 256;
    for (const char *p = val; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             strchr("._-@+:", *p) || (*p == '/' && p[1] && p[1] != '/');
    for (const char *c = val; ok && *c; c += strcspn(c, "/"), c += *c == '/') {
        size_t n = strcspn(c, "/");
        ok = !(n == 1 && c[0] == '.') && !(n == 2 && c[0] == '.' && c[1] == '.');
    }
    if (!ok)
        return bad(file, line, "cg_parent", "must be a relative cgroup path of names made of "
                   "letters, digits and ._-@+: separated by single '/' (no '.' or '..', "
                   "under 256 characters)", err);
    return set_str(&h->cg_parent, val) < 0 ? mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory")
                                           : 0;
}

static mi_box_cpuset *box_entry(mi_host_config *h, uint32_t id)
{
    for (size_t i = 0; i < h->n_cpusets; i++)
        if (h->cpusets[i].box_id == id)
            return &h->cpusets[i];
    mi_box_cpuset *n = realloc(h->cpusets, (h->n_cpusets + 1) * sizeof *n);
    if (!n)
        return NULL;
    h->cpusets = n;
    n += h->n_cpusets++;
    memset(n, 0, sizeof *n);
    n->box_id = id;
    return n;
}

/* box<N>.cpus, box<N>.mems (isolate's per-box section). */
static int set_box_key(mi_host_config *h, const char *key, const char *val, const char *file,
                       int line, mi_error *err)
{
    const char *dot = strchr(key, '.');
    char num[16];
    size_t n = (size_t)(dot - key) - 3;
    uint64_t id;
    mi_error e;
    if (n == 0 || n >= sizeof num)
        return bad(file, line, key, "is not a key: per-box keys are box<N>.cpus and box<N>.mems",
                   err);
    memcpy(num, key + 3, n);
    num[n] = 0;
    if (mi_parse_u64(num, &id, &e, "box") < 0 || id > INT32_MAX)
        return bad(file, line, key, "is not a key: per-box keys are box<N>.cpus and box<N>.mems "
                   "with N a box id", err);
    bool cpus = !strcmp(dot + 1, "cpus");
    if (!cpus && strcmp(dot + 1, "mems") != 0)
        return bad(file, line, key, "is not a key: per-box keys are box<N>.cpus and box<N>.mems",
                   err);
    cpu_set_t set;
    if (mi_cpulist_parse(val, &set) < 0)
        return bad(file, line, key, cpus ? "must be a CPU list such as 0-3,8 (numbers below 1024)"
                                         : "must be a memory-node list such as 0 or 0-1",
                   err);
    mi_box_cpuset *b = box_entry(h, (uint32_t)id);
    if (!b || set_str(cpus ? &b->cpus : &b->mems, val) < 0)
        return mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
    return 0;
}

void mi_host_config_box_cpuset(const mi_host_config *h, uint32_t box_id, const char **cpus,
                               const char **mems)
{
    *cpus = *mems = NULL;
    for (size_t i = 0; i < h->n_cpusets; i++)
        if (h->cpusets[i].box_id == box_id) {
            *cpus = h->cpusets[i].cpus;
            *mems = h->cpusets[i].mems;
        }
}

/* The start and length of `user`'s range in an /etc/subuid-style file. */
static int find_subid(const char *conf, const char *path, const char *user, uint32_t *start,
                      uint32_t *count, mi_error *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return mi_fail_errno(err, MI_ERR_CONFIG, errno, "Error in config file %s: subid_user: cannot open %s",
                             conf, path);
    char line[512];
    int rc = 1;
    size_t ulen = strlen(user);
    while (rc == 1 && fgets(line, sizeof line, f)) {
        if (strncmp(line, user, ulen) != 0 || line[ulen] != ':')
            continue;
        uint64_t a, b;
        mi_error e;
        char *f1 = line + ulen + 1, *f2 = strchr(f1, ':');
        if (f2)
            *f2++ = 0;
        if (f2)
            f2[strcspn(f2, ":\n")] = 0;
        if (!f2 || mi_parse_u64(f1, &a, &e, "start") < 0 || mi_parse_u64(f2, &b, &e, "n") < 0 ||
            a == 0 || b == 0 || a > INT32_MAX || b > INT32_MAX)
            rc = mi_fail(err, MI_ERR_CONFIG, EINVAL, "Error in config file %s: subid_user: "
                         "cannot parse the line of user %s in %s", conf, user, path);
        else {
            *start = (uint32_t)a;
            *count = (uint32_t)b;
            rc = 0;
        }
    }
    fclose(f);
    if (rc == 1)
        rc = mi_fail(err, MI_ERR_CONFIG, ENOENT, "Error in config file %s: subid_user: user %s "
                     "not found in %s", conf, user, path);
    return rc;
}

int mi_host_config_subid(mi_host_config *h, const char *subuid, const char *subgid,
                         bool num_given, mi_error *err)
{
    uint32_t us, un, gs, gn;
    const char *conf = h->path ? h->path : "(none)";
    if (find_subid(conf, subuid, h->subid_user, &us, &un, err) < 0 ||
        find_subid(conf, subgid, h->subid_user, &gs, &gn, err) < 0)
        return -1;
    uint32_t avail = un < gn ? un : gn;
    if (num_given && h->num_boxes > avail)
        return mi_fail(err, MI_ERR_CONFIG, EINVAL, "Error in config file %s: subid_user: "
                       "num_boxes = %u, but user %s has only %u subordinate uids and gids", conf,
                       h->num_boxes, h->subid_user, avail);
    if (!num_given)
        h->num_boxes = avail;
    h->first_uid = us;
    h->first_gid = gs;
    return 0;
}

struct seen {
    bool first_id, num_boxes;
};

static int set_key(mi_host_config *h, const char *key, const char *val, const char *file,
                   int line, struct seen *seen, mi_error *err)
{
    if (!strcmp(key, "box_root"))
        return set_path(&h->box_root, val, file, line, key, err);
    if (!strcmp(key, "lock_root"))
        return set_path(&h->lock_root, val, file, line, key, err);
    if (!strcmp(key, "cg_root"))
        return set_cg_root(h, val, file, line, err);
    if (!strcmp(key, "cg_parent"))
        return set_cg_parent(h, val, file, line, err);
    if (!strcmp(key, "first_uid") || !strcmp(key, "first_gid")) {
        seen->first_id = true;
        return set_u32(key[6] == 'u' ? &h->first_uid : &h->first_gid, val, 1, UINT32_MAX - 1,
                       file, line, key, err);
    }
    if (!strcmp(key, "num_boxes")) {
        seen->num_boxes = true;
        return set_u32(&h->num_boxes, val, 1, INT32_MAX, file, line, key, err);
    }
    if (!strcmp(key, "syscall_flags"))
        return set_u32(&h->syscall_flags, val, 0, 0xffff, file, line, key, err);
    if (!strcmp(key, "restricted_init")) {
        uint32_t v = 0; /* set_u32 sets it on success; gcc -O3 cannot see that */
        if (set_u32(&v, val, 0, 1, file, line, key, err) < 0)
            return -1;
        h->restricted_init = v;
        return 0;
    }
    if (!strcmp(key, "subid_user")) {
        if (!*val || strchr(val, ':') || strchr(val, '\n'))
            return bad(file, line, key, "must be a user name", err);
        return set_str(&h->subid_user, val) < 0
                   ? mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory") : 0;
    }
    if (!strncmp(key, "box", 3) && strchr(key, '.'))
        return set_box_key(h, key, val, file, line, err);
    return mi_fail(err, MI_ERR_CONFIG, EINVAL,
                   "Error in config file %s, line %d: unknown key '%s'", file, line, key);
}

int mi_host_config_load(mi_host_config *h, const char *path, mi_error *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return mi_fail_errno(err, MI_ERR_CONFIG, errno, "Cannot open config file %s", path);
    char buf[1100];
    int line = 0, rc = 0;
    struct seen seen = {false, false};
    while (rc == 0 && fgets(buf, sizeof buf, f)) {
        line++;
        if (!strchr(buf, '\n') && !feof(f)) {
            rc = mi_fail(err, MI_ERR_CONFIG, EINVAL,
                         "Error in config file %s, line %d: line too long", path, line);
            break;
        }
        char *s = trim(buf);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = mi_fail(err, MI_ERR_CONFIG, EINVAL,
                         "Error in config file %s, line %d: expected 'key = value'", path, line);
            break;
        }
        *eq = 0;
        rc = set_key(h, trim(s), trim(eq + 1), path, line, &seen, err);
    }
    fclose(f);
    /* isolate 2.3+: the uid/gid block of a user's subordinate ids, or first_uid/first_gid. */
    if (rc == 0 && h->subid_user && seen.first_id)
        rc = mi_fail(err, MI_ERR_CONFIG, EINVAL, "Error in config file %s: subid_user and "
                     "first_uid/first_gid must not both be set", path);
    if (rc == 0 && h->subid_user) {
        free(h->path);
        h->path = strdup(path);
        rc = mi_host_config_subid(h, "/etc/subuid", "/etc/subgid", seen.num_boxes, err);
    }
    if (rc == 0 && ((uint64_t)h->first_uid + h->num_boxes > UINT32_MAX ||
                    (uint64_t)h->first_gid + h->num_boxes > UINT32_MAX))
        rc = mi_fail(err, MI_ERR_CONFIG, EINVAL,
                     "Error in config file %s: first_uid/first_gid + num_boxes overflow 32 bits",
                     path);
    if (rc == 0) {
        free(h->path);
        h->path = strdup(path);
    }
    return rc;
}
