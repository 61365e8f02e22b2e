/* mini-isolate serve (also run as `go-judge`): go-judge's flags, single or double dash, each
 * also as an ES_* environment variable (the flag wins); start-up cleaning; SIGTERM shutdown. */
#include "mi-build-config.h"
#include "server.h"
#include "worker.h"
#include "zygote.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum kind { K_STR, K_UINT, K_BOOL, K_SIZE, K_DURATION, K_PERIOD, K_IDS, K_REFUSED };

struct flag {
    const char *name;
    enum kind kind;
    const char *help;
    void *dst;
};

static gj_server srv;
static char *src_prefix_arg, *box_ids_arg, *cpuset_arg;
static bool silent, show_version;

/* go-judge flags we do not implement are refused by name, never accepted and ignored. */
static struct flag flags[] = {
    {"http-addr", K_STR, "listen on host:port, or unix:/path (mode 0660) (default localhost:5050)", &srv.o.http_addr},
    {"parallelism", K_UINT, "requests run at once; more wait in a queue of 512 (default: CPUs)", &srv.o.parallelism},
    {"auth-token", K_STR, "require 'Authorization: Bearer TOKEN' (not on /version, /config)", &srv.o.auth_token},
    {"dir", K_STR, "file store directory, kept (default: our own under /dev/shm, removed at exit)", &srv.o.dir},
    {"file-timeout", K_DURATION, "stored files expire after this (e.g. 30m; default 0 = never)", &srv.o.file_timeout},
    {"src-prefix", K_STR, "comma-separated host directories a \"src\" file must resolve under", &src_prefix_arg},
    {"net-share", K_BOOL, "keep the host network in the boxes (default: none)", &srv.o.net_share},
    {"tmp-fs-param", K_STR, "tmpfs options of /w and /tmp (default size=128m,nr_inodes=4k)", &srv.o.tmp_fs_param},
    {"output-limit", K_SIZE, "RLIMIT_FSIZE of the programs (default 256m)", &srv.o.output_limit},
    {"copy-out-limit", K_SIZE, "default copyOutMax, and the POST /file size limit (default 256m)", &srv.o.copy_out_limit},
    {"open-file-limit", K_UINT, "RLIMIT_NOFILE of the programs (default 256)", &srv.o.open_file_limit},
    {"pre-fork", K_UINT, "boxes made ready before requests arrive, and kept ready (default: 2 x parallelism)", &srv.o.pre_fork},
    {"extra-memory-limit", K_SIZE, "slack over memoryLimit in the memory cgroup (default 16k)", &srv.o.extra_memory_limit},
    {"cpuset", K_STR, "comma-separated cpusets, one per worker: -parallelism defaults to their number, and worker i's runs use entry i (cpuSetLimit overrides)", &cpuset_arg},
    {"enable-cpu-rate", K_BOOL, "apply cpuRateLimit (cgroup CPU bandwidth; ignored without this flag, as in go-judge)", &srv.o.enable_cpu_rate},
    {"cpu-cfs-period", K_PERIOD, "CFS period of cpuRateLimit, 1ms..1s (default 100ms)", &srv.o.cpu_cfs_period_us},
    {"silent", K_BOOL, "no start-up and shutdown messages on stderr", &silent},
    {"version", K_BOOL, "print the version and exit", &show_version},
    /* ours */
    {"queue-size", K_UINT, "requests that may wait for a slot, then 500 (default 512)", &srv.o.queue_size},
    {"mount-conf", K_STR, "file of directory rules for the boxes, one a line in -d syntax (see docs/server.md)", &srv.o.mount_conf},
    {"box-ids", K_IDS, "FIRST-LAST: the server's own box ids (default: the top 256 of num_boxes)", &box_ids_arg},
    {"max-request-size", K_SIZE, "largest POST /run body, else 413 (default 64m)", &srv.o.max_body},
    {"config", K_STR, "host configuration file (default $MINI_ISOLATE_CONFIG or " MI_CONFIG_PATH ")", &srv.o.config_path},
    /* go-judge's, not implemented */
    {"seccomp-conf", K_REFUSED, NULL, NULL},
    {"enable-grpc", K_REFUSED, NULL, NULL},
    {"grpc-addr", K_REFUSED, NULL, NULL},
    {"grpc-msg-size", K_REFUSED, NULL, NULL},
    {"monitor-addr", K_REFUSED, NULL, NULL},
    {"enable-metrics", K_REFUSED, NULL, NULL},
    {"enable-debug", K_REFUSED, NULL, NULL},
    {"cgroup-prefix", K_REFUSED, NULL, NULL},
    {"no-fallback", K_REFUSED, NULL, NULL},
    {"container-cred-start", K_REFUSED, NULL, NULL},
    {"container-init-path", K_REFUSED, NULL, NULL},
    {"time-limit-checker-interval", K_REFUSED, NULL, NULL},
    {"force-gc-target", K_REFUSED, NULL, NULL},
    {"force-gc-interval", K_REFUSED, NULL, NULL},
    {"release", K_REFUSED, NULL, NULL},
};
#define N_FLAGS (sizeof flags / sizeof flags[0])

