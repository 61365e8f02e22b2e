/* Host configuration: isolate's "key = value" file. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void mi_host_config_free(mi_host_config *h)
{
    free(h->box_root);
    free(h->lock_root);
    free(h->cg_root);
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

int mi_host_config_load(mi_host_config *h, const char *path, mi_error *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return mi_fail_errno(err, MI_ERR_CONFIG, errno, "Cannot open config file %s", path);
    char buf[1100];
    int line = 0, rc = 0;
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
        char *key = trim(s), *val = trim(eq + 1);
        if (!strcmp(key, "box_root"))
            rc = set_path(&h->box_root, val, path, line, key, err);
        else if (!strcmp(key, "lock_root"))
            rc = set_path(&h->lock_root, val, path, line, key, err);
        else if (!strcmp(key, "cg_root")) {
            if (strcmp(val, "auto") != 0)
                rc = set_path(&h->cg_root, val, path, line, key, err);
            else {
                free(h->cg_root);
                h->cg_root = strdup("auto");
            }
        } else if (!strcmp(key, "first_uid"))
            rc = set_u32(&h->first_uid, val, 1, UINT32_MAX - 1, path, line, key, err);
        else if (!strcmp(key, "first_gid"))
            rc = set_u32(&h->first_gid, val, 1, UINT32_MAX - 1, path, line, key, err);
        else if (!strcmp(key, "num_boxes"))
            rc = set_u32(&h->num_boxes, val, 1, INT32_MAX, path, line, key, err);
        else if (!strcmp(key, "syscall_flags"))
            rc = set_u32(&h->syscall_flags, val, 0, 0xffff, path, line, key, err);
        else
            rc = mi_fail(err, MI_ERR_CONFIG, EINVAL,
                         "Error in config file %s, line %d: unknown key '%s'", path, line, key);
    }
    fclose(f);
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
