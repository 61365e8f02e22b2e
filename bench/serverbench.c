/* Mini-Isolate server benchmark (issue 13): starts the real `mini-isolate serve` on its own
 * loopback port, box ids and file store, and measures in one run: per-request latency of
 * `POST /run` of /bin/true against a bare posix_spawn of /bin/true (interleaved), throughput
 * with 1, 2 and 4 clients next to the CLIs (ours and, with --isolate / ISOLATE=, IOI isolate's)
 * with as many boxes in parallel, latency percentiles per client count, the server's RSS, kill
 * latency, CPU-time and memory accuracy, and an interactive ping-pong through pipeMapping
 * (direct and proxy).  HTTP with libcurl (keep-alive: one handle per client), JSON with jansson.
 * Run as root; bench/run.sh --server builds and runs it.  See docs/benchmarks.md, "Server".
 *
 *   serverbench --mi PATH --payloads DIR [--isolate PATH] [--json] [--out FILE] [--runs N]
 *               [--tp-secs S] [--parallelism N] [--pingpong N] [--acc-runs N] [--port N]
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_CLIENTS 4
#define SRV_BOX_FIRST 3100000L /* the server's -box-ids range */
#define CLI_BOX_BASE 3100100L  /* our CLI's boxes in the throughput comparison */
#define ISO_BOX_BASE 990L      /* IOI isolate's (default num_boxes is 1000) */

struct stats {
    int n;
    double median, p90, p99, max;
};

static char tmpdir[PATH_MAX], base_url[96], payload_dir[PATH_MAX];
static const char *mi_bin, *iso_bin;
static pid_t server_pid;
static FILE *js; /* JSON output, or NULL */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("serverbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(const double *s, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)pos;
    return i >= n - 1 ? s[n - 1] : s[i] + (pos - i) * (s[i + 1] - s[i]);
}

/* Sorts v in place; the figures are scaled by `scale` (1000: seconds -> ms). */
static struct stats stats_of(double *v, int n, double scale)
{
    struct stats s = { n, NAN, NAN, NAN, NAN };
    if (n <= 0)
        return s;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    s.median = quantile(v, n, 0.5) * scale;
    s.p90 = quantile(v, n, 0.9) * scale;
    s.p99 = quantile(v, n, 0.99) * scale;
    s.max = v[n - 1] * scale;
    return s;
}

/* ---- JSON output: one object, keys added as the sections run ---- */

static json_t *jroot;

static json_t *jstats(struct stats s)
{
    return json_pack("{s:i,s:f,s:f,s:f,s:f}", "n", s.n, "median", s.median, "p90", s.p90, "p99",
                     s.p99, "max", s.max);
}

static void jset(json_t *o, const char *k, json_t *v)
{
    json_object_set_new(o, k, v ? v : json_null());
}

static json_t *jreal(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* ---- processes ---- */

/* posix_spawn argv (stdio to /dev/null), wait; returns the wait status, *wall the seconds. */
static int run_cmd(char *const argv[], double *wall)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    double t0 = now();
    int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err)
        die("spawn %s: %s", argv[0], strerror(err));
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            die("waitpid: %s", strerror(errno));
    if (wall)
        *wall = now() - t0;
    return st;
}

/* VmRSS (KiB) of pid plus every descendant (walking /proc/PID/task/TID/children). */
static long rss_tree(pid_t pid, int *nproc)
{
    char path[64], line[256];
    long kib = 0;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    (*nproc)++;
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (!d)
        return kib;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char cp[PATH_MAX];
        snprintf(cp, sizeof cp, "/proc/%d/task/%s/children", pid, e->d_name);
        FILE *c = fopen(cp, "r");
        if (!c)
            continue;
        int child;
        while (fscanf(c, "%d", &child) == 1)
            kib += rss_tree(child, nproc);
        fclose(c);
    }
    closedir(d);
    return kib;
}

/* ---- HTTP client: one curl easy handle (one keep-alive connection) per client ---- */