static void usage(FILE *f, const char *prog)
{
    fprintf(f, "usage: %s [flags]   (mini-isolate serve: go-judge's HTTP API, docs/server.md)\n"
               "Flags take one or two dashes, -flag value or -flag=value; each is also read from\n"
               "the environment as ES_<FLAG> (upper case, '-' as '_'), the flag winning.\n\n",
            prog);
    for (size_t i = 0; i < N_FLAGS; i++)
        if (flags[i].kind != K_REFUSED)
            fprintf(f, "  -%-20s %s\n", flags[i].name, flags[i].help);
    fprintf(f, "\nNot implemented (refused): ");
    for (size_t i = 0; i < N_FLAGS; i++)
        if (flags[i].kind == K_REFUSED)
            fprintf(f, "-%s ", flags[i].name);
    fprintf(f, "\n");
}

/* "256m", "16k", "1g", or bytes. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return -1;
    uint64_t m = 1;
    switch (*end) {
    case 0: break;
    case 'k': case 'K': m = 1024; end++; break;
    case 'm': case 'M': m = 1024 * 1024; end++; break;
    case 'g': case 'G': m = 1024 * 1024 * 1024; end++; break;
    default: return -1;
    }
    if (*end == 'b' || *end == 'B' || *end == 'i')
        end++;
    if (*end || v > UINT64_MAX / m)
        return -1;
    *out = v * m;
    return 0;
}

/* Go durations as go-judge takes them ("30m", "1h", "90s", "1h30m"); seconds out. */
static int parse_duration(const char *s, uint64_t *out)
{
    uint64_t total = 0;
    if (!strcmp(s, "0")) {
        *out = 0;
        return 0;
    }
    while (*s) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || s[0] == '-')
            return -1;
        uint64_t m;
        if (*end == 'h')
            m = 3600;
        else if (*end == 'm' && end[1] != 's')
            m = 60;
        else if (*end == 's')
            m = 1;
        else
            return -1;
        total += v * m;
        s = end + 1;
    }
    *out = total;
    return 0;
}

/* A Go duration of at most one second, as the CFS period takes it ("100ms", "500us", "1s");
 * microseconds out. */
static int parse_period(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    uint64_t m = !strcmp(end, "s") ? 1000000 : !strcmp(end, "ms") ? 1000
               : !strcmp(end, "us") || !strcmp(end, "\u00b5s") ? 1 : 0;
    if (errno || end == s || s[0] == '-' || !m || v > 1000000 / m || v * m < 1000)
        return -1;
    *out = v * m;
    return 0;
}

