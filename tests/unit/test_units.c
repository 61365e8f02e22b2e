/* Unit tests of the parsers and writers: numbers, -d and -E rules, the host config file, the
 * meta file's key order.  Prints "ok"/"FAIL" lines and "N passed, M failed"; exit 1 on failure. */
#include "mini-isolate.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (cond) {                                                                           \
            passed++;                                                                         \
        } else {                                                                              \
            failed++;                                                                         \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                            \
        }                                                                                     \
    } while (0)

static void section(const char *name)
{
    printf("ok   -- %s\n", name);
}

/* ------------------------------------------------------------------ numbers */

static void test_parse_u64(void)
{
    section("mi_parse_u64");
    uint64_t v = 7;
    mi_error e;
    CHECK(mi_parse_u64("0", &v, &e, "x") == 0 && v == 0);
    CHECK(mi_parse_u64("65536", &v, &e, "x") == 0 && v == 65536);
    CHECK(mi_parse_u64("18446744073709551615", &v, &e, "x") == 0 && v == UINT64_MAX);
    v = 7;
    CHECK(mi_parse_u64("18446744073709551616", &v, &e, "x") < 0 && v == 7);
    CHECK(mi_parse_u64("", &v, &e, "x") < 0);
    CHECK(mi_parse_u64(NULL, &v, &e, "x") < 0);
    CHECK(mi_parse_u64("-1", &v, &e, "x") < 0);
    CHECK(mi_parse_u64("+1", &v, &e, "x") < 0);
    CHECK(mi_parse_u64(" 1", &v, &e, "x") < 0);
    CHECK(mi_parse_u64("1 ", &v, &e, "x") < 0);
    CHECK(mi_parse_u64("12k", &v, &e, "x") < 0);
    CHECK(mi_parse_u64("0x10", &v, &e, "x") < 0);
    CHECK(mi_parse_u64("1.5", &v, &e, "--mem") < 0 && e.kind == MI_ERR_CONFIG &&
          strstr(e.msg, "--mem") != NULL);
    CHECK(mi_parse_u64("abc", &v, NULL, "x") < 0); /* NULL error pointer is allowed */
}

static void test_parse_seconds(void)
{
    section("mi_parse_seconds");
    double d = -1;
    mi_error e;
    CHECK(mi_parse_seconds("2", &d, &e, "t") == 0 && d == 2.0);
    CHECK(mi_parse_seconds("0.5", &d, &e, "t") == 0 && d == 0.5);
    CHECK(mi_parse_seconds(".25", &d, &e, "t") == 0 && d == 0.25);
    CHECK(mi_parse_seconds("1.", &d, &e, "t") == 0 && d == 1.0);
    CHECK(mi_parse_seconds("0", &d, &e, "t") == 0 && d == 0.0);
    CHECK(mi_parse_seconds("10000000", &d, &e, "t") == 0);
    d = 42;
    CHECK(mi_parse_seconds("abc", &d, &e, "--time") < 0 && d == 42 && strstr(e.msg, "--time"));
    CHECK(mi_parse_seconds("", &d, &e, "t") < 0);
    CHECK(mi_parse_seconds(NULL, &d, &e, "t") < 0);
    CHECK(mi_parse_seconds(".", &d, &e, "t") < 0);
    CHECK(mi_parse_seconds("-1", &d, &e, "t") < 0);
    CHECK(mi_parse_seconds("+1", &d, &e, "t") < 0);
    CHECK(mi_parse_seconds("1e3", &d, &e, "t") < 0);
    CHECK(mi_parse_seconds("0x1", &d, &e, "t") < 0);
    CHECK(mi_parse_seconds("1.2.3", &d, &e, "t") < 0);
    CHECK(mi_parse_seconds("inf", &d, &e, "t") < 0);
    CHECK(mi_parse_seconds("nan", &d, &e, "t") < 0);
    CHECK(mi_parse_seconds("1 ", &d, &e, "t") < 0);
    CHECK(mi_parse_seconds("10000001", &d, &e, "t") < 0);
}

/* ------------------------------------------------------------------ -d rules */

static const mi_dir_rule *find_rule(const mi_config *c, const char *in, size_t *idx)
{
    for (size_t i = 0; i < c->n_dirs; i++)
        if (!strcmp(c->dirs[i].inside, in)) {
            if (idx)
                *idx = i;
            return &c->dirs[i];
        }
    return NULL;
}

