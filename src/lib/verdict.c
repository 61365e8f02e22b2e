/* Verdicts: the seed's nine statuses and isolate's RE/SG/TO/XX, from kernel evidence.
 *
 * isolate's status (meta file, exit code) follows isolate exactly.  The seed status adds what
 * isolate cannot tell apart, in this precedence when several apply:
 *   InternalError > SecurityViolation > MemoryLimit > TimeLimit > FileSizeLimit > ProcessLimit
 *   > Signaled > RuntimeError > Success
 * MemoryLimit needs the box cgroup's OOM counter (--cg); without it an OOM kill is Signaled.
 * FileSizeLimit is SIGXFSZ (RLIMIT_FSIZE) or the --json output cap.  The table of statuses,
 * evidence and isolate's meta status is docs/verdicts.md. */
#include "verdict.h"
#include "internal.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

const char *mi_status_name(mi_status s)
{
    switch (s) {
    case MI_STATUS_SUCCESS: return "Success";
    case MI_STATUS_TIME_LIMIT: return "TimeLimit";
    case MI_STATUS_MEMORY_LIMIT: return "MemoryLimit";
    case MI_STATUS_RUNTIME_ERROR: return "RuntimeError";
    case MI_STATUS_INTERNAL_ERROR: return "InternalError";
    case MI_STATUS_SIGNALED: return "Signaled";
    case MI_STATUS_SECURITY_VIOLATION: return "SecurityViolation";
    case MI_STATUS_PROCESS_LIMIT: return "ProcessLimit";
    case MI_STATUS_FILE_SIZE_LIMIT: return "FileSizeLimit";
    }
    return "Unknown";
}

void mi_result_init(mi_result *r)
{
    memset(r, 0, sizeof *r);
    r->status = MI_STATUS_INTERNAL_ERROR;
}

void mi_result_free(mi_result *r)
{
    free(r->stdout_data);
    free(r->stderr_data);
    free(r->error_message);
    mi_result_init(r);
}

static void iso(mi_result *r, const char *st, const char *fmt, ...) MI_PRINTF(3, 4);
static void iso(mi_result *r, const char *st, const char *fmt, ...)
{
    snprintf(r->isolate_status, sizeof r->isolate_status, "%s", st);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
}

