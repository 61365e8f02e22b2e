/* The zygote and the warm boxes (zygote.h). */
#include "zygote.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define FDS_PER_MSG 250 /* below the kernel's SCM_MAX_FD (253) */
#define RUN_MAGIC 0x6d69726eu
#define MAX_HDR (160u << 10)

static int ctl_fd = -1;
static pid_t zygote_pid = -1;
static pthread_mutex_t ctl_mu = PTHREAD_MUTEX_INITIALIZER;

/* ------------------------------------------------------------------ descriptor passing */

static int send_fds(int sk, const void *data, size_t len, const int *fds, size_t n)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * FDS_PER_MSG)];
        struct cmsghdr align;
    } u;
    struct iovec iov = {(void *)data, len};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (n) {
        mh.msg_control = u.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
    }
    ssize_t r;
    while ((r = sendmsg(sk, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return r == (ssize_t)len ? 0 : -1;
}

/* One message: its bytes into buf (at most cap), its descriptors appended to fds[*n..max). */
static ssize_t recv_fds(int sk, void *buf, size_t cap, int *fds, size_t *n, size_t max)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * FDS_PER_MSG)];
        struct cmsghdr align;
    } u;
    struct iovec iov = {buf, cap};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf};
    ssize_t r;
    while ((r = recvmsg(sk, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); r >= 0 && cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int tmp[FDS_PER_MSG];
        memcpy(tmp, CMSG_DATA(cm), k * sizeof(int));
        for (size_t i = 0; i < k; i++) {
            if (*n < max)
                fds[(*n)++] = tmp[i];
            else
                close(tmp[i]);
        }
    }
    if (r >= 0 && (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
        return errno = EMSGSIZE, -1;
    return r;
}

/* ------------------------------------------------------------------ the run message */

struct run_hdr {
    uint32_t magic, index, n_fd_map, n_files, n_ci, n_fds;
    int32_t slot; /* the request's -parallelism slot (its -cpuset entry) */
    /* then int32: fd_map[n_fd_map], collect[n_files], collect_pipe[n_files], copy_in_fd[n_ci],
     * copy_in_errno[n_ci]; a descriptor is an index into the passed list, -1 for none */
};

static void put_slots(int32_t **w, const int *src, size_t n, int *fds, size_t *nf)
{
    for (size_t i = 0; i < n; i++) {
        *(*w)++ = src[i] >= 0 ? (int32_t)*nf : -1;
        if (src[i] >= 0)
            fds[(*nf)++] = src[i];
    }
}

int gj_worker_send(int chan, int body_fd, size_t index, const gj_cmd *cmd, const gj_cmd_fds *f,
                   int cancel_r, int res_w)
{
    size_t n_slots = f->n_fd_map + 2 * cmd->n_files + 2 * cmd->n_copy_in;
    size_t len = sizeof(struct run_hdr) + n_slots * sizeof(int32_t);
    if (len > MAX_HDR)
        return errno = E2BIG, -1;
    struct run_hdr *h = calloc(1, len);
    int *fds = malloc((n_slots + 3) * sizeof(int));
    if (!h || !fds) {
        free(h);
        free(fds);
        return errno = ENOMEM, -1;
    }
    size_t nf = 0;
    fds[nf++] = body_fd;
    fds[nf++] = cancel_r;
    fds[nf++] = res_w;
    int32_t *w = (int32_t *)(h + 1);
    put_slots(&w, f->fd_map, f->n_fd_map, fds, &nf);
    put_slots(&w, f->collect, cmd->n_files, fds, &nf);
    put_slots(&w, f->collect_pipe, cmd->n_files, fds, &nf);
    put_slots(&w, f->copy_in_fd, cmd->n_copy_in, fds, &nf);
    for (size_t i = 0; i < cmd->n_copy_in; i++)
        *w++ = f->copy_in_errno[i];
    *h = (struct run_hdr){RUN_MAGIC, (uint32_t)index, (uint32_t)f->n_fd_map,
                          (uint32_t)cmd->n_files, (uint32_t)cmd->n_copy_in, (uint32_t)nf,
                          gj_pool_slot()};
    size_t first = nf < FDS_PER_MSG ? nf : FDS_PER_MSG;
    int rc = send_fds(chan, h, len, fds, first);
    for (size_t off = first; rc == 0 && off < nf; off += FDS_PER_MSG) {
        size_t k = nf - off < FDS_PER_MSG ? nf - off : FDS_PER_MSG;
        rc = send_fds(chan, "+", 1, fds + off, k);
    }
    free(h);
    free(fds);
    return rc;
}

static int slot(const int32_t *v, const int *fds, size_t nf)
{
    return *v >= 0 && (size_t)*v < nf ? fds[*v] : -1;
}

int gj_worker_recv(int chan, gj_worker_msg *m)
{
    memset(m, 0, sizeof *m);
    struct run_hdr *h = malloc(MAX_HDR);
    int *fds = malloc(sizeof(int) * (GJ_MAX_FD * 4 + 16));
    size_t nf = 0, max = GJ_MAX_FD * 4 + 16;
    ssize_t len = h && fds ? recv_fds(chan, h, MAX_HDR, fds, &nf, max) : -1;
    size_t n_slots = len >= (ssize_t)sizeof *h
                         ? (size_t)h->n_fd_map + 2 * (size_t)h->n_files + 2 * (size_t)h->n_ci : 0;
    if (len < (ssize_t)sizeof *h || h->magic != RUN_MAGIC ||
        (size_t)len != sizeof *h + n_slots * sizeof(int32_t) || h->n_fds < 3 || h->n_fds > max) {
        free(h);
        free(fds);
        return -1;
    }
    char more[8];
    while (nf < h->n_fds && recv_fds(chan, more, sizeof more, fds, &nf, max) > 0)
        ;
    m->index = h->index;
    gj_pool_set_slot(h->slot);
    m->body_fd = fds[0];
    m->cancel_r = fds[1];
    m->res_w = fds[2];
    gj_cmd_fds *f = &m->fds;
    f->n_fd_map = h->n_fd_map;
    m->n_files = h->n_files;
    m->n_copy_in = h->n_ci;
    f->fd_map = calloc(h->n_fd_map + 1, sizeof(int));
    f->collect = calloc(h->n_files + 1, sizeof(int));
    f->collect_pipe = calloc(h->n_files + 1, sizeof(int));
    f->copy_in_fd = calloc(h->n_ci + 1, sizeof(int));
    f->copy_in_errno = calloc(h->n_ci + 1, sizeof(int));
    int rc = f->fd_map && f->collect && f->collect_pipe && f->copy_in_fd && f->copy_in_errno &&
                     nf == h->n_fds ? 0 : -1;
    const int32_t *v = (const int32_t *)(h + 1);
    for (size_t i = 0; rc == 0 && i < h->n_fd_map; i++)
        f->fd_map[i] = slot(v++, fds, nf);
    for (size_t i = 0; rc == 0 && i < h->n_files; i++)
        f->collect[i] = slot(v++, fds, nf);
    for (size_t i = 0; rc == 0 && i < h->n_files; i++)
        f->collect_pipe[i] = slot(v++, fds, nf);
    for (size_t i = 0; rc == 0 && i < h->n_ci; i++)
        f->copy_in_fd[i] = slot(v++, fds, nf);
    for (size_t i = 0; rc == 0 && i < h->n_ci; i++)
        f->copy_in_errno[i] = *v++;
    free(h);
    free(fds);
    return rc;
}

/* ------------------------------------------------------------------ the zygote process */

/* The zygote's workers: pid, box offset, and per box whether its last worker ended cleanly
 * (exit 0: the box may be recycled instead of made anew). */
struct kids {
    pid_t *pid;
    uint32_t *box;
    bool *clean;
    size_t n, boxes;
};

static void reap(struct kids *k)
{
    pid_t p;
    int st;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0)
        for (size_t i = 0; i < k->n; i++)
            if (k->pid[i] == p) {
                k->pid[i] = 0;
                k->clean[k->box[i]] = WIFEXITED(st) && WEXITSTATUS(st) == 0;
            }
}

static bool live(const struct kids *k)
{
    for (size_t i = 0; i < k->n; i++)
        if (k->pid[i] > 0)
            return true;
    return false;
}

static void fork_worker(const gj_server *s, uint32_t id, int chan, struct kids *k)
{
    uint32_t off = id - s->o.box_first;
    if (off >= k->boxes) {
        close(chan);
        return;
    }
    bool recycle = k->clean[off];
    k->clean[off] = false; /* until this worker ends cleanly */
    pid_t p = fork();
    if (p == 0) {
        /* Nothing of the zygote (its control socket) reaches the box. */
        gj_close_except(&chan, 1);
        gj_worker_serve(s, id, chan, recycle);
    }
    close(chan);
    for (size_t i = 0; p > 0 && i < k->n; i++)
        if (k->pid[i] == 0) {
            k->pid[i] = p;
            k->box[i] = off;
            break;
        }
}

static __attribute__((noreturn)) void zygote_main(const gj_server *s, int ctl)
{
    /* The zygote dies with the server, and every worker with the zygote. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NAME, "mi-zygote");
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    struct kids k = {calloc(s->o.box_count + 1, sizeof(pid_t)),
                     calloc(s->o.box_count + 1, sizeof(uint32_t)),
                     calloc(s->o.box_count, sizeof(bool)), s->o.box_count + 1, s->o.box_count};
    bool ok = k.pid && k.box && k.clean;
    for (;;) {
        struct pollfd p[2] = {{ctl, POLLIN, 0}, {sfd, POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                ;
            reap(&k);
        }
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        uint32_t id;
        int fds[1];
        size_t nf = 0;
        ssize_t r = recv_fds(ctl, &id, sizeof id, fds, &nf, 1);
        if (r <= 0 && !(r < 0 && errno == EMSGSIZE))
            break; /* the server is gone */
        if (r == (ssize_t)sizeof id && nf == 1 && ok)
            fork_worker(s, id, fds[0], &k);
        else if (nf == 1)
            close(fds[0]);
    }
    /* Idle workers see their channel closed and end once their reset is done (killing one in
     * the middle of it would orphan its helpers, such as the box uid's keyring cleaner).  Give
     * them a few seconds, then kill what is left. */
    for (int waited = 0; ok && waited < 50 && live(&k); waited++) {
        struct pollfd p = {sfd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                ;
        }
        reap(&k);
    }
    for (size_t i = 0; ok && i < k.n; i++)
        if (k.pid[i] > 0)
            kill(k.pid[i], SIGKILL);
    while (wait(NULL) > 0 || errno == EINTR)
        ;
    _exit(0);
}