static int str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void test_dir_rules(void)
{
    section("mi_config_add_dir_rule");
    mi_config c;
    mi_error e;
    CHECK(mi_config_init(&c, &e) == 0);
    /* isolate's defaults, in order */
    const char *order[] = {"box", "bin", "dev", "dev/shm", "lib", "lib64", "proc", "tmp", "usr"};
    CHECK(c.n_dirs == 9);
    for (size_t i = 0; i < 9 && i < c.n_dirs; i++)
        CHECK(!strcmp(c.dirs[i].inside, order[i]));
    const mi_dir_rule *r;
    size_t idx = 99, n0 = c.n_dirs;

    CHECK((r = find_rule(&c, "box", NULL)) && str_eq(r->outside, "./box") && r->flags == MI_DIR_RW);
    CHECK((r = find_rule(&c, "lib64", NULL)) && r->flags == MI_DIR_MAYBE);
    CHECK((r = find_rule(&c, "tmp", NULL)) && (r->flags & MI_DIR_TMP) && (r->flags & MI_DIR_RW));
    CHECK((r = find_rule(&c, "proc", NULL)) && (r->flags & MI_DIR_FS) && str_eq(r->outside, "proc"));

    /* every option */
    CHECK(mi_config_add_dir_rule(&c, "a=/srv/a:rw", &e) == 0);
    CHECK((r = find_rule(&c, "a", &idx)) && str_eq(r->outside, "/srv/a") && r->flags == MI_DIR_RW &&
          idx == n0);
    CHECK(mi_config_add_dir_rule(&c, "b=/srv/b:dev", &e) == 0);
    CHECK((r = find_rule(&c, "b", NULL)) && r->flags == MI_DIR_DEV);
    CHECK(mi_config_add_dir_rule(&c, "c=/srv/c:noexec", &e) == 0);
    CHECK((r = find_rule(&c, "c", NULL)) && r->flags == MI_DIR_NOEXEC);
    CHECK(mi_config_add_dir_rule(&c, "d=/srv/d:maybe", &e) == 0);
    CHECK((r = find_rule(&c, "d", NULL)) && r->flags == MI_DIR_MAYBE);
    CHECK(mi_config_add_dir_rule(&c, "e=sysfs:fs", &e) == 0);
    CHECK((r = find_rule(&c, "e", NULL)) && r->flags == MI_DIR_FS && str_eq(r->outside, "sysfs"));
    CHECK(mi_config_add_dir_rule(&c, "f:tmp", &e) == 0);
    CHECK((r = find_rule(&c, "f", NULL)) && r->flags == (MI_DIR_TMP | MI_DIR_RW) && !r->outside);
    CHECK(mi_config_add_dir_rule(&c, "g=/srv/g:norec", &e) == 0);
    CHECK((r = find_rule(&c, "g", NULL)) && r->flags == MI_DIR_NOREC);
    CHECK(mi_config_add_dir_rule(&c, "h=/srv/h:rw:noexec:maybe:norec:dev", &e) == 0);
    CHECK((r = find_rule(&c, "h", NULL)) &&
          r->flags == (MI_DIR_RW | MI_DIR_NOEXEC | MI_DIR_MAYBE | MI_DIR_NOREC | MI_DIR_DEV));
    /* implicit outside, leading and trailing slashes, ./ relative outside, nested inside */
    CHECK(mi_config_add_dir_rule(&c, "/etc", &e) == 0);
    CHECK((r = find_rule(&c, "etc", NULL)) && str_eq(r->outside, "/etc") && r->flags == 0);
    CHECK(mi_config_add_dir_rule(&c, "/opt/x/:rw", &e) == 0);
    CHECK((r = find_rule(&c, "opt/x", NULL)) && str_eq(r->outside, "/opt/x") && r->flags == MI_DIR_RW);
    CHECK(mi_config_add_dir_rule(&c, "data=./data", &e) == 0);
    CHECK((r = find_rule(&c, "data", NULL)) && str_eq(r->outside, "./data"));
    CHECK(mi_config_add_dir_rule(&c, "proc2=proc:fs", &e) == 0);
    CHECK(mi_config_add_dir_rule(&c, "pts=devpts:fs", &e) == 0);
    CHECK(mi_config_add_dir_rule(&c, "mq=mqueue:fs", &e) == 0);
    CHECK(mi_config_add_dir_rule(&c, "tmpfs:fs", &e) == 0); /* implicit: fs named like the dir */
    CHECK((r = find_rule(&c, "tmpfs", NULL)) && str_eq(r->outside, "tmpfs"));

    /* replacing a rule keeps its slot */
    size_t n = c.n_dirs;
    CHECK(mi_config_add_dir_rule(&c, "usr=/opt/usr:rw", &e) == 0);
    CHECK(c.n_dirs == n && find_rule(&c, "usr", &idx) && idx == 8);
    CHECK((r = find_rule(&c, "usr", NULL)) && str_eq(r->outside, "/opt/usr") && r->flags == MI_DIR_RW);
    CHECK(mi_config_add_dir_rule(&c, "/dev:dev", &e) == 0);
    CHECK(find_rule(&c, "dev", &idx) && idx == 2 && c.n_dirs == n);
    CHECK((r = find_rule(&c, "dev", NULL)) && str_eq(r->outside, "/dev") && r->flags == MI_DIR_DEV);

    /* removal */
    CHECK(mi_config_add_dir_rule(&c, "tmp=", &e) == 0);
    CHECK(!find_rule(&c, "tmp", NULL) && c.n_dirs == n - 1);
    CHECK(find_rule(&c, "usr", &idx) && idx == 7); /* later rules move up, order kept */
    CHECK(mi_config_add_dir_rule(&c, "/nosuch=", &e) == 0 && c.n_dirs == n - 1);
    CHECK(mi_config_add_dir_rule(&c, "tmp:tmp", &e) == 0 && c.n_dirs == n &&
          find_rule(&c, "tmp", &idx) && idx == n - 1); /* re-added: at the end */

    /* errors leave the list unchanged */
    n = c.n_dirs;
    const char *bad[] = {"x:bogus", "x=/a:rw:zzz", "../x=/a", "a/../b=/a", "a/./b=/a", "./a=/a",
                         "..", "=/a", "/=/a", "a=relative", "a=ext4:fs", "a=/x:tmp",
                         "a=proc:fs:tmp", "a:tmp:fs", NULL};
    for (int i = 0; bad[i]; i++) {
        memset(&e, 0, sizeof e);
        int rc = mi_config_add_dir_rule(&c, bad[i], &e);
        CHECK(rc < 0 && e.kind == MI_ERR_CONFIG && e.msg[0]);
        if (rc == 0)
            printf("     (accepted bad rule '%s')\n", bad[i]);
    }
    CHECK(c.n_dirs == n);

    /* -D drops the defaults only */
    mi_config_no_default_dirs(&c);
    CHECK(c.n_dirs == 0);
    CHECK(mi_config_add_dir_rule(&c, "box=./box:rw", &e) == 0 && c.n_dirs == 1);
    mi_config_free(&c);
}

