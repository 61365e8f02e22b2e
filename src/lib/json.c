/* JSON in and out, with the seed's field names and units (docs/verdicts.md).
 *
 *   ExecutionResult   mi_result_to_json / mi_result_from_json (round trip)
 *   IsolateConfig     mi_config_from_json / mi_config_to_json (--config, --dump-config)
 *
 * Parsing is strict: an unknown field or a wrong type is an error naming its JSON path, so a typo
 * in a judge's config ("memory_limt") never silently runs a submission without its limit. */
#include "internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ helpers */

static int bad(mi_error *err, const char *path, const char *fmt, ...) MI_PRINTF(3, 4);
static int bad(mi_error *err, const char *path, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return mi_fail(err, MI_ERR_CONFIG, EINVAL, "%s: %s", path, what);
}

static char *dump(json_t *root, mi_error *err)
{
    char *s = root ? json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(root);
    if (!s)
        mi_fail(err, MI_ERR_IO, ENOMEM, "Cannot build JSON: out of memory");
    return s;
}

static json_t *load(const char *text, mi_error *err)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        mi_fail(err, MI_ERR_CONFIG, EINVAL, "JSON error at line %d column %d: %s", je.line,
                je.column, je.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        bad(err, "$", "expected object");
        return NULL;
    }
    return root;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, <= U+10FFFF),
 * 0 if the bytes there are not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* Program output in JSON (docs/verdicts.md): valid UTF-8 as a JSON string ("utf-8"), anything
 * else as base64 ("base64": 4 bytes per 3, where escaping binary byte by byte cost up to 6 per
 * byte).  Written straight to the stream, never copied: captured output can be as large as the
 * output cap, and the keeper's memory must stay about that cap. */
static bool is_utf8(const char *data, size_t n)
{
    const unsigned char *s = (const unsigned char *)data;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_len(s + i, n - i);
        if (!l)
            return false;
        i += l;
    }
    return true;
}

static const char *output_encoding(const char *data, size_t n)
{
    return !data || is_utf8(data, n) ? "utf-8" : "base64";
}

static int write_text(FILE *f, const char *data, size_t n)
{
    if (fputc('"', f) == EOF)
        return -1;
    size_t run = 0; /* bytes that need no escape, written in one go */
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)data[i] : 0;
        if (i < n && c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (i > run && fwrite(data + run, 1, i - run, f) != i - run)
            return -1;
        run = i + 1;
        if (i == n)
            break;
        if ((c == '"' || c == '\\') ? fprintf(f, "\\%c", c) < 0 : fprintf(f, "\\u%04x", c) < 0)
            return -1;
    }
    return fputc('"', f) == EOF ? -1 : 0;
}

static int write_base64(FILE *f, const unsigned char *s, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char out[4096];
    size_t o = 0;
    if (fputc('"', f) == EOF)
        return -1;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
        if (o == sizeof out) {
            if (fwrite(out, 1, o, f) != o)
                return -1;
            o = 0;
        }
    }
    if (o && fwrite(out, 1, o, f) != o)
        return -1;
    return fputc('"', f) == EOF ? -1 : 0;
}

/* "stdout":...,"stdout_encoding":"..." */
static int write_output(FILE *f, const char *name, const char *data, size_t n)
{
    const char *enc = output_encoding(data, n);
    if (fprintf(f, "\"%s\":", name) < 0)
        return -1;
    int rc = !data ? fputs("\"\"", f) < 0 ? -1 : 0
             : enc[0] == 'b' ? write_base64(f, (const unsigned char *)data, n)
                             : write_text(f, data, n);
    return rc < 0 || fprintf(f, ",\"%s_encoding\":\"%s\",", name, enc) < 0 ? -1 : 0;
}

