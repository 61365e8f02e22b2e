/* HTTP with libmicrohttpd (one thread per connection: a /run blocks its connection's thread
 * while the boxes run).  Routes, the Bearer token, the body limit (413), multipart uploads
 * through libmicrohttpd's post processor, and go-judge's response shapes (docs/server.md). */
#include "request.h"
#include "server.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct gj_http {
    struct MHD_Daemon *d;
    int listen_fd;
    char *unix_path;
};

/* Per request (MHD's con_cls). */
struct rq {
    char *body;
    size_t len, cap;
    bool too_big;
    /* POST /file */
    struct MHD_PostProcessor *pp;
    int file_fd;
    char id[GJ_ID_LEN + 1];
    char *filename;
    bool got_file, file_failed;
};

static gj_server *S;

static enum MHD_Result send_body(struct MHD_Connection *c, unsigned code, const char *type,
                                 char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    if (type)
        MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ok = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned code, json_t *j)
{
    char *t = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!t)
        return MHD_NO;
    return send_body(c, code, "application/json; charset=utf-8", t, strlen(t));
}

static enum MHD_Result send_msg(struct MHD_Connection *c, unsigned code, const char *msg)
{
    return send_json(c, code, gj_json_bytes(msg, strlen(msg)));
}

static enum MHD_Result send_empty(struct MHD_Connection *c, unsigned code)
{
    return send_body(c, code, NULL, strdup(""), 0);
}

static json_t *features(void)
{
    return json_pack("{s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b}", "copyOutOptional", 1, "pipeProxy", 1,
                     "symlink", 1, "addressSpaceLimit", 1, "stream", 0, "procPeak", S->proc_peak,
                     "copyOutTruncate", 1, "pipeProxyZeroCopy", 0, "fixSymlinkEscape", 1);
}

static enum MHD_Result do_version(struct MHD_Connection *c)
{
    json_t *j = features();
    json_object_set_new(j, "buildVersion", json_string(GJ_API_VERSION));
    json_object_set_new(j, "goVersion", json_string("none (mini-isolate, C)"));
    json_object_set_new(j, "platform", json_string("linux"));
    json_object_set_new(j, "os", json_string("linux"));
    json_object_set_new(j, "miniIsolateVersion", json_string(MI_VERSION));
    return send_json(c, 200, j);
}

static enum MHD_Result do_config(struct MHD_Connection *c)
{
    json_t *j = features();
    json_object_set_new(j, "fileStorePath", json_string(gj_store_dir(S->store)));
    json_object_set_new(
        j, "runnerConfig",
        json_pack("{s:i,s:[],s:[],s:[],s:s,s:s,s:s,s:i,s:i,s:[sss]}", "cgroupType", S->cgroup_type,
                  "mount", "symbolicLink", "maskedPaths", "hostName", "mini-isolate", "domainName",
                  "", "workDir", "/w", "uid", (int)S->host.first_uid + (int)S->o.box_first, "gid",
                  (int)S->host.first_gid + (int)S->o.box_first, "cgroupControllers", "cpu",
                  "memory", "pids"));
    return send_json(c, 200, j);
}

static bool authorized(struct MHD_Connection *c)
{
    if (!S->o.auth_token || !S->o.auth_token[0])
        return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || strncmp(h, "Bearer ", 7))
        return false;
    /* Compared in constant time: the token must not leak through response timing. */
    const char *t = S->o.auth_token, *g = h + 7;
    size_t lt = strlen(t), lg = strlen(g);
    unsigned char d = lt != lg;
    for (size_t i = 0; i < lg; i++)
        d |= (unsigned char)(g[i] ^ t[i % (lt ? lt : 1)]);
    return d == 0;
}

static enum MHD_Result do_run(struct MHD_Connection *c, struct rq *q)
{
    gj_request req;
    char err[1024];
    if (gj_request_parse(q->body ? q->body : "", q->len, &req, err, sizeof err) < 0)
        return send_msg(c, 400, err);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    int status = 500;
    char *txt = gj_run_request(S, &req, q->body ? q->body : "", q->len, ci ? ci->connect_fd : -1, &status, err, sizeof err);
    gj_request_free(&req);
    if (!txt)
        return send_msg(c, (unsigned)status, err);
    return send_body(c, 200, "application/json; charset=utf-8", txt, strlen(txt));
}

