/* mini-isolate serve: shared state of the server's parts (docs/server.md, "Process model").
 *   main.c    flags and ES_* variables, start-up cleaning, signals, shutdown
 *   http.c    libmicrohttpd: routing, auth, body limit, the /file endpoints, /version, /config
 *   request.c the POST /run model (JSON -> structs)
 *   runner.c  one request: descriptors, pipes and proxies, one worker process per command
 *   worker.c  inside a worker: reset the box, copyIn, mi_box_run, copyOut, the Result JSON
 *   zygote.c  the single-threaded process that forks the workers; warm boxes; the run message
 *   pool.c    -parallelism slots with a bounded queue, the server's box ids
 *   store.c   the file store
 *   util.c    JSON and descriptor helpers */
#ifndef MI_SERVER_H
#define MI_SERVER_H

#include "mini-isolate.h"
#include "pool.h"
#include "store.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* The go-judge API version implemented (hydrojudge requires >= 1.8.6). */
#define GJ_API_VERSION "v1.12.2"

typedef struct gj_opts {
    char *http_addr;       /* host:port or unix:/path */
    unsigned parallelism;
    unsigned queue_size;   /* requests that may wait for a slot (go-judge: 512) */
    char *auth_token;
    char *dir;             /* file store ("" = our own under /dev/shm, removed at exit) */
    uint64_t file_timeout; /* seconds, 0 = keep */
    char **src_prefix;     /* resolved real paths allowed as "src" (NULL = any) */
    size_t n_src_prefix;
    bool net_share;
    char *tmp_fs_param;    /* tmpfs options of /w and /tmp */
    uint64_t output_limit; /* bytes: RLIMIT_FSIZE */
    uint64_t copy_out_limit;
    uint64_t open_file_limit;
    uint64_t extra_memory_limit;
    uint64_t pre_fork;     /* boxes kept ready (warm workers) */
    uint32_t box_first, box_count; /* the server's box ids */
    uint64_t max_body;     /* bytes of a request body */
    char *config_path;     /* host configuration */
    char *mount_conf;      /* -mount-conf: directory rules, one a line, -d syntax */
    char **dir_rules;      /* ... as read at start */
    size_t n_dir_rules;
    double shutdown_grace; /* seconds a running request may finish after SIGTERM */
    bool enable_cpu_rate;  /* -enable-cpu-rate: cpuRateLimit is applied (else ignored) */
    uint64_t cpu_cfs_period_us; /* -cpu-cfs-period (default 100ms) */
    char **cpusets;        /* -cpuset: one entry per worker slot (slot i uses entry i % n) */
    size_t n_cpusets;
} gj_opts;

typedef struct gj_server {
    gj_opts o;
    mi_host_config host;
    gj_store *store;
    gj_pool pool;
    atomic_bool stopping;
    int cgroup_type; /* 1 or 2, for /config */
    bool proc_peak;  /* results carry procPeak (mi_procs_peak_available), for /version */
} gj_server;

/* http.c */
typedef struct gj_http gj_http;
int gj_http_start(gj_server *s, gj_http **out, char *err, size_t errlen);
void gj_http_quiesce(gj_http *h); /* stop accepting */
void gj_http_stop(gj_http *h);

/* runner.c: runs a parsed request; the JSON array of results or, on a request-level failure,
 * *http_status 400/500 and a message.  cancel_fd: readable (POLLRDHUP/HUP) when the client left. */
struct gj_request;
char *gj_run_request(gj_server *s, const struct gj_request *req, const char *body, size_t body_len,
                     int client_fd, int *http_status, char *err, size_t errlen);
/* Asks every running request to end now (SIGTERM after the grace time). */
void gj_runner_cancel_all(void);
unsigned gj_runner_active(void);

#endif