static int set_flag(const struct flag *f, const char *v, const char *origin)
{
    uint64_t u;
    switch (f->kind) {
    case K_REFUSED:
        fprintf(stderr, "%s: -%s is a go-judge flag this server does not implement (docs/server.md)\n",
                origin, f->name);
        return -1;
    case K_STR:
    case K_IDS:
        free(*(char **)f->dst);
        *(char **)f->dst = strdup(v);
        return 0;
    case K_BOOL:
        if (!strcmp(v, "true") || !strcmp(v, "1"))
            *(bool *)f->dst = true;
        else if (!strcmp(v, "false") || !strcmp(v, "0"))
            *(bool *)f->dst = false;
        else
            break;
        return 0;
    case K_UINT:
        if (parse_size(v, &u) < 0 || strpbrk(v, "kKmMgG") || u > UINT32_MAX)
            break;
        if (f->dst == &srv.o.parallelism || f->dst == &srv.o.queue_size)
            *(unsigned *)f->dst = (unsigned)u;
        else
            *(uint64_t *)f->dst = u;
        return 0;
    case K_SIZE:
        if (parse_size(v, (uint64_t *)f->dst) < 0)
            break;
        return 0;
    case K_DURATION:
        if (parse_duration(v, (uint64_t *)f->dst) < 0)
            break;
        return 0;
    case K_PERIOD:
        if (parse_period(v, (uint64_t *)f->dst) < 0)
            break;
        return 0;
    }
    fprintf(stderr, "%s: -%s: invalid value \"%s\"\n", origin, f->name, v);
    return -1;
}

static const struct flag *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < N_FLAGS; i++)
        if (strlen(flags[i].name) == len && !strncmp(flags[i].name, name, len))
            return &flags[i];
    return NULL;
}

static int parse_env(void)
{
    for (size_t i = 0; i < N_FLAGS; i++) {
        char var[64] = "ES_";
        size_t k = 3;
        for (const char *p = flags[i].name; *p && k < sizeof var - 1; p++)
            var[k++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        var[k] = 0;
        const char *v = getenv(var);
        if (v && set_flag(&flags[i], v, var) < 0)
            return -1;
    }
    return 0;
}

static int parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "-help") || !strcmp(a, "--help")) {
            usage(stdout, argv[0]);
            exit(0);
        }
        if (a[0] != '-' || !a[1]) {
            fprintf(stderr, "%s: unexpected argument \"%s\" (try --help)\n", argv[0], a);
            return -1;
        }
        a += a[1] == '-' ? 2 : 1;
        const char *eq = strchr(a, '=');
        const struct flag *f = find_flag(a, eq ? (size_t)(eq - a) : strlen(a));
        if (!f) {
            fprintf(stderr, "%s: unknown flag %s (try --help)\n", argv[0], argv[i]);
            return -1;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v && f->kind == K_BOOL)
            v = "true";
        if (!v && f->kind != K_REFUSED) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: -%s needs a value\n", argv[0], f->name);
                return -1;
            }
            v = argv[++i];
        }
        if (set_flag(f, v ? v : "", "command line") < 0)
            return -1;
    }
    return 0;
}

/* -cpuset: each entry one worker's CPUs (itself a cpuset list without commas: "3", "4-7"). */
static int split_cpusets(gj_opts *o)
{
    if (!cpuset_arg || !cpuset_arg[0])
        return 0;
    for (char *save = NULL, *t = strtok_r(cpuset_arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strspn(t, "0123456789-") != strlen(t) || t[0] == '-') {
            fprintf(stderr, "-cpuset: \"%s\" is not a CPU number or range\n", t);
            return -1;
        }
        o->cpusets = realloc(o->cpusets, (o->n_cpusets + 1) * sizeof *o->cpusets);
        o->cpusets[o->n_cpusets++] = strdup(t);
    }
    if (!o->parallelism)
        o->parallelism = (unsigned)o->n_cpusets;
    return 0;
}

static int finish_options(void)
{
    gj_opts *o = &srv.o;
    if (!o->cpu_cfs_period_us)
        o->cpu_cfs_period_us = 100000;
    if (split_cpusets(o) < 0)
        return -1;
    if (!o->parallelism) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o->parallelism = n > 0 ? (unsigned)n : 1;
    }
    if (!o->pre_fork)
        o->pre_fork = 2 * (uint64_t)o->parallelism;
    if (src_prefix_arg && src_prefix_arg[0]) {
        for (char *save = NULL, *t = strtok_r(src_prefix_arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            char *r = realpath(t, NULL);
            if (!r) {
                fprintf(stderr, "-src-prefix %s: %s\n", t, strerror(errno));
                return -1;
            }
            o->src_prefix = realloc(o->src_prefix, (o->n_src_prefix + 1) * sizeof *o->src_prefix);
            o->src_prefix[o->n_src_prefix++] = r;
        }
    }
    uint32_t nb = srv.host.num_boxes;
    if (box_ids_arg) {
        unsigned long a, b;
        char tail;
        if (sscanf(box_ids_arg, "%lu-%lu%c", &a, &b, &tail) != 2 || a > b || b >= nb) {
            fprintf(stderr, "-box-ids %s: expected FIRST-LAST within 0-%u (num_boxes of %s)\n",
                    box_ids_arg, nb - 1, srv.host.path ? srv.host.path : "the defaults");
            return -1;
        }
        o->box_first = (uint32_t)a;
        o->box_count = (uint32_t)(b - a + 1);
    } else {
        o->box_count = nb < 512 ? nb / 2 : 256;
        o->box_first = nb - o->box_count;
    }
    if (o->box_count == 0) {
        fprintf(stderr, "no box ids for the server (num_boxes %u)\n", nb);
        return -1;
    }
    return 0;
}