static const char *mime_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } t[] = {{".txt", "text/plain; charset=utf-8"}, {".json", "application/json"},
             {".html", "text/html; charset=utf-8"}, {".zip", "application/zip"}};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof t / sizeof t[0]; i++)
        if (!strcasecmp(dot, t[i].ext))
            return t[i].type;
    return "application/octet-stream";
}

static enum MHD_Result do_get_file(struct MHD_Connection *c, const char *id)
{
    char *name = NULL;
    int fd = gj_store_open_file(S->store, id, &name);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        free(name);
        return send_empty(c, 404);
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        free(name);
        return MHD_NO;
    }
    /* The name comes from a client (multipart filename, copyOut name): no quote or line break
     * may reach the header. */
    char disp[600];
    size_t k = (size_t)snprintf(disp, sizeof disp, "attachment; filename=\"");
    for (const char *p = name; *p && k < sizeof disp - 3; p++)
        disp[k++] = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) ? '_' : *p;
    disp[k++] = '"';
    disp[k] = 0;
    MHD_add_response_header(r, "Content-Type", mime_of(name));
    MHD_add_response_header(r, "Content-Disposition", disp);
    free(name);
    enum MHD_Result ok = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    struct rq *q = cls;
    if (strcmp(key, "file") != 0 || q->file_failed)
        return MHD_YES;
    if (q->got_file && off == 0 && q->file_fd < 0)
        return MHD_YES; /* only the first "file" part */
    if (q->file_fd < 0) {
        q->got_file = true;
        q->file_fd = gj_store_create_in(gj_store_dir(S->store), q->id);
        q->filename = strdup(filename ? filename : q->id);
        if (q->file_fd < 0 || !q->filename) {
            q->file_failed = true;
            return MHD_YES;
        }
    }
    if (size && gj_write_all(q->file_fd, data, size) < 0)
        q->file_failed = true;
    return MHD_YES;
}

static enum MHD_Result do_post_file(struct MHD_Connection *c, struct rq *q)
{
    if (q->file_fd >= 0) {
        close(q->file_fd);
        q->file_fd = -1;
    }
    if (!q->got_file)
        return send_msg(c, 400, "multipart field \"file\" missing");
    if (q->file_failed || gj_store_commit(S->store, q->id, q->filename) < 0) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", gj_store_dir(S->store), q->id);
        unlink(p);
        return send_msg(c, 500, "cannot store the file");
    }
    return send_json(c, 200, json_string(q->id));
}

static void drop_upload(struct rq *q)
{
    if (q->file_fd >= 0) {
        close(q->file_fd);
        q->file_fd = -1;
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", gj_store_dir(S->store), q->id);
        unlink(p);
    }
}

/* Body bytes: /run keeps them (up to the limit), POST /file streams them to the store. */
static void take_body(struct MHD_Connection *c, struct rq *q, bool upload, const char *data, size_t n)
{
    uint64_t limit = upload ? S->o.copy_out_limit : S->o.max_body;
    if (q->too_big || q->len + n > limit) {
        q->too_big = true;
        drop_upload(q);
        return;
    }
    if (upload) {
        q->len += n;
        if (q->pp && MHD_post_process(q->pp, data, n) != MHD_YES)
            q->file_failed = true;
        return;
    }
    if (q->len + n + 1 > q->cap) {
        size_t nc = (q->len + n + 1) * 2;
        char *nb = realloc(q->body, nc);
        if (!nb) {
            q->too_big = true;
            return;
        }
        q->body = nb;
        q->cap = nc;
    }
    memcpy(q->body + q->len, data, n);
    q->len += n;
    q->body[q->len] = 0;
}

