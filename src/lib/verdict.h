/* Deciding what happened from what the kernel recorded (internal). */
#ifndef MI_VERDICT_H
#define MI_VERDICT_H
#include "mini-isolate.h"

typedef struct mi_evidence {
    bool started;           /* the program's process was created */
    bool have_status;       /* wait status of the program is known */
    int wstatus;
    bool killed_by_timer;   /* the keeper killed it on a limit */
    bool wall_timeout;      /* ... and it was the wall-clock limit */
    bool interrupted;       /* the keeper got SIGTERM/SIGINT/SIGHUP/SIGQUIT */
    int interrupt_signal;
    bool sandbox_error;     /* setup or supervision failed */
    bool setup_error;       /* ... before the program was executed (no stats, not killed) */
    char sandbox_msg[1024];
    double cpu, wall;       /* seconds */
    bool cg;
    uint64_t oom_kills;     /* during this run (cg mode) */
    uint64_t pids_hits;     /* forks refused by the pids limit during this run (cg mode) */
    /* Set by the keeper when the syscall policy (seccomp.c) stopped the program. */
    bool seccomp_violation;
    int seccomp_nr;         /* syscall number, -1 if unknown */
    char seccomp_name[64];  /* syscall name, "" if unknown */
    /* The keeper killed the box because captured stdout/stderr passed the output cap. */
    bool output_limit_exceeded;
} mi_evidence;

/* Fill r->status, isolate_status, message, exit code/signal, success, error_message. */
int mi_verdict_decide(const mi_config *c, const mi_evidence *ev, mi_result *r);
#endif
