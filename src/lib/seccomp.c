/* The syscall policy: a seccomp filter (libseccomp) installed by the program just before execve.
 *
 * Namespaces and cgroups leave kernel attack surface and cross-box channels open; this filter
 * closes the ones a contest program never needs.  Each rule has one of two actions:
 *   ERRNO      the call fails with a documented errno, as isolate's filter does, for things
 *              ordinary programs and runtimes probe (keyrings, io_uring, exotic socket families);
 *   VIOLATION  SECCOMP_RET_USER_NOTIF: the call blocks, the keeper (which holds the listener fd)
 *              learns the syscall's number and architecture from the kernel, kills the box and
 *              reports SecurityViolation.  This is reliable evidence: a program can raise SIGSYS
 *              itself, but it cannot forge a seccomp notification.
 * The listener fd exists in the program only between seccomp_load() and execve(); it is
 * close-on-exec and closed explicitly, so the program can never answer its own notifications.
 *
 * Argument checks compare the width the kernel really uses: ioctl's request, fcntl's command and
 * socket's family are 32-bit in the kernel, so they are compared masked to 32 bits (a filter that
 * compares all 64 bits is bypassed by setting the high bits: CVE-2019-10063); clone/unshare flags
 * are tested bit by bit, which is correct whatever the high half holds.
 *
 * Keep this table and the one in docs/security.md in sync. */
#include "seccomp_policy.h"
#include "internal.h"
#include "landlock.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef F_OFD_SETLK
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

enum act { VIOLATION, ERRNO_ };
enum cond {
    ANY,        /* every call */
    NS_FLAGS,   /* arg0 has a namespace flag (clone, unshare) */
    REQ32_A1,   /* arg1 masked to 32 bits equals val (ioctl request, fcntl command) */
    FAMILIES,   /* socket(): arg0 (32 bits) is not AF_UNIX/AF_INET/AF_INET6 (AF_VSOCK apart) */
    FAMILY_VAL, /* socket(): arg0 (32 bits) equals val */
    BITS_A0,    /* arg0 has bit(s) val set (personality) */
    BITS_A5,    /* arg5 has bit(s) val set (preadv2/pwritev2 flags) */
    VAL32_A3,   /* arg3 masked to 32 bits equals val (fadvise64 advice, x86_64 and x32) */
    VAL32_A4,   /* arg4 masked to 32 bits equals val (fadvise64 advice, i386) */
    EQ64_A0,    /* arg0 equals val, all 64 bits (ptrace request: a long in the kernel) */
    VAL32_A1,   /* arg1 masked to 32 bits equals val (ptrace pid: a pid_t in the kernel) */
};

struct rule {
    const char *name;
    uint32_t group; /* MI_SYSCALLS_* bit, 0 = always (when there is a filter) */
    enum act act;
    int err;
    enum cond cond;
    uint64_t val;
    const char *why;
};

#define V(n, c, v, why) {n, 0, VIOLATION, 0, c, v, why}
#define E(n, g, e, c, v, why) {n, g, ERRNO_, e, c, v, why}

