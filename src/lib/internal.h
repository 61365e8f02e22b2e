/* Internal helpers shared by the library's modules. */
#ifndef MI_INTERNAL_H
#define MI_INTERNAL_H

#include "mini-isolate.h"
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#define MI_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Fill *err (if not NULL) and return -1: the library's one way to fail. */
int mi_fail(mi_error *err, mi_error_kind kind, int errnum, const char *fmt, ...) MI_PRINTF(4, 5);
/* As mi_fail, appending ": strerror(errnum)" to the message. */
int mi_fail_errno(mi_error *err, mi_error_kind kind, int errnum, const char *fmt, ...) MI_PRINTF(4, 5);

/* snprintf that reports truncation as an error (-1, errno ENAMETOOLONG). */
int mi_snprintf(char *buf, size_t len, const char *fmt, ...) MI_PRINTF(3, 4);

/* Whole-file helpers for small kernel files (cgroupfs, procfs). */
int mi_read_file(const char *path, char *buf, size_t len);           /* 0 or -errno; NUL-terminated */
int mi_write_file(const char *path, const char *data);               /* 0 or -errno */
int mi_read_file_at(int dirfd, const char *name, char *buf, size_t len);
int mi_write_file_at(int dirfd, const char *name, const char *data);

/* Replaces dirfd/name (root's, 0600) by the concatenation of two buffers: written under a
 * temporary name and renamed, so that a reader sees the old file or the new one, never a part.
 * 0 or -1 (nothing left behind). */
int mi_replace_file_at(int dirfd, const char *name, const void *a, size_t alen, const void *b,
                       size_t blen);

/* FNV-1a: the cache keys (compiled policy, kept tree). */
#define MI_FNV_INIT 1469598103934665603ULL
static inline uint64_t mi_fnv(uint64_t h, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211ULL;
    return h;
}

/* A cpuset list ("0-3,8"; numbers below CPU_SETSIZE) into *set: 0, or -1 if malformed. */
int mi_cpulist_parse(const char *s, cpu_set_t *set);
/* subid_user: first_uid/first_gid (and num_boxes unless num_given) from the two files. */
int mi_host_config_subid(mi_host_config *h, const char *subuid, const char *subgid,
                         bool num_given, mi_error *err);

/* box<N>.cpus/.mems without --cg (cpuset.c): affinity and memory policy of the caller, 0 or
 * -errno (*what names the step); and the run's warning that they are advisory. */
int mi_cpuset_apply_self(const mi_config *c, const char **what);
/* The run's CPU and node lists: c->cpus (the run's own) over box<N>.cpus; NULL = not set. */
void mi_cpuset_of_run(const mi_config *c, const char **cpus, const char **mems);
/* c->cpus must be a valid list within box<N>.cpus (or the caller's affinity): 0 or -1. */
int mi_cpuset_check(const mi_config *c, mi_error *err);
void mi_cpuset_warning(const mi_config *c, mi_result *r);

char *mi_strdup(const char *s); /* NULL-safe; aborts nothing: returns NULL on ENOMEM */

/* In place: /proc/self/mountinfo escapes space, tab, newline and backslash as \ooo. */
void mi_mountinfo_unescape(char *s);

double mi_now_monotonic(void);

/* Append an environment rule (name[0..name_len), value NULL = inherit, "" = remove). */
int mi_config_push_env(mi_config *c, const char *name, size_t name_len, const char *value,
                       mi_error *err);

/* The uid/gid the program runs as: the box's own (first_uid + box id) unless the config's uid/gid
 * override it (root callers only, checked by mi_box_run). */
static inline uid_t mi_run_uid(const mi_config *c)
{
    return c->has_box_uid ? c->box_uid : (uid_t)(c->host.first_uid + c->box_id);
}
static inline gid_t mi_run_gid(const mi_config *c)
{
    return c->has_box_gid ? c->box_gid : (gid_t)(c->host.first_gid + c->box_id);
}

#endif
