/* isolate's meta file: "key:value" lines, in isolate's key order for every outcome. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

struct buf {
    char s[8192];
    size_t n;
};

static void put(struct buf *b, const char *fmt, ...) MI_PRINTF(2, 3);
static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->n += (size_t)n < sizeof b->s - b->n ? (size_t)n : sizeof b->s - b->n - 1;
}

/* Milliseconds, printed as isolate does ("%d.%03d"). */
static void put_time(struct buf *b, const char *key, double sec)
{
    long ms = (long)(sec * 1000.0 + 0.5);
    put(b, "%s:%ld.%03ld\n", key, ms / 1000, ms % 1000);
}

static void stats(struct buf *b, const mi_result *r)
{
    if (!r->has_stats)
        return;
    put_time(b, "time", r->cpu_time);
    put_time(b, "time-wall", r->wall_time);
    put(b, "max-rss:%llu\n", (unsigned long long)r->max_rss_kib);
    put(b, "csw-voluntary:%llu\n", (unsigned long long)r->csw_voluntary);
    put(b, "csw-forced:%llu\n", (unsigned long long)r->csw_forced);
    if (r->cg_enabled && r->cg_mem_kib)
        put(b, "cg-mem:%llu\n", (unsigned long long)r->cg_mem_kib);
    if (r->cg_enabled && r->cg_oom_killed)
        put(b, "cg-oom-killed:1\n");
}

/* A message is one line: a newline in it would forge a key for clients that split lines. */
static void put_message(struct buf *b, const char *msg)
{
    put(b, "message:");
    for (const char *p = msg; *p; p++)
        put(b, "%c", *p == '\n' || *p == '\r' ? ' ' : *p);
    put(b, "\n");
}

static int flush(int fd, const struct buf *b, mi_error *err)
{
    size_t off = 0;
    while (off < b->n) {
        ssize_t n = write(fd, b->s + off, b->n - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot write the meta file");
        off += (size_t)n;
    }
    return 0;
}

int mi_meta_write(int fd, const mi_result *r, mi_error *err)
{
    struct buf b = {.n = 0};
    const char *st = r->isolate_status;
    bool killed_first = r->killed && (!strcmp(st, "TO") || !strcmp(st, "XX") || r->interrupted);
    if (r->interrupted) {
        put(&b, "exitsig:%d\n", r->interrupt_signal);
        put(&b, "status:SG\n");
        put_message(&b, r->message);
        put(&b, "killed:1\n");
        stats(&b, r);
    } else if (killed_first) {
        put(&b, "status:%s\n", st);
        put_message(&b, r->message);
        put(&b, "killed:1\n");
        stats(&b, r);
    } else {
        stats(&b, r);
        bool xx = !strcmp(st, "XX");
        if (!xx && r->has_exit_code && (r->exit_code != 0 || !*st))
            put(&b, "exitcode:%d\n", r->exit_code);
        if (!xx && r->has_signal)
            put(&b, "exitsig:%d\n", r->signal);
        if (*st) {
            put(&b, "status:%s\n", st);
            put_message(&b, r->message);
        }
    }
    /* New keys, only at the end (clients split at the first ':' and skip keys they do not
     * know): the seed's status and, when there is one, its reason on one line. */
    put(&b, "verdict:%s\n", mi_status_name(r->status));
    if (r->error_message) {
        put(&b, "verdict-message:");
        for (const char *p = r->error_message; *p; p++)
            put(&b, "%c", *p == '\n' || *p == '\r' ? ' ' : *p);
        put(&b, "\n");
    }
    return flush(fd, &b, err);
}

int mi_meta_write_error(int fd, const char *message, mi_error *err)
{
    struct buf b = {.n = 0};
    put(&b, "status:XX\n");
    put_message(&b, message);
    return flush(fd, &b, err);
}