static const struct rule rules[] = {
    /* cross-box channels and probes: fail like isolate's filter */
    E("keyctl", MI_SYSCALLS_KEYCTL, ENOSYS, ANY, 0, "kernel keyrings are not namespaced: cross-box channel, kernel bugs"),
    E("add_key", MI_SYSCALLS_KEYCTL, ENOSYS, ANY, 0, "kernel keyrings (as keyctl)"),
    E("request_key", MI_SYSCALLS_KEYCTL, ENOSYS, ANY, 0, "kernel keyrings (as keyctl)"),
    E("socket", MI_SYSCALLS_VSOCK, EAFNOSUPPORT, FAMILY_VAL, AF_VSOCK, "AF_VSOCK reaches the hypervisor host; not network-namespaced"),
    E("socket", 0, EAFNOSUPPORT, FAMILIES, 0, "families other than unix/inet/inet6 (netlink, packet, alg, ...): needless kernel surface"),
    E("ioctl", 0, EPERM, REQ32_A1, TIOCSCTTY, "makes the judge's tty (passed as stdin) the box's controlling terminal: undoes setsid()"),
    E("flock", MI_SYSCALLS_LOCKS, ENOSYS, ANY, 0, "locks on shared read-only files (/usr, /lib) are a cross-box channel"),
    E("fcntl", MI_SYSCALLS_LOCKS, EPERM, REQ32_A1, F_SETLK, "record locks: cross-box channel (as flock)"),
    E("fcntl", MI_SYSCALLS_LOCKS, EPERM, REQ32_A1, F_SETLKW, "record locks: cross-box channel (as flock)"),
    E("fcntl", MI_SYSCALLS_LOCKS, EPERM, REQ32_A1, F_OFD_SETLK, "open file description locks: cross-box channel"),
    E("fcntl", MI_SYSCALLS_LOCKS, EPERM, REQ32_A1, F_OFD_SETLKW, "open file description locks: cross-box channel"),
    E("fcntl", MI_SYSCALLS_LOCKS, EPERM, REQ32_A1, F_SETLEASE, "leases signal other boxes opening shared files"),
    E("fcntl", MI_SYSCALLS_LOCKS, EPERM, REQ32_A1, F_NOTIFY, "dnotify on shared directories: cross-box channel"),
    E("io_uring_setup", MI_SYSCALLS_IO_URING, ENOSYS, ANY, 0, "io_uring: many kernel exploits, bypasses syscall filtering"),
    E("io_uring_enter", MI_SYSCALLS_IO_URING, ENOSYS, ANY, 0, "io_uring (as io_uring_setup)"),
    E("io_uring_register", MI_SYSCALLS_IO_URING, ENOSYS, ANY, 0, "io_uring (as io_uring_setup)"),
    E("clone3", 0, ENOSYS, ANY, 0, "flags are in memory, not filterable; glibc then falls back to clone, which is"),
    E("name_to_handle_at", 0, ENOSYS, ANY, 0, "file handles: half of the open_by_handle_at escape"),
    E("personality", 0, EPERM, BITS_A0, ADDR_NO_RANDOMIZE, "turning off ASLR helps exploits"),
    E("personality", 0, EPERM, BITS_A0, READ_IMPLIES_EXEC, "executable data helps exploits"),
    E("personality", 0, EPERM, BITS_A0, MMAP_PAGE_ZERO, "mapping page 0 helps NULL-dereference exploits"),
    E("personality", 0, EPERM, BITS_A0, ADDR_COMPAT_LAYOUT, "predictable legacy layout helps exploits"),
    E("settimeofday", 0, EPERM, ANY, 0, "clock changes (measurement tampering; needs CAP_SYS_TIME anyway)"),
    E("clock_settime", 0, EPERM, ANY, 0, "clock changes (as settimeofday)"),
    E("adjtimex", 0, EPERM, ANY, 0, "clock changes (as settimeofday)"),
    E("clock_adjtime", 0, EPERM, ANY, 0, "clock changes (as settimeofday)"),
    E("syslog", 0, EPERM, ANY, 0, "the kernel log reveals host details and addresses"),
    E("vhangup", 0, EPERM, ANY, 0, "terminal hang-up: no business in a box"),
    E("lookup_dcookie", 0, ENOSYS, ANY, 0, "profiling interface, reveals host paths"),
    E("fanotify_init", 0, EPERM, ANY, 0, "filesystem-wide event watching: cross-box channel"),
    E("inotify_init", MI_SYSCALLS_LOCKS, ENOSYS, ANY, 0, "watches on shared read-only files (/usr, /lib) see other boxes and host processes open them: cross-box channel (as dnotify)"),
    E("inotify_init1", MI_SYSCALLS_LOCKS, ENOSYS, ANY, 0, "inotify (as inotify_init)"),
    /* The page cache of the shared read-only files is one for all boxes: evicting a page and
     * later asking whether it is back tells what another box (or a host process) read, even
     * between boxes that never run at the same time.  The probes are refused; the eviction is
     * answered 0 without evicting (advice may be ignored).  What stays open is timing a
     * read: docs/security.md. */
    E("mincore", MI_SYSCALLS_PAGE_CACHE, ENOSYS, ANY, 0, "page-cache residency probe: cross-box channel"),
    E("cachestat", MI_SYSCALLS_PAGE_CACHE, ENOSYS, ANY, 0, "page-cache residency probe (as mincore)"),
    E("preadv2", MI_SYSCALLS_PAGE_CACHE, EOPNOTSUPP, BITS_A5, RWF_NOWAIT, "RWF_NOWAIT reads only cached pages: residency probe (as mincore)"),
    E("pwritev2", MI_SYSCALLS_PAGE_CACHE, EOPNOTSUPP, BITS_A5, RWF_NOWAIT, "RWF_NOWAIT (as preadv2)"),
    E("fadvise64", MI_SYSCALLS_PAGE_CACHE, 0, VAL32_A3, POSIX_FADV_DONTNEED, "evicts shared files' pages for another box to probe: answered 0, nothing evicted"),
    E("fadvise64", MI_SYSCALLS_PAGE_CACHE, 0, VAL32_A4, POSIX_FADV_DONTNEED, "i386 fadvise64 has the advice in arg4 (on x86_64 arg4 is unused: at worst advice is ignored)"),
    E("fadvise64_64", MI_SYSCALLS_PAGE_CACHE, 0, ANY, 0, "i386 fadvise64_64 (advice in arg5, beyond what one rule table compares on every architecture): every advice answered 0"),
    /* Debuggers and sanitizers (LeakSanitizer's exit check attaches to the program's own
     * threads) trace the box's own processes: harmless, as the kernel lets a process trace
     * only processes of the same uid it can see, and the PID namespace shows only the box's.
     * What reaches outside the program's processes is refused below: init (PID 1, root; the
     * kernel refuses it too, but trying is hostile) and PTRACE_TRACEME, which would hand the
     * program (init's child) to init as tracer. */
    E("ptrace", 0, EPERM, EQ64_A0, PTRACE_TRACEME, "PTRACE_TRACEME: the program's parent is the box's init, not a debugger"),
    /* hostile: the program is stopped, SecurityViolation */
    V("ptrace", VAL32_A1, 1, "ptrace of the box's init (root, outside the program's processes; seccomp bypass on kernels < 4.8, CVE-2017-5206 class)"),
    V("process_vm_readv", ANY, 0, "reads another process's memory"),
    V("process_vm_writev", ANY, 0, "writes another process's memory"),
    V("pidfd_getfd", ANY, 0, "steals another process's file descriptors"),
    V("mount", ANY, 0, "mount API: rearranging the file tree is how boxes are escaped"),
    V("umount2", ANY, 0, "mount API (uncovers what the box hides)"),
    V("pivot_root", ANY, 0, "mount API"),
    V("chroot", ANY, 0, "classic chroot escape"),
    V("fsopen", ANY, 0, "new mount API"),
    V("fsconfig", ANY, 0, "new mount API (CVE-2022-0185 heap overflow)"),
    V("fsmount", ANY, 0, "new mount API"),
    V("fspick", ANY, 0, "new mount API"),
    V("open_tree", ANY, 0, "new mount API (clones mount trees)"),
    V("move_mount", ANY, 0, "new mount API"),
    V("mount_setattr", ANY, 0, "new mount API (drops read-only/nosuid)"),
    V("setns", ANY, 0, "joins another namespace"),
    V("unshare", NS_FLAGS, CLONE_NEWTIME, "new namespaces: user namespaces expose capability-gated kernel code"),
    V("clone", NS_FLAGS, 0, "new namespaces (as unshare)"),
    V("bpf", ANY, 0, "eBPF verifier: a long line of kernel exploits"),
    V("perf_event_open", ANY, 0, "large kernel attack surface and host side channels"),
    V("userfaultfd", ANY, 0, "stalls the kernel mid-copy to win exploit races"),
    V("kexec_load", ANY, 0, "replaces the running kernel"),
    V("kexec_file_load", ANY, 0, "replaces the running kernel"),
    V("init_module", ANY, 0, "loads kernel code"),
    V("finit_module", ANY, 0, "loads kernel code"),
    V("delete_module", ANY, 0, "unloads kernel code"),
    V("open_by_handle_at", ANY, 0, "opens files outside the mount tree (the 'shocker' container escape)"),
    V("ioctl", REQ32_A1, TIOCSTI, "pushes keystrokes into a terminal (CVE-2017-5226, CVE-2019-10063)"),
    V("ioctl", REQ32_A1, TIOCLINUX, "console selection paste: terminal injection like TIOCSTI"),
    V("quotactl", ANY, 0, "quota administration of host filesystems"),
    V("swapon", ANY, 0, "host swap administration"),
    V("swapoff", ANY, 0, "host swap administration"),
    V("reboot", ANY, 0, "host administration"),
    V("acct", ANY, 0, "host process accounting"),
    V("modify_ldt", ANY, 0, "16-bit segments: CVE-2015-5157, CVE-2015-8830"),
    V("iopl", ANY, 0, "direct hardware I/O port access"),
    V("ioperm", ANY, 0, "direct hardware I/O port access"),
};

