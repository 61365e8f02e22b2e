/* Mini-Isolate benchmark: per-run overhead, kill overshoot, accuracy and throughput, measured on
 * this machine, side by side (interleaved A/B) with another isolate-compatible binary when one is
 * given.  Prints a table and writes a JSON file.  Run it as root; bench/run.sh builds and runs it.
 *
 *   bench --mi PATH --payloads DIR [--isolate PATH] [--out FILE] [--runs N] [--spaced N]
 *         [--cycles N] [--kill-runs N] [--acc-runs N] [--tp-secs S] [--quick]
 *
 * Mini-Isolate gets its own configuration (MINI_ISOLATE_CONFIG -> a temporary box_root and
 * lock_root) and box ids 3000000+, so it never collides with tests or real boxes.  The other
 * binary uses its compiled-in configuration and box ids ISOLATE_BOX_BASE.. (default 990; IOI
 * isolate's default num_boxes is 1000).  Every box is cleaned up at the end.
 */
#include <errno.h>
#include <linux/sched.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_WORKERS 4
#define MI_BOX_BASE 3000000L

struct sandbox {
    const char *name;
    const char *bin;
    long base_id;
    int inited[MAX_WORKERS];
    char boxdir[MAX_WORKERS][PATH_MAX]; /* the directory mounted at /box */
};

struct stats {
    int n;
    double min, p10, median, p90, max, mean;
};

static char tmpdir[PATH_MAX];
static const char *payload_dir;
static FILE *json;
static int json_first_section = 1;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench: ", stderr);
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

/* Runs argv with stdin from /dev/null, stdout to out (or /dev/null) and stderr to /dev/null.
 * posix_spawn (clone(CLONE_VM|CLONE_VFORK) in glibc) keeps the benchmark's own cost per spawn
 * small and equal for every binary measured.  Returns the wait status; *wall gets the seconds
 * from just before the spawn to just after the reap. */
static int run_cmd(char *const argv[], const char *out, double *wall)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
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

static int exit_code(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *read_file(const char *path)
{
    static char buf[8192];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    buf[0] = 0;
    if (fd < 0)
        return buf;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    return buf;
}

/* The value of "key:" in a meta file, or NAN. */
static double meta_get(const char *path, const char *key)
{
    const char *text = read_file(path);
    size_t kl = strlen(key);
    for (const char *l = text; *l; ) {
        if (!strncmp(l, key, kl) && l[kl] == ':')
            return strtod(l + kl + 1, NULL);
        const char *nl = strchr(l, '\n');
        if (!nl)
            break;
        l = nl + 1;
    }
    return NAN;
}

static int meta_has(const char *path, const char *line)
{
    return strstr(read_file(path), line) != NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(const double *sorted, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)pos;
    if (i >= n - 1)
        return sorted[n - 1];
    return sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]);
}

/* Statistics of v[0..n) (sorted in place), scaled by `scale` (e.g. 1000 for ms). */
static struct stats stats_of(double *v, int n, double scale)
{
    struct stats s = { .n = n, .min = NAN, .p10 = NAN, .median = NAN, .p90 = NAN, .max = NAN,
                       .mean = NAN };
    if (n <= 0)
        return s;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    s.min = v[0] * scale;
    s.p10 = quantile(v, n, 0.1) * scale;
    s.median = quantile(v, n, 0.5) * scale;
    s.p90 = quantile(v, n, 0.9) * scale;
    s.max = v[n - 1] * scale;
    s.mean = sum / n * scale;
    return s;
}

/* ---- JSON output (hand-written: the values are numbers and fixed strings) ---- */

static void jnum(double x)
{
    if (isnan(x) || isinf(x))
        fputs("null", json);
    else
        fprintf(json, "%.4f", x);
}

static void jstats(const char *key, struct stats s)
{
    fprintf(json, "\"%s\": {\"n\": %d, \"min\": ", key, s.n);
    jnum(s.min);
    fputs(", \"p10\": ", json);
    jnum(s.p10);
    fputs(", \"median\": ", json);
    jnum(s.median);
    fputs(", \"p90\": ", json);
    jnum(s.p90);
    fputs(", \"max\": ", json);
    jnum(s.max);
    fputs(", \"mean\": ", json);
    jnum(s.mean);
    fputs("}", json);
}

static void jsection(const char *name)
{
    fprintf(json, "%s\n  \"%s\": ", json_first_section ? "" : ",", name);
    json_first_section = 0;
}

