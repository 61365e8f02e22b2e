/* One POST /run request (server.h): a -parallelism slot, one box per command, every descriptor
 * opened here (so that a bad fileId or pipe mapping fails the request before anything runs),
 * one worker process per command, proxies for pipeMapping entries with proxy:true, then the
 * results in command order.  A client that disconnects cancels its run. */
#include "request.h"
#include "server.h"
#include "util.h"
#include "worker.h"
#include "zygote.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------------ cancelling */

struct active {
    int *cancel_w; /* one pipe per worker: the keeper reads a signalfd_siginfo record from it */
    size_t n;
    bool cancelled;
    struct active *next;
};

static pthread_mutex_t active_mu = PTHREAD_MUTEX_INITIALIZER;
static struct active *active_list;
static unsigned active_count;

static void cancel_locked(struct active *a)
{
    if (a->cancelled)
        return;
    a->cancelled = true;
    struct signalfd_siginfo si;
    memset(&si, 0, sizeof si);
    si.ssi_signo = SIGTERM; /* the keeper's "interrupted": it kills the box and reports */
    for (size_t i = 0; i < a->n; i++)
        if (a->cancel_w[i] >= 0 && write(a->cancel_w[i], &si, sizeof si) < 0)
            continue;
}

void gj_runner_cancel_all(void)
{
    pthread_mutex_lock(&active_mu);
    for (struct active *a = active_list; a; a = a->next)
        cancel_locked(a);
    pthread_mutex_unlock(&active_mu);
}

unsigned gj_runner_active(void)
{
    pthread_mutex_lock(&active_mu);
    unsigned n = active_count;
    pthread_mutex_unlock(&active_mu);
    return n;
}

static void active_add(struct active *a)
{
    pthread_mutex_lock(&active_mu);
    a->next = active_list;
    active_list = a;
    active_count++;
    pthread_mutex_unlock(&active_mu);
}

static void active_remove(struct active *a)
{
    pthread_mutex_lock(&active_mu);
    for (struct active **p = &active_list; *p; p = &(*p)->next)
        if (*p == a) {
            *p = a->next;
            break;
        }
    active_count--;
    pthread_mutex_unlock(&active_mu);
}