/* Always allowed in allow-list mode: what the sandbox itself needs between installing the filter
 * and the program's first instruction (hand over the listener, exec), and what ends a program
 * or returns from a signal handler. */
static const char *const exec_set[] = {"sendmsg", "close", "execve", "exit", "exit_group",
                                       "rt_sigreturn"};

static const uint64_t ns_flags[] = {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                    CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET};

uint32_t mi_seccomp_flags(const mi_config *c)
{
    return c->has_syscall_flags ? c->syscall_flags : c->host.syscall_flags;
}

bool mi_seccomp_allows_keys(const mi_config *c)
{
    if (!(mi_seccomp_flags(c) & MI_SYSCALLS_KEYCTL))
        return true; /* the keyctl group is not refused (or there is no filter at all) */
    for (size_t i = 0; c->has_allowed_syscalls && i < c->n_allowed_syscalls; i++)
        if (!strcmp(c->allowed_syscalls[i], "keyctl") || !strcmp(c->allowed_syscalls[i], "add_key") ||
            !strcmp(c->allowed_syscalls[i], "request_key"))
            return true;
    return false;
}

static int add_rule(scmp_filter_ctx ctx, const struct rule *r, int nr)
{
    uint32_t action = r->act == VIOLATION ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO((uint32_t)r->err);
    int rc = 0;
    switch (r->cond) {
    case ANY:
        return seccomp_rule_add(ctx, action, nr, 0);
    case NS_FLAGS:
        for (size_t i = 0; i < sizeof ns_flags / sizeof ns_flags[0] && rc == 0; i++)
            rc = seccomp_rule_add(ctx, action, nr, 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
        /* unshare also takes CLONE_NEWTIME; in clone() that bit is part of the exit signal */
        if (rc == 0 && r->val)
            rc = seccomp_rule_add(ctx, action, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, r->val, r->val));
        return rc;
    case REQ32_A1:
        return seccomp_rule_add(ctx, action, nr, 1,
                                SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, r->val));
    case FAMILY_VAL:
        return seccomp_rule_add(ctx, action, nr, 1,
                                SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, r->val));
    case FAMILIES:
        /* The kernel refuses families >= AF_MAX (< 64) itself: listing 0..63 is complete. */
        for (uint64_t f = 0; f < 64 && rc == 0; f++)
            if (f != AF_UNIX && f != AF_INET && f != AF_INET6 && f != AF_VSOCK)
                rc = seccomp_rule_add(ctx, action, nr, 1,
                                      SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, f));
        return rc;
    case BITS_A5:
        /* rwf_t is an int: only bits of the low half are tested, whatever the high half holds */
        return seccomp_rule_add(ctx, action, nr, 1, SCMP_A5(SCMP_CMP_MASKED_EQ, r->val, r->val));
    case VAL32_A3:
        return seccomp_rule_add(ctx, action, nr, 1,
                                SCMP_A3(SCMP_CMP_MASKED_EQ, 0xffffffffULL, r->val));
    case VAL32_A4:
        return seccomp_rule_add(ctx, action, nr, 1,
                                SCMP_A4(SCMP_CMP_MASKED_EQ, 0xffffffffULL, r->val));
    case EQ64_A0:
        return seccomp_rule_add(ctx, action, nr, 1, SCMP_A0(SCMP_CMP_EQ, r->val));
    case VAL32_A1:
        return seccomp_rule_add(ctx, action, nr, 1,
                                SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, r->val));
    case BITS_A0:
        /* Bit 31 is in no persona; it excludes personality(0xffffffff), the standard query,
         * which has every bit set but changes nothing. */
        return seccomp_rule_add(ctx, action, nr, 1,
                                SCMP_A0(SCMP_CMP_MASKED_EQ, r->val | 0x80000000u, r->val));
    }
    return -EINVAL;
}