/* ---- boxes ---- */

static char idbuf[MAX_WORKERS][24];

static const char *box_id(const struct sandbox *sb, int w)
{
    snprintf(idbuf[w], sizeof idbuf[w], "%ld", sb->base_id + w);
    return idbuf[w];
}

static void copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        die("open %s: %s", src, strerror(errno));
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (out < 0)
        die("open %s: %s", dst, strerror(errno));
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            die("write %s: %s", dst, strerror(errno));
    fchmod(out, 0755);
    close(in);
    close(out);
}

static int box_cmd(struct sandbox *sb, int w, const char *cmd, const char *out, double *wall)
{
    char *argv[] = { (char *)sb->bin, "--cg", "-b", (char *)box_id(sb, w), (char *)cmd, NULL };
    return exit_code(run_cmd(argv, out, wall));
}

static void box_cleanup(struct sandbox *sb, int w)
{
    box_cmd(sb, w, "--cleanup", NULL, NULL);
    sb->inited[w] = 0;
}

/* --init the box (after a --cleanup of any leftover) and copy the payloads into it. */
static void box_init(struct sandbox *sb, int w)
{
    char out[PATH_MAX + 32];
    snprintf(out, sizeof out, "%s/init.out", tmpdir);
    box_cleanup(sb, w);
    int rc = box_cmd(sb, w, "--init", out, NULL);
    if (rc != 0)
        die("%s --cg -b %s --init failed (rc %d)", sb->bin, box_id(sb, w), rc);
    sb->inited[w] = 1;
    char *path = read_file(out);
    path[strcspn(path, "\n")] = 0;
    snprintf(sb->boxdir[w], sizeof sb->boxdir[w], "%.4000s/box", path);
    static const char *const names[] = { "spin", "burn", "touch" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char src[PATH_MAX + 16], dst[PATH_MAX + 16];
        snprintf(src, sizeof src, "%.4000s/bench_%s", payload_dir, names[i]);
        snprintf(dst, sizeof dst, "%.4000s/%s", sb->boxdir[w], names[i]);
        copy_file(src, dst);
    }
}

/* One --run in box w with extra options; meta (if not NULL) gets the meta file path, out the
 * program's stdout.  Returns the exit code; *wall is the keeper's wall time. */
static int box_run(struct sandbox *sb, int w, const char *meta, const char *out, double *wall,
                   const char *const opts[], const char *const prog[])
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)sb->bin;
    argv[n++] = "--cg";
    argv[n++] = "-b";
    argv[n++] = (char *)box_id(sb, w);
    if (meta) {
        argv[n++] = "-M";
        argv[n++] = (char *)meta;
    }
    for (int i = 0; opts && opts[i]; i++)
        argv[n++] = (char *)opts[i];
    argv[n++] = "--run";
    argv[n++] = "--";
    for (int i = 0; prog[i]; i++)
        argv[n++] = (char *)prog[i];
    argv[n] = NULL;
    if (meta)
        unlink(meta);
    return exit_code(run_cmd(argv, out, wall));
}

/* ---- the measurements ---- */

static int nsb;
static struct sandbox *sbs[2];
static double run_median[2] = { NAN, NAN };

static void print_stats_row(const char *label, struct stats s, const char *unit)
{
    printf("  %-34s %8.3f %8.3f %8.3f %8.3f %8.3f  %s (n=%d)\n", label, s.min, s.p10, s.median,
           s.p90, s.max, unit, s.n);
}

static void stats_header(void)
{
    printf("  %-34s %8s %8s %8s %8s %8s\n", "", "min", "p10", "median", "p90", "max");
}

/* The floor of any isolate-style CLI run here, without any sandbox work of ours: the start of
 * a static glibc program (what the CLI process costs before main), and a process in fresh PID,
 * IPC, UTS and mount namespaces that forks and execs /bin/true and reaps it (init + program,
 * no mounts, cgroups or syscall filter).  Interleaved, in-process clone3 for the second. */
static double ns_exec_once(void)
{
    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS;
    ca.exit_signal = SIGCHLD;
    double t0 = now();
    pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
    if (pid == 0) {
        pid_t p = fork();
        if (p == 0) {
            int fd = open("/dev/null", O_RDWR);
            dup2(fd, 1);
            execl("/bin/true", "true", (char *)NULL);
            _exit(127);
        }
        int st = 0;
        while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR)
            ;
        _exit(p > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 1);
    }
    if (pid < 0)
        die("clone3: %s", strerror(errno));
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            die("waitpid: %s", strerror(errno));
    return exit_code(st) == 0 ? now() - t0 : -1;
}

