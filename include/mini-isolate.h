/* Mini-Isolate public API.
 *
 * Error convention (the only one in the library): a function that can fail returns int, 0 on
 * success and -1 on failure, and on failure fills the caller's `mi_error` (when the pointer is not
 * NULL) with a category, the errno that caused it (0 if none) and a human-readable message.  The
 * library never exits, never prints, and never touches the caller's signal dispositions.
 *
 * Sizes in mi_config are KiB where the isolate command line uses KiB (documented per field);
 * MI_UNLIMITED marks "no limit".  Times are seconds (double); 0 means "no limit".
 */
#ifndef MINI_ISOLATE_H
#define MINI_ISOLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MI_VERSION "0.1.0"
#define MI_UNLIMITED UINT64_MAX

/* ---------------------------------------------------------------- errors */

/* The seed's IsolateError variants, plus Usage for command-line/config mistakes. */
typedef enum mi_error_kind {
    MI_ERR_NONE = 0,
    MI_ERR_IO,      /* a system call on a file or directory failed */
    MI_ERR_CGROUP,  /* control-group setup, limit or accounting failed */
    MI_ERR_CONFIG,  /* configuration file, JSON config or option value is wrong */
    MI_ERR_PROCESS, /* creating, running or supervising the sandboxed process failed */
    MI_ERR_USAGE,   /* the request itself is not valid (wrong box, missing init, busy box) */
} mi_error_kind;

typedef struct mi_error {
    mi_error_kind kind;
    int sys_errno;
    char msg[1024];
} mi_error;

const char *mi_error_kind_name(mi_error_kind kind);

/* ---------------------------------------------------------------- results */

/* The seed's nine statuses. */
typedef enum mi_status {
    MI_STATUS_SUCCESS = 0,
    MI_STATUS_TIME_LIMIT,
    MI_STATUS_MEMORY_LIMIT,
    MI_STATUS_RUNTIME_ERROR,
    MI_STATUS_INTERNAL_ERROR,
    MI_STATUS_SIGNALED,
    MI_STATUS_SECURITY_VIOLATION,
    MI_STATUS_PROCESS_LIMIT,
    MI_STATUS_FILE_SIZE_LIMIT,
} mi_status;

const char *mi_status_name(mi_status status); /* "Success", "TimeLimit", ... */

typedef struct mi_resource_usage {
    double cpu_time;           /* seconds, user + system */
    double wall_time;          /* seconds, CLOCK_MONOTONIC */
    uint64_t memory_peak;      /* bytes: cgroup peak in --cg mode, else largest RSS */
    uint64_t context_switches; /* voluntary + forced */
    uint64_t page_faults;      /* major + minor */
} mi_resource_usage;

typedef struct mi_result {
    /* seed fields */
    bool has_exit_code;
    int exit_code;
    mi_status status;
    char *stdout_data; /* captured output (only when capture is requested), NUL-terminated */
    size_t stdout_len;
    char *stderr_data;
    size_t stderr_len;
    double cpu_time;
    double wall_time;
    uint64_t memory_peak;
    bool has_signal;
    int signal;
    bool success;
    char *error_message; /* NULL when there is nothing to say */
    mi_resource_usage usage;

    /* isolate-compatible detail (meta file) */
    bool has_stats;        /* time/time-wall/max-rss/csw were measured */
    uint64_t max_rss_kib;  /* ru_maxrss of the box's processes */
    uint64_t csw_voluntary;
    uint64_t csw_forced;
    bool cg_enabled;       /* the run was in --cg mode */
    uint64_t cg_mem_kib;   /* peak of this run's cgroup memory, 0 if unknown */
    bool cg_oom_killed;    /* the OOM killer fired in the box cgroup during this run */
    bool mem_unbounded;    /* -m without --cg: RLIMIT_AS bounds each process's address space,
                              not memfd/tmpfs storage (JSON "warnings", isolate "mem-unbounded") */
    bool killed;           /* the sandbox killed the program (limit, error or interrupt) */
    bool timed_out_by_timer;
    bool wall_timeout;     /* TO was a wall-clock overrun */
    bool interrupted;      /* the keeper got SIGTERM/SIGINT/SIGHUP/SIGQUIT */
    int interrupt_signal;
    char isolate_status[3];  /* "", "RE", "SG", "TO", "XX" */
    char message[1200];      /* isolate's message text */
    char warning[512];       /* a configured limit this run could not fully enforce ("": none) */
    bool has_procs_peak;     /* procs_peak was measured (--cg and the kernel has pids.peak) */
    uint64_t procs_peak;     /* most processes and threads the box held at once in this run */
} mi_result;