static int build(const mi_config *c, uint32_t flags, scmp_filter_ctx *out, char *msg, size_t len)
{
    bool allow_list = c->has_allowed_syscalls;
    scmp_filter_ctx ctx = seccomp_init(allow_list ? SCMP_ACT_NOTIFY : SCMP_ACT_ALLOW);
    if (!ctx) {
        snprintf(msg, len, "seccomp_init failed");
        return -1;
    }
    /* A binary search over syscall numbers instead of a linear chain of compares: fewer BPF
     * instructions run on every syscall of the program, and the kernel's per-syscall cache of
     * constant verdicts (computed by emulating the filter for every number at load) is built
     * faster. */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (rc < 0) {
        snprintf(msg, len, "seccomp: cannot select the binary-tree layout: %s", strerror(-rc));
        goto fail;
    }
    if (flags & MI_SYSCALLS_NATIVE_ONLY) {
        /* i386 (int 0x80) and x32 (nr | 0x40000000) calls are a different syscall table the
         * native rules do not see (Firejail's x32 bypass): every such call is a violation. */
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_NOTIFY);
    } else if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
        /* Opt-in for 32-bit programs: the same rules, applied to the i386 and x32 tables too. */
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_NOTIFY);
        if (rc == 0)
            rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
        if (rc == 0)
            rc = seccomp_arch_add(ctx, SCMP_ARCH_X32);
    }
    if (rc < 0) {
        snprintf(msg, len, "seccomp: cannot set the architectures: %s", strerror(-rc));
        goto fail;
    }
    if (allow_list) {
        for (size_t i = 0; i < c->n_allowed_syscalls + sizeof exec_set / sizeof exec_set[0]; i++) {
            const char *name = i < c->n_allowed_syscalls ? c->allowed_syscalls[i]
                                                         : exec_set[i - c->n_allowed_syscalls];
            int nr = seccomp_syscall_resolve_name(name);
            if (nr == __NR_SCMP_ERROR) {
                snprintf(msg, len, "allowed_syscalls: unknown syscall '%s'", name);
                goto fail;
            }
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
            if (rc < 0 && rc != -EEXIST) {
                snprintf(msg, len, "seccomp: cannot allow %s: %s", name, strerror(-rc));
                goto fail;
            }
        }
    } else {
        for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
            const struct rule *r = &rules[i];
            if (r->group && !(flags & r->group))
                continue;
            int nr = seccomp_syscall_resolve_name(r->name);
            if (nr == __NR_SCMP_ERROR)
                continue; /* not a syscall of this architecture */
            rc = add_rule(ctx, r, nr);
            if (rc < 0) {
                snprintf(msg, len, "seccomp: rule for %s: %s", r->name, strerror(-rc));
                goto fail;
            }
        }
    }
    *out = ctx;
    return 0;