static void bench_floor(int rounds)
{
    double *v[2] = { calloc((size_t)rounds, sizeof(double)), calloc((size_t)rounds, sizeof(double)) };
    int cnt[2] = { 0, 0 };
    char noop[PATH_MAX];
    snprintf(noop, sizeof noop, "%.4000s/bench_noop", payload_dir);
    char *argv[] = { noop, NULL };
    for (int r = 0; r < rounds + 5; r++) {
        for (int j = 0; j < 2; j++) {
            double w = -1;
            if ((r + j) % 2 == 0)
                w = exit_code(run_cmd(argv, NULL, &w)) == 0 ? w : -1;
            else
                w = ns_exec_once();
            int k = (r + j) % 2;
            if (r >= 5 && w >= 0)
                v[k][cnt[k]++] = w;
        }
    }
    struct stats st[2] = { stats_of(v[0], cnt[0], 1000), stats_of(v[1], cnt[1], 1000) };
    printf("\nFloor of a CLI run here, ms (%d interleaved rounds): no sandbox work at all\n", rounds);
    stats_header();
    print_stats_row("spawn of a static glibc no-op", st[0], "ms");
    print_stats_row("ns clone + fork + exec /bin/true", st[1], "ms");
    double floor_ms = st[0].median + st[1].median;
    printf("  floor = sum of the medians: %.3f ms", floor_ms);
    double ratio = nsb == 2 && run_median[1] > 0 ? floor_ms / run_median[1] : (double)NAN;
    if (nsb == 2)
        printf(" = %.2f x isolate's per-run median", ratio);
    printf("\n");
    jsection("floor");
    fprintf(json, "{\n    ");
    jstats("static_noop_spawn_ms", st[0]);
    fprintf(json, ",\n    ");
    jstats("ns_fork_exec_true_ms", st[1]);
    fprintf(json, ",\n    \"floor_ms\": ");
    jnum(floor_ms);
    fprintf(json, ",\n    \"floor_over_isolate_per_run\": ");
    jnum(ratio);
    fprintf(json, "\n  }");
    free(v[0]);
    free(v[1]);
}

/* Per-run wall of `--cg --run -- /bin/true` in an initialised box (or of a whole
 * init+run+cleanup cycle), interleaved with a bare spawn of /bin/true; the order rotates each
 * round so that no binary always runs right after another. */