void mi_result_init(mi_result *r);
void mi_result_free(mi_result *r);

/* ---------------------------------------------------------------- configuration */

/* Per-box CPU and memory-node sets (keys box<N>.cpus, box<N>.mems; cpuset list syntax). */
typedef struct mi_box_cpuset {
    uint32_t box_id;
    char *cpus; /* NULL: not set */
    char *mems;
} mi_box_cpuset;

/* Host configuration (isolate's config file keys; README "Configuration"). */
typedef struct mi_host_config {
    char *box_root;    /* default /var/lib/mini-isolate */
    char *lock_root;   /* default /run/mini-isolate/locks */
    char *cg_root;     /* "auto" (default), "auto:FILE" (the path is FILE's first line), the
                          cgroup filesystem root (isolate 1.x) or a delegated cgroup v2 directory */
    char *cg_parent;   /* parent of the box groups, relative; NULL: "mini-isolate" under the
                          cgroup root, none under a delegated cg_root */
    uint32_t first_uid;
    uint32_t first_gid;
    uint32_t num_boxes; /* up to 2^31-1 */
    uint32_t syscall_flags; /* key syscall_flags: MI_SYSCALLS_* bits, default MI_SYSCALLS_DEFAULT */
    bool restricted_init;   /* only a root caller may --init */
    char *subid_user;       /* first_uid/first_gid/num_boxes were taken from /etc/sub[ug]id */
    mi_box_cpuset *cpusets;
    size_t n_cpusets;
    char *path;         /* file it was loaded from, NULL for built-in defaults */
} mi_host_config;

/* Syscall policy groups: isolate's syscall_flags / --syscalls bits (a set bit = the group is
 * enforced).  The rest of the default policy is always enforced unless the flags are 0, which
 * (as in isolate) means no syscall filter at all.  See docs/security.md. */
enum {
    MI_SYSCALLS_KEYCTL = 1,       /* keyctl, add_key, request_key -> ENOSYS */
    MI_SYSCALLS_VSOCK = 2,        /* socket(AF_VSOCK) -> EAFNOSUPPORT */
    MI_SYSCALLS_LOCKS = 4,        /* flock, inotify -> ENOSYS; fcntl locks, leases, dnotify -> EPERM */
    MI_SYSCALLS_IO_URING = 8,     /* io_uring_setup/enter/register -> ENOSYS */
    MI_SYSCALLS_NATIVE_ONLY = 16, /* i386 and x32 syscalls are violations (clear: allowed) */
    MI_SYSCALLS_PAGE_CACHE = 32,  /* mincore, cachestat -> ENOSYS; preadv2/pwritev2 RWF_NOWAIT ->
                                     EOPNOTSUPP; fadvise DONTNEED -> 0, not done */
};
#define MI_SYSCALLS_DEFAULT 0xffffu

#define MI_DEFAULT_CONFIG_PATH "/etc/mini-isolate.conf"

/* Fill with built-in defaults. */
int mi_host_config_defaults(mi_host_config *h, mi_error *err);
/* Load `path` over the defaults; errors name the file, line and key. */
int mi_host_config_load(mi_host_config *h, const char *path, mi_error *err);
void mi_host_config_free(mi_host_config *h);
/* The box's CPU and memory-node lists (box<N>.cpus / .mems), NULL where not configured. */
void mi_host_config_box_cpuset(const mi_host_config *h, uint32_t box_id, const char **cpus,
                               const char **mems);

