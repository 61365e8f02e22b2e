/* Slots, queue and box ids (pool.h).  Waiters wake every 100 ms to ask their callback whether
 * to give up, so a client that left while queued never takes a slot. */
#include "pool.h"

#include <stdlib.h>
#include <time.h>

static _Thread_local int my_slot = -1;

int gj_pool_slot(void)
{
    return my_slot;
}

void gj_pool_set_slot(int slot)
{
    my_slot = slot;
}

int gj_pool_init(gj_pool *p, unsigned slots, unsigned max_waiting, uint32_t first_id,
                 uint32_t count, uint32_t active)
{
    p->max_waiting = max_waiting;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &a);
    pthread_condattr_destroy(&a);
    p->slots_free = p->n_slots = slots;
    p->slot_busy = calloc(slots ? slots : 1, sizeof *p->slot_busy);
    p->waiting = 0;
    p->closing = false;
    p->ids = calloc(count ? count : 1, sizeof *p->ids);
    if (!p->ids || !p->slot_busy)
        return -1;
    p->head = p->n_ids = 0;
    p->total_ids = count;
    p->next_new = first_id;
    p->end_id = first_id + count;
    for (uint32_t i = 0; i < active && i < count; i++)
        p->ids[p->n_ids++] = p->next_new++;
    return 0;
}

void gj_pool_destroy(gj_pool *p)
{
    free(p->ids);
    free(p->slot_busy);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
}

static void wait_a_bit(gj_pool *p)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 100 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

int gj_pool_enter(gj_pool *p, gj_give_up cb, void *arg)
{
    pthread_mutex_lock(&p->mu);
    if (p->slots_free == 0 && p->waiting >= p->max_waiting) {
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    p->waiting++;
    int rc = 0;
    while (p->slots_free == 0 || p->closing) {
        if (p->closing || cb(arg)) {
            rc = -2;
            break;
        }
        wait_a_bit(p);
    }
    p->waiting--;
    if (rc == 0) {
        p->slots_free--;
        for (my_slot = 0; my_slot < (int)p->n_slots - 1 && p->slot_busy[my_slot]; my_slot++)
            ;
        p->slot_busy[my_slot] = true;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void gj_pool_leave(gj_pool *p)
{
    pthread_mutex_lock(&p->mu);
    if (my_slot >= 0 && my_slot < (int)p->n_slots)
        p->slot_busy[my_slot] = false;
    my_slot = -1;
    p->slots_free++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int gj_pool_take(gj_pool *p, size_t n, uint32_t *ids, gj_give_up cb, void *arg)
{
    if (n > p->total_ids)
        return -1;
    pthread_mutex_lock(&p->mu);
    int rc = 0;
    /* Ids come into use only when the ones in use do not suffice: every id in use stays warm. */
    while (p->n_ids < n && p->next_new < p->end_id)
        p->ids[(p->head + p->n_ids++) % p->total_ids] = p->next_new++;
    while (p->n_ids < n) {
        if (p->closing || cb(arg)) {
            rc = -2;
            break;
        }
        wait_a_bit(p);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ids[i] = p->ids[p->head];
        p->head = (p->head + 1) % p->total_ids;
        p->n_ids--;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void gj_pool_give(gj_pool *p, size_t n, const uint32_t *ids)
{
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < n; i++)
        p->ids[(p->head + p->n_ids++) % p->total_ids] = ids[i];
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void gj_pool_close(gj_pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->closing = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