static void bench_overhead(int cycle, int rounds, double gap)
{
    const char *title = cycle ? "cycle" : gap > 0 ? "per_run_spaced" : "per_run";
    struct timespec gap_ts = { 0, (long)(gap * 1e9) };
    double *v[3];
    int cnt[3] = { 0, 0, 0 }, errs[3] = { 0, 0, 0 };
    for (int k = 0; k < 3; k++)
        v[k] = calloc((size_t)rounds, sizeof(double));
    if (!cycle)
        for (int s = 0; s < nsb; s++)
            box_init(sbs[s], 0);
    static const char *const prog[] = { "/bin/true", NULL };
    char *bare[] = { "/bin/true", NULL };
    for (int warm = 0; warm < 5; warm++) {
        run_cmd(bare, NULL, NULL);
        if (!cycle)
            for (int s = 0; s < nsb; s++)
                box_run(sbs[s], 0, NULL, NULL, NULL, NULL, prog);
    }
    for (int r = 0; r < rounds; r++) {
        for (int j = 0; j < nsb + 1; j++) {
            int k = (r + j) % (nsb + 1); /* 0 = bare, 1.. = sandboxes */
            double wall;
            int rc;
            if (gap > 0)
                nanosleep(&gap_ts, NULL);
            if (k == 0) {
                rc = exit_code(run_cmd(bare, NULL, &wall));
            } else {
                struct sandbox *sb = sbs[k - 1];
                if (cycle) {
                    double a, b, c;
                    rc = box_cmd(sb, 0, "--init", NULL, &a);
                    rc |= box_run(sb, 0, NULL, NULL, &b, NULL, prog);
                    rc |= box_cmd(sb, 0, "--cleanup", NULL, &c);
                    wall = a + b + c;
                } else {
                    rc = box_run(sb, 0, NULL, NULL, &wall, NULL, prog);
                }
            }
            if (rc != 0)
                errs[k]++;
            else
                v[k][cnt[k]++] = wall;
        }
    }
    if (!cycle)
        for (int s = 0; s < nsb; s++)
            box_cleanup(sbs[s], 0);
    struct stats st[3];
    for (int k = 0; k < nsb + 1; k++)
        st[k] = stats_of(v[k], cnt[k], 1000);
    if (!cycle && gap <= 0)
        for (int s = 0; s < nsb; s++)
            run_median[s] = st[s + 1].median;

    printf("\n%s wall, ms (%d interleaved rounds%s)\n",
           cycle ? "Whole --init + --run /bin/true + --cleanup cycle" :
                   "Per-run: --cg --run -- /bin/true in an initialised box", rounds,
           gap > 0 ? ", 50 ms pause before each run" : ", back to back");
    stats_header();
    print_stats_row("bare spawn of /bin/true", st[0], "ms");
    for (int s = 0; s < nsb; s++)
        print_stats_row(sbs[s]->name, st[s + 1], "ms");
    double ratio = nsb == 2 ? st[1].median / st[2].median : (double)NAN;
    if (nsb == 2)
        printf("  median ratio mini-isolate / isolate: %.3f   (net of bare spawn: %.3f)\n", ratio,
               (st[1].median - st[0].median) / (st[2].median - st[0].median));
    for (int k = 0; k < nsb + 1; k++)
        if (errs[k])
            printf("  !! %d failed runs for %s\n", errs[k], k ? sbs[k - 1]->name : "bare");

    jsection(title);
    fprintf(json, "{\n    ");
    jstats("bare_ms", st[0]);
    for (int s = 0; s < nsb; s++) {
        fprintf(json, ",\n    ");
        char key[64];
        snprintf(key, sizeof key, "%s_ms", sbs[s]->name);
        jstats(key, st[s + 1]);
        fprintf(json, ",\n    \"%s_errors\": %d", sbs[s]->name, errs[s + 1]);
    }
    fprintf(json, ",\n    \"ratio_median\": ");
    jnum(ratio);
    fprintf(json, "\n  }");
    for (int k = 0; k < 3; k++)
        free(v[k]);
}

/* Kill overshoot: a spinning program under -t L (CPU) or -w L (wall).  Measured: the keeper's
 * wall time minus L (includes the sandbox's own start/stop cost), the same minus the median
 * per-run cost of /bin/true (an estimate of the overshoot itself), and the reported time /
 * time-wall minus L. */