struct client {
    CURL *h;
    struct curl_slist *hdrs;
    char *buf;
    size_t len, cap;
};

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
    struct client *c = arg;
    size_t k = sz * n;
    if (c->len + k + 1 > c->cap) {
        c->cap = (c->len + k + 1) * 2;
        c->buf = realloc(c->buf, c->cap);
        if (!c->buf)
            die("out of memory");
    }
    memcpy(c->buf + c->len, p, k);
    c->len += k;
    c->buf[c->len] = 0;
    return k;
}

static void client_init(struct client *c)
{
    memset(c, 0, sizeof *c);
    c->h = curl_easy_init();
    if (!c->h)
        die("curl_easy_init failed");
    c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L);
}

static void client_free(struct client *c)
{
    curl_easy_cleanup(c->h);
    curl_slist_free_all(c->hdrs);
    free(c->buf);
}

/* GET (body NULL) or POST body to path; returns the HTTP status (0: no connection). */
static long http(struct client *c, const char *path, const char *body)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    c->len = 0;
    if (c->buf)
        c->buf[0] = 0;
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    if (body)
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
    else
        curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
    if (curl_easy_perform(c->h) != CURLE_OK)
        return 0;
    long code = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

struct result {
    char status[64];
    double time_ns, memory, run_ns;
    char stdout_text[256];
};

/* POST /run; fills r[0..n) from the response array.  Returns 0, or -1 (with a message). */
static int run_req(struct client *c, const char *body, struct result *r, int n)
{
    long code = http(c, "/run", body);
    if (code != 200) {
        fprintf(stderr, "serverbench: POST /run: HTTP %ld: %.300s\n", code, c->buf ? c->buf : "");
        return -1;
    }
    json_error_t e;
    json_t *a = json_loads(c->buf, 0, &e);
    if (!json_is_array(a) || (int)json_array_size(a) != n) {
        fprintf(stderr, "serverbench: unexpected /run answer: %.300s\n", c->buf);
        json_decref(a);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        json_t *o = json_array_get(a, (size_t)i);
        const char *st = json_string_value(json_object_get(o, "status"));
        snprintf(r[i].status, sizeof r[i].status, "%s", st ? st : "?");
        r[i].time_ns = json_number_value(json_object_get(o, "time"));
        r[i].memory = json_number_value(json_object_get(o, "memory"));
        r[i].run_ns = json_number_value(json_object_get(o, "runTime"));
        const char *out = json_string_value(json_object_get(json_object_get(o, "files"), "stdout"));
        snprintf(r[i].stdout_text, sizeof r[i].stdout_text, "%s", out ? out : "");
    }
    json_decref(a);
    return 0;
}

/* The request body of one command; prog "" runs args[0] as is, otherwise copies the payload
 * bench_<prog> in as /w/prog and runs it.  Limits in ms / MiB. */
static char *cmd_body(const char *prog, const char *arg, long cpu_ms, long clock_ms, long mem_mib)
{
    static char body[2048];
    char copyin[PATH_MAX + 64] = "";
    if (*prog)
        snprintf(copyin, sizeof copyin, ",\"copyIn\":{\"prog\":{\"src\":\"%s/bench_%s\"}}",
                 payload_dir, prog);
    snprintf(body, sizeof body,
             "{\"cmd\":[{\"args\":[\"%s\"%s%s%s],\"env\":[\"PATH=/usr/bin:/bin\"],"
             "\"files\":[{\"content\":\"\"},{\"name\":\"stdout\",\"max\":10240},"
             "{\"name\":\"stderr\",\"max\":10240}],\"cpuLimit\":%ld,\"clockLimit\":%ld,"
             "\"memoryLimit\":%ld,\"procLimit\":50%s}]}",
             *prog ? "prog" : "/bin/true", arg ? ",\"" : "", arg ? arg : "", arg ? "\"" : "",
             cpu_ms * 1000000L, clock_ms * 1000000L, mem_mib << 20, copyin);
    return body;
}

#define TRUE_BODY cmd_body("", NULL, 1000, 2000, 256)