/* ------------------------------------------------------------------ -E rules */

static void test_env_rules(void)
{
    section("mi_config_add_env_rule");
    mi_config c;
    mi_error e;
    CHECK(mi_config_init(&c, &e) == 0);
    CHECK(c.n_env == 0 && !c.full_env);
    CHECK(mi_config_add_env_rule(&c, "HOME", &e) == 0);
    CHECK(c.n_env == 1 && !strcmp(c.env[0].name, "HOME") && c.env[0].value == NULL);
    CHECK(mi_config_add_env_rule(&c, "A=b", &e) == 0);
    CHECK(c.n_env == 2 && !strcmp(c.env[1].name, "A") && str_eq(c.env[1].value, "b"));
    CHECK(mi_config_add_env_rule(&c, "A=", &e) == 0);
    CHECK(c.n_env == 3 && str_eq(c.env[2].value, "")); /* rules kept in order; "" = remove */
    CHECK(mi_config_add_env_rule(&c, "X=a=b", &e) == 0);
    CHECK(!strcmp(c.env[3].name, "X") && str_eq(c.env[3].value, "a=b"));
    CHECK(mi_config_add_env_rule(&c, "=x", &e) < 0 && e.kind == MI_ERR_CONFIG);
    CHECK(mi_config_add_env_rule(&c, "", &e) < 0);
    CHECK(mi_config_add_env_rule(&c, "=", &e) < 0);
    CHECK(c.n_env == 4);
    mi_config_free(&c);
}