static void bench_kill(int runs)
{
    static const double limits[] = { 0.2, 0.5 };
    static const char *const kinds[] = { "-t", "-w" };
    static const char *const prog[] = { "/box/spin", NULL };
    char meta[PATH_MAX + 32];
    for (int s = 0; s < nsb; s++)
        box_init(sbs[s], 0);
    printf("\nKill overshoot of a spinning program, ms past the limit, %d runs each.\n"
           "  keeper = keeper's wall - limit; keeper-net = the same minus the per-run median of\n"
           "  /bin/true; reported time/wall = meta time/time-wall - limit.  Under -t the program's\n"
           "  wall exceeds its CPU time when the CPUs are shared: -t kill latency = reported time.\n",
           runs);
    stats_header();
    jsection("kill");
    fprintf(json, "[");
    int first = 1;
    for (size_t ki = 0; ki < 2; ki++)
        for (size_t li = 0; li < 2; li++) {
            double *keeper[2], *rtime[2], *rwall[2];
            int cnt[2] = { 0, 0 }, errs[2] = { 0, 0 };
            char lim[16];
            snprintf(lim, sizeof lim, "%g", limits[li]);
            const char *opts[] = { kinds[ki], lim, NULL };
            for (int s = 0; s < nsb; s++) {
                keeper[s] = calloc((size_t)runs, sizeof(double));
                rtime[s] = calloc((size_t)runs, sizeof(double));
                rwall[s] = calloc((size_t)runs, sizeof(double));
            }
            for (int r = 0; r < runs; r++)
                for (int j = 0; j < nsb; j++) {
                    int s = (r + j) % nsb;
                    double wall;
                    snprintf(meta, sizeof meta, "%s/meta", tmpdir);
                    int rc = box_run(sbs[s], 0, meta, NULL, &wall, opts, prog);
                    if (rc != 1 || !meta_has(meta, "status:TO")) {
                        errs[s]++;
                        continue;
                    }
                    keeper[s][cnt[s]] = wall - limits[li];
                    rtime[s][cnt[s]] = meta_get(meta, "time") - limits[li];
                    rwall[s][cnt[s]] = meta_get(meta, "time-wall") - limits[li];
                    cnt[s]++;
                }
            for (int s = 0; s < nsb; s++) {
                struct stats ks = stats_of(keeper[s], cnt[s], 1000);
                struct stats ts = stats_of(rtime[s], cnt[s], 1000);
                struct stats ws = stats_of(rwall[s], cnt[s], 1000);
                char label[80];
                snprintf(label, sizeof label, "%s %s %s keeper", sbs[s]->name, kinds[ki], lim);
                print_stats_row(label, ks, "ms");
                snprintf(label, sizeof label, "%s %s %s keeper-net", sbs[s]->name, kinds[ki],
                         lim);
                if (!isnan(run_median[s])) {
                    double m = run_median[s];
                    struct stats ns = ks;
                    ns.min -= m, ns.p10 -= m, ns.median -= m, ns.p90 -= m, ns.max -= m;
                    ns.mean -= m;
                    print_stats_row(label, ns, "ms");
                }
                if (ki == 0) { /* under -w alone the CPU time is not limited */
                    snprintf(label, sizeof label, "%s %s %s reported time", sbs[s]->name,
                             kinds[ki], lim);
                    print_stats_row(label, ts, "ms");
                }
                snprintf(label, sizeof label, "%s %s %s reported wall", sbs[s]->name, kinds[ki],
                         lim);
                print_stats_row(label, ws, "ms");
                if (errs[s])
                    printf("  !! %d runs of %s were not TO\n", errs[s], sbs[s]->name);
                fprintf(json, "%s\n    {\"sandbox\": \"%s\", \"limit\": \"%s\", \"seconds\": %s,"
                        " \"errors\": %d,\n     ", first ? "" : ",", sbs[s]->name, kinds[ki],
                        lim, errs[s]);
                first = 0;
                jstats("keeper_overshoot_ms", ks);
                fprintf(json, ",\n     ");
                jstats("reported_time_minus_limit_ms", ts);
                fprintf(json, ",\n     ");
                jstats("reported_wall_minus_limit_ms", ws);
                fprintf(json, "}");
                free(keeper[s]);
                free(rtime[s]);
                free(rwall[s]);
            }
        }
    fprintf(json, "\n  ]");
    for (int s = 0; s < nsb; s++)
        box_cleanup(sbs[s], 0);
}

/* Accuracy: reported `time` of the fixed-work burner against its own getrusage() figure, and
 * reported cg-mem of a 64 MiB toucher against 64 MiB. */