/* Directory rule flags (isolate's -d options). */
enum {
    MI_DIR_RW = 1u << 0,
    MI_DIR_NOEXEC = 1u << 1,
    MI_DIR_FS = 1u << 2,
    MI_DIR_MAYBE = 1u << 3,
    MI_DIR_DEV = 1u << 4,
    MI_DIR_TMP = 1u << 5,
    MI_DIR_NOREC = 1u << 6,
};

typedef struct mi_dir_rule {
    char *inside;  /* path inside the box, without the leading '/' */
    char *outside; /* host path, "./x" relative to the box directory, fs type for MI_DIR_FS, NULL for tmp */
    unsigned flags;
} mi_dir_rule;

/* Environment rule: value NULL = inherit from the caller, "" = remove, else set. */
typedef struct mi_env_rule {
    char *name;
    char *value;
} mi_env_rule;

typedef struct mi_config {
    mi_host_config host;
    uint32_t box_id;
    uid_t caller_uid; /* who owns the box (the real caller, or --as-uid) */
    gid_t caller_gid;

    bool cg;                 /* control-group mode */
    uint64_t cg_mem_kib;     /* --cg-mem, MI_UNLIMITED if unset */
    bool no_cg_timing;       /* --no-cg-timing: CPU time of the program's processes (rusage)
                                instead of the box cgroup's counter */

    /* rlimits, KiB unless noted; MI_UNLIMITED = do not limit */
    uint64_t mem_kib;        /* -m: RLIMIT_AS */
    uint64_t stack_kib;      /* -k: RLIMIT_STACK */
    uint64_t fsize_kib;      /* -f: RLIMIT_FSIZE */
    uint64_t core_kib;       /* --core: RLIMIT_CORE (default 0) */
    uint64_t open_files;     /* -n: RLIMIT_NOFILE count (default 1024); 0 = inherit */
    uint64_t processes;      /* -p: RLIMIT_NPROC / pids.max (default 1); MI_UNLIMITED = none */
    uint64_t data_kib;       /* RLIMIT_DATA (heap, data and private writable mappings); default
                                MI_UNLIMITED.  Unlike -m it leaves read-only and shared mappings
                                alone, so a runtime that reserves address space still starts */
    /* CPU bandwidth of the whole box (--cg only: cgroup cpu.max, v1 cpu.cfs_quota_us): at most
     * cpu_rate/1000 CPUs over every period of cpu_period_us.  0 = no limit (the default);
     * without --cg the run is refused (no per-box mechanism exists without control groups). */
    uint32_t cpu_rate;       /* 1000 = one CPU */
    uint32_t cpu_period_us;  /* CFS period, 0 = 100000 (100 ms); kernel range 1000..1000000 */
    /* CPUs of this run (cpuset list syntax, "0-1,3"); NULL = the box's box<N>.cpus, or every CPU.
     * It must lie within box<N>.cpus when that is set, else within the CPUs the caller may use
     * (sched_getaffinity): a run never widens what the host configuration allows.  With --cg
     * the cpuset controller enforces it, without it the affinity is advisory (a warning). */
    char *cpus;

    double time_limit;       /* -t, CPU seconds */
    double wall_time_limit;  /* -w */
    double extra_time;       /* -x: absolute CPU threshold for killing */

    char *stdin_path;        /* -i, opened inside the box as the box user */
    char *stdout_path;       /* -o */
    char *stderr_path;       /* -r */
    bool stderr_to_stdout;
    char *chdir;             /* -c, default /box */

    bool full_env;
    mi_env_rule *env;
    size_t n_env;

    mi_dir_rule *dirs;       /* the effective rule list (defaults first unless no_default_dirs) */
    size_t n_dirs;

    bool share_net;
    bool inherit_fds;
    /* Descriptors handed to the program (for callers that wire pipes between boxes or collect
     * output themselves, such as the server; usable from ctypes as an int array and a length):
     * fd_map[i] >= 0 makes the program's descriptor i a duplicate of the caller's descriptor
     * fd_map[i]; -1 leaves descriptor i as the other fields make it (0-2: stdin_path, stdout_path,
     * stderr_path, capture; >= 3: closed at exec unless inherit_fds).  Applied after those, so a
     * mapped descriptor wins.  A directory is refused (the program could walk the host tree
     * from it); pass pipes, sockets, memfds or files the box user may see.  The caller keeps its
     * own descriptors (the library never closes them).  NULL / 0: none. */
    const int *fd_map;
    size_t n_fd_map;
    bool special_files;
    bool wait_for_lock;      /* --wait: block on a busy box (init, run, cleanup) instead of failing */
    uint64_t quota_blocks;   /* -q at init: KiB (1 KiB blocks) for everything in the box
                                directory (box/, tmp dirs); 0 = no quota */
    uint64_t quota_inodes;   /* -q at init: files and directories; 0 = not bounded */
    int verbose;

    /* Library-only knobs used by the CLI */
    int signal_fd;           /* polled by the run loop for interrupts, -1 = none: a signalfd,
                                or any descriptor yielding struct signalfd_siginfo records (a
                                pipe another thread writes SIGTERM records into cancels the run:
                                the box is killed, the status is InternalError "interrupted") */

    /* Seed (IsolateConfig JSON) extensions; see docs/verdicts.md and json.c */
    char *instance_id;       /* label echoed in results; NULL = none */
    char *chroot_dir;        /* --chroot: read-only host directory used as the box's root */
    bool has_box_uid;        /* uid/gid: run the program as this uid/gid instead of */
    uid_t box_uid;           /* first_uid + box_id (root callers only, never 0) */
    bool has_box_gid;
    gid_t box_gid;
    bool capture_output;     /* --json: stdout/stderr not redirected are captured into the result */
    uint64_t output_limit;   /* bytes per captured stream; past it the box is killed (FileSizeLimit) */
    bool has_syscall_flags;  /* --syscalls: overrides host.syscall_flags for this run */
    uint32_t syscall_flags;
    bool has_allowed_syscalls; /* allowed_syscalls given: enforced by the syscall policy */
    char **allowed_syscalls;
    size_t n_allowed_syscalls;

    char **argv;             /* program and arguments (argv[0] passed to execve as is) */
    size_t argc;
} mi_config;

