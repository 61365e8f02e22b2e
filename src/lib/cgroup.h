/* Control groups: one interface, two backends (cgroup v2 in cgroup_v2.c, cgroup v1 in
 * cgroup_v1.c), chosen by host detection in cgroup.c.  Internal to the library.
 *
 * Life of a box cgroup:
 *   --init     mi_cg_box_create()      creates the box's cgroup(s), removing a stale one first
 *   --run      mi_cg_box_open()        opens the existing cgroup (fails if --init --cg was not done)
 *              mi_cg_prepare_run()     sets this run's limits, resets/snapshots counters
 *              mi_cg_set_limits()      other limits for the prepared run (a server's warm box)
 *              (program child)         enters the cgroup: mi_cg_attach_self() before exec
 *              mi_cg_cpu_usec()        CPU time of the whole box so far (during the run)
 *              mi_cg_signal_all()      one SIGKILL pass, no waiting (a limit was hit)
 *              mi_cg_kill_all()        kills every process of the box and waits until it is empty
 *              mi_cg_read_stats()      this run's CPU, memory peak, OOM kills, pids-limit hits
 *              mi_cg_close()
 *   --cleanup  mi_cg_box_remove()      kills what is left and removes the cgroup(s); no-op if absent
 */
#ifndef MI_CGROUP_H
#define MI_CGROUP_H

#include "mini-isolate.h"
#include <stdio.h>

typedef enum mi_cg_version { MI_CG_NONE = 0, MI_CG_V1, MI_CG_V2 } mi_cg_version;

/* What the host offers (filled by mi_cg_detect). */
typedef struct mi_cg_layout {
    mi_cg_version version;   /* backend that --cg will use */
    char v2_root[4096];      /* cgroup2 directory under which box-N groups go (v2 backend) */
    char v1_memory[4096];    /* v1 hierarchy mount points ("" when absent) */
    char v1_cpuacct[4096];
    char v1_pids[4096];
    char v1_cpuset[4096];
    char v1_freezer[4096];
    char v1_cpu[4096];       /* cpu (CFS bandwidth), optional: only runs with a CPU rate need it */
    bool hybrid;             /* v1 controllers plus a cgroup2 mount without them */
    /* Box groups are <base>/<parent>/box-N: base is each v1 hierarchy's mount, or v2_base;
     * parent is cg_parent, by default "mini-isolate" below a cgroup root and nothing below a
     * delegated cg_root.  The parent's levels are ours: made on demand, removed when empty. */
    char parent[256];
    char v2_base[4096];      /* the cgroup2 root or the delegated cg_root (v2 backend) */
    bool v2_owned;           /* parent is not empty: v2_root = v2_base/parent is ours */
    char v2_mount[4096];     /* cgroup2 mount point ("" when there is none) */
    char cg_root[4096];      /* the cg_root in force ("auto:FILE" resolved), for messages */
} mi_cg_layout;

typedef struct mi_cgroup mi_cgroup; /* opaque */

typedef struct mi_cg_limits {
    uint64_t mem_bytes;  /* MI_UNLIMITED = no memory limit (the previous run's limit is removed) */
    uint64_t pids_max;   /* MI_UNLIMITED = no pids limit */
    uint32_t box_id;     /* for messages naming box<N>.cpus / .mems */
    const char *cpus;    /* box<N>.cpus (cpuset list), NULL = every CPU the parent has */
    const char *mems;    /* box<N>.mems, NULL = every memory node the parent has */
    uint64_t cpu_quota_us;  /* CPU time per period of the whole box, 0 = none */
    uint64_t cpu_period_us; /* the CFS period (with a quota) */
} mi_cg_limits;

typedef struct mi_cg_stats {
    uint64_t cpu_usec;        /* CPU time of this run (all threads and processes) */
    uint64_t mem_peak_bytes;  /* peak memory of this run; 0 if the kernel cannot tell */
    bool mem_peak_valid;
    uint64_t oom_kills;       /* OOM kills in the box cgroup during this run */
    uint64_t pids_max_hits;   /* forks refused by pids.max during this run */
    uint64_t pids_peak;       /* most tasks at once during this run (pids.peak) */
    bool pids_peak_valid;     /* the kernel has pids.peak (>= 6.1) and it counts this run only */
} mi_cg_stats;

/* Detect the host's cgroup layout for the config's cg_root and cg_parent (README
 * "Configuration").  When --cg cannot work, out->version is MI_CG_NONE, the other fields are
 * filled as far as found, and it returns -1 with an error naming the missing piece and the fix. */
int mi_cg_detect(const mi_host_config *h, mi_cg_layout *out, mi_error *err);

int mi_cg_box_create(const mi_host_config *h, uint32_t box_id, mi_error *err);
int mi_cg_box_open(const mi_host_config *h, uint32_t box_id, mi_cgroup **out, mi_error *err);
int mi_cg_box_remove(const mi_host_config *h, uint32_t box_id, mi_error *err);

int mi_cg_prepare_run(mi_cgroup *cg, const mi_cg_limits *lim, mi_error *err);
/* Other limits for the run prepared by mi_cg_prepare_run (same groups, counters untouched):
 * 0, -1 (err), or 1 when they cannot be changed in place (v1: a CPU rate where the prepared
 * run had none, or the reverse) and the run must be prepared again. */
