/* The worker process of a box (forked by the zygote, zygote.h): reset the box, prepare it
 * resident, then per command copyIn, mi_prepared_run_keep, copyOut and collectors, the go-judge
 * Result as JSON on result_fd, mi_prepared_clean.  A process of its own because the run path
 * clones (init, program) and is written for a single-threaded caller, and because a worker that
 * dies takes nothing of the server with it. */
#ifndef MI_SERVER_WORKER_H
#define MI_SERVER_WORKER_H

#include "request.h"
#include "server.h"

/* What runner.c prepared for one command, every descriptor already open. */
typedef struct gj_cmd_fds {
    int *fd_map;        /* program descriptor i <- fd_map[i] (-1: /dev/null for 0-2, closed above) */
    size_t n_fd_map;
    int *collect;       /* per files[] index: memfd holding a collector's output, else -1 */
    int *collect_pipe;  /* per files[] index: read end of a pipe:true collector, else -1 */
    int *copy_in_fd;    /* per copyIn entry: src/fileId content (a sealed memfd), else -1 */
    int *copy_in_errno; /* per copyIn entry: why a src could not be opened (File Error) */
} gj_cmd_fds;
/* Frees the arrays (not the descriptors in them). */
void gj_cmd_fds_free(gj_cmd_fds *f);

/* A worker forked by the zygote for box_id: resets the box (recycle: the last worker's run
 * ended cleanly, mi_box_recycle is enough), prepares it (mi_box_prepare_many), then says "ready"
 * on chan, receives a command (zygote.h) and runs it, again and again while the box stays fit
 * for another run.  Exits 0 when the box may be recycled after it.  Never returns. */
__attribute__((noreturn)) void gj_worker_serve(const gj_server *s, uint32_t box_id, int chan,
                                               bool recycle);

/* Resets box_id to an empty box with fresh /w and /tmp tmpfs (also used at start and exit to
 * clean): made anew (mi_box_init), or with recycle only mi_box_recycle (falling back to a new
 * one if that fails); !keep removes it.  0 or -1 with err. */
int gj_box_reset(const gj_server *s, uint32_t box_id, bool keep, bool recycle, char *err,
                 size_t errlen);

#endif