/* Defaults of the isolate command line (not the seed's JSON defaults). */
int mi_config_init(mi_config *c, mi_error *err);
void mi_config_free(mi_config *c);

/* -d rule, isolate syntax: "in=out[:opts]", "dir[:opts]", "in=" (remove). */
int mi_config_add_dir_rule(mi_config *c, const char *spec, mi_error *err);
/* Drop the default directory rules (-D); rules added later are kept. */
void mi_config_no_default_dirs(mi_config *c);
/* -E rule, isolate syntax: "VAR", "VAR=value", "VAR=". */
int mi_config_add_env_rule(mi_config *c, const char *spec, mi_error *err);

/* Strict number parsing shared by CLI and config: whole string, no overflow, no negatives. */
int mi_parse_u64(const char *s, uint64_t *out, mi_error *err, const char *what);
int mi_parse_seconds(const char *s, double *out, mi_error *err, const char *what);

/* ---------------------------------------------------------------- boxes */

/* Box directory of c->box_id: <box_root>/<id>. */
int mi_box_path(const mi_config *c, char *buf, size_t len, mi_error *err);

/* isolate v2 --init: create (or reset) the box; writes the box directory into dir_out. */
int mi_box_init(const mi_config *c, char *dir_out, size_t len, mi_error *err);
/* Between two runs of a box that stays with one caller (a server's pool), instead of a new
 * mi_box_init: what a run can leave that the next run does not renew by itself.  Each run has
 * new PID, IPC, UTS and network namespaces, a cgroup emptied at its end with fresh counters,
 * and its own /dev/shm; this drops the kept mount tree (it binds box/ and the tmp dirs, which
 * the caller is expected to replace: a server mounts fresh tmpfs there) and, when c's syscall
 * policy allows keyctl, empties the box uid's kernel keyrings.  Files in box/ and the tmp dirs
 * are the caller's to replace.  Only after a run that ended normally (mi_box_run returned 0):
 * otherwise mi_box_init.  0 or -1 (err). */