int mi_cg_set_limits(mi_cgroup *cg, const mi_cg_limits *lim, mi_error *err);
/* Called in the child after fork and before exec; async-signal-safe (no malloc, no stdio):
 * uses descriptors opened by mi_cg_prepare_run. Returns 0 or -errno. */
int mi_cg_attach_self(const mi_cgroup *cg);
/* A resident init (one that serves run after run) holds a copy of the handle made before the
 * first run, whose run descriptors (the v2 leaf, v1 cgroup.procs) a later mi_cg_prepare_run
 * replaces.  mi_cg_run_fds lists this run's (-1 in unused slots, not owned by the caller): every
 * descriptor the handle holds that mi_cg_adopt_fds closes, so that init keeps exactly those
 * open until then; mi_cg_adopt_fds, in init's copy, closes the old ones and takes those
 * received. */
#define MI_CG_RUN_FDS 6
void mi_cg_run_fds(const mi_cgroup *cg, int fds[MI_CG_RUN_FDS]);
void mi_cg_adopt_fds(mi_cgroup *cg, const int fds[MI_CG_RUN_FDS]);
int mi_cg_cpu_usec(mi_cgroup *cg, uint64_t *usec, mi_error *err);
int mi_cg_kill_all(mi_cgroup *cg, mi_error *err);
/* One pass of SIGKILL to every process of the box, without waiting for them to be gone: the
 * keeper's reaction to a limit, which must not block it (the run's end is measured by its
 * loop); mi_cg_kill_all at the end of the run makes sure. */
void mi_cg_signal_all(mi_cgroup *cg);
int mi_cg_read_stats(mi_cgroup *cg, mi_cg_stats *st, mi_error *err);
void mi_cg_close(mi_cgroup *cg);

/* Human report for --check-environment; returns 0 if --cg can work on this host, 1 if not. */
int mi_cg_check_environment(const mi_host_config *h, FILE *out);

/* ---- Backend interface: only cgroup.c, cgroup_v1.c and cgroup_v2.c use what follows. ----
 * Each backend's handle starts with a struct mi_cgroup, so cgroup.c dispatches on cg->ops. */
typedef struct mi_cg_ops {
    int (*box_create)(const mi_cg_layout *lay, uint32_t box_id, mi_error *err);
    int (*box_open)(const mi_cg_layout *lay, uint32_t box_id, mi_cgroup **out, mi_error *err);
    int (*box_remove)(const mi_cg_layout *lay, uint32_t box_id, mi_error *err);
    int (*prepare_run)(mi_cgroup *cg, const mi_cg_limits *lim, mi_error *err);
    int (*set_limits)(mi_cgroup *cg, const mi_cg_limits *lim, mi_error *err);
    int (*attach_self)(const mi_cgroup *cg);
    void (*run_fds)(const mi_cgroup *cg, int fds[MI_CG_RUN_FDS]);
    void (*adopt_fds)(mi_cgroup *cg, const int fds[MI_CG_RUN_FDS]);
    int (*cpu_usec)(mi_cgroup *cg, uint64_t *usec, mi_error *err);
    int (*kill_all)(mi_cgroup *cg, mi_error *err);
    void (*signal_all)(mi_cgroup *cg);
    int (*read_stats)(mi_cgroup *cg, mi_cg_stats *st, mi_error *err);
    void (*close)(mi_cgroup *cg);
} mi_cg_ops;

struct mi_cgroup {
    const mi_cg_ops *ops;
};

extern const mi_cg_ops mi_cg_v1_ops;
extern const mi_cg_ops mi_cg_v2_ops;

#define MI_CG_PARENT "mini-isolate" /* parent of box-N in each hierarchy (auto mode) */
#define MI_CG_KILL_TIMEOUT 2.0      /* seconds mi_cg_kill_all waits for the group to empty */

/* Shared helpers (cgroup.c).  All return 0 or -errno. */
/* Value of "key N" in a flat-keyed file (cpu.stat, memory.events, ...); -ENODATA if no key. */
int mi_cg_read_key_at(int dirfd, const char *file, const char *key, uint64_t *val);
/* A file holding one number ("max" reads as MI_UNLIMITED). */
int mi_cg_read_u64_at(int dirfd, const char *file, uint64_t *val);
/* SIGKILL every process listed in dirfd/cgroup.procs; returns how many were listed, or -errno. */
int mi_cg_kill_listed_at(int dirfd);
/* mkdir name under parent_fd (EEXIST is fine) and open it as a directory: fd or -errno. */
int mi_cg_mkdir_open_at(int parent_fd, const char *name);
void mi_cg_sleep_ms(unsigned ms);
/* Open base_fd/rel (a '/'-separated relative path), making missing levels; after each level,
 * step(parent_fd, level_fd, arg) (v2: enable controllers; v1 cpuset: copy CPUs and nodes).
 * fd or -errno (the step's). */
int mi_cg_mkdirs_open_at(int base_fd, const char *rel, int (*step)(int, int, void *), void *arg);
/* rmdir base/rel, then each of rel's ancestors below base, until one is not empty. */
void mi_cg_rmdirs(const char *base, const char *rel);

#endif