/* -mount-conf: one directory rule a line in the CLI's -d syntax ("in=out:opts", "dir:opts",
 * "in=" to remove a default); '#' starts a comment.  Each rule is checked now, by the library's
 * own parser, so that a mistake stops the start rather than every run. */
static int load_mount_conf(void)
{
    if (!srv.o.mount_conf || !srv.o.mount_conf[0])
        return 0;
    FILE *f = fopen(srv.o.mount_conf, "re");
    if (!f) {
        fprintf(stderr, "-mount-conf %s: %s\n", srv.o.mount_conf, strerror(errno));
        return -1;
    }
    mi_config c;
    mi_error e;
    int rc = mi_config_init(&c, &e);
    char line[4096];
    for (unsigned n = 1; rc == 0 && fgets(line, sizeof line, f); n++) {
        line[strcspn(line, "\r\n#")] = 0;
        char *p = line + strspn(line, " \t");
        for (char *end = p + strlen(p); end > p && (end[-1] == ' ' || end[-1] == '\t');)
            *--end = 0;
        if (!*p)
            continue;
        if (mi_config_add_dir_rule(&c, p, &e) < 0) {
            fprintf(stderr, "-mount-conf %s:%u: %s\n", srv.o.mount_conf, n, e.msg);
            rc = -1;
            break;
        }
        char **nr = realloc(srv.o.dir_rules, (srv.o.n_dir_rules + 1) * sizeof *nr);
        if (!nr || !(nr[srv.o.n_dir_rules] = strdup(p))) {
            rc = -1;
            break;
        }
        srv.o.dir_rules = nr;
        srv.o.n_dir_rules++;
    }
    fclose(f);
    mi_config_free(&c);
    return rc;
}