int mi_box_recycle(const mi_config *c, mi_error *err);
/* --cleanup: remove the box and its cgroup; a missing box is not an error. */
int mi_box_cleanup(const mi_config *c, mi_error *err);

typedef struct mi_box_info {
    uint32_t box_id;
    uid_t owner;
    bool cg;
    bool in_use;
    char path[4096];
} mi_box_info;

/* Initialised boxes, sorted by id.  *out is malloc'd. */
int mi_box_list(const mi_host_config *h, mi_box_info **out, size_t *n, mi_error *err);

/* The warning for -m without --cg (stderr of the CLI, "warnings" of the JSON result). */
#define MI_WARN_MEM_UNBOUNDED                                                                   \
    "without --cg, -m limits each process's address space only: memory kept in memfds, "        \
    "/dev/shm, /tmp and other tmpfs files is not bounded (use --cg with --cg-mem to bound the "   \
    "whole box)"

/* Whether --cg runs on this host report procs_peak (kernel >= 6.1 with pids.peak, and on
 * cgroup v1 a pids hierarchy of its own). */
bool mi_procs_peak_available(const mi_host_config *h);

/* Run c->argv in the initialised box.  Returns 0 when the sandbox did its job (the program's
 * outcome, whatever it is, is in *r), -1 on a sandbox failure: then *err says why and *r has
 * status InternalError (with stats if the program had started). */
int mi_box_run(const mi_config *c, mi_result *r, mi_error *err);

/* A run in two steps: mi_box_prepare does what does not depend on the command, mi_prepared_run
 * runs it; mi_box_run is exactly the two.  Prepare does the box checks (exists, owner, cgroup
 * mode, uid overrides, sizes, a non-root caller's policy), takes the box lock (held until the
 * run ends or the prepared run is freed), sets up the run's cgroup (fresh counters, the limits
 * of c), compiles the syscall policy and clones the box's init, which builds the namespaces and
 * the mount tree in the background and then waits: the run itself only sends init the command
 * and clones the program.  A prepared box holds that one waiting process (a child of the
 * caller; mi_prepared_free kills and reaps it).  0 or -1 (err). */
typedef struct mi_prepared mi_prepared;
int mi_box_prepare(const mi_config *c, mi_prepared **out, mi_error *err);
/* Runs c's command in the prepared box and frees p (always).  c must name the same box with the
 * same tree/policy as at prepare (box_id, caller, uid/gid overrides, cg mode, share_net,
 * special_files, chroot, dirs, syscall flags and allow-list: checked, -1 with MI_ERR_USAGE if
 * not); argv, env, rlimits, time limits, cg_mem_kib/processes, stdio, chdir, fd_map,
 * inherit_fds, signal_fd and capture may differ.  The hand-over of box/ to the box user (the
 * chown walk) happens here, not at prepare: the caller may write files into box/ in between.
 * Returns as mi_box_run. */
int mi_prepared_run(mi_prepared *p, const mi_config *c, mi_result *r, mi_error *err);
/* Drops a prepared run that will not be used (unlocks the box).  NULL is fine. */
void mi_prepared_free(mi_prepared *p);
/* A box for many runs (a server's warm box): as mi_box_prepare, but init stays after a run and
 * serves the next one, in the same mount tree and PID namespace.  Between two runs
 * (mi_prepared_clean) it renews what a run could have changed: every process is gone, the IPC
 * namespace is new and so is the network namespace if the run left a trace in it (a packet, a
 * counter, a socket), the writable per-run filesystems (/dev/shm) are mounted anew, PID
 * numbers start again at 2, the cgroup counters are fresh, box/ and the tmp dirs are empty
 * and, when the policy allows keyctl, the box uid's keyrings are emptied.  A tree that cannot
 * be split into kept and per-run mounts gives a one-run box. */