/* ------------------------------------------------------------------ host config file */

static char tmpdir[] = "/tmp/mi-unit-XXXXXX";

static const char *write_conf(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

static int load(const char *text, mi_host_config *h, mi_error *e)
{
    mi_error tmp;
    mi_host_config_defaults(h, &tmp);
    return mi_host_config_load(h, write_conf("c.conf", text), e);
}

static void test_host_config(void)
{
    section("mi_host_config_load");
    mi_host_config h;
    mi_error e;
    CHECK(mi_host_config_defaults(&h, &e) == 0);
    CHECK(!strcmp(h.box_root, "/var/lib/mini-isolate") && h.first_uid == 60000 &&
          h.first_gid == 60000 && h.num_boxes == 1000 && h.path == NULL);
    CHECK(!strncmp(h.lock_root, "/run/mini-isolate", 17));
    mi_host_config_free(&h);

    CHECK(load("# a comment\n\nbox_root = /srv/boxes\n  lock_root=/run/x  \n"
               "cg_root = auto\nfirst_uid = 10000\nfirst_gid=20000\n"
               "num_boxes = 2147483647\n", &h, &e) == 0);
    CHECK(!strcmp(h.box_root, "/srv/boxes") && !strcmp(h.lock_root, "/run/x") &&
          !strcmp(h.cg_root, "auto") && h.first_uid == 10000 && h.first_gid == 20000 &&
          h.num_boxes == 2147483647u && h.path && strstr(h.path, "c.conf"));
    mi_host_config_free(&h);
    CHECK(load("cg_root = /sys/fs/cgroup/judge\r\n", &h, &e) == 0 &&
          !strcmp(h.cg_root, "/sys/fs/cgroup/judge"));
    mi_host_config_free(&h);
    CHECK(load("", &h, &e) == 0 && h.num_boxes == 1000); /* empty file: defaults */
    mi_host_config_free(&h);

    /* unknown key: names file, line and key */
    CHECK(load("box_root = /a\n\n# x\nfrobnicate = 1\n", &h, &e) < 0);
    CHECK(e.kind == MI_ERR_CONFIG && strstr(e.msg, tmpdir) && strstr(e.msg, "c.conf") &&
          strstr(e.msg, "line 4") && strstr(e.msg, "frobnicate"));
    mi_host_config_free(&h);

    struct {
        const char *text, *key;
    } bad[] = {
        {"first_uid = abc\n", "first_uid"},     {"first_uid = -1\n", "first_uid"},
        {"first_uid = 0\n", "first_uid"},       {"first_gid = 1.5\n", "first_gid"},
        {"first_gid = \n", "first_gid"},        {"num_boxes = 0\n", "num_boxes"},
        {"num_boxes = 2147483648\n", "num_boxes"}, {"num_boxes = 99999999999999999999\n", "num_boxes"},
        {"box_root = relative/path\n", "box_root"}, {"lock_root = x\n", "lock_root"},
        {"cg_root = sys/fs\n", "cg_root"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&e, 0, sizeof e);
        int rc = load(bad[i].text, &h, &e);
        CHECK(rc < 0 && e.kind == MI_ERR_CONFIG && strstr(e.msg, bad[i].key) &&
              strstr(e.msg, "line 1") && strstr(e.msg, "c.conf"));
        if (rc == 0 || !strstr(e.msg, bad[i].key))
            printf("     (config '%s' -> %s)\n", bad[i].text, rc ? e.msg : "accepted");
        mi_host_config_free(&h);
    }
    CHECK(load("no equals sign\n", &h, &e) < 0 && strstr(e.msg, "line 1"));
    mi_host_config_free(&h);
    /* uid ranges must fit in 32 bits */
    CHECK(load("first_uid = 4294967000\nnum_boxes = 1000\n", &h, &e) < 0);
    mi_host_config_free(&h);
    /* subid_user: the ranges of /etc/subuid and /etc/subgid (files given here) */
    mi_host_config_defaults(&h, &e);
    h.subid_user = strdup("judge");
    const char *su = write_conf("subuid", "other:100000:65536\njudge:200000:500\n");
    char su_path[4096];
    snprintf(su_path, sizeof su_path, "%s", su);
    const char *sg = write_conf("subgid", "judge:300000:400\n");
    CHECK(mi_host_config_subid(&h, su_path, sg, false, &e) == 0 && h.first_uid == 200000 &&
          h.first_gid == 300000 && h.num_boxes == 400);
    h.num_boxes = 450;
    CHECK(mi_host_config_subid(&h, su_path, sg, true, &e) < 0 && strstr(e.msg, "only 400"));
    free(h.subid_user);
    h.subid_user = strdup("nobody-here");
    CHECK(mi_host_config_subid(&h, su_path, sg, false, &e) < 0 && strstr(e.msg, "nobody-here") &&
          strstr(e.msg, su_path));
    mi_host_config_free(&h);
    /* cpuset lists */
    cpu_set_t cs;
    CHECK(mi_cpulist_parse("0-2,5", &cs) == 0 && CPU_COUNT(&cs) == 4 && CPU_ISSET(5, &cs));
    CHECK(mi_cpulist_parse("1", &cs) == 0 && CPU_COUNT(&cs) == 1 && CPU_ISSET(1, &cs));
    const char *badlists[] = {"", "1,", "-1", "2-1", "a", "1-", "1024", "0 1", "+1"};
    for (size_t i = 0; i < sizeof badlists / sizeof badlists[0]; i++)
        CHECK(mi_cpulist_parse(badlists[i], &cs) < 0);
    /* a missing file is an error naming it */
    mi_host_config_defaults(&h, &e);
    CHECK(mi_host_config_load(&h, "/nonexistent/mi.conf", &e) < 0 &&
          strstr(e.msg, "/nonexistent/mi.conf"));
    mi_host_config_free(&h);
}

/* ------------------------------------------------------------------ meta file */

static const char *iso_keys[] = {"time", "time-wall", "max-rss", "csw-voluntary", "csw-forced",
                                 "cg-mem", "cg-oom-killed", "exitcode", "exitsig", "killed",
                                 "status", "message", NULL};

/* The meta text's isolate keys, comma-joined, after checking that they come before any new
 * key (later issues append their own keys at the end). */
static void meta_keys(const mi_result *r, char *out, size_t len, char *text, size_t tlen)
{
    int fd = memfd_create("meta", 0);
    mi_error e;
    out[0] = 0;
    if (fd < 0 || mi_meta_write(fd, r, &e) < 0) {
        snprintf(out, len, "(write failed)");
        return;
    }
    ssize_t n = pread(fd, text, tlen - 1, 0);
    close(fd);
    text[n > 0 ? n : 0] = 0;
    bool new_seen = false;
    char *save, *copy = strdup(text);
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(l, ':');
        if (!colon) {
            snprintf(out, len, "(bad line %s)", l);
            break;
        }
        *colon = 0;
        bool iso = false;
        for (int i = 0; iso_keys[i]; i++)
            iso |= !strcmp(l, iso_keys[i]);
        if (!iso) {
            new_seen = true;
            continue;
        }
        if (new_seen) {
            snprintf(out, len, "(isolate key %s after a new key)", l);
            break;
        }
        size_t o = strlen(out);
        snprintf(out + o, len - o, "%s%s", o ? "," : "", l);
    }
    free(copy);
}