static void bench_accuracy(int runs)
{
    static const char *const burn[] = { "/box/burn", "800", NULL };
    static const char *const touch[] = { "/box/touch", "64", NULL };
    static const char *const mem_opts[] = { "--cg-mem=262144", NULL };
    char meta[PATH_MAX + 32], out[PATH_MAX + 32];
    snprintf(meta, sizeof meta, "%s/meta", tmpdir);
    snprintf(out, sizeof out, "%s/out", tmpdir);
    for (int s = 0; s < nsb; s++)
        box_init(sbs[s], 0);
    printf("\nAccuracy (%d runs each)\n", runs);
    stats_header();
    jsection("accuracy");
    fprintf(json, "[");
    for (int j = 0; j < nsb; j++) {
        double *cpu_err = calloc((size_t)runs, sizeof(double));
        double *cpu_rel = calloc((size_t)runs, sizeof(double));
        double *cpu_abs = calloc((size_t)runs, sizeof(double));
        double *mem_err = calloc((size_t)runs, sizeof(double));
        double *rss_err = calloc((size_t)runs, sizeof(double));
        int nc = 0, nm = 0, errs = 0;
        for (int r = 0; r < runs; r++) {
            {
                int s = j;
                double rusage = NAN, cputime = NAN;
                if (box_run(sbs[s], 0, meta, out, NULL, NULL, burn) == 0 &&
                    sscanf(read_file(out), "rusage %lf cputime %lf", &rusage, &cputime) == 2) {
                    double t = meta_get(meta, "time");
                    cpu_abs[nc] = cputime;
                    cpu_err[nc] = t - cputime;
                    cpu_rel[nc] = (t - cputime) / cputime;
                    nc++;
                } else {
                    errs++;
                }
                size_t touched = 0;
                long maxrss = 0;
                if (box_run(sbs[s], 0, meta, out, NULL, mem_opts, touch) == 0 &&
                    sscanf(read_file(out), "touched %zu maxrss_kib %ld", &touched, &maxrss) == 2) {
                    double kib = meta_get(meta, "cg-mem");
                    mem_err[nm] = kib - (double)(touched >> 10);
                    rss_err[nm] = meta_get(meta, "max-rss") - (double)(touched >> 10);
                    nm++;
                } else {
                    errs++;
                }
            }
        }
        struct stats ca = stats_of(cpu_abs, nc, 1000), ce = stats_of(cpu_err, nc, 1000),
                     cr = stats_of(cpu_rel, nc, 100), me = stats_of(mem_err, nm, 1),
                     re = stats_of(rss_err, nm, 1);
        char label[80];
        const char *name = sbs[j]->name;
        snprintf(label, sizeof label, "%s burner's own CPU", name);
        print_stats_row(label, ca, "ms");
        snprintf(label, sizeof label, "%s time - own CPU", name);
        print_stats_row(label, ce, "ms");
        snprintf(label, sizeof label, "%s time - own CPU", name);
        print_stats_row(label, cr, "%");
        snprintf(label, sizeof label, "%s cg-mem - 64 MiB", name);
        print_stats_row(label, me, "KiB");
        snprintf(label, sizeof label, "%s max-rss - 64 MiB", name);
        print_stats_row(label, re, "KiB");
        if (errs)
            printf("  !! %d failed accuracy runs for %s\n", errs, name);
        fprintf(json, "%s\n    {\"sandbox\": \"%s\", \"errors\": %d,\n     ", j ? "," : "", name,
                errs);
        jstats("burner_cpu_ms", ca);
        fprintf(json, ",\n     ");
        jstats("time_minus_cpu_ms", ce);
        fprintf(json, ",\n     ");
        jstats("time_minus_cpu_pct", cr);
        fprintf(json, ",\n     ");
        jstats("cg_mem_minus_touched_kib", me);
        fprintf(json, ",\n     ");
        jstats("max_rss_minus_touched_kib", re);
        fprintf(json, "}");
        free(cpu_err);
        free(cpu_rel);
        free(cpu_abs);
        free(mem_err);
        free(rss_err);
    }
    fprintf(json, "\n  ]");
    for (int s = 0; s < nsb; s++)
        box_cleanup(sbs[s], 0);
}

/* Throughput: W workers, each with its own initialised box, run `--run -- /bin/true` back to back
 * for `secs` seconds; runs per second in total. */
static double throughput(struct sandbox *sb, int workers, double secs, int *errors)
{
    int fds[MAX_WORKERS][2];
    pid_t pids[MAX_WORKERS];
    static const char *const prog[] = { "/bin/true", NULL };
    double start = now() + 0.05, end = start + secs;
    for (int w = 0; w < workers; w++) {
        if (pipe(fds[w]) < 0)
            die("pipe: %s", strerror(errno));
        pids[w] = fork();
        if (pids[w] < 0)
            die("fork: %s", strerror(errno));
        if (pids[w] == 0) {
            long counts[2] = { 0, 0 };
            while (now() < start)
                ;
            while (now() < end) {
                if (box_run(sb, w, NULL, NULL, NULL, NULL, prog) == 0)
                    counts[0]++;
                else
                    counts[1]++;
            }
            if (write(fds[w][1], counts, sizeof counts) != (ssize_t)sizeof counts)
                _exit(1);
            _exit(0);
        }
        close(fds[w][1]);
    }
    long total = 0;
    double last = 0;
    *errors = 0;
    for (int w = 0; w < workers; w++) {
        long counts[2] = { 0, 0 };
        if (read(fds[w][0], counts, sizeof counts) != (ssize_t)sizeof counts)
            die("worker %d died", w);
        close(fds[w][0]);
        waitpid(pids[w], NULL, 0);
        total += counts[0];
        *errors += (int)counts[1];
    }
    last = now();
    /* A worker finishes its last run after `end`; count the whole span it took. */
    return (double)total / (last - start);
}

