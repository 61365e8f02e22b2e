/* The zygote: a single-threaded process forked at start, before libmicrohttpd's threads, that
 * forks every worker.  A process forked from the threaded server inherits whatever lock another
 * thread held at that instant (malloc's, the sanitizers') and can deadlock on it; a process
 * forked from the zygote cannot.
 *
 * Warm boxes: each box id has at most one worker.  A worker resets its box (a fresh box
 * directory, cgroup and /w, /tmp tmpfs) and says "ready" before any request needs it; a request
 * then only sends the command and its descriptors.  When a run ends the box's next worker is
 * started at once, so the reset happens between requests, not in them. */
#ifndef MI_SERVER_ZYGOTE_H
#define MI_SERVER_ZYGOTE_H

#include "pool.h"
#include "server.h"
#include "worker.h"

#include <stddef.h>
#include <stdint.h>

/* Forks the zygote (call before any thread exists).  0, or -1 with err. */
int gj_zygote_start(const gj_server *s, char *err, size_t errlen);
/* Ends the zygote and with it every worker (their boxes' processes die with them). */
void gj_zygote_stop(void);

/* Starts the warm workers of the first `n` box ids the pool hands out. */
void gj_warm_start(const gj_server *s, size_t n);
/* The ready worker of box id (started now if the box is cold), its channel owned by the caller;
 * -1 when it could not be started, -2 when cb said to give up. */
int gj_warm_acquire(const gj_server *s, uint32_t id, gj_give_up cb, void *arg);
/* The run on box id is over: *chan (the channel of its worker, which resets the box in the
 * background and then says "ready" on it again) goes back to the warm pool, or if there is none
 * a new worker is started.  Takes *chan (-1 after). */
void gj_warm_release(const gj_server *s, uint32_t id, int *chan);

/* Sends one command to a ready worker: the request body (a sealed memfd, the worker parses it
 * again), the command's index, its cancel and result descriptors and every descriptor runner.c
 * opened for it.  0 or -1 with errno. */
int gj_worker_send(int chan, int body_fd, size_t index, const gj_cmd *cmd, const gj_cmd_fds *f,
                   int cancel_r, int res_w);

/* What a worker received (gj_worker_send). */
typedef struct gj_worker_msg {
    size_t index;            /* of the command in the request */
    int body_fd, cancel_r, res_w;
    gj_cmd_fds fds;
    size_t n_files, n_copy_in; /* as the server saw the command (checked against the parse) */
} gj_worker_msg;
int gj_worker_recv(int chan, gj_worker_msg *m);

#endif