static int base64_value(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
         : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes base64 (with padding) in place; returns the length or -1. */
static ssize_t base64_decode(char *s, size_t n)
{
    if (n % 4)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (size_t k = 0; k < 4; k++) {
            v[k] = s[i + k] == '=' && i + 4 == n && k >= 2 ? 0 : base64_value(s[i + k]);
            if (v[k] < 0)
                return -1;
        }
        uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                     (uint32_t)v[3];
        s[o++] = (char)(x >> 16);
        if (s[i + 2] != '=')
            s[o++] = (char)(x >> 8 & 0xff);
        if (s[i + 3] != '=')
            s[o++] = (char)(x & 0xff);
    }
    return (ssize_t)o;
}

static json_t *opt_int(bool has, long long v)
{
    return has ? json_integer(v) : json_null();
}

static json_t *opt_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* json_object_set_new that remembers a failure (out of memory) instead of leaking. */
static void put(json_t *o, const char *k, json_t *v, bool *ok)
{
    if (!v || json_object_set_new(o, k, v) < 0)
        *ok = false;
}

/* ------------------------------------------------------------------ typed readers */

static int get_bool(json_t *v, const char *path, bool *out, mi_error *err)
{
    if (!json_is_boolean(v))
        return bad(err, path, "expected true or false");
    *out = json_is_true(v);
    return 0;
}

static int get_u64(json_t *v, const char *path, uint64_t max, uint64_t *out, mi_error *err)
{
    if (!json_is_integer(v))
        return bad(err, path, "expected a non-negative integer");
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t)i > max)
        return bad(err, path, "%lld is out of range (0..%llu)", (long long)i,
                   (unsigned long long)max);
    *out = (uint64_t)i;
    return 0;
}

static int get_double(json_t *v, const char *path, double *out, mi_error *err)
{
    if (!json_is_number(v))
        return bad(err, path, "expected a number");
    *out = json_number_value(v);
    return 0;
}

static int get_str(json_t *v, const char *path, char **out, mi_error *err)
{
    if (!json_is_string(v))
        return bad(err, path, "expected string");
    if (strlen(json_string_value(v)) != json_string_length(v))
        return bad(err, path, "NUL character in string");
    char *s = strdup(json_string_value(v));
    if (!s)
        return mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
    free(*out);
    *out = s;
    return 0;
}

/* Seconds: a number, or the seed's Duration {"secs": N, "nanos": N}; null = no limit (0). */
static int get_duration(json_t *v, const char *path, double *out, mi_error *err)
{
    char p[256];
    if (json_is_null(v)) {
        *out = 0;
        return 0;
    }
    if (json_is_number(v)) {
        double d = json_number_value(v);
        if (!(d >= 0) || d > 1e9)
            return bad(err, path, "expected seconds between 0 and 1e9");
        *out = d;
        return 0;
    }
    if (!json_is_object(v))
        return bad(err, path, "expected seconds (number) or {\"secs\": N, \"nanos\": N}");
    uint64_t secs = 0, nanos = 0;
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
        snprintf(p, sizeof p, "%s.%s", path, k);
        if (!strcmp(k, "secs")) {
            if (get_u64(x, p, 1000000000, &secs, err) < 0)
                return -1;
        } else if (!strcmp(k, "nanos")) {
            if (get_u64(x, p, 999999999, &nanos, err) < 0)
                return -1;
        } else
            return bad(err, p, "unknown field (a duration has secs and nanos)");
    }
    *out = (double)secs + (double)nanos / 1e9;
    return 0;
}

/* Bytes, null = unlimited. */
static int get_size(json_t *v, const char *path, uint64_t *out, mi_error *err)
{
    if (json_is_null(v)) {
        *out = MI_UNLIMITED;
        return 0;
    }
    return get_u64(v, path, (uint64_t)INT64_MAX, out, err);
}

static uint64_t bytes_to_kib(uint64_t b)
{
    return b == MI_UNLIMITED ? MI_UNLIMITED : (b + 1023) / 1024;
}

static int add_env(mi_config *c, const char *name, const char *value, const char *path,
                   mi_error *err)
{
    if (!*name || strchr(name, '='))
        return bad(err, path, "invalid variable name '%s'", name);
    return mi_config_push_env(c, name, strlen(name), value, err);
}