static void bench_throughput(double secs)
{
    static const int ws[] = { 1, 2, 4 };
    double rate[2][3];
    int errs[2][3];
    for (int s = 0; s < nsb; s++)
        for (int w = 0; w < MAX_WORKERS; w++)
            box_init(sbs[s], w);
    for (int i = 0; i < 3; i++)
        for (int s = 0; s < nsb; s++)
            rate[s][i] = throughput(sbs[s], ws[i], secs, &errs[s][i]);
    printf("\nThroughput: --cg --run -- /bin/true, each worker its own box, %.1f s each\n", secs);
    printf("  %-20s %12s %12s %12s\n", "runs/s", "1 box", "2 boxes", "4 boxes");
    for (int s = 0; s < nsb; s++)
        printf("  %-20s %12.1f %12.1f %12.1f\n", sbs[s]->name, rate[s][0], rate[s][1], rate[s][2]);
    if (nsb == 2)
        printf("  %-20s %12.2f %12.2f %12.2f\n", "ratio mini/isolate", rate[0][0] / rate[1][0],
               rate[0][1] / rate[1][1], rate[0][2] / rate[1][2]);
    jsection("throughput");
    fprintf(json, "[");
    for (int s = 0; s < nsb; s++)
        for (int i = 0; i < 3; i++) {
            fprintf(json, "%s\n    {\"sandbox\": \"%s\", \"boxes\": %d, \"runs_per_s\": ",
                    s + i ? "," : "", sbs[s]->name, ws[i]);
            jnum(rate[s][i]);
            fprintf(json, ", \"errors\": %d}", errs[s][i]);
            if (errs[s][i])
                printf("  !! %d failed runs for %s with %d boxes\n", errs[s][i], sbs[s]->name,
                       ws[i]);
        }
    fprintf(json, "\n  ]");
    for (int s = 0; s < nsb; s++)
        for (int w = 0; w < MAX_WORKERS; w++)
            box_cleanup(sbs[s], w);
}

/* ---- machine description ---- */

static void cpu_model(char *buf, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    snprintf(buf, len, "unknown");
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            char *p = strchr(line, ':');
            if (p) {
                p += 1 + strspn(p + 1, " \t");
                p[strcspn(p, "\n")] = 0;
                snprintf(buf, len, "%s", p);
            }
            break;
        }
    fclose(f);
}

static void loadavg(char *buf, size_t len)
{
    snprintf(buf, len, "%s", read_file("/proc/loadavg"));
    buf[strcspn(buf, "\n")] = 0;
}

static struct sandbox mi_sb = { .name = "mini-isolate", .base_id = MI_BOX_BASE };
static struct sandbox iso_sb = { .name = "isolate", .base_id = 990 };

static void cleanup_all(void)
{
    for (int s = 0; s < nsb; s++)
        for (int w = 0; w < MAX_WORKERS; w++)
            if (sbs[s]->inited[w])
                box_cleanup(sbs[s], w);
}

