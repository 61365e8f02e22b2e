/* mi_box_prepare / mi_prepared_run / mi_prepared_free against the real kernel, as root.
 * Prints "ok: ..." / "FAIL: ..." per check, then "N passed, M failed"; exit 1 if anything
 * failed, 77 if not root.  Its own config and box root under a fresh /tmp directory, box id
 * 7720; removed at the end. */
#include "mini-isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;

static bool check(bool ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    ok ? passed++ : failed++;
    return ok;
}

static char tmp[] = "/tmp/mi-prep-XXXXXX";
static char boxdir[4096];

static void base(mi_config *c)
{
    mi_error e;
    if (mi_config_init(c, &e) < 0) {
        fprintf(stderr, "mi_config_init: %s\n", e.msg);
        exit(1);
    }
    if (mi_host_config_load(&c->host, getenv("MINI_ISOLATE_CONFIG"), &e) < 0) {
        fprintf(stderr, "host config: %s\n", e.msg);
        exit(1);
    }
    c->box_id = 7720;
}

/* Runs argv (NULL-terminated) in a box prepared with the same base config; exit code or -1. */
static int run_prepared(char **argv, const char *out)
{
    mi_config c;
    base(&c);
    mi_prepared *p;
    mi_error e;
    mi_result r;
    memset(&r, 0, sizeof r);
    if (mi_box_prepare(&c, &p, &e) < 0) {
        printf("prepare: %s\n", e.msg);
        mi_config_free(&c);
        return -1;
    }
    c.argv = argv;
    for (c.argc = 0; argv[c.argc]; c.argc++)
        ;
    c.stdout_path = (char *)out;
    c.processes = 8; /* sh forks */
    int rc = mi_prepared_run(p, &c, &r, &e);
    c.argv = NULL;
    c.argc = 0;
    c.stdout_path = NULL;
    int code = rc == 0 && r.status == MI_STATUS_SUCCESS ? 0
               : rc == 0 && r.has_exit_code             ? r.exit_code
                                                        : -1;
    if (rc < 0)
        printf("run: %s\n", e.msg);
    mi_result_free(&r);
    mi_config_free(&c);
    return code;
}

static void test_dirs_differ(void)
{
    mi_config c;
    base(&c);
    mi_prepared *p;
    mi_error e;
    mi_result r;
    memset(&r, 0, sizeof r);
    if (!check(mi_box_prepare(&c, &p, &e) == 0, "prepare for the dirs check"))
        return;
    char *argv[] = {"/bin/true", NULL};
    c.argv = argv;
    c.argc = 1;
    mi_config_add_dir_rule(&c, "/etc", &e);
    int rc = mi_prepared_run(p, &c, &r, &e);
    check(rc < 0 && e.kind == MI_ERR_USAGE, "a run config with other dirs: MI_ERR_USAGE");
    c.argv = NULL;
    c.argc = 0;
    mi_result_free(&r);
    mi_config_free(&c);
}

/* Prepared with the base config (no env, no capture, default rlimits); run with others: the
 * run's own must reach the program, not what init was cloned with. */
static void test_run_config_reaches_program(void)
{
    mi_config c;
    base(&c);
    mi_prepared *p;
    mi_error e;
    mi_result r;
    mi_result_init(&r);
    if (!check(mi_box_prepare(&c, &p, &e) == 0, "prepare for a run with its own config"))
        return;
    char *argv[] = {"/bin/sh", "-c", "test \"$X\" = run && test \"$(ulimit -n)\" = 77 && "
                    "echo captured", NULL};
    c.argv = argv;
    c.argc = 3;
    c.processes = 8;
    c.open_files = 77;
    c.capture_output = true;
    c.output_limit = 4096;
    mi_config_add_env_rule(&c, "X=run", &e);
    int rc = mi_prepared_run(p, &c, &r, &e);
    check(rc == 0 && r.status == MI_STATUS_SUCCESS,
          "the run's env and open-files limit, not the prepare-time ones");
    check(r.stdout_data && !strcmp(r.stdout_data, "captured\n"),
          "capture asked at run (not at prepare) gets the program's stdout");
    c.argv = NULL;
    c.argc = 0;
    mi_result_free(&r);
    mi_config_free(&c);
}

/* 77 descriptors in fd_map: they travel to the waiting init in two messages (64 at most each),
 * and each must land on its own number.  Fd 9 is a pipe the program writes to (any shell can
 * name fd 9), fd 79 another pipe, whose inode the program reports through fd 9. */