static void base(mi_result *r)
{
    mi_result_init(r);
    r->has_stats = true;
    r->cpu_time = 0.1234;
    r->wall_time = 1.5;
    r->max_rss_kib = 1000;
    r->csw_voluntary = 3;
    r->csw_forced = 4;
}

#define STATS "time,time-wall,max-rss,csw-voluntary,csw-forced"

static void test_meta(void)
{
    section("mi_meta_write");
    mi_result r;
    char k[512], t[4096];

    base(&r); /* OK */
    r.has_exit_code = true;
    r.status = MI_STATUS_SUCCESS;
    meta_keys(&r, k, sizeof k, t, sizeof t);
    CHECK(!strcmp(k, STATS ",exitcode"));
    CHECK(strstr(t, "time:0.123\n") && strstr(t, "time-wall:1.500\n") && strstr(t, "exitcode:0\n"));
    CHECK(strstr(t, "max-rss:1000\n") && strstr(t, "csw-voluntary:3\n") && strstr(t, "csw-forced:4\n"));

    base(&r); /* RE */
    r.has_exit_code = true;
    r.exit_code = 3;
    strcpy(r.isolate_status, "RE");
    strcpy(r.message, "Exited with error status 3");
    meta_keys(&r, k, sizeof k, t, sizeof t);
    CHECK(!strcmp(k, STATS ",exitcode,status,message"));
    CHECK(strstr(t, "exitcode:3\nstatus:RE\nmessage:Exited with error status 3\n") != NULL);

    base(&r); /* SG */
    r.has_signal = true;
    r.signal = 11;
    strcpy(r.isolate_status, "SG");
    strcpy(r.message, "Caught fatal signal 11");
    meta_keys(&r, k, sizeof k, t, sizeof t);
    CHECK(!strcmp(k, STATS ",exitsig,status,message"));
    CHECK(strstr(t, "exitsig:11\nstatus:SG\n") != NULL);

    base(&r); /* TO by the timer */
    r.has_signal = true;
    r.signal = 9;
    r.killed = true;
    strcpy(r.isolate_status, "TO");
    strcpy(r.message, "Time limit exceeded");
    meta_keys(&r, k, sizeof k, t, sizeof t);
    CHECK(!strcmp(k, "status,message,killed," STATS));
    CHECK(!strncmp(t, "status:TO\nmessage:Time limit exceeded\nkilled:1\ntime:", 52));

    base(&r); /* TO at exit: ran over -t but under -x */
    r.has_exit_code = true;
    strcpy(r.isolate_status, "TO");
    strcpy(r.message, "Time limit exceeded");
    meta_keys(&r, k, sizeof k, t, sizeof t);
    CHECK(!strcmp(k, STATS ",status,message"));

    base(&r); /* Interrupted */
    r.interrupted = true;
    r.interrupt_signal = 15;
    r.killed = true;
    strcpy(r.isolate_status, "SG");
    strcpy(r.message, "Interrupted");
    meta_keys(&r, k, sizeof k, t, sizeof t);
    CHECK(!strcmp(k, "exitsig,status,message,killed," STATS));
    CHECK(!strncmp(t, "exitsig:15\nstatus:SG\nmessage:Interrupted\nkilled:1\n", 49));

    base(&r); /* XX while running */
    r.killed = true;
    strcpy(r.isolate_status, "XX");
    strcpy(r.message, "Something broke");
    meta_keys(&r, k, sizeof k, t, sizeof t);
    CHECK(!strcmp(k, "status,message,killed," STATS));

    mi_result_init(&r); /* XX before anything ran */
    strcpy(r.isolate_status, "XX");
    strcpy(r.message, "open(\"x\"): No such file or directory");
    meta_keys(&r, k, sizeof k, t, sizeof t);
    CHECK(!strcmp(k, "status,message"));

    base(&r); /* cg keys */
    r.has_exit_code = true;
    r.status = MI_STATUS_SUCCESS;
    r.cg_enabled = true;
    r.cg_mem_kib = 65536;
    r.cg_oom_killed = true;
    meta_keys(&r, k, sizeof k, t, sizeof t);
    CHECK(!strcmp(k, STATS ",cg-mem,cg-oom-killed,exitcode"));
    CHECK(strstr(t, "cg-mem:65536\ncg-oom-killed:1\n") != NULL);

    base(&r); /* a newline in a message cannot forge a key */
    strcpy(r.isolate_status, "XX");
    strcpy(r.message, "bad\nstatus:OK");
    r.has_stats = false;
    meta_keys(&r, k, sizeof k, t, sizeof t);
    CHECK(!strcmp(k, "status,message") && strstr(t, "message:bad status:OK\n"));

    /* mi_meta_write_error */
    int fd = memfd_create("meta", 0);
    mi_error e;
    CHECK(fd >= 0 && mi_meta_write_error(fd, "Box not found", &e) == 0);
    ssize_t n = pread(fd, t, sizeof t - 1, 0);
    t[n > 0 ? n : 0] = 0;
    CHECK(!strcmp(t, "status:XX\nmessage:Box not found\n"));
    close(fd);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_parse_u64();
    test_parse_seconds();
    test_dir_rules();
    test_env_rules();
    test_host_config();
    test_meta();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("warning: could not remove %s\n", tmpdir);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