static int get_env(json_t *v, mi_config *c, mi_error *err)
{
    char p[256];
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            snprintf(p, sizeof p, "$.environment.%s", k);
            if (!json_is_string(x))
                return bad(err, p, "expected string");
            if (add_env(c, k, json_string_value(x), p, err) < 0)
                return -1;
        }
        return 0;
    }
    if (!json_is_array(v))
        return bad(err, "$.environment", "expected [[\"NAME\", \"value\"], ...] or {\"NAME\": "
                                         "\"value\"}");
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        snprintf(p, sizeof p, "$.environment[%zu]", i);
        if (!json_is_array(x) || json_array_size(x) != 2)
            return bad(err, p, "expected [\"NAME\", \"value\"]");
        for (size_t j = 0; j < 2; j++)
            if (!json_is_string(json_array_get(x, j))) {
                snprintf(p, sizeof p, "$.environment[%zu][%zu]", i, j);
                return bad(err, p, "expected string");
            }
        if (add_env(c, json_string_value(json_array_get(x, 0)),
                    json_string_value(json_array_get(x, 1)), p, err) < 0)
            return -1;
    }
    return 0;
}

static int get_syscalls(json_t *v, mi_config *c, mi_error *err)
{
    for (size_t i = 0; i < c->n_allowed_syscalls; i++)
        free(c->allowed_syscalls[i]);
    free(c->allowed_syscalls);
    c->allowed_syscalls = NULL;
    c->n_allowed_syscalls = 0;
    c->has_allowed_syscalls = false;
    if (json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return bad(err, "$.allowed_syscalls", "expected a list of syscall names or null");
    c->allowed_syscalls = calloc(json_array_size(v) + 1, sizeof(char *));
    if (!c->allowed_syscalls)
        return mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
    c->has_allowed_syscalls = true;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        char p[64];
        snprintf(p, sizeof p, "$.allowed_syscalls[%zu]", i);
        if (get_str(x, p, &c->allowed_syscalls[i], err) < 0)
            return -1;
        c->n_allowed_syscalls++;
    }
    return 0;
}

/* ------------------------------------------------------------------ IsolateConfig */