/* ---- the server ---- */

static void stop_server(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        int st;
        waitpid(server_pid, &st, 0);
        server_pid = 0;
    }
}

static void start_server(int port, int parallelism, const char *conf)
{
    char addr[64], ids[64], dir[PATH_MAX + 8], par[16];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    snprintf(ids, sizeof ids, "%ld-%ld", SRV_BOX_FIRST, SRV_BOX_FIRST + 63);
    snprintf(dir, sizeof dir, "%s/store", tmpdir);
    snprintf(par, sizeof par, "%d", parallelism);
    snprintf(base_url, sizeof base_url, "http://%s", addr);
    char *argv[] = { (char *)mi_bin, "serve", "-http-addr", addr, "-box-ids", ids, "-dir", dir,
                     "-parallelism", par, "-config", (char *)conf, "-silent", NULL };
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    int err = posix_spawn(&server_pid, mi_bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err)
        die("spawn %s serve: %s", mi_bin, strerror(err));
    atexit(stop_server);
    struct client c;
    client_init(&c);
    for (int i = 0; i < 200; i++) {
        if (http(&c, "/version", NULL) == 200) {
            client_free(&c);
            return;
        }
        int st;
        if (waitpid(server_pid, &st, WNOHANG) == server_pid) {
            server_pid = 0;
            die("the server exited at start (status %d)", st);
        }
        usleep(50000);
    }
    die("the server did not answer /version within 10 s");
}

/* ---- 1. latency: POST /run of /bin/true vs bare posix_spawn, interleaved ---- */

static void bench_latency(int runs)
{
    struct client c;
    client_init(&c);
    double *srv = calloc((size_t)runs, sizeof *srv), *sp = calloc((size_t)runs, sizeof *sp);
    double *rt = calloc((size_t)runs, sizeof *rt);
    char *tru[] = { "/bin/true", NULL };
    struct result r;
    int n = 0;
    for (int i = 0; i < 50; i++) /* warm-up */
        if (run_req(&c, TRUE_BODY, &r, 1) < 0)
            die("warm-up request failed");
    for (int i = 0; i < runs; i++) {
        run_cmd(tru, &sp[i]);
        double t0 = now();
        if (run_req(&c, TRUE_BODY, &r, 1) < 0 || strcmp(r.status, "Accepted"))
            die("request %d failed (%s)", i, r.status);
        srv[n] = now() - t0;
        rt[n++] = r.run_ns / 1e9;
    }
    struct stats s = stats_of(srv, n, 1000), b = stats_of(sp, runs, 1000), t = stats_of(rt, n, 1000);
    printf("\n1. Latency, %d sequential POST /run of /bin/true on one keep-alive connection,\n"
           "   interleaved with a bare posix_spawn+waitpid of /bin/true (after 50 warm-up requests)\n",
           runs);
    printf("  %-28s %9s %9s %9s %9s\n", "ms", "median", "p90", "p99", "max");
    printf("  %-28s %9.3f %9.3f %9.3f %9.3f\n", "POST /run (client wall)", s.median, s.p90, s.p99, s.max);
    printf("  %-28s %9.3f %9.3f %9.3f %9.3f\n", "  server-reported runTime", t.median, t.p90, t.p99, t.max);
    printf("  %-28s %9.3f %9.3f %9.3f %9.3f\n", "bare posix_spawn", b.median, b.p90, b.p99, b.max);
    double ratio = s.median / b.median;
    printf("  median ratio server / spawn: %.2f   (target <= 1.5)\n", ratio);
    if (js) {
        json_t *o = json_object();
        jset(o, "server_ms", jstats(s));
        jset(o, "server_runtime_ms", jstats(t));
        jset(o, "spawn_ms", jstats(b));
        jset(o, "ratio_median", jreal(ratio));
        jset(jroot, "latency", o);
    }
    free(srv);
    free(sp);
    free(rt);
    client_free(&c);
}

/* ---- 2/3. throughput and latency with 1, 2, 4 clients; the CLIs with as many boxes ---- */

