/* Example: run one program in a fresh box through the library and print the JSON result.
 *
 *   build/examples/run '{"time_limit": 2, "memory_limit": 67108864}' /bin/echo hello
 *
 * Needs root (like the CLI).  The host configuration is /etc/mini-isolate.conf or, for root,
 * $MINI_ISOLATE_CONFIG.  Two ways are shown: the C structs (mi_run_once) and the JSON-in /
 * JSON-out call that foreign-language callers use (mi_run_json). */
#include "mini-isolate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s CONFIG_JSON PROGRAM [ARGS...]\n", argv[0]);
        return 2;
    }
    /* 1. JSON in, JSON out. */
    char *out = mi_run_json(argv[1], (const char *const *)&argv[2]);
    if (!out)
        return 2;
    printf("%s\n", out);
    mi_free(out);

    /* 2. The same run with the C structs. */
    mi_config c;
    mi_error err;
    mi_result r;
    if (mi_config_init(&c, &err) < 0 || mi_config_from_json(argv[1], &c, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    const char *env = getenv("MINI_ISOLATE_CONFIG");
    if (env && *env && mi_host_config_load(&c.host, env, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    c.argc = (size_t)(argc - 2);
    c.argv = calloc(c.argc + 1, sizeof *c.argv);
    for (size_t i = 0; c.argv && i < c.argc; i++)
        c.argv[i] = strdup(argv[2 + i]);
    c.capture_output = true;
    mi_result_init(&r);
    int rc = mi_run_once(&c, &r, &err);
    printf("status=%s exit_code=%d stdout=%.*s", mi_status_name(r.status),
           r.has_exit_code ? r.exit_code : -1, (int)r.stdout_len, r.stdout_data ? r.stdout_data : "");
    if (rc < 0)
        fprintf(stderr, "sandbox error: %s\n", err.msg);
    mi_result_free(&r);
    mi_config_free(&c);
    return rc < 0 ? 2 : 0;
}