fail:
    seccomp_release(ctx);
    return -1;
}

static int compile(const mi_config *c, uint32_t flags, struct sock_fprog *prog, mi_error *err)
{
    char msg[512];
    scmp_filter_ctx ctx;
    if (build(c, flags, &ctx, msg, sizeof msg) < 0)
        return mi_fail(err, MI_ERR_PROCESS, 0, "%s", msg);
    /* libseccomp exports BPF only to a file descriptor: a memfd keeps it in memory. */
    int fd = memfd_create("mi-seccomp", MFD_CLOEXEC);
    int rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    struct stat st;
    if (rc == 0 && fstat(fd, &st) < 0)
        rc = -errno;
    size_t size = rc == 0 ? (size_t)st.st_size : 0;
    if (rc == 0 && (size == 0 || size % sizeof(struct sock_filter) || size / sizeof(struct sock_filter) > BPF_MAXINSNS))
        rc = -E2BIG;
    if (rc == 0 && !(prog->filter = malloc(size)))
        rc = -ENOMEM;
    if (rc == 0 && pread(fd, prog->filter, size, 0) != (ssize_t)size)
        rc = -EIO;
    if (fd >= 0)
        close(fd);
    if (rc < 0) {
        free(prog->filter);
        prog->filter = NULL;
        return mi_fail_errno(err, MI_ERR_PROCESS, -rc, "Cannot compile the syscall policy");
    }
    prog->len = (unsigned short)(size / sizeof(struct sock_filter));
    return 0;
}