int mi_config_from_json(const char *text, mi_config *c, mi_error *err)
{
    json_t *root = load(text, err);
    if (!root)
        return -1;
    /* The seed's Default for IsolateConfig. */
    uint64_t mem = 128ull * 1024 * 1024, fsize = 64ull * 1024 * 1024;
    double cpu = 10, cpu_alt = 10, wall = 20;
    bool cpu_set = false;
    c->processes = 1;
    c->share_net = false;
    int rc = 0;
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v) {
        char p[256];
        snprintf(p, sizeof p, "$.%s", k);
        if (rc < 0)
            break;
        if (!strcmp(k, "instance_id")) {
            rc = get_str(v, p, &c->instance_id, err);
            /* A numeric instance id names the box (isolate's -b); -b still overrides it. */
            uint64_t id;
            mi_error e;
            if (rc == 0 && mi_parse_u64(c->instance_id, &id, &e, "instance_id") == 0) {
                if (id > INT32_MAX)
                    rc = bad(err, p, "box id out of range");
                else
                    c->box_id = (uint32_t)id;
            }
        } else if (!strcmp(k, "workdir")) {
            if (json_is_null(v)) {
                free(c->chdir);
                c->chdir = NULL;
            } else
                rc = get_str(v, p, &c->chdir, err);
        } else if (!strcmp(k, "chroot_dir")) {
            if (json_is_null(v)) {
                free(c->chroot_dir);
                c->chroot_dir = NULL;
            } else if ((rc = get_str(v, p, &c->chroot_dir, err)) == 0 && c->chroot_dir[0] != '/')
                rc = bad(err, p, "must be an absolute path");
        } else if (!strcmp(k, "uid") || !strcmp(k, "gid")) {
            bool is_uid = k[0] == 'u';
            uint64_t id = 0;
            bool has = !json_is_null(v);
            if (has && (rc = get_u64(v, p, UINT32_MAX - 1, &id, err)) == 0 && id == 0)
                rc = bad(err, p, "0 (root) is not allowed: the program must never run as root");
            if (is_uid) {
                c->has_box_uid = has;
                c->box_uid = (uid_t)id;
            } else {
                c->has_box_gid = has;
                c->box_gid = (gid_t)id;
            }
        } else if (!strcmp(k, "memory_limit")) {
            rc = get_size(v, p, &mem, err);
        } else if (!strcmp(k, "time_limit")) {
            rc = get_duration(v, p, &cpu_alt, err);
        } else if (!strcmp(k, "cpu_time_limit")) {
            rc = get_duration(v, p, &cpu, err);
            cpu_set = true;
        } else if (!strcmp(k, "wall_time_limit")) {
            rc = get_duration(v, p, &wall, err);
        } else if (!strcmp(k, "process_limit")) {
            uint64_t n = MI_UNLIMITED;
            if (!json_is_null(v))
                rc = get_u64(v, p, UINT32_MAX, &n, err);
            c->processes = n == 0 ? MI_UNLIMITED : n;
        } else if (!strcmp(k, "file_size_limit")) {
            rc = get_size(v, p, &fsize, err);
        } else if (!strcmp(k, "cgroups")) {
            /* As the CLI's --cg (default false); the flag, applied first, wins over false. */
            bool cg = false;
            rc = get_bool(v, p, &cg, err);
            c->cg = c->cg || cg;
        } else if (!strcmp(k, "data_segment_limit")) {
            uint64_t b = MI_UNLIMITED; /* set on success; -O3 cannot see it */
            if ((rc = get_size(v, p, &b, err)) == 0)
                c->data_kib = bytes_to_kib(b);
        } else if (!strcmp(k, "cpu_rate_limit") || !strcmp(k, "cpu_period_us")) {
            uint64_t n = 0;
            if (!json_is_null(v))
                rc = get_u64(v, p, k[4] == 'r' ? UINT32_MAX : 1000000, &n, err);
            *(k[4] == 'r' ? &c->cpu_rate : &c->cpu_period_us) = (uint32_t)n;
        } else if (!strcmp(k, "cpu_set")) {
            free(c->cpus);
            c->cpus = NULL;
            if (!json_is_null(v))
                rc = get_str(v, p, &c->cpus, err);
        } else if (!strcmp(k, "enable_network")) {
            rc = get_bool(v, p, &c->share_net, err);
        } else if (!strcmp(k, "environment")) {
            rc = get_env(v, c, err);
        } else if (!strcmp(k, "allowed_syscalls")) {
            rc = get_syscalls(v, c, err);
        } else {
            rc = bad(err, p, "unknown field");
        }
    }
    json_decref(root);
    if (rc < 0)
        return -1;
    /* time_limit and cpu_time_limit are both the CPU limit; cpu_time_limit wins if given. */
    c->time_limit = cpu_set ? cpu : cpu_alt;
    c->wall_time_limit = wall;
    /* One memory limit: the whole box's (cgroup) with --cg, else each process's address space. */
    if (c->cg) {
        c->cg_mem_kib = bytes_to_kib(mem);
        c->mem_kib = MI_UNLIMITED;
    } else
        c->mem_kib = bytes_to_kib(mem);
    c->fsize_kib = bytes_to_kib(fsize);
    return 0;
}

static json_t *seconds(double s)
{
    return s > 0 ? json_real(s) : json_null();
}

static json_t *size_bytes(uint64_t kib)
{
    return kib == MI_UNLIMITED ? json_null() : json_integer((json_int_t)(kib * 1024));
}

