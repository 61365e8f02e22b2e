/* Unit tests of json.c: ExecutionResult round trip, bytes-safe output, IsolateConfig parsing
 * (defaults, durations, errors with JSON paths) and the --dump-config round trip. */
#include "mini-isolate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, checks;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        checks++;                                                                    \
        if (!(cond)) {                                                               \
            failures++;                                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

static void test_result_round_trip(void)
{
    mi_result r, back;
    mi_error err;
    mi_result_init(&r);
    mi_result_init(&back);
    r.has_exit_code = false;
    r.status = MI_STATUS_MEMORY_LIMIT;
    r.stdout_data = strdup("out\n\xe2\x82\xac \"q\"");
    r.stdout_len = strlen(r.stdout_data);
    r.stderr_data = strdup("err");
    r.stderr_len = 3;
    r.cpu_time = 1.25;
    r.wall_time = 2.5;
    r.memory_peak = 123456789;
    r.has_signal = true;
    r.signal = 9;
    r.success = false;
    r.error_message = strdup("memory limit exceeded");
    r.usage = (mi_resource_usage){1.25, 2.5, 123456789, 42, 1000};
    r.has_stats = true;
    r.max_rss_kib = 120000;
    r.csw_voluntary = 40;
    r.csw_forced = 2;
    r.cg_enabled = true;
    r.cg_mem_kib = 65536;
    r.cg_oom_killed = true;
    r.killed = false;
    snprintf(r.isolate_status, sizeof r.isolate_status, "SG");
    snprintf(r.message, sizeof r.message, "Caught fatal signal 9");

    char *j = mi_result_to_json(&r, &err);
    CHECK(j != NULL);
    CHECK(mi_result_from_json(j, &back, &err) == 0);
    CHECK(back.status == MI_STATUS_MEMORY_LIMIT && !back.success);
    CHECK(!back.has_exit_code && back.has_signal && back.signal == 9);
    CHECK(back.stdout_len == r.stdout_len && !memcmp(back.stdout_data, r.stdout_data, r.stdout_len));
    CHECK(back.stderr_len == 3 && !strcmp(back.stderr_data, "err"));
    CHECK(back.cpu_time == 1.25 && back.wall_time == 2.5 && back.memory_peak == 123456789);
    CHECK(back.usage.context_switches == 42 && back.usage.page_faults == 1000);
    CHECK(back.error_message && !strcmp(back.error_message, "memory limit exceeded"));
    CHECK(back.max_rss_kib == 120000 && back.csw_voluntary == 40 && back.csw_forced == 2);
    CHECK(back.cg_enabled && back.cg_mem_kib == 65536 && back.cg_oom_killed && back.has_stats);
    CHECK(!strcmp(back.isolate_status, "SG") && !strcmp(back.message, "Caught fatal signal 9"));
    char *j2 = mi_result_to_json(&back, &err);
    CHECK(j2 && !strcmp(j, j2)); /* the round trip is exact */
    free(j);
    free(j2);

    /* Success with an exit code and no error message */
    mi_result_free(&r);
    r.status = MI_STATUS_SUCCESS;
    r.has_exit_code = true;
    r.exit_code = 0;
    r.success = true;
    j = mi_result_to_json(&r, &err);
    CHECK(j && strstr(j, "\"exit_code\":0") && strstr(j, "\"error_message\":null") &&
          strstr(j, "\"signal\":null") && strstr(j, "\"status\":\"Success\""));
    CHECK(mi_result_from_json(j, &back, &err) == 0 && back.has_exit_code && !back.has_signal &&
          back.error_message == NULL && back.success);
    free(j);

    /* Arbitrary bytes: not UTF-8, so base64, and back exactly (NUL included) */
    static const char raw[] = "a\xff" "b\0c\xed\xa0\x80" "d\xc0\xaf";
    r.stdout_data = malloc(sizeof raw);
    memcpy(r.stdout_data, raw, sizeof raw);
    r.stdout_len = sizeof raw - 1;
    j = mi_result_to_json(&r, &err);
    CHECK(j && strstr(j, "\"stdout\":\"Yf9iAGPtoIBkwK8=\",\"stdout_encoding\":\"base64\"") &&
          strstr(j, "\"stderr_encoding\":\"utf-8\""));
    CHECK(j && mi_result_from_json(j, &back, &err) == 0 && back.stdout_len == sizeof raw - 1 &&
          !memcmp(back.stdout_data, raw, sizeof raw - 1));
    free(j);
    mi_result_free(&back);
    /* Text stays text, escaped where JSON needs it */
    free(r.stdout_data);
    r.stdout_data = strdup("q\"\\\n\xe2\x82\xac");
    r.stdout_len = strlen(r.stdout_data);
    j = mi_result_to_json(&r, &err);
    CHECK(j && strstr(j, "\"stdout\":\"q\\\"\\\\\\u000a\xe2\x82\xac\",\"stdout_encoding\":\"utf-8\""));
    CHECK(mi_result_from_json("{\"stdout\":\"!!\",\"stdout_encoding\":\"base64\"}", &back, &err) < 0 &&
          strstr(err.msg, "$.stdout: bad encoding"));
    free(j);
    mi_result_free(&r);
    mi_result_free(&back);

    /* The parser is strict too */
    CHECK(mi_result_from_json("{\"status\":\"Sucess\"}", &back, &err) < 0 &&
          strstr(err.msg, "$.status: unknown status"));
    CHECK(mi_result_from_json("{\"resource_usage\":{\"cpu\":1}}", &back, &err) < 0 &&
          strstr(err.msg, "$.resource_usage.cpu: unknown field"));
    mi_result_free(&back);
}

static int parse(const char *doc, mi_config *c, mi_error *err)
{
    mi_config_free(c);
    if (mi_config_init(c, err) < 0)
        return -2;
    return mi_config_from_json(doc, c, err);
}

static void test_config(void)
{
    mi_config c;
    mi_error err;
    mi_config_init(&c, &err);
    CHECK(parse("{}", &c, &err) == 0);
    CHECK(c.mem_kib == 128 * 1024 && c.fsize_kib == 64 * 1024 && c.time_limit == 10 &&
          c.wall_time_limit == 20 && c.processes == 1 && !c.share_net && !c.has_allowed_syscalls);

    CHECK(parse("{\"time_limit\":{\"secs\":1,\"nanos\":500000000},\"wall_time_limit\":3,"
                "\"memory_limit\":null,\"file_size_limit\":1000,\"process_limit\":0,"
                "\"enable_network\":true,\"environment\":{\"A\":\"1\"},\"workdir\":\"/tmp\","
                "\"allowed_syscalls\":[\"read\",\"write\"],\"uid\":5000,\"gid\":5001,"
                "\"instance_id\":\"42\",\"chroot_dir\":\"/srv/root\"}", &c, &err) == 0);
    CHECK(c.time_limit == 1.5 && c.wall_time_limit == 3 && c.mem_kib == MI_UNLIMITED);
    CHECK(c.fsize_kib == 1 /* bytes round up to KiB */ && c.processes == MI_UNLIMITED);
    CHECK(c.share_net && c.n_env == 1 && !strcmp(c.env[0].name, "A") && !strcmp(c.env[0].value, "1"));
    CHECK(c.chdir && !strcmp(c.chdir, "/tmp") && c.box_id == 42);
    CHECK(c.has_allowed_syscalls && c.n_allowed_syscalls == 2 &&
          !strcmp(c.allowed_syscalls[1], "write"));
    CHECK(c.has_box_uid && c.box_uid == 5000 && c.has_box_gid && c.box_gid == 5001);
    CHECK(c.chroot_dir && !strcmp(c.chroot_dir, "/srv/root"));
    CHECK(parse("{\"cpu_time_limit\":2,\"time_limit\":7}", &c, &err) == 0 && c.time_limit == 2);

    /* --cg: the memory limit is the box's cgroup limit, not each process's address space */
    mi_config_free(&c);
    mi_config_init(&c, &err);
    c.cg = true;
    CHECK(mi_config_from_json("{\"memory_limit\":1048576}", &c, &err) == 0);
    CHECK(c.cg_mem_kib == 1024 && c.mem_kib == MI_UNLIMITED);

    /* dump -> parse -> dump is a fixed point */
    CHECK(parse("{\"time_limit\":2.5,\"environment\":[[\"X\",\"y\"]],\"allowed_syscalls\":[],"
                "\"process_limit\":4}", &c, &err) == 0);
    char *d1 = mi_config_to_json(&c, &err);
    CHECK(d1 && parse(d1, &c, &err) == 0);
    char *d2 = mi_config_to_json(&c, &err);
    CHECK(d1 && d2 && !strcmp(d1, d2));
    CHECK(d2 && strstr(d2, "\"allowed_syscalls\":[]") && strstr(d2, "\"process_limit\":4"));
    free(d1);
    free(d2);

    static const struct {
        const char *doc, *msg;
    } bad[] = {
        {"{\"memory_limt\":1}", "$.memory_limt: unknown field"},
        {"{\"environment\":[[\"A\",\"b\"],[\"C\",\"d\"],[\"E\",1]]}", "$.environment[2][1]: expected string"},
        {"{\"environment\":[\"A=b\"]}", "$.environment[0]: expected [\"NAME\", \"value\"]"},
        {"{\"environment\":[[\"A=B\",\"c\"]]}", "invalid variable name"},
        {"{\"time_limit\":-1}", "$.time_limit: expected seconds"},
        {"{\"wall_time_limit\":{\"secs\":1,\"nanos\":1000000000}}", "$.wall_time_limit.nanos"},
        {"{\"uid\":0}", "$.uid: 0 (root) is not allowed"},
        {"{\"gid\":\"5\"}", "$.gid: expected a non-negative integer"},
        {"{\"chroot_dir\":\"rel\"}", "$.chroot_dir: must be an absolute path"},
        {"{\"allowed_syscalls\":\"read\"}", "$.allowed_syscalls: expected a list"},
        {"{\"enable_network\":\"yes\"}", "$.enable_network: expected true or false"},
        {"{\"workdir\":\"a\\u0000b\"}", "JSON error"},
        {"{\"a\":1,\"a\":2}", "JSON error"},
        {"[]", "$: expected object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(bad[i].doc, &c, &err);
        checks++;
        if (rc != -1 || err.kind != MI_ERR_CONFIG || !strstr(err.msg, bad[i].msg)) {
            failures++;
            fprintf(stderr, "config %s: rc %d, message '%s', expected '%s'\n", bad[i].doc, rc,
                    err.msg, bad[i].msg);
        }
    }
    mi_config_free(&c);
}

int main(void)
{
    test_result_round_trip();
    test_config();
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