/* The client closed its connection (FIN or reset) while we work for it. */
static bool client_gone(int fd)
{
    if (fd < 0)
        return false;
    struct pollfd p = {fd, POLLRDHUP, 0};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

struct waiter {
    gj_server *s;
    int client_fd;
};

static bool give_up(void *arg)
{
    struct waiter *w = arg;
    return atomic_load(&w->s->stopping) || client_gone(w->client_fd);
}

/* ------------------------------------------------------------------ proxies */

struct proxy {
    int rd, wr;
    uint64_t max;
    bool record;
    char *buf;
    size_t len;
    pthread_t th;
    bool started;
};

/* Keeps the first max bytes of b[0..r) when the mapping has a name. */
static void record(struct proxy *p, const char *b, size_t r)
{
    size_t k = r;
    if (k > p->max - p->len)
        k = (size_t)(p->max - p->len);
    char *nb = realloc(p->buf, p->len + k + 1);
    if (nb) {
        memcpy(nb + p->len, b, k);
        p->buf = nb;
        p->len += k;
    }
}

/* Relays writer -> reader.  When the reader is gone the data is dropped rather than the writer
 * killed by SIGPIPE (go-judge's proxy does the same); with a name, the first max bytes are kept.
 * Once nothing more is to be kept, pipe to pipe by splice(): one system call per chunk instead
 * of a read and a write, and no copy through this process (an interactive exchange of small
 * messages is system calls and wake-ups, nothing else). */
static void *proxy_main(void *arg)
{
    struct proxy *p = arg;
    char b[65536];
    for (;;) {
        ssize_t r;
        if (p->wr >= 0 && !(p->record && p->len < p->max)) {
            r = splice(p->rd, NULL, p->wr, NULL, sizeof b, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 && errno == EPIPE) { /* the reader is gone: drain and drop from now on */
                close(p->wr);
                p->wr = -1;
                continue;
            }
            if (r <= 0)
                break;
            continue;
        }
        r = read(p->rd, b, sizeof b);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (p->record && p->len < p->max)
            record(p, b, (size_t)r);
        if (p->wr >= 0 && gj_write_all(p->wr, b, (size_t)r) < 0) {
            close(p->wr);
            p->wr = -1;
        }
    }
    close(p->rd);
    if (p->wr >= 0)
        close(p->wr);
    return NULL;
}

/* ------------------------------------------------------------------ preparing descriptors */

struct prep {
    gj_cmd_fds *f;      /* per command */
    size_t n;
    struct proxy *px;   /* per pipe mapping */
    size_t n_px;
    int *cancel_r, *cancel_w, *res_r;
    int *chan;   /* per command: its worker's channel, back to the warm pool at the end */
    int body_fd; /* the request body, for the workers */
    uint32_t *ids;
    bool have_ids;
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static bool src_allowed(const gj_server *s, const char *path, char *real, size_t n)
{
    char *r = realpath(path, NULL);
    if (!r) {
        /* A missing file is reported when opened; its directory must still be allowed. */
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        r = realpath(slash && dir[0] ? dir : slash ? "/" : ".", NULL);
        snprintf(real, n, "%s/%s", r ? r : "?", slash ? slash + 1 : path);
        if (!r)
            return s->o.n_src_prefix == 0;
    } else
        snprintf(real, n, "%s", r);
    free(r);
    if (s->o.n_src_prefix == 0)
        return true;
    for (size_t i = 0; i < s->o.n_src_prefix; i++) {
        size_t l = strlen(s->o.src_prefix[i]);
        if (!strncmp(real, s->o.src_prefix[i], l) &&
            (real[l] == 0 || real[l] == '/' || (l && s->o.src_prefix[i][l - 1] == '/')))
            return true;
    }
    return false;
}

/* 400 for a src outside -src-prefix (go-judge checks this while binding the request). */
static int check_srcs(const gj_server *s, const gj_request *req, char *err, size_t n)
{
    char real[PATH_MAX];
    for (size_t i = 0; i < req->n_cmds; i++) {
        const gj_cmd *c = &req->cmds[i];
        for (size_t j = 0; j < c->n_files; j++)
            if (c->files[j].kind == GJ_FILE_SRC && !src_allowed(s, c->files[j].str, real, sizeof real))
                return snprintf(err, n, "$.cmd[%zu].files[%zu].src: %s is not under -src-prefix", i, j, real), -1;
        for (size_t j = 0; j < c->n_copy_in; j++)
            if (c->copy_in[j].file.kind == GJ_FILE_SRC &&
                !src_allowed(s, c->copy_in[j].file.str, real, sizeof real))
                return snprintf(err, n, "$.cmd[%zu].copyIn[\"%s\"].src: %s is not under -src-prefix", i,
                                c->copy_in[j].path, real), -1;
    }
    return 0;
}

/* Opens src or fileId content as a sealed memfd: the program can read it but never write to
 * or reopen for writing the host file or the stored file behind it. */
static int open_content(gj_server *s, const gj_file *f, int *err_no)
{
    int src = -1;
    if (f->kind == GJ_FILE_SRC)
        src = open(f->str, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    else
        src = gj_store_open_file(s->store, f->str, NULL);
    if (src < 0) {
        *err_no = f->kind == GJ_FILE_SRC ? errno : ENOENT;
        return -1;
    }
    struct stat st;
    int fd = fstat(src, &st) == 0 && S_ISREG(st.st_mode) ? gj_memfd_copy("in", src) : -1;
    *err_no = fd < 0 ? (errno ? errno : EINVAL) : 0;
    close(src);
    return fd;
}

/* A pipe is root's and 0600: the program could use it but not reopen it through
 * /proc/self/fd/N (/dev/stdin, communication problems), and two boxes' uids share it.  0666 on
 * an anonymous pipe opens it to no one else: its only path is /proc/<pid>/fd of a holder, which
 * takes ptrace rights over that holder. */
static int open_pipe(int p[2])
{
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    if (fchmod(p[0], 0666) < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    return 0;
}

static int prepare_files(gj_server *s, const gj_cmd *c, size_t ci, gj_cmd_fds *f, char *err, size_t n)
{
    for (size_t j = 0; j < c->n_files; j++) {
        const gj_file *x = &c->files[j];
        int e = 0;
        switch (x->kind) {
        case GJ_FILE_NULL:
            break;
        case GJ_FILE_CONTENT:
            f->fd_map[j] = gj_memfd_sealed("content", x->str, x->len);
            e = errno;
            break;
        case GJ_FILE_SRC:
        case GJ_FILE_ID:
            f->fd_map[j] = open_content(s, x, &e);
            break;
        case GJ_FILE_COLLECTOR:
            f->collect[j] = memfd_create(x->str, MFD_CLOEXEC);
            if (f->collect[j] < 0) {
                e = errno;
                break;
            }
            if (x->pipe) {
                int pp[2];
                if (open_pipe(pp) < 0) {
                    e = errno;
                    break;
                }
                f->collect_pipe[j] = pp[0];
                f->fd_map[j] = pp[1];
            } else
                f->fd_map[j] = fcntl(f->collect[j], F_DUPFD_CLOEXEC, 0);
            break;
        case GJ_FILE_SYMLINK:
            break;
        }
        if (x->kind != GJ_FILE_NULL && f->fd_map[j] < 0)
            return snprintf(err, n, "cmd[%zu].files[%zu]: %s: %s", ci, j,
                            x->kind == GJ_FILE_ID ? "file not found" : "cannot open",
                            x->kind == GJ_FILE_CONTENT || x->kind == GJ_FILE_COLLECTOR ? strerror(e)
                                                                                       : x->str), -1;
    }
    for (size_t j = 0; j < c->n_copy_in; j++) {
        const gj_file *x = &c->copy_in[j].file;
        if (x->kind != GJ_FILE_SRC && x->kind != GJ_FILE_ID)
            continue;
        f->copy_in_fd[j] = open_content(s, x, &f->copy_in_errno[j]);
        if (f->copy_in_fd[j] < 0 && x->kind == GJ_FILE_ID) /* go-judge: 500, not File Error */
            return snprintf(err, n, "cmd[%zu].copyIn[\"%s\"]: file not found: %s", ci,
                            c->copy_in[j].path, x->str), -1;
    }
    return 0;
}

static size_t fd_table_size(const gj_request *req, size_t i)
{
    size_t m = req->cmds[i].n_files;
    for (size_t k = 0; k < req->n_pipes; k++) {
        const gj_pipe *p = &req->pipes[k];
        if (p->in.index == i && p->in.fd + 1 > m)
            m = p->in.fd + 1;
        if (p->out.index == i && p->out.fd + 1 > m)
            m = p->out.fd + 1;
    }
    return m < 3 ? 3 : m;
}

static int alloc_fds(gj_cmd_fds *f, size_t n_fd, size_t n_files, size_t n_ci)
{
    f->n_fd_map = n_fd;
    f->fd_map = malloc(n_fd * sizeof(int));
    f->collect = malloc((n_files + 1) * sizeof(int));
    f->collect_pipe = malloc((n_files + 1) * sizeof(int));
    f->copy_in_fd = malloc((n_ci + 1) * sizeof(int));
    f->copy_in_errno = calloc(n_ci + 1, sizeof(int));
    if (!f->fd_map || !f->collect || !f->collect_pipe || !f->copy_in_fd || !f->copy_in_errno)
        return -1;
    for (size_t i = 0; i < n_fd; i++)
        f->fd_map[i] = -1;
    for (size_t i = 0; i <= n_files; i++)
        f->collect[i] = f->collect_pipe[i] = -1;
    for (size_t i = 0; i <= n_ci; i++)
        f->copy_in_fd[i] = -1;
    return 0;
}

static int prepare_pipes(const gj_request *req, struct prep *pr, char *err, size_t n)
{
    for (size_t k = 0; k < req->n_pipes; k++) {
        const gj_pipe *p = &req->pipes[k];
        const gj_pipe_end *ends[2] = {&p->in, &p->out};
        for (int e = 0; e < 2; e++) {
            const gj_pipe_end *x = ends[e];
            if (x->index >= req->n_cmds)
                return snprintf(err, n, "pipeMapping[%zu]: index %zu out of range", k, x->index), -1;
            const gj_cmd *c = &req->cmds[x->index];
            if ((x->fd < c->n_files && c->files[x->fd].kind != GJ_FILE_NULL) ||
                pr->f[x->index].fd_map[x->fd] >= 0)
                return snprintf(err, n, "pipeMapping[%zu]: fd %zu of cmd %zu is already in use", k,
                                x->fd, x->index), -1;
        }
        if (p->in.index == p->out.index && p->in.fd == p->out.fd)
            return snprintf(err, n, "pipeMapping[%zu]: in and out are the same descriptor", k), -1;
        int a[2];
        if (open_pipe(a) < 0)
            return snprintf(err, n, "pipe: %s", strerror(errno)), -1;
        pr->f[p->in.index].fd_map[p->in.fd] = a[1];
        if (!p->proxy) {
            pr->f[p->out.index].fd_map[p->out.fd] = a[0];
            continue;
        }
        int b[2];
        if (open_pipe(b) < 0) {
            close(a[0]);
            close(a[1]);
            return snprintf(err, n, "pipe: %s", strerror(errno)), -1;
        }
        pr->f[p->out.index].fd_map[p->out.fd] = b[0];
        struct proxy *x = &pr->px[pr->n_px++];
        x->rd = a[0];
        x->wr = b[1];
        x->record = p->name && p->name[0];
        x->max = p->max;
    }
    for (size_t i = 0; i < req->n_cmds; i++)
        for (size_t j = 0; j < req->cmds[i].n_files; j++)
            if (req->cmds[i].files[j].kind == GJ_FILE_NULL && pr->f[i].fd_map[j] < 0)
                return snprintf(err, n, "null file for index %zu fd %zu", i, j), -1;
    return 0;
}

/* The server's copies of what the workers got (each worker holds its own). */
static void close_prepared(const gj_request *req, struct prep *pr)
{
    for (size_t i = 0; pr->f && i < pr->n; i++) {
        gj_cmd_fds *f = &pr->f[i];
        for (size_t j = 0; f->fd_map && j < f->n_fd_map; j++)
            close_fd(&f->fd_map[j]);
        for (size_t j = 0; f->collect && j < req->cmds[i].n_files; j++) {
            close_fd(&f->collect[j]);
            close_fd(&f->collect_pipe[j]);
        }
        for (size_t j = 0; f->copy_in_fd && j < req->cmds[i].n_copy_in; j++)
            close_fd(&f->copy_in_fd[j]);
        if (pr->cancel_r)
            close_fd(&pr->cancel_r[i]);
    }
}

/* ------------------------------------------------------------------ workers */

/* Hands command i to its box's ready worker (zygote.h). */
static int launch(gj_server *s, const gj_request *req, struct prep *pr, size_t i, int res_w,
                  struct waiter *w, char *err, size_t n)
{
    int chan = gj_warm_acquire(s, pr->ids[i], give_up, w);
    if (chan == -2)
        return snprintf(err, n, "cancelled"), -1;
    if (chan < 0)
        return snprintf(err, n, "box %u: its worker could not be started", (unsigned)pr->ids[i]), -1;
    int rc = gj_worker_send(chan, pr->body_fd, i, &req->cmds[i], &pr->f[i], pr->cancel_r[i], res_w);
    int e = errno;
    if (rc < 0)
        close(chan);
    else
        pr->chan[i] = chan; /* the worker says "ready" on it again after its reset */
    if (rc < 0)
        return snprintf(err, n, "box %u: cannot hand the command over: %s", (unsigned)pr->ids[i],
                        strerror(e)), -1;
    return 0;
}

/* Reads every worker's result while watching the client; the results' texts in out[]. */
static void wait_workers(gj_server *s, struct prep *pr, int client_fd, struct active *act,
                         char **out, size_t *len)
{
    size_t n = pr->n, open_n = 0;
    size_t *cap = calloc(n, sizeof *cap);
    for (size_t i = 0; i < n; i++) {
        open_n += pr->res_r[i] >= 0;
        if (cap)
            cap[i] = out[i] ? 65536 : 0;
    }
    while (open_n > 0) {
        struct pollfd p[GJ_MAX_FD + 2];
        size_t np = 0, map[GJ_MAX_FD + 2];
        for (size_t i = 0; i < n && np < GJ_MAX_FD; i++)
            if (pr->res_r[i] >= 0) {
                p[np] = (struct pollfd){pr->res_r[i], POLLIN, 0};
                map[np++] = i;
            }
        p[np] = (struct pollfd){act->cancelled ? -1 : client_fd, POLLRDHUP, 0};
        int r = poll(p, (nfds_t)np + 1, 200);
        if (r < 0 && errno != EINTR)
            break;
        if (p[np].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
            pthread_mutex_lock(&active_mu);
            cancel_locked(act);
            pthread_mutex_unlock(&active_mu);
        }
        for (size_t k = 0; k < np; k++) {
            if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            size_t i = map[k];
            if (cap && len[i] + 65536 > cap[i]) {
                char *nb = realloc(out[i], cap[i] * 2 + 65537);
                if (nb) {
                    out[i] = nb;
                    cap[i] = cap[i] * 2 + 65536;
                }
            }
            ssize_t got = cap && out[i] ? read(pr->res_r[i], out[i] + len[i], cap[i] - len[i]) : 0;
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                close_fd(&pr->res_r[i]);
                open_n--;
                continue;
            }
            len[i] += (size_t)got;
            out[i][len[i]] = 0;
        }
    }
    free(cap);
}

static json_t *internal_error(const char *msg)
{
    return json_pack("{s:s,s:i,s:i,s:i,s:i,s:s,s:{s:s,s:s}}", "status", "Internal Error", "exitStatus",
                     0, "time", 0, "memory", 0, "runTime", 0, "error", msg, "miniIsolate", "status",
                     "InternalError", "message", msg);
}

/* Results in command order; fileIds registered in the store, proxy recordings in the writer's files. */
static char *assemble(gj_server *s, const gj_request *req, struct prep *pr, char **out, size_t *len)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < pr->n; i++) {
        json_t *r = out[i] ? json_loadb(out[i], len[i], JSON_ALLOW_NUL, NULL) : NULL;
        if (!r)
            r = internal_error("the worker process ended without a result");
        json_t *ids = json_object_get(r, "fileIds");
        const char *name;
        json_t *v;
        json_object_foreach(ids, name, v)
            gj_store_commit(s->store, json_string_value(v), name);
        size_t px = 0;
        for (size_t k = 0; k < req->n_pipes; k++) {
            const gj_pipe *p = &req->pipes[k];
            if (!p->proxy)
                continue;
            struct proxy *x = &pr->px[px++];
            if (p->in.index != i || !x->record)
                continue;
            json_t *files = json_object_get(r, "files");
            if (!files) {
                files = json_object();
                json_object_set_new(r, "files", files);
            }
            json_object_set_new(files, p->name, gj_json_bytes(x->buf ? x->buf : "", x->len));
        }
        json_array_append_new(arr, r);
    }
    char *txt = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return txt;
}

static int start_run(gj_server *s, const gj_request *req, struct prep *pr, struct waiter *w,
                     char *err, size_t n)
{
    for (size_t i = 0; i < req->n_cmds; i++) {
        const gj_cmd *c = &req->cmds[i];
        if (alloc_fds(&pr->f[i], fd_table_size(req, i), c->n_files, c->n_copy_in) < 0)
            return snprintf(err, n, "out of memory"), -1;
    }
    for (size_t i = 0; i < req->n_cmds; i++)
        if (prepare_files(s, &req->cmds[i], i, &pr->f[i], err, n) < 0)
            return -1;
    if (prepare_pipes(req, pr, err, n) < 0)
        return -1;
    for (size_t i = 0; i < req->n_cmds; i++) {
        int cp[2], rp[2];
        if (pipe2(cp, O_CLOEXEC | O_NONBLOCK) < 0)
            return snprintf(err, n, "pipe: %s", strerror(errno)), -1;
        pr->cancel_r[i] = cp[0];
        pr->cancel_w[i] = cp[1];
        if (pipe2(rp, O_CLOEXEC) < 0)
            return snprintf(err, n, "pipe: %s", strerror(errno)), -1;
        pr->res_r[i] = rp[0];
        int rc = launch(s, req, pr, i, rp[1], w, err, n);
        close(rp[1]);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static void free_prep(const gj_request *req, struct prep *pr)
{
    close_prepared(req, pr);
    for (size_t i = 0; i < pr->n; i++) {
        gj_cmd_fds_free(&pr->f[i]);
        close_fd(&pr->cancel_w[i]);
        close_fd(&pr->res_r[i]);
        close_fd(&pr->chan[i]);
    }
    for (size_t k = 0; k < pr->n_px; k++) {
        if (!pr->px[k].started) {
            close_fd(&pr->px[k].rd);
            close_fd(&pr->px[k].wr);
        }
        free(pr->px[k].buf);
    }
    free(pr->f);
    free(pr->px);
    free(pr->cancel_r);
    free(pr->cancel_w);
    free(pr->res_r);
    free(pr->chan);
    free(pr->ids);
    close_fd(&pr->body_fd);
}

static int alloc_prep(const gj_request *req, struct prep *pr)
{
    size_t n = req->n_cmds;
    pr->n = n;
    pr->f = calloc(n, sizeof *pr->f);
    pr->px = calloc(req->n_pipes + 1, sizeof *pr->px);
    pr->cancel_r = malloc(n * sizeof(int));
    pr->cancel_w = malloc(n * sizeof(int));
    pr->res_r = malloc(n * sizeof(int));
    pr->chan = malloc(n * sizeof(int));
    pr->ids = calloc(n, sizeof(uint32_t));
    pr->body_fd = -1;
    if (!pr->f || !pr->px || !pr->cancel_r || !pr->cancel_w || !pr->res_r || !pr->chan ||
        !pr->ids)
        return -1;
    for (size_t i = 0; i < n; i++)
        pr->cancel_r[i] = pr->cancel_w[i] = pr->res_r[i] = pr->chan[i] = -1;
    return 0;
}

char *gj_run_request(gj_server *s, const gj_request *req, const char *body, size_t body_len,
                     int client_fd, int *http_status, char *err, size_t errlen)
{
    if (check_srcs(s, req, err, errlen) < 0) {
        *http_status = 400;
        return NULL;
    }
    *http_status = 500;
    struct waiter w = {s, client_fd};
    int rc = gj_pool_enter(&s->pool, give_up, &w);
    if (rc < 0) {
        snprintf(err, errlen, rc == -1 ? "worker queue is full" : "cancelled");
        return NULL;
    }
    struct prep pr = {.body_fd = -1};
    char *txt = NULL;
    if (alloc_prep(req, &pr) < 0 || (pr.body_fd = gj_memfd_sealed("request", body, body_len)) < 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    rc = gj_pool_take(&s->pool, req->n_cmds, pr.ids, give_up, &w);
    if (rc < 0) {
        snprintf(err, errlen, rc == -1 ? "more commands than the server has boxes" : "cancelled");
        goto done;
    }
    pr.have_ids = true;
    struct active act = {.cancel_w = pr.cancel_w, .n = pr.n};
    active_add(&act);
    rc = start_run(s, req, &pr, &w, err, errlen);
    close_prepared(req, &pr);
    for (size_t k = 0; k < pr.n_px; k++)
        pr.px[k].started = pthread_create(&pr.px[k].th, NULL, proxy_main, &pr.px[k]) == 0;
    char **out = calloc(pr.n, sizeof *out);
    size_t *len = calloc(pr.n, sizeof *len);
    if (rc < 0 || !out || !len) {
        pthread_mutex_lock(&active_mu);
        cancel_locked(&act);
        pthread_mutex_unlock(&active_mu);
    }
    for (size_t i = 0; out && i < pr.n; i++)
        out[i] = malloc(65537);
    wait_workers(s, &pr, client_fd, &act, out ? out : (char *[1]){0}, len ? len : (size_t[1]){0});
    for (size_t k = 0; k < pr.n_px; k++)
        if (pr.px[k].started)
            pthread_join(pr.px[k].th, NULL);
    bool cancelled = act.cancelled;
    active_remove(&act);
    if (rc == 0 && out && len && !cancelled)
        txt = assemble(s, req, &pr, out, len);
    else if (rc == 0 && cancelled)
        snprintf(err, errlen, "cancelled");
    for (size_t i = 0; out && i < pr.n; i++)
        free(out[i]);
    free(out);
    free(len);
done:
    /* Each box's next worker starts before the box is free again: never two on one box. */
    for (size_t i = 0; pr.have_ids && i < req->n_cmds; i++)
        gj_warm_release(s, pr.ids[i], &pr.chan[i]);
    if (pr.have_ids)
        gj_pool_give(&s->pool, req->n_cmds, pr.ids);
    free_prep(req, &pr);
    gj_pool_leave(&s->pool);
    return txt;
}
