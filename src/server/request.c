/* POST /run request parsing (see request.h).  Unknown fields are ignored, as go-judge's Go binding
 * does; integers must be non-negative and whole; a field we do not implement is refused by name
 * rather than silently dropped. */
#include "request.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctx {
    char *err;
    size_t errlen;
};

static int fail(struct ctx *x, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct ctx *x, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(x->err, x->errlen, "%s: %s", path, msg);
    return -1;
}

static void sub(char *out, size_t n, const char *path, const char *field)
{
    snprintf(out, n, "%s.%s", path, field);
}

static void idx(char *out, size_t n, const char *path, size_t i)
{
    snprintf(out, n, "%s[%zu]", path, i);
}

static int get_u64(struct ctx *x, const json_t *o, const char *path, const char *field,
                   uint64_t *out, bool *present)
{
    json_t *v = json_object_get(o, field);
    if (present)
        *present = v && !json_is_null(v);
    if (!v || json_is_null(v))
        return 0;
    char p[600];
    sub(p, sizeof p, path, field);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fail(x, p, "expected non-negative integer");
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_bool(struct ctx *x, const json_t *o, const char *path, const char *field, bool *out)
{
    json_t *v = json_object_get(o, field);
    if (!v || json_is_null(v))
        return 0;
    char p[600];
    sub(p, sizeof p, path, field);
    if (!json_is_boolean(v))
        return fail(x, p, "expected boolean");
    *out = json_is_true(v);
    return 0;
}

/* A JSON string as a C string: NUL bytes are refused where the string becomes a path, argument
 * or name (they would silently cut it). */
static int dup_str(struct ctx *x, const json_t *v, const char *p, char **out, size_t *len,
                   bool allow_nul)
{
    if (!json_is_string(v))
        return fail(x, p, "expected string");
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (!allow_nul && memchr(s, 0, n))
        return fail(x, p, "NUL byte in string");
    *out = malloc(n + 1);
    if (!*out)
        return fail(x, p, "out of memory");
    memcpy(*out, s, n);
    (*out)[n] = 0;
    if (len)
        *len = n;
    return 0;
}

static int get_str(struct ctx *x, const json_t *o, const char *path, const char *field, char **out)
{
    json_t *v = json_object_get(o, field);
    if (!v || json_is_null(v))
        return 0;
    char p[600];
    sub(p, sizeof p, path, field);
    return dup_str(x, v, p, out, NULL, false);
}

static int get_strv(struct ctx *x, const json_t *o, const char *path, const char *field,
                    char ***out, size_t *n)
{
    json_t *v = json_object_get(o, field);
    if (!v || json_is_null(v))
        return 0;
    char p[600], q[640];
    sub(p, sizeof p, path, field);
    if (!json_is_array(v))
        return fail(x, p, "expected array of strings");
    size_t k = json_array_size(v);
    *out = calloc(k + 1, sizeof **out);
    if (!*out)
        return fail(x, p, "out of memory");
    for (*n = 0; *n < k; (*n)++) {
        idx(q, sizeof q, p, *n);
        if (dup_str(x, json_array_get(v, *n), q, &(*out)[*n], NULL, false) < 0)
            return -1;
    }
    return 0;
}

/* CmdFile, first match wins as in go-judge: src, content, fileId, name (collector), symlink,
 * streamIn/streamOut (not on /run). */
static int parse_file(struct ctx *x, const json_t *v, const char *p, bool copy_in, gj_file *f)
{
    memset(f, 0, sizeof *f);
    if (json_is_null(v)) {
        if (copy_in)
            return fail(x, p, "expected file object");
        return 0;
    }
    if (!json_is_object(v))
        return fail(x, p, "expected file object or null");
    json_t *s;
    char q[700];
    if ((s = json_object_get(v, "src")) && !json_is_null(s)) {
        f->kind = GJ_FILE_SRC;
        sub(q, sizeof q, p, "src");
        return dup_str(x, s, q, &f->str, &f->len, false);
    }
    if ((s = json_object_get(v, "content")) && !json_is_null(s)) {
        f->kind = GJ_FILE_CONTENT;
        sub(q, sizeof q, p, "content");
        return dup_str(x, s, q, &f->str, &f->len, true);
    }
    if ((s = json_object_get(v, "fileId")) && !json_is_null(s)) {
        f->kind = GJ_FILE_ID;
        sub(q, sizeof q, p, "fileId");
        return dup_str(x, s, q, &f->str, &f->len, false);
    }
    if ((s = json_object_get(v, "name")) && !json_is_null(s)) {
        f->kind = GJ_FILE_COLLECTOR;
        sub(q, sizeof q, p, "name");
        if (copy_in)
            return fail(x, q, "a collector is not a copyIn file");
        if (dup_str(x, s, q, &f->str, &f->len, false) < 0)
            return -1;
        bool has_max = false;
        if (get_u64(x, v, p, "max", &f->max, &has_max) < 0 || get_bool(x, v, p, "pipe", &f->pipe) < 0)
            return -1;
        if (!has_max) {
            sub(q, sizeof q, p, "max");
            return fail(x, q, "required for a collector");
        }
        if (f->len == 0 || strchr(f->str, '/'))
            return fail(x, q, "a collector name is a plain file name");
        return 0;
    }
    if ((s = json_object_get(v, "symlink")) && !json_is_null(s)) {
        f->kind = GJ_FILE_SYMLINK;
        sub(q, sizeof q, p, "symlink");
        if (!copy_in)
            return fail(x, q, "a symlink is only valid in copyIn");
        return dup_str(x, s, q, &f->str, &f->len, false);
    }
    if (json_object_get(v, "streamIn") || json_object_get(v, "streamOut"))
        return fail(x, p, "streamIn/streamOut are only valid on /stream, which is not implemented");
    return fail(x, p, "expected one of src, content, fileId, name (collector)%s",
                copy_in ? ", symlink" : "");
}

static int parse_limits(struct ctx *x, const json_t *o, const char *p, gj_cmd *c)
{
    uint64_t real_cpu = 0;
    bool has_clock = false, strict = false, dseg = false, tty = false;
    if (get_u64(x, o, p, "cpuLimit", &c->cpu_limit, NULL) < 0 ||
        get_u64(x, o, p, "clockLimit", &c->clock_limit, &has_clock) < 0 ||
        get_u64(x, o, p, "realCpuLimit", &real_cpu, NULL) < 0 ||
        get_u64(x, o, p, "memoryLimit", &c->memory_limit, NULL) < 0 ||
        get_u64(x, o, p, "stackLimit", &c->stack_limit, NULL) < 0 ||
        get_u64(x, o, p, "procLimit", &c->proc_limit, NULL) < 0 ||
        get_u64(x, o, p, "cpuRateLimit", &c->cpu_rate_limit, NULL) < 0 ||
        get_u64(x, o, p, "copyOutMax", &c->copy_out_max, &c->has_copy_out_max) < 0 ||
        get_bool(x, o, p, "copyOutTruncate", &c->copy_out_truncate) < 0 ||
        get_bool(x, o, p, "addressSpaceLimit", &c->address_space_limit) < 0 ||
        get_bool(x, o, p, "strictMemoryLimit", &strict) < 0 ||
        get_bool(x, o, p, "dataSegmentLimit", &dseg) < 0 || get_bool(x, o, p, "tty", &tty) < 0 ||
        get_str(x, o, p, "cpuSetLimit", &c->cpu_set_limit) < 0)
        return -1;
    char q[700];
    if (!has_clock)
        c->clock_limit = c->cpu_limit; /* go-judge: clockLimit defaults to cpuLimit */
    if (real_cpu > 0)
        c->clock_limit = real_cpu; /* the deprecated alias overrides, as in go-judge */
    c->data_segment_limit = strict || dseg; /* go-judge OR-s the deprecated alias in */
    if (c->cpu_rate_limit > UINT32_MAX)
        return sub(q, sizeof q, p, "cpuRateLimit"), fail(x, q, "out of range");
    if (c->cpu_set_limit && !c->cpu_set_limit[0]) { /* "": the default, as in go-judge */
        free(c->cpu_set_limit);
        c->cpu_set_limit = NULL;
    }
    if (c->cpu_set_limit && strspn(c->cpu_set_limit, "0123456789,-") != strlen(c->cpu_set_limit))
        return sub(q, sizeof q, p, "cpuSetLimit"), fail(x, q, "expected a CPU list such as 0-3,8");
    if (tty)
        return sub(q, sizeof q, p, "tty"), fail(x, q, "not implemented by this server");
    return 0;
}

static int parse_cmd(struct ctx *x, const json_t *o, const char *p, gj_cmd *c)
{
    if (!json_is_object(o))
        return fail(x, p, "expected object");
    char q[700], r[760];
    if (get_strv(x, o, p, "args", &c->args, &c->n_args) < 0 ||
        get_strv(x, o, p, "env", &c->env, &c->n_env) < 0 ||
        get_strv(x, o, p, "copyOut", &c->copy_out, &c->n_copy_out) < 0 ||
        get_strv(x, o, p, "copyOutCached", &c->copy_out_cached, &c->n_copy_out_cached) < 0 ||
        parse_limits(x, o, p, c) < 0)
        return -1;
    if (c->n_args == 0 || c->args[0][0] == 0)
        return sub(q, sizeof q, p, "args"), fail(x, q, "expected a non-empty array of strings");
    json_t *files = json_object_get(o, "files");
    if (files && !json_is_null(files)) {
        sub(q, sizeof q, p, "files");
        if (!json_is_array(files))
            return fail(x, q, "expected array");
        size_t n = json_array_size(files);
        if (n > GJ_MAX_FD + 1)
            return fail(x, q, "more than %d descriptors", GJ_MAX_FD + 1);
        c->files = calloc(n ? n : 1, sizeof *c->files);
        if (!c->files)
            return fail(x, q, "out of memory");
        for (; c->n_files < n; c->n_files++) {
            idx(r, sizeof r, q, c->n_files);
            if (parse_file(x, json_array_get(files, c->n_files), r, false, &c->files[c->n_files]) < 0)
                return c->n_files++, -1;
        }
    }
    json_t *ci = json_object_get(o, "copyIn");
    if (ci && !json_is_null(ci)) {
        sub(q, sizeof q, p, "copyIn");
        if (!json_is_object(ci))
            return fail(x, q, "expected object");
        c->copy_in = calloc(json_object_size(ci) + 1, sizeof *c->copy_in);
        if (!c->copy_in)
            return fail(x, q, "out of memory");
        const char *key;
        json_t *v;
        json_object_foreach(ci, key, v) {
            snprintf(r, sizeof r, "%s[\"%.200s\"]", q, key);
            gj_copy_in *e = &c->copy_in[c->n_copy_in++];
            if (!(e->path = strdup(key)))
                return fail(x, r, "out of memory");
            if (key[0] == 0)
                return fail(x, r, "empty path");
            if (parse_file(x, v, r, true, &e->file) < 0)
                return -1;
        }
    }
    return 0;
}

static int parse_end(struct ctx *x, const json_t *o, const char *p, const char *field, gj_pipe_end *e)
{
    char q[700];
    sub(q, sizeof q, p, field);
    json_t *v = json_object_get(o, field);
    if (!json_is_object(v))
        return fail(x, q, "expected object {index, fd}");
    uint64_t i = 0, fd = 0;
    bool hi = false, hf = false;
    if (get_u64(x, v, q, "index", &i, &hi) < 0 || get_u64(x, v, q, "fd", &fd, &hf) < 0)
        return -1;
    if (!hi || !hf)
        return fail(x, q, "expected object {index, fd}");
    char r[760];
    if (fd > GJ_MAX_FD)
        return sub(r, sizeof r, q, "fd"), fail(x, r, "at most %d", GJ_MAX_FD);
    if (i > 1u << 20)
        return sub(r, sizeof r, q, "index"), fail(x, r, "out of range");
    e->index = (size_t)i;
    e->fd = (size_t)fd;
    return 0;
}

static int parse_pipe(struct ctx *x, const json_t *o, const char *p, gj_pipe *m)
{
    if (!json_is_object(o))
        return fail(x, p, "expected object");
    bool zc = false;
    m->max = 0;
    if (parse_end(x, o, p, "in", &m->in) < 0 || parse_end(x, o, p, "out", &m->out) < 0 ||
        get_bool(x, o, p, "proxy", &m->proxy) < 0 || get_str(x, o, p, "name", &m->name) < 0 ||
        get_u64(x, o, p, "max", &m->max, NULL) < 0 ||
        get_bool(x, o, p, "disableZeroCopy", &zc) < 0) /* a copy strategy: ours always copies */
        return -1;
    return 0;
}

int gj_request_parse(const char *body, size_t len, gj_request *req, char *err, size_t errlen)
{
    struct ctx x = {err, errlen};
    memset(req, 0, sizeof *req);
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_ALLOW_NUL, &je);
    if (!root) {
        snprintf(err, errlen, "$: invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
        return -1;
    }
    int rc = -1;
    char p[64];
    json_t *cmds = json_object_get(root, "cmd");
    if (!json_is_object(root))
        fail(&x, "$", "expected object");
    else if (get_str(&x, root, "$", "requestId", &req->request_id) < 0)
        ;
    else if (cmds && !json_is_null(cmds) && !json_is_array(cmds))
        fail(&x, "$.cmd", "expected array");
    else if (!cmds || json_is_null(cmds) || json_array_size(cmds) == 0)
        snprintf(err, errlen, "no cmd provided");
    else if (!(req->cmds = calloc(json_array_size(cmds), sizeof *req->cmds)))
        fail(&x, "$.cmd", "out of memory");
    else {
        rc = 0;
        for (; rc == 0 && req->n_cmds < json_array_size(cmds); req->n_cmds++) {
            idx(p, sizeof p, "$.cmd", req->n_cmds);
            rc = parse_cmd(&x, json_array_get(cmds, req->n_cmds), p, &req->cmds[req->n_cmds]);
        }
        json_t *pm = json_object_get(root, "pipeMapping");
        if (rc == 0 && pm && !json_is_null(pm)) {
            if (!json_is_array(pm) || !(req->pipes = calloc(json_array_size(pm) + 1, sizeof *req->pipes)))
                rc = fail(&x, "$.pipeMapping", "expected array");
            for (; rc == 0 && req->n_pipes < json_array_size(pm); req->n_pipes++) {
                idx(p, sizeof p, "$.pipeMapping", req->n_pipes);
                rc = parse_pipe(&x, json_array_get(pm, req->n_pipes), p, &req->pipes[req->n_pipes]);
            }
        }
    }
    json_decref(root);
    if (rc < 0)
        gj_request_free(req);
    return rc;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void gj_request_free(gj_request *req)
{
    for (size_t i = 0; req->cmds && i < req->n_cmds; i++) {
        gj_cmd *c = &req->cmds[i];
        free_strv(c->args, c->n_args);
        free_strv(c->env, c->n_env);
        free_strv(c->copy_out, c->n_copy_out);
        free_strv(c->copy_out_cached, c->n_copy_out_cached);
        for (size_t j = 0; j < c->n_files; j++)
            free(c->files[j].str);
        free(c->files);
        for (size_t j = 0; j < c->n_copy_in; j++) {
            free(c->copy_in[j].path);
            free(c->copy_in[j].file.str);
        }
        free(c->copy_in);
        free(c->cpu_set_limit);
    }
    free(req->cmds);
    for (size_t i = 0; req->pipes && i < req->n_pipes; i++)
        free(req->pipes[i].name);
    free(req->pipes);
    free(req->request_id);
    memset(req, 0, sizeof *req);
}