static int load_host(void)
{
    mi_error e;
    const char *path = srv.o.config_path ? srv.o.config_path : getenv("MINI_ISOLATE_CONFIG");
    if (!path || !path[0])
        path = MI_CONFIG_PATH;
    if (mi_host_config_defaults(&srv.host, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    if (access(path, F_OK) == 0 && mi_host_config_load(&srv.host, path, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    return 0;
}

/* Our mounts (the boxes' tmpfs, kept namespaces) live in a mount namespace of our own: they
 * vanish with the server, even after kill -9, and never show in the host's table. */
static int own_mount_ns(void)
{
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        fprintf(stderr, "Cannot make the server's mount namespace: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static void clean_boxes(bool quiet)
{
    for (uint32_t i = 0; i < srv.o.box_count; i++) {
        char err[1200];
        if (gj_box_reset(&srv, srv.o.box_first + i, false, false, err, sizeof err) < 0 && !quiet)
            fprintf(stderr, "box %u: %s\n", srv.o.box_first + i, err);
    }
}

static int check_box(void)
{
    char err[1200];
    if (gj_box_reset(&srv, srv.o.box_first, true, false, err, sizeof err) < 0) {
        fprintf(stderr, "Cannot prepare box %u (memory limits need control groups): %s\n",
                srv.o.box_first, err);
        return -1;
    }
    struct stat st;
    srv.cgroup_type = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0 ? 2 : 1;
    srv.proc_peak = mi_procs_peak_available(&srv.host);
    return 0;
}

static void defaults(void)
{
    gj_opts *o = &srv.o;
    o->http_addr = strdup("localhost:5050");
    o->tmp_fs_param = strdup("size=128m,nr_inodes=4k");
    o->output_limit = o->copy_out_limit = 256u << 20;
    o->open_file_limit = 256;
    o->extra_memory_limit = 16 << 10;
    o->max_body = 64u << 20;
    o->queue_size = GJ_QUEUE_MAX;
    o->shutdown_grace = 3;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* SIGTERM/SIGINT: stop accepting, let running requests finish for the grace time, then cancel
 * them (their boxes are killed and they answer Internal Error), clean every box, exit 0. */
static void shutdown_server(gj_http *h)
{
    gj_http_quiesce(h);
    atomic_store(&srv.stopping, true);
    gj_pool_close(&srv.pool);
    double t0 = now();
    while (gj_runner_active() > 0 && now() - t0 < srv.o.shutdown_grace)
        usleep(20000);
    gj_runner_cancel_all();
    while (gj_runner_active() > 0 && now() - t0 < srv.o.shutdown_grace + 5)
        usleep(20000);
    gj_http_stop(h);
    gj_zygote_stop();
    clean_boxes(false);
    gj_store_close(srv.store);
    gj_pool_destroy(&srv.pool);
    mi_host_config_free(&srv.host);
    gj_opts *o = &srv.o;
    for (size_t i = 0; i < o->n_src_prefix; i++)
        free(o->src_prefix[i]);
    free(o->src_prefix);
    free(o->http_addr);
    free(o->tmp_fs_param);
    free(o->auth_token);
    free(o->dir);
    free(o->config_path);
    free(o->mount_conf);
    for (size_t i = 0; i < o->n_dir_rules; i++)
        free(o->dir_rules[i]);
    free(o->dir_rules);
    free(src_prefix_arg);
    free(box_ids_arg);
}

int main(int argc, char **argv)
{
    defaults();
    if (parse_env() < 0 || parse_args(argc, argv) < 0)
        return 2;
    if (show_version) {
        printf("mini-isolate %s (go-judge API %s)\n", MI_VERSION, GJ_API_VERSION);
        return 0;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "%s: the server must run as root (it creates boxes, mounts and cgroups)\n", argv[0]);
        return 2;
    }
    if (load_host() < 0 || finish_options() < 0 || load_mount_conf() < 0 || own_mount_ns() < 0)
        return 2;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL); /* before any thread: every thread inherits the mask */
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    clean_boxes(false); /* what a killed server left: boxes, their cgroups */
    if (check_box() < 0)
        return 1;
    char err[1200];
    char owned_dir[64];
    bool owned = !srv.o.dir || !srv.o.dir[0];
    if (owned)
        snprintf(owned_dir, sizeof owned_dir, "/dev/shm/mini-isolate-serve-%u", srv.o.box_first);
    if (gj_store_open(&srv.store, owned ? owned_dir : srv.o.dir, owned, srv.o.file_timeout, err,
                      sizeof err) < 0 ||
        gj_pool_init(&srv.pool, srv.o.parallelism, srv.o.queue_size, srv.o.box_first,
                     srv.o.box_count, (uint32_t)srv.o.pre_fork) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    /* Before any thread exists: every worker is forked from this single-threaded copy. */
    if (gj_zygote_start(&srv, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        clean_boxes(false);
        gj_store_close(srv.store);
        return 1;
    }
    gj_warm_start(&srv, srv.o.pre_fork);
    gj_http *h;
    if (gj_http_start(&srv, &h, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        clean_boxes(false);
        gj_store_close(srv.store);
        return 1;
    }
    if (!silent)
        fprintf(stderr, "mini-isolate serve %s: listening on %s, parallelism %u, boxes %u-%u\n",
                MI_VERSION, srv.o.http_addr, srv.o.parallelism, srv.o.box_first,
                srv.o.box_first + srv.o.box_count - 1);
    for (;;) {
        struct pollfd p = {sfd, POLLIN, 0};
        int r = poll(&p, 1, 15000);
        if (r > 0) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si && si.ssi_signo != SIGHUP)
                break;
        }
        gj_store_sweep(srv.store);
    }
    if (!silent)
        fprintf(stderr, "mini-isolate serve: stopping\n");
    shutdown_server(h);
    return 0;
}
