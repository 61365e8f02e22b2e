/* -parallelism slots with a bounded queue (go-judge: 512 waiting, then "worker queue is full"),
 * and the server's own range of box ids, one box per command, handed out in rotation. */
#ifndef MI_SERVER_POOL_H
#define MI_SERVER_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GJ_QUEUE_MAX 512 /* go-judge's */

typedef struct gj_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned slots_free, waiting, max_waiting;
    bool *slot_busy; /* which slots are taken: a slot has a number (its -cpuset entry) */
    unsigned n_slots;
    /* Free box ids in a ring, oldest first: a released box is reset in the background while the
     * others serve, and is taken again last. */
    uint32_t *ids;
    size_t head, n_ids, total_ids;
    uint32_t next_new, end_id; /* ids not yet in use: [next_new, end_id) */
    bool closing;
} gj_pool;

/* The callback says whether the waiter should give up (client gone, server stopping). */
typedef bool (*gj_give_up)(void *arg);

/* `active` ids are in use from the start (the warm ones); more come in when needed. */
int gj_pool_init(gj_pool *p, unsigned slots, unsigned max_waiting, uint32_t first_id,
                 uint32_t count, uint32_t active);
void gj_pool_destroy(gj_pool *p);
/* 0 when a slot is ours, -1 when the queue is full, -2 when given up.  The slot's number is
 * then gj_pool_slot() in this thread until gj_pool_leave (a worker is told it: zygote.h). */
int gj_pool_enter(gj_pool *p, gj_give_up cb, void *arg);
void gj_pool_leave(gj_pool *p);
int gj_pool_slot(void); /* -1 outside a slot */
void gj_pool_set_slot(int slot); /* in a worker: the slot of the request it serves */
/* n box ids into ids: 0, -1 when n exceeds the whole range, -2 when given up. */
int gj_pool_take(gj_pool *p, size_t n, uint32_t *ids, gj_give_up cb, void *arg);
void gj_pool_give(gj_pool *p, size_t n, const uint32_t *ids);
void gj_pool_close(gj_pool *p); /* wake every waiter: they give up */

#endif
