/* Class 3 (a program's own seccomp filter hides its forbidden calls; issue 11 item 21).
 * Installs its own filter that answers bpf() and ptrace() with EPERM (the kernel lets any
 * process with no_new_privs add filters), then calls bpf(BPF_PROG_LOAD) and
 * ptrace(PTRACE_ATTACH, 1).  Filters stack and the kernel takes the most restrictive answer:
 * ERRNO beats the sandbox's user notification, so the calls fail in the program's own filter
 * and never reach the sandbox's.  Expected (documented, docs/security.md): nothing reaches the
 * kernel, no violation is reported; status Success.  The program only hid its own attempt:
 * it gained nothing. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_bpf, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ptrace, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
        printf("info: cannot add a filter: %s\n", strerror(errno));
        return 3;
    }
    long b = syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, NULL, 0);
    long p = syscall(SYS_ptrace, 16L /* PTRACE_ATTACH */, 1L, 0L, 0L);
    if (b < 0 && errno == EPERM && p < 0)
        adv_contained("bpf and ptrace of init failed in the program's own filter (EPERM)");
    else
        adv_escaped("a forbidden call passed both filters (bpf %ld, ptrace %ld)", b, p);
    return adv_escapes ? 42 : 0;
}