static void on_signal(int sig)
{
    (void)sig;
    exit(3); /* runs cleanup_all via atexit */
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench --mi PATH --payloads DIR [--isolate PATH] [--out FILE] [--runs N]\n"
            "             [--spaced N] [--cycles N] [--kill-runs N] [--acc-runs N] [--tp-secs S]\n"
            "             [--quick]\n"
            "  ISOLATE=PATH in the environment is the same as --isolate PATH;\n"
            "  ISOLATE_BOX_BASE (default 990) is its first box id (4 are used).\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *out_path = "bench/results.json", *iso = getenv("ISOLATE");
    int runs = 300, spaced = 60, cycles = 100, kill_runs = 30, acc_runs = 10;
    double tp_secs = 5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quick")) {
            runs = 30, spaced = 10, cycles = 10, kill_runs = 4, acc_runs = 2, tp_secs = 1;
            continue;
        }
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--mi"))
            mi_sb.bin = v;
        else if (!strcmp(a, "--isolate"))
            iso = v;
        else if (!strcmp(a, "--payloads"))
            payload_dir = v;
        else if (!strcmp(a, "--out"))
            out_path = v;
        else if (!strcmp(a, "--runs"))
            runs = atoi(v);
        else if (!strcmp(a, "--spaced"))
            spaced = atoi(v);
        else if (!strcmp(a, "--cycles"))
            cycles = atoi(v);
        else if (!strcmp(a, "--kill-runs"))
            kill_runs = atoi(v);
        else if (!strcmp(a, "--acc-runs"))
            acc_runs = atoi(v);
        else if (!strcmp(a, "--tp-secs"))
            tp_secs = atof(v);
        else
            usage();
    }
    if (!mi_sb.bin || !payload_dir || runs < 1 || spaced < 1 || cycles < 1 || kill_runs < 1 ||
        acc_runs < 1)
        usage();
    if (geteuid() != 0)
        die("must run as root");
    if (iso && *iso) {
        iso_sb.bin = iso;
        if (getenv("ISOLATE_BOX_BASE"))
            iso_sb.base_id = atol(getenv("ISOLATE_BOX_BASE"));
    }

    /* Our own configuration: a temporary box root and lock root. */
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mi-bench-XXXXXX");
    if (!mkdtemp(tmpdir))
        die("mkdtemp: %s", strerror(errno));
    chmod(tmpdir, 0755);
    char conf[PATH_MAX + 32];
    snprintf(conf, sizeof conf, "%s/mini-isolate.conf", tmpdir);
    FILE *cf = fopen(conf, "w");
    if (!cf)
        die("%s: %s", conf, strerror(errno));
    fprintf(cf, "box_root = %s/boxes\nlock_root = %s/locks\nnum_boxes = 2147483647\n", tmpdir,
            tmpdir);
    fclose(cf);
    setenv("MINI_ISOLATE_CONFIG", conf, 1);

    sbs[nsb++] = &mi_sb;
    if (iso_sb.bin)
        sbs[nsb++] = &iso_sb;
    atexit(cleanup_all);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    signal(SIGPIPE, SIG_IGN); /* stdout piped into head: keep going, clean up at the end */

    json = fopen(out_path, "w");
    if (!json)
        die("%s: %s", out_path, strerror(errno));

    struct utsname u;
    uname(&u);
    char model[256], load0[128], date[64];
    cpu_model(model, sizeof model);
    loadavg(load0, sizeof load0);
    time_t t = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    printf("Mini-Isolate benchmark, %s\n", date);
    printf("machine: %ld CPUs, %s, Linux %s %s; load average at start: %s\n", ncpu, model,
           u.release, u.machine, load0);
    printf("mini-isolate: %s (box ids %ld..)%s%s\n", mi_sb.bin, mi_sb.base_id,
           iso_sb.bin ? "   isolate: " : "", iso_sb.bin ? iso_sb.bin : "");
    fprintf(json, "{\n  \"date\": \"%s\",\n  \"machine\": {\"nproc\": %ld, \"cpu\": \"%s\", "
            "\"kernel\": \"%s\", \"arch\": \"%s\", \"loadavg_start\": \"%s\"},\n"
            "  \"mini_isolate\": \"%s\",\n  \"isolate\": \"%s\",\n  \"params\": {\"runs\": %d, "
            "\"spaced\": %d, \"cycles\": %d, \"kill_runs\": %d, \"acc_runs\": %d, \"tp_secs\": %.2f},",
            date, ncpu, model, u.release, u.machine, load0, mi_sb.bin,
            iso_sb.bin ? iso_sb.bin : "", runs, spaced, cycles, kill_runs, acc_runs, tp_secs);
    fflush(stdout);

    bench_overhead(0, runs, 0);
    fflush(stdout);
    bench_overhead(0, spaced, 0.05);
    fflush(stdout);
    bench_overhead(1, cycles, 0);
    fflush(stdout);
    bench_floor(runs);
    fflush(stdout);
    bench_kill(kill_runs);
    fflush(stdout);
    bench_accuracy(acc_runs);
    fflush(stdout);
    bench_throughput(tp_secs);

    char load1[128];
    loadavg(load1, sizeof load1);
    printf("\nload average at end: %s\nJSON written to %s\n", load1, out_path);
    fprintf(json, ",\n  \"loadavg_end\": \"%s\"\n}\n", load1);
    fclose(json);
    unlink(conf);
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/init.out", tmpdir);
    unlink(p);
    snprintf(p, sizeof p, "%s/meta", tmpdir);
    unlink(p);
    snprintf(p, sizeof p, "%s/out", tmpdir);
    unlink(p);
    cleanup_all();
    snprintf(p, sizeof p, "%s/boxes", tmpdir);
    rmdir(p);
    for (int w = 0; w < MAX_WORKERS; w++) { /* lock files outlive --cleanup (as isolate's) */
        snprintf(p, sizeof p, "%s/locks/%ld", tmpdir, mi_sb.base_id + w);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/locks", tmpdir);
    rmdir(p);
    rmdir(tmpdir);
    return 0;
}