int mi_box_prepare_many(const mi_config *c, mi_prepared **out, mi_error *err);
/* Runs c's command as mi_prepared_run does, without freeing p.  0: the run is done (*r) and
 * the box can take another once mi_prepared_clean has reset it; box/ and the tmp dirs hold
 * what the run left, still the box user's (read them as root; box/ itself is 0700).  1: the
 * run is done, box/ handed back, but the box cannot take another (free p); -1 (err): the run
 * failed (free p). */
int mi_prepared_run_keep(mi_prepared *p, const mi_config *c, mi_result *r, mi_error *err);
/* Between two runs of a resident box, after the caller has taken what it wanted from box/
 * (and answered: this is the whole reset, kept off the answer's path): box/ and every tmp dir
 * of c's rules emptied, their own mode and extended attributes put back, box/ handed back to
 * its owner, the keyrings emptied, init's namespaces and the cgroup counters renewed.  Also
 * after a command refused before it ran.  0 or -1 (err: free p, the box is not fit for
 * another run). */
int mi_prepared_clean(mi_prepared *p, const mi_config *c, mi_error *err);

/* ---------------------------------------------------------------- JSON (json.c)
 *
 * Strings returned are malloc'd (free() or mi_free()).  Parsers fill *err (MI_ERR_CONFIG) with
 * the JSON path of the offending field, e.g. "$.environment[2]: expected string". */

/* ExecutionResult JSON: the seed's fields, "resource_usage" and an "isolate" object. */
char *mi_result_to_json(const mi_result *r, mi_error *err);
int mi_result_from_json(const char *json, mi_result *r, mi_error *err);
/* The same document plus "\n", streamed to f (a FILE * from <stdio.h>). */
int mi_result_write_json(const mi_result *r, void *f, mi_error *err);
/* IsolateConfig JSON over *c (which mi_config_init prepared): absent fields take the seed's
 * defaults (128 MiB memory, 10 s CPU, 20 s wall, 1 process, 64 MiB files). */
int mi_config_from_json(const char *json, mi_config *c, mi_error *err);
char *mi_config_to_json(const mi_config *c, mi_error *err);

/* Default output cap of a captured stream (bytes). */
#define MI_DEFAULT_OUTPUT_LIMIT (16u * 1024 * 1024)

/* An ExecutionResult JSON document for a failure before anything ran (status InternalError,
 * isolate status XX, the message as error_message); malloc'd, free with mi_free(). */
char *mi_result_error_json(const char *msg);

/* ---------------------------------------------------------------- one-call API (api.c)
 *
 * mi_run_once: init box c->box_id, run c->argv, clean up.  0 when the sandbox did its job
 * (the outcome is in *r; free it with mi_result_free), -1 with *err on a sandbox failure.
 *
 * mi_run_json: the ctypes-friendly entry point.  config_json is an IsolateConfig document (NULL or
 * "" = the seed's defaults; a numeric instance_id selects the box id, else box 0); argv is a
 * NULL-terminated array.  Output is always captured.  Returns a malloc'd ExecutionResult JSON
 * (status "InternalError" with error_message on any failure; NULL only when out of memory);
 * release it with mi_free.  Host configuration: MINI_ISOLATE_CONFIG (root only) or the default. */
int mi_run_once(const mi_config *c, mi_result *r, mi_error *err);
char *mi_run_json(const char *config_json, const char *const *argv);
void mi_free(void *p);

/* ---------------------------------------------------------------- output */

/* Write the isolate meta file for a result (key order as isolate's). */
int mi_meta_write(int fd, const mi_result *r, mi_error *err);
/* Meta text for an error that happened before anything ran (status:XX + message). */
int mi_meta_write_error(int fd, const char *message, mi_error *err);

#ifdef __cplusplus
}
#endif
#endif