struct worker {
    pthread_t t;
    int w;
    double secs;
    long done, errors;
    double *lat;
    long cap;
    const char *bin; /* NULL: server client; else a CLI binary */
    long box;
};

static void *server_client(void *arg)
{
    struct worker *k = arg;
    struct client c;
    client_init(&c);
    struct result r;
    double end = now() + k->secs;
    while (now() < end) {
        double t0 = now();
        if (run_req(&c, TRUE_BODY, &r, 1) < 0 || strcmp(r.status, "Accepted")) {
            k->errors++;
            continue;
        }
        if (k->done < k->cap)
            k->lat[k->done] = now() - t0;
        k->done++;
    }
    client_free(&c);
    return NULL;
}

static int box_cmd(const char *bin, long box, const char *what)
{
    char id[32];
    snprintf(id, sizeof id, "--box-id=%ld", box);
    char *argv[] = { (char *)bin, "--cg", id, (char *)what, NULL };
    int st = run_cmd(argv, NULL);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The program alone, no sandbox: what a run costs the host at best, n at a time. */
static const char BARE[] = "/bin/true";

static void *cli_worker(void *arg)
{
    struct worker *k = arg;
    char id[32];
    snprintf(id, sizeof id, "--box-id=%ld", k->box);
    char *argv[] = { (char *)k->bin, "--cg", id, "--run", "--", "/bin/true", NULL };
    char *bare[] = { (char *)BARE, NULL };
    double end = now() + k->secs;
    while (now() < end) {
        double wall;
        int st = run_cmd(k->bin == BARE ? bare : argv, &wall);
        if (!WIFEXITED(st) || WEXITSTATUS(st)) {
            k->errors++;
            continue;
        }
        if (k->done < k->cap)
            k->lat[k->done] = wall;
        k->done++;
    }
    return NULL;
}

/* Runs `n` workers for secs; returns runs/s and fills *lat with all the latencies. */
static double throughput(const char *bin, long box_base, int n, double secs, struct stats *lat,
                         long *errors)
{
    struct worker k[MAX_CLIENTS];
    *errors = 0;
    for (int i = 0; i < n; i++) {
        k[i] = (struct worker){ .w = i, .secs = secs, .cap = 100000, .bin = bin,
                                .box = box_base + i };
        k[i].lat = calloc((size_t)k[i].cap, sizeof(double));
        if (bin && bin != BARE) {
            box_cmd(bin, k[i].box, "--cleanup");
            if (box_cmd(bin, k[i].box, "--init"))
                die("%s --cg --box-id=%ld --init failed", bin, k[i].box);
        }
    }
    double t0 = now();
    for (int i = 0; i < n; i++)
        pthread_create(&k[i].t, NULL, bin ? cli_worker : server_client, &k[i]);
    long total = 0, nl = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(k[i].t, NULL);
        total += k[i].done;
        *errors += k[i].errors;
    }
    double el = now() - t0;
    double *all = calloc((size_t)total + 1, sizeof(double));
    for (int i = 0; i < n; i++) {
        long m = k[i].done < k[i].cap ? k[i].done : k[i].cap;
        memcpy(all + nl, k[i].lat, (size_t)m * sizeof(double));
        nl += m;
        free(k[i].lat);
        if (bin && bin != BARE)
            box_cmd(bin, k[i].box, "--cleanup");
    }
    *lat = stats_of(all, (int)nl, 1000);
    free(all);
    return (double)total / el;
}