/* The policy's identity: the program version (the rule table), the flags, the allow-list. */
static uint64_t policy_key(const mi_config *c, uint32_t flags)
{
    char head[64];
    snprintf(head, sizeof head, "%s/tree/%u/%d/", MI_VERSION, flags, c->has_allowed_syscalls);
    uint64_t h = MI_FNV_INIT;
    /* The rule table itself, not only the version: a rebuilt binary with changed rules must
     * never load a program cached by the old one. */
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const struct rule *r = &rules[i];
        uint64_t v[5] = {r->group, (uint64_t)r->act, (uint64_t)r->err, (uint64_t)r->cond, r->val};
        h = mi_fnv(mi_fnv(h, r->name, strlen(r->name)), v, sizeof v);
    }
    for (size_t i = 0; i <= c->n_allowed_syscalls; i++) {
        const char *p = i == 0 ? head : c->allowed_syscalls[i - 1];
        h = mi_fnv(mi_fnv(h, p, strlen(p)), ",", 1);
    }
    return h;
}

/* A cache file (seccomp-<key>.bpf in the box root, or seccomp.bpf in the box): the key, then
 * the BPF program.  Both directories are root's and the program cannot write there; a file
 * that is not root's own, or is writable by others, is ignored (a forged filter would be a
 * policy bypass). */
static bool cache_read(int dirfd, const char *name, uint64_t key, struct sock_fprog *prog)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    uint64_t k = 0;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
              !(st.st_mode & 022) && st.st_size > (off_t)sizeof k &&
              (size_t)(st.st_size - (off_t)sizeof k) % sizeof(struct sock_filter) == 0 &&
              (size_t)(st.st_size - (off_t)sizeof k) / sizeof(struct sock_filter) <= BPF_MAXINSNS &&
              pread(fd, &k, sizeof k, 0) == (ssize_t)sizeof k && k == key;
    size_t size = ok ? (size_t)st.st_size - sizeof k : 0;
    if (ok && (prog->filter = malloc(size)) != NULL &&
        pread(fd, prog->filter, size, sizeof k) == (ssize_t)size)
        prog->len = (unsigned short)(size / sizeof(struct sock_filter));
    else {
        free(prog->filter);
        prog->filter = NULL;
        ok = false;
    }
    close(fd);
    return ok;
}

int mi_seccomp_compile(const mi_config *c, const char *box_dir, struct sock_fprog *prog,
                       mi_error *err)
{
    prog->len = 0;
    prog->filter = NULL;
    uint32_t flags = mi_seccomp_flags(c);
    if (flags == 0 && !c->has_allowed_syscalls)
        return 0; /* isolate's "syscall_flags = 0": no filter at all */
    /* libseccomp's BPF generator costs ~0.3 ms; a box runs the same policy again and again,
     * and every box the same few policies (isolate's flags), whose programs are cached once for
     * all boxes in the box root.  An allow-list is the caller's own (any number of them): its
     * program is cached in the box and goes with it at --cleanup. */
    uint64_t key = policy_key(c, flags);
    char name[64];
    const char *dir = box_dir;
    snprintf(name, sizeof name, "seccomp.bpf");
    if (box_dir && !c->has_allowed_syscalls && c->host.box_root) {
        dir = c->host.box_root;
        snprintf(name, sizeof name, "seccomp-%016" PRIx64 ".bpf", key);
    }
    int dirfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    int rc = 0;
    if (dirfd < 0 || !cache_read(dirfd, name, key, prog)) {
        rc = compile(c, flags, prog, err);
        if (rc == 0 && dirfd >= 0)
            (void)mi_replace_file_at(dirfd, name, &key, sizeof key, prog->filter,
                                     prog->len * sizeof(struct sock_filter));
    }
    if (dirfd >= 0)
        close(dirfd);
    return rc;
}