int mi_verdict_decide(const mi_config *c, const mi_evidence *ev, mi_result *r)
{
    r->cpu_time = r->usage.cpu_time = ev->cpu;
    r->mem_unbounded = !c->cg && c->mem_kib != MI_UNLIMITED;
    r->wall_time = r->usage.wall_time = ev->wall;
    bool exited = ev->have_status && WIFEXITED(ev->wstatus);
    bool signaled = ev->have_status && WIFSIGNALED(ev->wstatus);
    bool stopped = ev->have_status && WIFSTOPPED(ev->wstatus);
    int sig = signaled ? WTERMSIG(ev->wstatus) : stopped ? WSTOPSIG(ev->wstatus) : 0;
    if (exited && !ev->setup_error) {
        r->has_exit_code = true;
        r->exit_code = WEXITSTATUS(ev->wstatus);
    }
    if ((signaled || stopped) && !ev->setup_error) {
        r->has_signal = true;
        r->signal = sig;
    }
    bool over_cpu = c->time_limit > 0 && ev->cpu > c->time_limit;
    bool over_wall = c->wall_time_limit > 0 && ev->wall > c->wall_time_limit;

    /* isolate's view */
    r->isolate_status[0] = 0;
    r->message[0] = 0;
    if (ev->sandbox_error) {
        iso(r, "XX", "%s", ev->sandbox_msg);
        r->killed = ev->started && !ev->setup_error;
    } else if (ev->interrupted) {
        iso(r, "SG", "Interrupted");
        r->killed = true;
    } else if (ev->killed_by_timer) {
        iso(r, "TO", ev->wall_timeout ? "Time limit exceeded (wall clock)" : "Time limit exceeded");
        r->killed = true;
        r->timed_out_by_timer = true;
        r->wall_timeout = ev->wall_timeout;
    } else if (signaled && ev->seccomp_violation) {
        iso(r, "SG", "Forbidden syscall %s (%d)", ev->seccomp_name[0] ? ev->seccomp_name : "?",
            ev->seccomp_nr);
        r->killed = true;
    } else if (signaled && ev->output_limit_exceeded) {
        iso(r, "SG", "Output limit exceeded");
        r->killed = true;
    } else if (exited && r->exit_code != 0) {
        iso(r, "RE", "Exited with error status %d", r->exit_code);
    } else if (exited && over_cpu) {
        iso(r, "TO", "Time limit exceeded");
    } else if (exited && over_wall) {
        iso(r, "TO", "Time limit exceeded (wall clock)");
        r->wall_timeout = true;
    } else if (signaled) {
        iso(r, "SG", "Caught fatal signal %d", sig);
    } else if (stopped) {
        /* only without -w (run.c): under -w a stopped program waits for the wall-clock limit */
        iso(r, "SG", "Stopped by signal %d (killed: with no wall-clock limit it would never end)",
            sig);
        r->killed = true;
    } else if (!exited) {
        iso(r, "XX", "The program's status was lost");
    }
    if (ev->interrupted)
        r->interrupt_signal = ev->interrupt_signal;
    r->interrupted = ev->interrupted;

    /* the seed's view, in the documented precedence */
    const char *why = NULL;
    char buf[1200];
    if (!strcmp(r->isolate_status, "XX") || ev->interrupted) {
        r->status = MI_STATUS_INTERNAL_ERROR;
        why = ev->interrupted ? "interrupted: the sandbox was told to stop" : r->message;
    } else if (ev->seccomp_violation) {
        r->status = MI_STATUS_SECURITY_VIOLATION;
        snprintf(buf, sizeof buf, "security violation: forbidden system call %s (number %d)",
                 ev->seccomp_name[0] ? ev->seccomp_name : "?", ev->seccomp_nr);
        why = buf;
    } else if (ev->cg && ev->oom_kills > 0) {
        r->status = MI_STATUS_MEMORY_LIMIT;
        snprintf(buf, sizeof buf, "memory limit exceeded: the OOM killer stopped the program "
                 "(limit %llu KiB)", (unsigned long long)c->cg_mem_kib);
        why = buf;
    } else if (!strcmp(r->isolate_status, "TO")) {
        r->status = MI_STATUS_TIME_LIMIT;
        why = r->message;
    } else if (ev->output_limit_exceeded) {
        r->status = MI_STATUS_FILE_SIZE_LIMIT;
        snprintf(buf, sizeof buf, "output limit exceeded: captured stdout or stderr passed "
                 "%llu bytes", (unsigned long long)c->output_limit);
        why = buf;
    } else if (sig == SIGXFSZ && c->fsize_kib != MI_UNLIMITED) {
        /* Only a limit that was set makes FileSizeLimit: a program that raises SIGXFSZ itself
         * (no -f, no output cap) is just Signaled. */
        r->status = MI_STATUS_FILE_SIZE_LIMIT;
        why = "file size limit exceeded (SIGXFSZ)";
    } else if (ev->cg && ev->pids_hits > 0 && (signaled || (exited && r->exit_code != 0))) {
        r->status = MI_STATUS_PROCESS_LIMIT;
        why = "process limit reached: a fork or thread creation was refused";
    } else if (signaled || stopped) {
        r->status = MI_STATUS_SIGNALED;
        why = r->message;
    } else if (exited && r->exit_code != 0) {
        r->status = MI_STATUS_RUNTIME_ERROR;
        why = r->message;
    } else {
        r->status = MI_STATUS_SUCCESS;
    }
    r->success = r->status == MI_STATUS_SUCCESS;
    free(r->error_message);
    r->error_message = why ? strdup(why) : NULL;
    return 0;
}