static void bench_throughput(double secs)
{
    static const int counts[] = { 1, 2, 4 };
    /* [0] the server, [1] our CLI, [2] the bare program (the ceiling), [3] isolate if given */
    const char *names[] = { "server POST /run", "mini-isolate CLI", "bare posix_spawn",
                            "isolate CLI" };
    const char *bins[] = { NULL, mi_bin, BARE, iso_bin };
    const long bases[] = { 0, CLI_BOX_BASE, 0, ISO_BOX_BASE };
    int nsys = iso_bin ? 4 : 3;
    double rate[4][3];
    struct stats lat[4][3];
    long err[4][3];
    for (int ci = 0; ci < 3; ci++) /* interleave the systems at each client count */
        for (int s = 0; s < nsys; s++)
            rate[s][ci] = throughput(bins[s], bases[s], counts[ci], secs, &lat[s][ci], &err[s][ci]);
    printf("\n2. Throughput, /bin/true, %.1f s per cell (each client its own connection; each CLI "
           "worker its own box;\n   bare posix_spawn: that many threads each spawning /bin/true "
           "and waiting for it)\n", secs);
    printf("  %-22s %10s %10s %10s   runs/s\n", "", "1", "2", "4");
    for (int s = 0; s < nsys; s++)
        printf("  %-22s %10.1f %10.1f %10.1f\n", names[s], rate[s][0], rate[s][1], rate[s][2]);
    printf("  %-22s %10.2f %10.2f %10.2f\n", "ratio server/our CLI", rate[0][0] / rate[1][0],
           rate[0][1] / rate[1][1], rate[0][2] / rate[1][2]);
    printf("  %-22s %10.2f %10.2f %10.2f   (1.00: the host's ceiling)\n", "ratio server/bare spawn",
           rate[0][0] / rate[2][0], rate[0][1] / rate[2][1], rate[0][2] / rate[2][2]);
    if (iso_bin) {
        printf("  %-22s %10.2f %10.2f %10.2f   (target >= 4 with 2 clients)\n",
               "ratio server/isolate", rate[0][0] / rate[3][0], rate[0][1] / rate[3][1],
               rate[0][2] / rate[3][2]);
        printf("  %-22s %10.2f %10.2f %10.2f   (the most any sandbox could reach)\n",
               "ratio bare spawn/isolate", rate[2][0] / rate[3][0], rate[2][1] / rate[3][1],
               rate[2][2] / rate[3][2]);
    }
    printf("\n3. Latency per request by clients (ms, client wall)\n");
    printf("  %-28s %9s %9s %9s %9s %7s\n", "", "median", "p90", "p99", "max", "errors");
    for (int s = 0; s < nsys; s++)
        for (int ci = 0; ci < 3; ci++) {
            char label[64];
            snprintf(label, sizeof label, "%s, %d", names[s], counts[ci]);
            struct stats x = lat[s][ci];
            printf("  %-28s %9.3f %9.3f %9.3f %9.3f %7ld\n", label, x.median, x.p90, x.p99, x.max,
                   err[s][ci]);
        }
    if (js) {
        json_t *o = json_object();
        jset(o, "secs", json_real(secs));
        const char *keys[] = { "server", "mini_isolate_cli", "bare_spawn", "isolate_cli" };
        for (int s = 0; s < nsys; s++) {
            json_t *sys = json_object();
            for (int ci = 0; ci < 3; ci++) {
                char k[8];
                snprintf(k, sizeof k, "%d", counts[ci]);
                jset(sys, k, json_pack("{s:f,s:o,s:i}", "runs_per_s", rate[s][ci], "latency_ms",
                                       jstats(lat[s][ci]), "errors", (int)err[s][ci]));
            }
            jset(o, keys[s], sys);
        }
        jset(jroot, "throughput", o);
    }
}

/* ---- 4. kill latency and accuracy, in server runs ---- */