int mi_seccomp_load(const struct sock_fprog *prog)
{
    /* The listener is how the keeper learns about violations from the kernel itself. */
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, prog);
    return fd < 0 ? -errno : (int)fd;
}

int mi_seccomp_read_violation(int listener, int *nr, char *name, size_t len)
{
    struct seccomp_notif *req;
    struct seccomp_notif_resp *resp;
    if (seccomp_notify_alloc(&req, &resp) < 0)
        return -1;
    int rc = seccomp_notify_receive(listener, req);
    if (rc == 0) {
        uint32_t arch = req->data.arch;
        *nr = req->data.nr;
        const char *tag = "";
        if (arch == SCMP_ARCH_X86_64 && (*nr & 0x40000000)) {
            arch = SCMP_ARCH_X32;
            tag = " [x32]";
        } else if (arch == SCMP_ARCH_X86)
            tag = " [i386]";
        else if (arch != seccomp_arch_native())
            tag = " [foreign arch]";
        char *n = seccomp_syscall_resolve_num_arch(arch, *nr);
        snprintf(name, len, "%s%s", n ? n : "unknown", tag);
        free(n);
    }
    seccomp_notify_free(req, resp);
    return rc == 0 ? 0 : -1;
}

int mi_seccomp_check_names(const mi_config *c, mi_error *err)
{
    for (size_t i = 0; i < c->n_allowed_syscalls; i++)
        if (seccomp_syscall_resolve_name(c->allowed_syscalls[i]) == __NR_SCMP_ERROR)
            return mi_fail(err, MI_ERR_CONFIG, EINVAL, "allowed_syscalls: unknown syscall '%s'",
                           c->allowed_syscalls[i]);
    return 0;
}

void mi_seccomp_report(FILE *out)
{
    const struct scmp_version *v = seccomp_version();
    unsigned api = seccomp_api_get();
    fprintf(out, "  seccomp: libseccomp %u.%u.%u, API level %u; user notification %s\n",
            v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, api,
            api >= 5 ? "yes (SecurityViolation names the syscall)"
                     : "NO: kernel or libseccomp too old, runs fail");
    size_t nv = 0, ne = 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        rules[i].act == VIOLATION ? nv++ : ne++;
    fprintf(out, "  default policy: %zu violation rules, %zu errno rules, native architecture "
                 "only (syscall_flags bit 16)\n", nv, ne);
    int abi = mi_landlock_abi();
    if (abi > 0)
        fprintf(out, "  Landlock: ABI %d: with --inherit-fds, writes are fenced to the read-write "
                     "rules\n", abi);
    else
        fprintf(out, "  Landlock: not available (%s): writes are fenced by mount flags only\n",
                strerror(-abi));
}

int mi_seccomp_parse_list(mi_config *c, const char *list, mi_error *err)
{
    char *copy = strdup(list), *save = NULL;
    if (!copy)
        return mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
        if (seccomp_syscall_resolve_name(t) == __NR_SCMP_ERROR) {
            rc = mi_fail(err, MI_ERR_CONFIG, EINVAL, "--allow-syscalls: unknown syscall '%s'", t);
            break;
        }
        char **n = realloc(c->allowed_syscalls, (c->n_allowed_syscalls + 1) * sizeof *n);
        char *d = strdup(t);
        if (!n || !d) {
            free(d);
            if (n)
                c->allowed_syscalls = n;
            rc = mi_fail(err, MI_ERR_CONFIG, ENOMEM, "out of memory");
            break;
        }
        c->allowed_syscalls = n;
        c->allowed_syscalls[c->n_allowed_syscalls++] = d;
    }
    free(copy);
    if (rc == 0)
        c->has_allowed_syscalls = true;
    return rc;
}