char *mi_config_to_json(const mi_config *c, mi_error *err)
{
    json_t *o = json_object();
    bool ok = o != NULL;
    if (!ok)
        return dump(NULL, err);
    char id[32];
    snprintf(id, sizeof id, "%u", c->box_id);
    put(o, "instance_id", json_string(c->instance_id ? c->instance_id : id), &ok);
    put(o, "workdir", json_string(c->chdir ? c->chdir : "/box"), &ok);
    put(o, "chroot_dir", opt_str(c->chroot_dir), &ok);
    put(o, "uid", opt_int(c->has_box_uid, c->box_uid), &ok);
    put(o, "gid", opt_int(c->has_box_gid, c->box_gid), &ok);
    put(o, "memory_limit", size_bytes(c->cg ? c->cg_mem_kib : c->mem_kib), &ok);
    put(o, "time_limit", seconds(c->time_limit), &ok);
    put(o, "cpu_time_limit", seconds(c->time_limit), &ok);
    put(o, "wall_time_limit", seconds(c->wall_time_limit), &ok);
    put(o, "process_limit", c->processes == MI_UNLIMITED ? json_null()
                                                         : json_integer((json_int_t)c->processes),
        &ok);
    put(o, "file_size_limit", size_bytes(c->fsize_kib), &ok);
    put(o, "data_segment_limit", size_bytes(c->data_kib), &ok);
    put(o, "cpu_rate_limit", c->cpu_rate ? json_integer(c->cpu_rate) : json_null(), &ok);
    put(o, "cpu_period_us", c->cpu_period_us ? json_integer(c->cpu_period_us) : json_null(), &ok);
    put(o, "cpu_set", opt_str(c->cpus), &ok);
    put(o, "enable_network", json_boolean(c->share_net), &ok);
    put(o, "cgroups", json_boolean(c->cg), &ok);
    json_t *env = json_array();
    for (size_t i = 0; env && i < c->n_env; i++) {
        /* The effective environment: inherited variables with their current value, removed
         * ones ("") left out. */
        const char *val = c->env[i].value ? c->env[i].value : getenv(c->env[i].name);
        if (!val || !*val)
            continue;
        if (json_array_append_new(env, json_pack("[ss]", c->env[i].name, val)) < 0)
            ok = false;
    }
    put(o, "environment", env, &ok);
    json_t *sc = json_null();
    if (c->has_allowed_syscalls) {
        sc = json_array();
        for (size_t i = 0; sc && i < c->n_allowed_syscalls; i++)
            if (json_array_append_new(sc, json_string(c->allowed_syscalls[i])) < 0)
                ok = false;
    }
    put(o, "allowed_syscalls", sc, &ok);
    if (!ok) {
        json_decref(o);
        o = NULL;
    }
    return dump(o, err);
}

/* ------------------------------------------------------------------ ExecutionResult */

static json_t *result_object(const mi_result *r);

/* The document: the outputs streamed first (write_output), then the rest of the object as
 * jansson dumps it, without its opening brace. */
static int write_result(const mi_result *r, FILE *f, mi_error *err)
{
    json_t *o = result_object(r);
    char *rest = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    if (!rest)
        return mi_fail(err, MI_ERR_IO, ENOMEM, "Cannot build JSON: out of memory");
    int rc = fputc('{', f) == EOF ||
                     write_output(f, "stdout", r->stdout_data, r->stdout_len) < 0 ||
                     write_output(f, "stderr", r->stderr_data, r->stderr_len) < 0 ||
                     fputs(rest + 1, f) < 0
                 ? -1 : 0;
    free(rest);
    if (rc < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno ? errno : EIO, "Cannot write the JSON result");
    return 0;
}