static void bench_limits(int runs)
{
    struct client c;
    client_init(&c);
    struct result r;
    double cpu_over[32], cpu_rt[32], wall_over[32], cpu_err[32], mem_err[32];
    int n = runs > 32 ? 32 : runs, nc = 0, nw = 0, na = 0, nm = 0;
    for (int i = 0; i < n; i++) {
        if (run_req(&c, cmd_body("spin", NULL, 200, 2000, 256), &r, 1) == 0 &&
            !strcmp(r.status, "Time Limit Exceeded")) {
            cpu_over[nc] = r.time_ns / 1e9 - 0.2;
            cpu_rt[nc++] = r.run_ns / 1e9 - 0.2;
        }
        char body[2048];
        snprintf(body, sizeof body,
                 "{\"cmd\":[{\"args\":[\"/bin/sleep\",\"10\"],\"env\":[\"PATH=/usr/bin:/bin\"],"
                 "\"files\":[{\"content\":\"\"},{\"name\":\"stdout\",\"max\":10240},"
                 "{\"name\":\"stderr\",\"max\":10240}],\"cpuLimit\":1000000000,"
                 "\"clockLimit\":200000000,\"memoryLimit\":268435456,\"procLimit\":50}]}");
        if (run_req(&c, body, &r, 1) == 0 && !strcmp(r.status, "Time Limit Exceeded"))
            wall_over[nw++] = r.run_ns / 1e9 - 0.2;
        if (run_req(&c, cmd_body("burn", "200", 5000, 10000, 256), &r, 1) == 0 &&
            !strcmp(r.status, "Accepted")) {
            double ru, ct;
            if (sscanf(r.stdout_text, "rusage %lf cputime %lf", &ru, &ct) == 2)
                cpu_err[na++] = r.time_ns / 1e9 - ct;
        }
        if (run_req(&c, cmd_body("touch", "64", 5000, 10000, 256), &r, 1) == 0 &&
            !strcmp(r.status, "Accepted"))
            mem_err[nm++] = r.memory / 1048576.0 - 64;
    }
    struct stats so = stats_of(cpu_over, nc, 1000), sr = stats_of(cpu_rt, nc, 1000),
                 sw = stats_of(wall_over, nw, 1000), sa = stats_of(cpu_err, na, 1000),
                 sm = stats_of(mem_err, nm, 1);
    printf("\n4. Limits in server runs (%d runs each)\n", n);
    printf("  %-44s %9s %9s %9s\n", "", "median", "p90", "max");
    printf("  %-44s %9.2f %9.2f %9.2f  (n=%d)\n", "spin, cpuLimit 200ms: time - limit (ms)",
           so.median, so.p90, so.max, nc);
    printf("  %-44s %9.2f %9.2f %9.2f\n", "  runTime - limit (ms)", sr.median, sr.p90, sr.max);
    printf("  %-44s %9.2f %9.2f %9.2f  (n=%d)\n", "sleep 10, clockLimit 200ms: runTime - limit (ms)",
           sw.median, sw.p90, sw.max, nw);
    printf("  %-44s %9.3f %9.3f %9.3f  (n=%d)\n", "burn 200M: time - own CPU clock (ms)", sa.median,
           sa.p90, sa.max, na);
    printf("  %-44s %9.3f %9.3f %9.3f  (n=%d)\n", "touch 64 MiB: memory - 64 MiB (MiB)", sm.median,
           sm.p90, sm.max, nm);
    if (js)
        jset(jroot, "limits",
             json_pack("{s:o,s:o,s:o,s:o,s:o}", "cpu_kill_time_over_ms", jstats(so),
                       "cpu_kill_runtime_over_ms", jstats(sr), "wall_kill_runtime_over_ms",
                       jstats(sw), "cpu_time_error_ms", jstats(sa), "memory_error_mib",
                       jstats(sm)));
    client_free(&c);
}

/* ---- 5. interactive: ping-pong through pipeMapping, direct and proxy ---- */

