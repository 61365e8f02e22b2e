/* The syscall policy (internal): a seccomp filter installed in the program just before execve.
 * See seccomp.c for the table of rules and docs/security.md for the reasons.  (Named
 * seccomp_policy.h so that <seccomp.h> still means libseccomp's header.) */
#ifndef MI_SECCOMP_POLICY_H
#define MI_SECCOMP_POLICY_H
#include "mini-isolate.h"

#include <linux/filter.h>
#include <stdio.h>

/* Effective isolate-style flags of a run: c->syscall_flags when set, else the host config's. */
uint32_t mi_seccomp_flags(const mi_config *c);
/* Whether a run of c may reach the kernel keyrings (keyctl, add_key, request_key). */
bool mi_seccomp_allows_keys(const mi_config *c);

/* In the keeper, before the sandbox is created: compile the policy of c to BPF (prog->filter is
 * malloc'd; prog->len == 0 means "no filter").  Compiling here keeps the program's last steps
 * free of allocation, so a small RLIMIT_AS cannot break them.  With box_dir, the result is
 * cached in <box_dir>/seccomp.bpf, keyed by the policy. */
int mi_seccomp_compile(const mi_config *c, const char *box_dir, struct sock_fprog *prog,
                       mi_error *err);

/* In the program (after PR_SET_NO_NEW_PRIVS, after the uid switch, last before execve): load
 * the filter.  Returns the user-notification listener fd, or -errno.  Async-signal-safe. */
int mi_seccomp_load(const struct sock_fprog *prog);

/* In the keeper: take one pending notification from the listener.  Returns 0 with the syscall's
 * number and name ("" if unknown) when a violation was read, -1 otherwise. */
int mi_seccomp_read_violation(int listener, int *nr, char *name, size_t len);

/* Validate c->allowed_syscalls (every name must be a syscall libseccomp knows). */
int mi_seccomp_check_names(const mi_config *c, mi_error *err);

/* --allow-syscalls=a,b,c: append the names to c->allowed_syscalls (validated), set the flag. */
int mi_seccomp_parse_list(mi_config *c, const char *list, mi_error *err);

/* --check-environment lines: seccomp and user notification support, the default policy. */
void mi_seccomp_report(FILE *out);

#endif