static enum MHD_Result route(struct MHD_Connection *c, const char *url, const char *method,
                             struct rq *q)
{
    bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
    if (get && !strcmp(url, "/version"))
        return do_version(c);
    if (get && !strcmp(url, "/config"))
        return do_config(c);
    if (!authorized(c))
        return send_empty(c, 401);
    if (q->too_big)
        return send_msg(c, 413, "request body too large");
    if (post && !strcmp(url, "/run"))
        return do_run(c, q);
    if (get && !strcmp(url, "/file")) {
        char *t = gj_store_list_json(S->store);
        return t ? send_body(c, 200, "application/json; charset=utf-8", t, strlen(t)) : MHD_NO;
    }
    if (post && !strcmp(url, "/file"))
        return do_post_file(c, q);
    if (!strncmp(url, "/file/", 6) && get)
        return do_get_file(c, url + 6);
    if (!strncmp(url, "/file/", 6) && !strcmp(method, "DELETE"))
        return send_empty(c, gj_store_remove(S->store, url + 6) == 0 ? 200 : 404);
    return send_msg(c, 404, "not found");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **con_cls)
{
    struct rq *q = *con_cls;
    bool upload = !strcmp(method, "POST") && !strcmp(url, "/file");
    if (!q) {
        q = calloc(1, sizeof *q);
        if (!q)
            return MHD_NO;
        q->file_fd = -1;
        *con_cls = q;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        uint64_t limit = upload ? S->o.copy_out_limit : S->o.max_body;
        if (cl && strtoull(cl, NULL, 10) > limit) /* refused before reading it */
            return authorized(c) ? send_msg(c, 413, "request body too large") : send_empty(c, 401);
        if (upload && authorized(c))
            q->pp = MHD_create_post_processor(c, 65536, post_iter, q);
        return MHD_YES;
    }
    if (*size) {
        take_body(c, q, upload && authorized(c), data, *size);
        *size = 0;
        return MHD_YES;
    }
    if (upload && !q->pp && authorized(c))
        return send_msg(c, 400, "expected multipart/form-data");
    return route(c, url, method, q);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct rq *q = *con_cls;
    if (!q)
        return;
    drop_upload(q);
    if (q->pp)
        MHD_destroy_post_processor(q->pp);
    free(q->filename);
    free(q->body);
    free(q);
    *con_cls = NULL;
}

static int listen_unix(const char *path, char *err, size_t n)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        return snprintf(err, n, "unix socket path too long: %s", path), -1;
    strcpy(a.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path); /* left by a server that was killed */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    mode_t old = umask(0117); /* the socket is created 0660: owner and group may connect */
    int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (rc < 0 || chmod(path, 0660) < 0 || listen(fd, 512) < 0) {
        snprintf(err, n, "cannot listen on unix:%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int listen_tcp(const char *addr, char *err, size_t n)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (!colon || !colon[1])
        return snprintf(err, n, "-http-addr %s: expected host:port or unix:/path", addr), -1;
    snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
    char *h = host;
    if (h[0] == '[' && h[strlen(h) - 1] == ']') {
        h[strlen(h) - 1] = 0;
        h++;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    int g = getaddrinfo(h[0] ? h : NULL, colon + 1, &hints, &res);
    if (g != 0)
        return snprintf(err, n, "-http-addr %s: %s", addr, gai_strerror(g)), -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        int one = 1;
        if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
                        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 512) < 0)) {
            snprintf(err, n, "cannot listen on %s: %s", addr, strerror(errno));
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

int gj_http_start(gj_server *s, gj_http **out, char *err, size_t errlen)
{
    S = s;
    gj_http *h = calloc(1, sizeof *h);
    if (!h)
        return snprintf(err, errlen, "out of memory"), -1;
    bool is_unix = !strncmp(s->o.http_addr, "unix:", 5);
    h->listen_fd = is_unix ? listen_unix(s->o.http_addr + 5, err, errlen)
                           : listen_tcp(s->o.http_addr, err, errlen);
    if (h->listen_fd < 0) {
        free(h);
        return -1;
    }
    if (is_unix)
        h->unix_path = strdup(s->o.http_addr + 5);
    h->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC,
                            0, NULL, NULL, handler, NULL, MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                            MHD_OPTION_CONNECTION_TIMEOUT, 600u, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, errlen, "cannot start the HTTP server on %s", s->o.http_addr);
        close(h->listen_fd);
        free(h->unix_path);
        free(h);
        return -1;
    }
    *out = h;
    return 0;
}

void gj_http_quiesce(gj_http *h)
{
    MHD_socket fd = MHD_quiesce_daemon(h->d);
    if (fd >= 0)
        close(fd);
    if (h->unix_path)
        unlink(h->unix_path);
}

void gj_http_stop(gj_http *h)
{
    MHD_stop_daemon(h->d);
    free(h->unix_path);
    free(h);
}