static double pingpong(struct client *c, long n, int proxy, double *wall)
{
    char body[3 * PATH_MAX + 4096], pp[PATH_MAX + 64];
    snprintf(pp, sizeof pp, "\"copyIn\":{\"prog\":{\"src\":\"%s/bench_pingpong\"}}", payload_dir);
#define PP_CMD "{\"args\":[\"prog\",\"%s\",\"%ld\"],\"env\":[\"PATH=/usr/bin:/bin\"]," \
               "\"files\":[null,null,{\"name\":\"stderr\",\"max\":10240}]," \
               "\"cpuLimit\":60000000000,\"clockLimit\":120000000000," \
               "\"memoryLimit\":268435456,\"procLimit\":50,%s}"
    char a[PATH_MAX + 1024], b[PATH_MAX + 1024];
    snprintf(a, sizeof a, PP_CMD, "a", n, pp);
    snprintf(b, sizeof b, PP_CMD, "b", n, pp);
    snprintf(body, sizeof body,
             "{\"cmd\":[%s,%s],\"pipeMapping\":["
             "{\"in\":{\"index\":0,\"fd\":1},\"out\":{\"index\":1,\"fd\":0},\"proxy\":%s},"
             "{\"in\":{\"index\":1,\"fd\":1},\"out\":{\"index\":0,\"fd\":0},\"proxy\":%s}]}",
             a, b, proxy ? "true" : "false", proxy ? "true" : "false");
    struct result r[2];
    double t0 = now();
    if (run_req(c, body, r, 2) < 0)
        return NAN;
    *wall = now() - t0;
    if (strcmp(r[0].status, "Accepted") || strcmp(r[1].status, "Accepted")) {
        fprintf(stderr, "serverbench: ping-pong (proxy %d): %s / %s\n", proxy, r[0].status,
                r[1].status);
        return NAN;
    }
    return r[0].run_ns / 1e9;
}

static void bench_interactive(long n)
{
    struct client c;
    client_init(&c);
    double wd, wp;
    double d = pingpong(&c, n, 0, &wd), p = pingpong(&c, n, 1, &wp);
    printf("\n5. Interactive: %ld round trips of 1 byte between two boxes (pipeMapping)\n", n);
    printf("  direct pipes: runTime %.3f s (request %.3f s)\n", d, wd);
    printf("  proxy:        runTime %.3f s (request %.3f s)\n", p, wp);
    printf("  ratio proxy / direct: %.2f   (target <= 2)\n", p / d);
    if (js)
        jset(jroot, "interactive",
             json_pack("{s:i,s:o,s:o,s:o,s:o,s:o}", "round_trips", (int)n, "direct_runtime_s",
                       jreal(d), "direct_request_s", jreal(wd), "proxy_runtime_s", jreal(p),
                       "proxy_request_s", jreal(wp), "ratio", jreal(p / d)));
    client_free(&c);
}

/* ---- main ---- */

static void rss_report(const char *label, const char *key)
{
    int np = 0;
    long kib = rss_tree(server_pid, &np);
    printf("  server RSS %-22s %8ld KiB in %d processes (server and descendants)\n", label, kib, np);
    if (js)
        jset(jroot, key, json_pack("{s:i,s:i}", "rss_kib", (int)kib, "processes", np));
}

static void cleanup_tmp(void)
{
    stop_server();
    char *argv[] = { "/bin/rm", "-rf", tmpdir, NULL };
    if (tmpdir[0])
        run_cmd(argv, NULL);
}

static void on_signal(int sig)
{
    (void)sig;
    exit(3); /* atexit: stop the server, remove tmpdir */
}