static void test_many_fds(void)
{
    mi_config c;
    base(&c);
    mi_prepared *p;
    mi_error e;
    mi_result r;
    mi_result_init(&r);
    int a[2], b[2];
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0 || null < 0 ||
        mi_box_prepare(&c, &p, &e) < 0) {
        check(false, "prepare for the fd_map check");
        return;
    }
    int map[80];
    for (int i = 0; i < 80; i++)
        map[i] = i < 3 ? -1 : null;
    map[9] = a[1];
    map[79] = b[1];
    char *argv[] = {"/bin/sh", "-c", "echo via9 >&9 && readlink /proc/self/fd/79 >&9", NULL};
    c.argv = argv;
    c.argc = 3;
    c.processes = 8;
    c.fd_map = map;
    c.n_fd_map = 80;
    int rc = mi_prepared_run(p, &c, &r, &e);
    close(a[1]);
    close(b[1]);
    char buf[128] = "", want[128];
    struct stat st;
    fstat(b[0], &st);
    snprintf(want, sizeof want, "via9\npipe:[%lu]\n", (unsigned long)st.st_ino);
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(a[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    if (!check(rc == 0 && r.status == MI_STATUS_SUCCESS && !strcmp(buf, want),
               "fd_map of 80 entries (77 descriptors): fds 9 and 79 reach the program as mapped"))
        printf("  rc %d status %d, read \"%s\", want \"%s\"\n", rc, (int)r.status, buf, want);
    close(a[0]);
    close(b[0]);
    close(null);
    c.argv = NULL;
    c.argc = 0;
    c.fd_map = NULL;
    c.n_fd_map = 0;
    mi_result_free(&r);
    mi_config_free(&c);
}

/* A prepared run dropped without a run: its init (cloned at prepare) is killed and reaped. */
static void test_free_leaves_no_process(void)
{
    mi_config c;
    base(&c);
    mi_prepared *p;
    mi_error e;
    if (!check(mi_box_prepare(&c, &p, &e) == 0, "prepare, to drop it"))
        return;
    check(waitpid(-1, NULL, WNOHANG) == 0, "a prepared box has its init (a child) waiting");
    mi_prepared_free(p);
    check(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
          "mi_prepared_free leaves no child, not even a zombie");
    mi_config_free(&c);
}

static void test_free_then_run(void)
{
    mi_config c;
    base(&c);
    mi_prepared *p;
    mi_error e;
    check(mi_box_prepare(&c, &p, &e) == 0, "prepare then free");
    mi_prepared_free(p);
    mi_config_free(&c);
    char *argv[] = {"/bin/true", NULL};
    check(run_prepared(argv, NULL) == 0, "the box runs again after mi_prepared_free");
}

/* One run of a resident box (mi_prepared_run_keep): 0 and the exit code in *code. */
static int keep_run(mi_prepared *p, mi_config *c, const char *script, int *code)
{
    char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
    mi_result r;
    mi_result_init(&r);
    mi_error e;
    c->argv = argv;
    c->argc = 3;
    int rc = mi_prepared_run_keep(p, c, &r, &e);
    if (rc < 0)
        printf("  run_keep: %s\n", e.msg);
    *code = r.status == MI_STATUS_SUCCESS ? 0 : r.has_exit_code ? r.exit_code : -1;
    c->argv = NULL;
    c->argc = 0;
    mi_result_free(&r);
    return rc;
}

static bool box_is(const char *what, uid_t uid, mode_t mode)
{
    char d[4200];
    snprintf(d, sizeof d, "%s/box", boxdir);
    struct stat st;
    bool ok = stat(d, &st) == 0 && st.st_uid == uid && (st.st_mode & 07777) == mode;
    if (!check(ok, what))
        printf("  box/ uid %u mode %o\n", (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
    return ok;
}

/* A resident box hands box/ back only in mi_prepared_clean, after the caller has read it; in
 * between its top is 0700 whatever the program made of it: no host user reaches the setuid
 * shell it left there (issue 11 #4). */
static void test_resident_reset_after_answer(void)
{
    mi_config c;
    base(&c);
    c.processes = 8;
    mi_prepared *p;
    mi_error e;
    int code;
    if (!check(mi_box_prepare_many(&c, &p, &e) == 0, "prepare a resident box"))
        return;
    check(mi_prepared_clean(p, &c, &e) == 0,
          "clean of a prepared box before its first run (a command refused before it ran): 0");
    int rc = keep_run(p, &c, "echo out > o && cp /bin/sh s && chmod 4755 s && chmod 0777 .",
                      &code);
    check(rc == 0 && code == 0, "run_keep: 0 (the box takes another run after clean)");
    char o[4200], buf[16] = "";
    snprintf(o, sizeof o, "%s/box/o", boxdir);
    struct stat st;
    int fd = open(o, O_RDONLY | O_CLOEXEC);
    check(fd >= 0 && read(fd, buf, sizeof buf - 1) == 4 && !strcmp(buf, "out\n") &&
              fstat(fd, &st) == 0 && st.st_uid != 0,
          "after the run, box/ holds the output, still the box user's");
    if (fd >= 0)
        close(fd);
    box_is("after the run, box/ is 0700 again although the program made it 0777", st.st_uid, 0700);
    check(mi_prepared_clean(p, &c, &e) == 0, "clean after the run");
    box_is("after clean, box/ is the caller's, 0700", 0, 0700);
    check(access(o, F_OK) < 0 && errno == ENOENT, "after clean, box/ is empty");
    check(mi_prepared_clean(p, &c, &e) == 0, "clean of a box that did not run since: 0");
    rc = keep_run(p, &c, "test ! -e o && test ! -e s && touch o2", &code);
    check(rc == 0 && code == 0, "the next run finds box/ empty");
    check(mi_prepared_clean(p, &c, &e) == 0, "clean after the second run");
    mi_prepared_free(p);
    check(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "no process left by the resident box");
    mi_config_free(&c);
}

int main(void)
{
    if (getuid() != 0) {
        printf("needs root\n");
        return 77;
    }
    if (!mkdtemp(tmp) || chmod(tmp, 0755) < 0)
        return 1;
    char conf[4200];
    snprintf(conf, sizeof conf, "%s/mi.conf", tmp);
    FILE *f = fopen(conf, "w");
    if (!f)
        return 1;
    fprintf(f, "box_root = %s/boxes\nlock_root = %s/locks\nnum_boxes = 2147483647\n", tmp, tmp);
    fclose(f);
    setenv("MINI_ISOLATE_CONFIG", conf, 1);
    mi_config c;
    mi_error e;
    base(&c);
    if (mi_box_init(&c, boxdir, sizeof boxdir, &e) < 0) {
        printf("init: %s\n", e.msg);
        return 1;
    }

    char *t[] = {"/bin/true", NULL};
    check(run_prepared(t, NULL) == 0, "prepare, run /bin/true: Success");

    char in[4200];
    snprintf(in, sizeof in, "%s/box/in.txt", boxdir);
    f = fopen(in, "w");
    fputs("between prepare and run\n", f);
    fclose(f);
    char *cat[] = {"/bin/cat", "in.txt", NULL};
    check(run_prepared(cat, "out.txt") == 0, "cat of a file written after prepare");
    char out[4200], buf[100] = "";
    snprintf(out, sizeof out, "%s/box/out.txt", boxdir);
    int fd = open(out, O_RDONLY);
    if (fd >= 0 && read(fd, buf, sizeof buf - 1) < 0)
        buf[0] = 0;
    struct stat st;
    check(fd >= 0 && !strcmp(buf, "between prepare and run\n"), "the program read it");
    check(fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == 0, "box/ handed back to the caller");
    if (fd >= 0)
        close(fd);

    char *w[] = {"/bin/sh", "-c", "echo x > /dev/shm/f && "
                 "ipcmk -Q >/dev/null 2>&1; true", NULL};
    char *r2[] = {"/bin/sh", "-c", "test ! -e /dev/shm/f && "
                  "! (ipcs -q 2>/dev/null | grep -q 0x)", NULL};
    check(run_prepared(w, NULL) == 0, "first run leaves a file in /dev/shm and a message queue");
    check(run_prepared(r2, NULL) == 0, "second prepared run sees none of them");

    test_dirs_differ();
    test_free_then_run();
    test_run_config_reaches_program();
    test_many_fds();
    test_free_leaves_no_process();
    test_resident_reset_after_answer();

    mi_box_cleanup(&c, &e);
    mi_config_free(&c);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        printf("could not remove %s\n", tmp);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
