/* One-call API: init a box, run one program, clean up.  mi_run_json is the entry point for
 * foreign callers (Python ctypes): strings in, a malloc'd JSON string out, no structs to mirror. */
#include "internal.h"
#include "mi-build-config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mi_run_once(const mi_config *conf, mi_result *r, mi_error *err)
{
    /* The box is ours from init to cleanup: wait rather than fail if another keeper holds it
     * for a moment (a shallow copy: nothing in it is owned or freed here). */
    mi_config one = *conf;
    one.wait_for_lock = true;
    const mi_config *c = &one;
    char dir[4096];
    if (mi_box_init(c, dir, sizeof dir, err) < 0) {
        r->status = MI_STATUS_INTERNAL_ERROR;
        return -1;
    }
    int rc = mi_box_run(c, r, err);
    mi_error e2;
    if (mi_box_cleanup(c, &e2) < 0 && rc == 0) {
        *err = e2;
        r->status = MI_STATUS_INTERNAL_ERROR;
        r->success = false;
        rc = -1;
    }
    return rc;
}

void mi_free(void *p)
{
    free(p);
}

char *mi_result_error_json(const char *msg)
{
    mi_result r;
    mi_result_init(&r);
    r.status = MI_STATUS_INTERNAL_ERROR;
    r.error_message = strdup(msg);
    snprintf(r.isolate_status, sizeof r.isolate_status, "XX");
    snprintf(r.message, sizeof r.message, "%s", msg);
    mi_error e;
    char *s = mi_result_to_json(&r, &e);
    mi_result_free(&r);
    return s;
}

char *mi_run_json(const char *config_json, const char *const *argv)
{
    mi_config c;
    mi_error err;
    mi_result r;
    mi_result_init(&r);
    if (mi_config_init(&c, &err) < 0)
        return mi_result_error_json(err.msg);
    char *out = NULL;
    /* Same rule as the CLI: only a real root caller may point at another host configuration. */
    const char *path = MI_CONFIG_PATH;
    const char *env = getenv("MINI_ISOLATE_CONFIG");
    if (env && *env && getuid() == 0)
        path = env;
    size_t argc = 0;
    while (argv && argv[argc])
        argc++;
    if ((access(path, F_OK) == 0 || path == env) && mi_host_config_load(&c.host, path, &err) < 0)
        goto fail;
    if (config_json && *config_json && mi_config_from_json(config_json, &c, &err) < 0)
        goto fail;
    if (!config_json || !*config_json) {
        /* No document: the seed's defaults, as for an empty one. */
        if (mi_config_from_json("{}", &c, &err) < 0)
            goto fail;
    }
    if (argc == 0) {
        mi_fail(&err, MI_ERR_USAGE, EINVAL, "No program to run");
        goto fail;
    }
    c.argv = calloc(argc + 1, sizeof *c.argv);
    if (!c.argv) {
        mi_fail(&err, MI_ERR_USAGE, ENOMEM, "out of memory");
        goto fail;
    }
    for (; c.argc < argc; c.argc++)
        if (!(c.argv[c.argc] = strdup(argv[c.argc]))) {
            mi_fail(&err, MI_ERR_USAGE, ENOMEM, "out of memory");
            goto fail;
        }
    c.capture_output = true;
    if (mi_run_once(&c, &r, &err) < 0 && !r.isolate_status[0])
        goto fail;
    out = mi_result_to_json(&r, &err);
    mi_result_free(&r);
    mi_config_free(&c);
    return out;
fail:
    mi_result_free(&r);
    mi_config_free(&c);
    return mi_result_error_json(err.msg);
}