static const char *read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    buf[0] = 0;
    if (f) {
        if (fgets(buf, (int)len, f))
            buf[strcspn(buf, "\n")] = 0;
        fclose(f);
    }
    return buf;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *pdir = NULL;
    int runs = 500, par = 2, acc = 5, port = 0, want_json = 0;
    double tp_secs = 4;
    long pp = 100000;
    iso_bin = getenv("ISOLATE") && *getenv("ISOLATE") ? getenv("ISOLATE") : NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json"))
            want_json = 1;
        else if (!v)
            die("%s: missing value (see the header of bench/serverbench.c)", a);
        else if (!strcmp(a, "--mi"))
            mi_bin = v;
        else if (!strcmp(a, "--payloads"))
            pdir = v;
        else if (!strcmp(a, "--isolate"))
            iso_bin = v;
        else if (!strcmp(a, "--out"))
            out = v;
        else if (!strcmp(a, "--runs"))
            runs = atoi(v);
        else if (!strcmp(a, "--tp-secs"))
            tp_secs = atof(v);
        else if (!strcmp(a, "--parallelism"))
            par = atoi(v);
        else if (!strcmp(a, "--pingpong"))
            pp = atol(v);
        else if (!strcmp(a, "--acc-runs"))
            acc = atoi(v);
        else if (!strcmp(a, "--port"))
            port = atoi(v);
        else
            die("unknown option %s", a);
        i++;
    }
    if (!mi_bin || !pdir || runs < 1)
        die("usage: serverbench --mi PATH --payloads DIR [--isolate PATH] [--json] [--out FILE] "
            "[--runs N] [--tp-secs S] [--parallelism N] [--pingpong N] [--acc-runs N] [--port N]");
    if (!realpath(pdir, payload_dir))
        die("%s: %s", pdir, strerror(errno));
    if (!port)
        port = 20000 + (int)(getpid() % 20000);
    if (out || want_json)
        jroot = json_object(), js = stdout;
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress, also into a file */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    snprintf(tmpdir, sizeof tmpdir, "/tmp/mi-serverbench-XXXXXX");
    if (!mkdtemp(tmpdir))
        die("mkdtemp: %s", strerror(errno));
    atexit(cleanup_tmp);
    char conf[PATH_MAX + 32];
    snprintf(conf, sizeof conf, "%s/mini-isolate.conf", tmpdir);
    FILE *cf = fopen(conf, "w");
    if (!cf)
        die("%s: %s", conf, strerror(errno));
    fprintf(cf, "box_root = %s/boxes\nlock_root = %s/locks\nnum_boxes = 2147483647\n", tmpdir,
            tmpdir);
    fclose(cf);
    setenv("MINI_ISOLATE_CONFIG", conf, 1); /* our CLI's boxes, in the throughput comparison */

    struct utsname u;
    uname(&u);
    char load[128], cg[16], date[64];
    read_line("/proc/loadavg", load, sizeof load);
    snprintf(cg, sizeof cg, "%s", access("/sys/fs/cgroup/cgroup.controllers", F_OK) ? "v1" : "v2");
    time_t t = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
    printf("Mini-Isolate server benchmark, %s\n", date);
    printf("machine: %ld CPUs, Linux %s, cgroup %s; load average at start: %s\n",
           sysconf(_SC_NPROCESSORS_ONLN), u.release, cg, load);
    printf("server: %s serve -parallelism %d (box ids %ld..)   isolate: %s\n", mi_bin, par,
           SRV_BOX_FIRST, iso_bin ? iso_bin : "(not given)");
    if (js) {
        jset(jroot, "date", json_string(date));
        jset(jroot, "machine", json_pack("{s:i,s:s,s:s,s:s}", "nproc",
                                         (int)sysconf(_SC_NPROCESSORS_ONLN), "kernel", u.release,
                                         "cgroup", cg, "loadavg_start", load));
        jset(jroot, "params", json_pack("{s:s,s:s?,s:i,s:i,s:f,s:i,s:i}", "mini_isolate", mi_bin,
                                        "isolate", iso_bin, "parallelism", par, "runs", runs,
                                        "tp_secs", tp_secs, "pingpong", (int)pp, "acc_runs", acc));
    }

    start_server(port, par, conf);
    printf("\n0. Memory\n");
    rss_report("right after start:", "rss_start");
    bench_latency(runs);
    rss_report("after warm-up:", "rss_warm");
    bench_throughput(tp_secs);
    bench_limits(acc);
    bench_interactive(pp);
    rss_report("at the end:", "rss_end");
    read_line("/proc/loadavg", load, sizeof load);
    printf("\nload average at the end: %s\n", load);
    if (js) {
        jset(jroot, "loadavg_end", json_string(load));
        if (out) {
            if (json_dump_file(jroot, out, JSON_INDENT(2)))
                die("%s: cannot write", out);
        } else {
            printf("\n");
            json_dumpf(jroot, stdout, JSON_INDENT(2));
            printf("\n");
        }
        json_decref(jroot);
    }
    curl_global_cleanup();
    return 0;
}