char *mi_result_to_json(const mi_result *r, mi_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        mi_fail(err, MI_ERR_IO, ENOMEM, "Cannot build JSON: out of memory");
        return NULL;
    }
    int rc = write_result(r, f, err);
    if (fclose(f) != 0 && rc == 0)
        rc = mi_fail(err, MI_ERR_IO, ENOMEM, "Cannot build JSON: out of memory");
    if (rc < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Streams the document: no in-memory copy of up to two output caps of text. */
int mi_result_write_json(const mi_result *r, void *fp, mi_error *err)
{
    FILE *f = fp;
    if (write_result(r, f, err) < 0)
        return -1;
    if (fputc('\n', f) == EOF || fflush(f) == EOF)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot write the JSON result");
    return 0;
}

static json_t *result_object(const mi_result *r)
{
    json_t *o = json_object(), *u = json_object(), *iso = json_object();
    bool ok = o && u && iso;
    if (!ok) {
        json_decref(o);
        json_decref(u);
        json_decref(iso);
        return NULL;
    }
    put(o, "exit_code", opt_int(r->has_exit_code, r->exit_code), &ok);
    put(o, "status", json_string(mi_status_name(r->status)), &ok);
    put(o, "cpu_time", json_real(r->cpu_time), &ok);
    put(o, "wall_time", json_real(r->wall_time), &ok);
    put(o, "memory_peak", json_integer((json_int_t)r->memory_peak), &ok);
    put(o, "signal", opt_int(r->has_signal, r->signal), &ok);
    put(o, "success", json_boolean(r->success), &ok);
    put(o, "error_message", opt_str(r->error_message), &ok);
    /* Limits asked for but not (wholly) enforced: never silent. */
    json_t *w = json_array();
    if (w && r->mem_unbounded)
        json_array_append_new(w, json_string(MI_WARN_MEM_UNBOUNDED));
    if (w && r->warning[0]) /* e.g. box<N>.cpus without --cg */
        json_array_append_new(w, json_string(r->warning));
    put(o, "warnings", w, &ok);

    put(u, "cpu_time", json_real(r->usage.cpu_time), &ok);
    put(u, "wall_time", json_real(r->usage.wall_time), &ok);
    put(u, "memory_peak", json_integer((json_int_t)r->usage.memory_peak), &ok);
    put(u, "context_switches", json_integer((json_int_t)r->usage.context_switches), &ok);
    put(u, "page_faults", json_integer((json_int_t)r->usage.page_faults), &ok);
    put(u, "process_peak", opt_int(r->has_procs_peak, (long long)r->procs_peak), &ok);
    put(o, "resource_usage", u, &ok);

    /* isolate's meta file, as JSON (same key names). */
    put(iso, "status", r->isolate_status[0] ? json_string(r->isolate_status) : json_null(), &ok);
    put(iso, "message", r->message[0] ? json_string(r->message) : json_null(), &ok);
    put(iso, "killed", json_boolean(r->killed), &ok);
    put(iso, "has-stats", json_boolean(r->has_stats), &ok);
    put(iso, "max-rss", json_integer((json_int_t)r->max_rss_kib), &ok);
    put(iso, "csw-voluntary", json_integer((json_int_t)r->csw_voluntary), &ok);
    put(iso, "csw-forced", json_integer((json_int_t)r->csw_forced), &ok);
    put(iso, "cg", json_boolean(r->cg_enabled), &ok);
    put(iso, "cg-mem", json_integer((json_int_t)r->cg_mem_kib), &ok);
    put(iso, "cg-oom-killed", json_boolean(r->cg_oom_killed), &ok);
    put(iso, "mem-unbounded", json_boolean(r->mem_unbounded), &ok);
    put(iso, "timed-out", json_boolean(r->timed_out_by_timer), &ok);
    put(iso, "wall-timeout", json_boolean(r->wall_timeout), &ok);
    put(iso, "interrupted", json_boolean(r->interrupted), &ok);
    put(iso, "interrupt-signal", json_integer(r->interrupt_signal), &ok);
    /* Without control groups the kernel records neither OOM kills nor refused forks for the
     * box: these statuses cannot be decided (they show up as Signaled / RuntimeError). */
    put(iso, "undecidable", r->cg_enabled ? json_array()
                                          : json_pack("[ss]", "MemoryLimit", "ProcessLimit"),
        &ok);
    put(o, "isolate", iso, &ok);
    if (!ok) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

struct field {
    const char *name;
    enum { F_BOOL, F_U64, F_OPT_U64, F_INT, F_DOUBLE, F_OPT_INT, F_OPT_STR, F_CHARS, F_BYTES, F_STATUS,
           F_OBJ, F_WARNINGS, F_IGNORE } type;
    void *p;
    void *q; /* F_OPT_INT: bool *has; F_BYTES: size_t *len; F_CHARS: size */
};

static int read_fields(json_t *obj, const char *path, const struct field *f, size_t n,
                       mi_error *err);

static int read_one(json_t *v, const char *p, const struct field *f, mi_error *err)
{
    uint64_t u;
    switch (f->type) {
    case F_BOOL:
        return get_bool(v, p, f->p, err);
    case F_U64:
        return get_u64(v, p, (uint64_t)INT64_MAX, f->p, err);
    case F_OPT_U64:
        *(bool *)f->q = !json_is_null(v);
        return json_is_null(v) ? 0 : get_u64(v, p, (uint64_t)INT64_MAX, f->p, err);
    case F_INT:
        if (!json_is_integer(v))
            return bad(err, p, "expected integer");
        *(int *)f->p = (int)json_integer_value(v);
        return 0;
    case F_DOUBLE:
        return get_double(v, p, f->p, err);
    case F_OPT_INT:
        *(bool *)f->q = !json_is_null(v);
        if (json_is_null(v))
            return 0;
        if (!json_is_integer(v))
            return bad(err, p, "expected integer or null");
        *(int *)f->p = (int)json_integer_value(v);
        return 0;
    case F_OPT_STR:
        free(*(char **)f->p);
        *(char **)f->p = NULL;
        return json_is_null(v) ? 0 : get_str(v, p, f->p, err);
    case F_CHARS:
        if (json_is_null(v)) {
            *(char *)f->p = 0;
            return 0;
        }
        if (!json_is_string(v))
            return bad(err, p, "expected string or null");
        snprintf(f->p, (size_t)(uintptr_t)f->q, "%s", json_string_value(v));
        return 0;
    case F_BYTES: {
        if (!json_is_string(v))
            return bad(err, p, "expected string");
        size_t len = json_string_length(v);
        char *d = malloc(len + 1);
        if (!d)
            return mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
        memcpy(d, json_string_value(v), len + 1);
        free(*(char **)f->p);
        *(char **)f->p = d;
        *(size_t *)f->q = len;
        return 0;
    }
    case F_STATUS:
        if (!json_is_string(v))
            return bad(err, p, "expected string");
        for (u = 0; u <= MI_STATUS_FILE_SIZE_LIMIT; u++)
            if (!strcmp(json_string_value(v), mi_status_name((mi_status)u))) {
                *(mi_status *)f->p = (mi_status)u;
                return 0;
            }
        return bad(err, p, "unknown status '%s'", json_string_value(v));
    case F_OBJ:
        if (!json_is_object(v))
            return bad(err, p, "expected object");
        return read_fields(v, p, f->p, (size_t)(uintptr_t)f->q, err);
    case F_WARNINGS: { /* an array of strings: the one that is not mem-unbounded's */
        if (!json_is_array(v))
            return bad(err, p, "expected an array of strings");
        *(char *)f->p = 0;
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (!json_is_string(e))
                return bad(err, p, "expected an array of strings");
            if (strcmp(json_string_value(e), MI_WARN_MEM_UNBOUNDED) != 0)
                snprintf(f->p, (size_t)(uintptr_t)f->q, "%s", json_string_value(e));
        }
        return 0;
    }
    case F_IGNORE:
        return 0;
    }
    return 0;
}

static int read_fields(json_t *obj, const char *path, const struct field *f, size_t n,
                       mi_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        char p[256];
        snprintf(p, sizeof p, "%s.%s", path, k);
        size_t i = 0;
        while (i < n && strcmp(f[i].name, k))
            i++;
        if (i == n)
            return bad(err, p, "unknown field");
        if (read_one(v, p, &f[i], err) < 0)
            return -1;
    }
    return 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int mi_result_from_json(const char *text, mi_result *r, mi_error *err)
{
    json_t *root = load(text, err);
    if (!root)
        return -1;
    mi_result_free(r);
    const struct field usage[] = {
        {"cpu_time", F_DOUBLE, &r->usage.cpu_time, NULL},
        {"wall_time", F_DOUBLE, &r->usage.wall_time, NULL},
        {"memory_peak", F_U64, &r->usage.memory_peak, NULL},
        {"context_switches", F_U64, &r->usage.context_switches, NULL},
        {"page_faults", F_U64, &r->usage.page_faults, NULL},
        {"process_peak", F_OPT_U64, &r->procs_peak, &r->has_procs_peak},
    };
    const struct field iso[] = {
        {"status", F_CHARS, r->isolate_status, (void *)sizeof r->isolate_status},
        {"message", F_CHARS, r->message, (void *)sizeof r->message},
        {"killed", F_BOOL, &r->killed, NULL},
        {"has-stats", F_BOOL, &r->has_stats, NULL},
        {"max-rss", F_U64, &r->max_rss_kib, NULL},
        {"csw-voluntary", F_U64, &r->csw_voluntary, NULL},
        {"csw-forced", F_U64, &r->csw_forced, NULL},
        {"cg", F_BOOL, &r->cg_enabled, NULL},
        {"cg-mem", F_U64, &r->cg_mem_kib, NULL},
        {"cg-oom-killed", F_BOOL, &r->cg_oom_killed, NULL},
        {"mem-unbounded", F_BOOL, &r->mem_unbounded, NULL},
        {"timed-out", F_BOOL, &r->timed_out_by_timer, NULL},
        {"wall-timeout", F_BOOL, &r->wall_timeout, NULL},
        {"interrupted", F_BOOL, &r->interrupted, NULL},
        {"interrupt-signal", F_INT, &r->interrupt_signal, NULL},
        {"undecidable", F_IGNORE, NULL, NULL}, /* derived from "cg" */
    };
    char enc[2][16] = {"utf-8", "utf-8"};
    const struct field top[] = {
        {"exit_code", F_OPT_INT, &r->exit_code, &r->has_exit_code},
        {"status", F_STATUS, &r->status, NULL},
        {"stdout", F_BYTES, &r->stdout_data, &r->stdout_len},
        {"stderr", F_BYTES, &r->stderr_data, &r->stderr_len},
        {"stdout_encoding", F_CHARS, enc[0], (void *)sizeof enc[0]},
        {"stderr_encoding", F_CHARS, enc[1], (void *)sizeof enc[1]},
        {"cpu_time", F_DOUBLE, &r->cpu_time, NULL},
        {"wall_time", F_DOUBLE, &r->wall_time, NULL},
        {"memory_peak", F_U64, &r->memory_peak, NULL},
        {"signal", F_OPT_INT, &r->signal, &r->has_signal},
        {"success", F_BOOL, &r->success, NULL},
        {"error_message", F_OPT_STR, &r->error_message, NULL},
        /* mem-unbounded's is derived from isolate.mem-unbounded; the other one is kept */
        {"warnings", F_WARNINGS, r->warning, (void *)sizeof r->warning},
        {"resource_usage", F_OBJ, (void *)usage, (void *)N(usage)},
        {"isolate", F_OBJ, (void *)iso, (void *)N(iso)},
    };
    int rc = read_fields(root, "$", top, N(top), err);
    json_decref(root);
    char **data[2] = {&r->stdout_data, &r->stderr_data};
    size_t *len[2] = {&r->stdout_len, &r->stderr_len};
    for (int i = 0; rc == 0 && i < 2; i++) {
        if (!strcmp(enc[i], "utf-8"))
            continue;
        ssize_t n = strcmp(enc[i], "base64") || !*data[i] ? -1 : base64_decode(*data[i], *len[i]);
        if (n < 0)
            rc = bad(err, i ? "$.stderr" : "$.stdout", "bad encoding '%s' or base64 data", enc[i]);
        else
            (*data[i])[*len[i] = (size_t)n] = 0;
    }
    return rc;
}