int gj_zygote_start(const gj_server *s, char *err, size_t errlen)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return snprintf(err, errlen, "socketpair: %s", strerror(errno)), -1;
    pid_t p = fork();
    if (p < 0) {
        close(sv[0]);
        close(sv[1]);
        return snprintf(err, errlen, "fork: %s", strerror(errno)), -1;
    }
    if (p == 0) {
        close(sv[0]);
        zygote_main(s, sv[1]);
    }
    close(sv[1]);
    ctl_fd = sv[0];
    zygote_pid = p;
    return 0;
}

static void close_warm(void);

void gj_zygote_stop(void)
{
    if (zygote_pid <= 0)
        return;
    close_warm();
    pthread_mutex_lock(&ctl_mu);
    close(ctl_fd);
    ctl_fd = -1;
    pthread_mutex_unlock(&ctl_mu);
    while (waitpid(zygote_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    zygote_pid = -1;
}

/* ------------------------------------------------------------------ warm boxes */

static pthread_mutex_t warm_mu = PTHREAD_MUTEX_INITIALIZER;
static int *warm_chan; /* per box offset: the server's end of its worker's channel, or -1 */
static size_t n_chan;

static int *chan_of(const gj_server *s, uint32_t id)
{
    if (!warm_chan) {
        warm_chan = malloc(s->o.box_count * sizeof *warm_chan);
        for (size_t i = 0; warm_chan && i < s->o.box_count; i++)
            warm_chan[i] = -1;
        n_chan = warm_chan ? s->o.box_count : 0;
    }
    return warm_chan && id >= s->o.box_first && id - s->o.box_first < s->o.box_count
               ? &warm_chan[id - s->o.box_first] : NULL;
}

/* Asks the zygote for a worker on id; the server's end of its channel, or -1. */
static int start_worker(uint32_t id)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    pthread_mutex_lock(&ctl_mu);
    int rc = ctl_fd >= 0 ? send_fds(ctl_fd, &id, sizeof id, &sv[1], 1) : -1;
    pthread_mutex_unlock(&ctl_mu);
    close(sv[1]);
    if (rc < 0) {
        close(sv[0]);
        return -1;
    }
    return sv[0];
}

static void warm_one(const gj_server *s, uint32_t id)
{
    pthread_mutex_lock(&warm_mu);
    int *c = chan_of(s, id);
    if (c && *c < 0)
        *c = start_worker(id);
    pthread_mutex_unlock(&warm_mu);
}

static void close_warm(void)
{
    pthread_mutex_lock(&warm_mu);
    for (size_t i = 0; warm_chan && i < n_chan; i++)
        if (warm_chan[i] >= 0) {
            close(warm_chan[i]);
            warm_chan[i] = -1;
        }
    pthread_mutex_unlock(&warm_mu);
}

void gj_warm_start(const gj_server *s, size_t n)
{
    /* The pool hands out the lowest ids first. */
    for (size_t i = 0; i < n && i < s->o.box_count; i++)
        warm_one(s, s->o.box_first + (uint32_t)i);
}

void gj_warm_release(const gj_server *s, uint32_t id, int *chan)
{
    /* The same worker serves the box's next command (its resident box), unless it is gone or
     * the server stops: then the channel's end tells it, and a new worker is asked for. */
    pthread_mutex_lock(&warm_mu);
    int *c = atomic_load(&s->stopping) ? NULL : chan_of(s, id);
    if (c && *c < 0 && *chan >= 0) {
        *c = *chan;
        *chan = -1;
    }
    pthread_mutex_unlock(&warm_mu);
    if (*chan >= 0) {
        close(*chan);
        *chan = -1;
    }
    if (!atomic_load(&s->stopping))
        warm_one(s, id);
}

static int take_chan(const gj_server *s, uint32_t id)
{
    pthread_mutex_lock(&warm_mu);
    int *c = chan_of(s, id), fd = c ? *c : -1;
    if (c && fd >= 0)
        *c = -1;
    pthread_mutex_unlock(&warm_mu);
    return fd >= 0 ? fd : start_worker(id);
}

/* Waits for the worker's "ready" byte; 0, -1 (it died), -2 (give up). */
static int wait_ready(int fd, gj_give_up cb, void *arg)
{
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 100);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r > 0) {
            char b;
            return read(fd, &b, 1) == 1 && b == 'R' ? 0 : -1;
        }
        if (cb(arg))
            return -2;
    }
}

int gj_warm_acquire(const gj_server *s, uint32_t id, gj_give_up cb, void *arg)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = take_chan(s, id);
        if (fd < 0)
            return -1;
        int r = wait_ready(fd, cb, arg);
        if (r == 0)
            return fd;
        close(fd);
        if (r == -2)
            return -2;
    }
    return -1;
}
