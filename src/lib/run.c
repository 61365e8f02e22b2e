/* The keeper: starts the sandbox, supervises limits, collects what happened.
 *
 * Processes (see docs/design.md):
 *   keeper  the caller's process (root).  At prepare (mi_keeper_prepare) it sets up the
 *           cgroup and clones `init` into new PID, mount, IPC, UTS and (unless --share-net)
 *           network namespaces; at "go" (mi_keeper_go) it sends init the run spec, then waits
 *           on a socket, a timer, init's pidfd and the caller's signalfd.
 *   init    PID 1 of the box's PID namespace, root, outside the box cgroup.  Builds the mount
 *           tree (mounts.c) and says "ready"; on "go" forks the program, passes its pidfd to the
 *           keeper, reaps every process of the namespace and reports the program's wait status
 *           and rusage.  When init exits, the kernel kills whatever is left in the namespace.
 *   program the box user, cloned with init's memory (CLONE_VM | CLONE_VFORK) until execve():
 *           enters the box cgroup, rlimits, redirections, environment, then execve().
 * Messages go over one SOCK_SEQPACKET socket pair; the program's copy is close-on-exec. */
#include "box.h"
#include "internal.h"
#include "landlock.h"
#include "mounts.h"
#include "rlimits.h"
#include "runspec.h"
#include "seccomp_policy.h"
#include "verdict.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <dirent.h>
#include <linux/keyctl.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

extern char **environ;

/* MSG_READY: init has built the box and waits for MSG_GO (keeper -> init: the run spec's memfd,
 * runspec.c), then MSG_FDS messages with the descriptors of the run's fd_map (at most FDS_PER_MSG
 * each).  MSG_SECCOMP carries the syscall policy's user-notification listener (program -> keeper);
 * MSG_TREE the mount namespace of a freshly built tree, for the keeper to keep for the box's
 * later runs; MSG_NET a fresh network namespace for the box's next run; MSG_PROC a procfs of
 * the box's PID namespace (init -> keeper).  MSG_NEXT (keeper -> a resident init, after
 * MSG_EXITED): the caller is done with the run; init renews the box, then says MSG_READY. */
enum { MSG_STARTED = 1, MSG_EXITED, MSG_ERROR, MSG_SECCOMP, MSG_TREE, MSG_NET, MSG_PROC,
       MSG_READY, MSG_GO, MSG_FDS, MSG_RUNFDS, MSG_NEXT };
/* MSG_RUNFDS (keeper -> init, after MSG_GO): the run's capture pipes' write ends (slots 0, 1)
 * and its cgroup descriptors (slots 2..; mi_cg_run_fds); msg.pid is the mask of the slots
 * sent, in slot order. */
#define RUNFD_SLOTS (2 + MI_CG_RUN_FDS)
#define FDS_PER_MSG 64

struct msg {
    int type;
    int wstatus;
    pid_t pid; /* MSG_STARTED: the program's PID in the box's namespace */
    struct rusage ru;
    char text[1024];
};

static pid_t clone3_into(uint64_t flags, int *pidfd, int cgfd)
{
    struct clone_args a;
    memset(&a, 0, sizeof a);
    a.flags = flags;
    a.exit_signal = SIGCHLD;
    if (pidfd) {
        a.flags |= CLONE_PIDFD;
        a.pidfd = (uint64_t)(uintptr_t)pidfd;
    }
    if (cgfd >= 0) {
        a.flags |= CLONE_INTO_CGROUP;
        a.cgroup = (uint64_t)(unsigned)cgfd;
    }
    return (pid_t)syscall(SYS_clone3, &a, sizeof a);
}

/* A message with n (<= FDS_PER_MSG) descriptors. */
static int send_msg_fds(int sk, const struct msg *m, const int *fds, size_t n)
{
    struct iovec iov = {(void *)m, sizeof *m};
    union {
        char buf[CMSG_SPACE(FDS_PER_MSG * sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (n > 0) {
        mh.msg_control = u.buf;
        mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        if (!cm)
            return -1;
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(n * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
    }
    ssize_t r;
    while ((r = sendmsg(sk, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return r == (ssize_t)sizeof *m ? 0 : -1;
}

static int send_msg(int sk, const struct msg *m, int fd)
{
    return send_msg_fds(sk, m, &fd, fd >= 0 ? 1 : 0);
}

/* Blocking: one message and its descriptors (close-on-exec); the count, or -1 (peer gone). */
static int recv_msg_fds(int sk, struct msg *m, int *fds, size_t max)
{
    union {
        char buf[CMSG_SPACE(FDS_PER_MSG * sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {m, sizeof *m};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf};
    ssize_t r;
    while ((r = recvmsg(sk, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (r != (ssize_t)sizeof *m)
        return -1;
    size_t n = 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
            if (n < max)
                fds[n++] = fd;
            else
                close(fd);
        }
    }
    return (int)n;
}

static void send_error(int sk, const char *fmt, ...) MI_PRINTF(2, 3);
static void send_error(int sk, const char *fmt, ...)
{
    struct msg m;
    memset(&m, 0, sizeof m);
    m.type = MSG_ERROR;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m.text, sizeof m.text, fmt, ap);
    va_end(ap);
    send_msg(sk, &m, -1);
}

/* ------------------------------------------------------------------ the program */

static void free_env(char **env)
{
    for (char **e = env; e && *e; e++)
        free(*e);
    free(env);
}

/* The program's environment (isolate's rules), built by the keeper; every string is owned.
 * NULL if out of memory. */
static char **build_env(const mi_config *c)
{
    size_t cap = 8 + c->n_env;
    if (c->full_env)
        for (char **e = environ; *e; e++)
            cap++;
    char **env = calloc(cap, sizeof *env);
    if (!env)
        return NULL;
    size_t n = 0;
    bool ok = true;
    if (c->full_env)
        for (char **e = environ; ok && *e; e++)
            ok = (env[n++] = strdup(*e)) != NULL;
    /* one rule: set (or with value NULL inherit, or "" remove) name */
    struct {
        const char *name, *value;
    } builtin = {"LIBC_FATAL_STDERR_", "1"};
    for (size_t i = 0; ok && i <= c->n_env; i++) {
        const char *name = i == 0 ? builtin.name : c->env[i - 1].name;
        const char *value = i == 0 ? builtin.value : c->env[i - 1].value;
        size_t nl = strlen(name);
        for (size_t j = 0; j < n; j++)
            if (!strncmp(env[j], name, nl) && env[j][nl] == '=') {
                free(env[j]);
                memmove(&env[j], &env[j + 1], (n - j - 1) * sizeof *env);
                env[--n] = NULL;
                break;
            }
        bool inherit = !value;
        if (inherit)
            value = getenv(name);
        if (!value || (!inherit && !*value)) /* "" removes; an inherited empty value stays */
            continue;
        char *kv;
        ok = asprintf(&kv, "%s=%s", name, value) >= 0;
        if (ok)
            env[n++] = kv;
    }
    if (!ok) {
        free_env(env);
        return NULL;
    }
    return env;
}

static int redirect(int target, const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    if (dup2(fd, target) < 0)
        return -1;
    close(fd);
    return 0;
}

/* c->fd_map: every source is first moved above the targets (and so is the socket to the keeper),
 * so that no dup2() below closes a descriptor still needed.  0, or -1 with *what set. */
static int apply_fd_map(const mi_config *c, int *sk, int *src, const char **what)
{
    int n = (int)c->n_fd_map;
    if (n == 0)
        return 0;
    *what = "move the keeper's socket";
    int nsk = fcntl(*sk, F_DUPFD_CLOEXEC, n);
    if (nsk < 0)
        return -1;
    close(*sk);
    *sk = nsk;
    *what = "fd_map";
    for (int i = 0; i < n; i++) {
        struct stat st;
        src[i] = -1;
        if (c->fd_map[i] < 0)
            continue;
        /* A directory descriptor would let the program walk the host tree from outside its
         * mount namespace (runc CVE-2024-21626). */
        if (fstat(c->fd_map[i], &st) == 0 && S_ISDIR(st.st_mode))
            errno = EISDIR;
        else if ((src[i] = fcntl(c->fd_map[i], F_DUPFD_CLOEXEC, n)) >= 0)
            continue;
        return -1; /* the program never runs: the process exits with what it holds */
    }
    for (int i = 0; i < n; i++)
        if (src[i] >= 0 && (dup2(src[i], i) < 0 || close(src[i]) < 0))
            return -1;
    return 0;
}

/* What init hands the program's process (program_main). */
struct spawn {
    const mi_config *c;
    char **env;
    const mi_cgroup *cg;
    int sk;
    const int *cap_w;
    const struct sock_fprog *filter;
    int *scratch; /* c->n_fd_map ints for apply_fd_map, allocated by init */
};

/* The program's process until execve.  It shares init's memory (CLONE_VM | CLONE_VFORK: no copy
 * of init's page tables, no copy-on-write faults in init afterwards; init waits meanwhile), so
 * it only makes system calls and writes its own stack: no malloc, no stdio.  A process killed
 * here in the middle of malloc would leave init's heap locked.  Once it is the box uid it still
 * holds root's (init's) memory until execve, but nothing can reach it: the uid change made it
 * non-dumpable (no ptrace, no /proc/PID/mem), and no other process of the box exists yet. */
static __attribute__((noreturn)) void program_main(const struct spawn *sp)
{
    const mi_config *c = sp->c;
    char **env = sp->env;
    const mi_cgroup *cg = sp->cg;
    int sk = sp->sk;
    const int *cap_w = sp->cap_w;
    const struct sock_fprog *filter = sp->filter;
    uid_t uid = mi_run_uid(c);
    gid_t gid = mi_run_gid(c);
    const char *which = NULL;
    int r;
    if (cg && (r = mi_cg_attach_self(cg)) < 0) {
        send_error(sk, "Cannot enter the box cgroup: %s", strerror(-r));
        _exit(126);
    }
    /* A new session has no controlling terminal: TIOCSTI into the caller's tty is impossible. */
    if (setsid() < 0) {
        send_error(sk, "setsid: %s", strerror(errno));
        _exit(126);
    }
    if ((r = mi_rlimits_apply(c, &which)) < 0) {
        send_error(sk, "setrlimit(%s): %s", which, strerror(-r));
        _exit(126);
    }
    /* A new, empty session keyring: the keeper's (with whatever keys the judge keeps there) is
     * not the program's to read when a relaxed policy allows keyctl.  Made while still root,
     * so a key quota the box uid filled cannot make it fail. */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0L, 0L, 0L) < 0 && errno != ENOSYS) {
        send_error(sk, "Cannot give the program its own session keyring: %s", strerror(errno));
        _exit(126);
    }
    /* No supplementary groups, one uid per box: nothing shared with the host or other boxes. */
    if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
        send_error(sk, "Cannot switch to uid %u: %s", (unsigned)uid, strerror(errno));
        _exit(126);
    }
    if (chdir("/box") < 0) {
        send_error(sk, "chdir(\"/box\"): %s", strerror(errno));
        _exit(126);
    }
    if (c->stdin_path && redirect(0, c->stdin_path, O_RDONLY) < 0) {
        send_error(sk, "open(\"%s\"): %s", c->stdin_path, strerror(errno));
        _exit(126);
    }
    if (c->stdout_path && redirect(1, c->stdout_path, O_WRONLY | O_CREAT | O_TRUNC) < 0) {
        send_error(sk, "open(\"%s\"): %s", c->stdout_path, strerror(errno));
        _exit(126);
    }
    /* --json capture: the keeper's pipes become stdout/stderr where no file was named. */
    if (cap_w[0] >= 0 && dup2(cap_w[0], 1) < 0) {
        send_error(sk, "dup2: %s", strerror(errno));
        _exit(126);
    }
    if (c->stderr_to_stdout) {
        if (dup2(1, 2) < 0) {
            send_error(sk, "dup2: %s", strerror(errno));
            _exit(126);
        }
    } else if (c->stderr_path && redirect(2, c->stderr_path, O_WRONLY | O_CREAT | O_TRUNC) < 0) {
        send_error(sk, "open(\"%s\"): %s", c->stderr_path, strerror(errno));
        _exit(126);
    } else if (cap_w[1] >= 0 && dup2(cap_w[1], 2) < 0) {
        send_error(sk, "dup2: %s", strerror(errno));
        _exit(126);
    }
    if (c->chdir && chdir(c->chdir) < 0) {
        send_error(sk, "chdir(\"%s\"): %s", c->chdir, strerror(errno));
        _exit(126);
    }
    const char *what = NULL;
    if (apply_fd_map(c, &sk, sp->scratch, &what) < 0) {
        send_error(sk, "%s: %s", what, strerror(errno));
        _exit(126);
    }
    /* Descriptors the caller did not mean to pass (a host directory fd would let the program
     * walk the host tree: runc CVE-2024-21626) are closed at exec. */
    if (!c->inherit_fds && syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        send_error(sk, "close_range: %s", strerror(errno));
        _exit(126);
    }
    for (size_t i = 3; i < c->n_fd_map; i++)
        if (c->fd_map[i] >= 0 && fcntl((int)i, F_SETFD, 0) < 0) {
            send_error(sk, "fd_map: %s", strerror(errno));
            _exit(126);
        }
    /* No privilege gain through exec (setuid files are also on nosuid mounts). */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        send_error(sk, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
        _exit(126);
    }
    /* The keeper blocks the signals it reads through its signalfd and ignores SIGPIPE/SIGUSR*;
     * both the mask and ignored dispositions survive fork and execve.  The program must start
     * clean, or its own abort() or a write to a closed pipe would not kill it. */
    sigset_t none;
    sigemptyset(&none);
    for (int s = 1; s < NSIG; s++)
        signal(s, SIG_DFL); /* fails harmlessly for SIGKILL, SIGSTOP and unused numbers */
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Writes fenced by path as well as by mount flags (needs no_new_privs, set above). */
    if ((r = mi_landlock_apply(c, &what)) < 0) {
        send_error(sk, "%s: %s", what, strerror(-r));
        _exit(126);
    }
    if ((r = mi_rlimits_apply_late(c)) < 0) {
        send_error(sk, "setrlimit(RLIMIT_AS): %s", strerror(-r));
        _exit(126);
    }
    /* The syscall policy (seccomp, compiled by the keeper), last before exec.  The listener
     * goes to the keeper before execve and is closed here (it is also close-on-exec): the
     * program never holds it, so it cannot answer its own notifications.  If the keeper cannot
     * get it, the program must not run: its violations would go unseen. */
    if (filter->len) {
        int listener = mi_seccomp_load(filter);
        if (listener < 0) {
            send_error(sk, "Cannot install the syscall policy: %s", strerror(-listener));
            _exit(126);
        }
        struct msg sm;
        memset(&sm, 0, sizeof sm);
        sm.type = MSG_SECCOMP;
        if (send_msg(sk, &sm, listener) < 0)
            _exit(126);
        close(listener);
    }
    execve(c->argv[0], c->argv, env);
    /* isolate reports a failed exec as the program's own failure: RE, exit code 127. */
    char line[4200];
    int len = snprintf(line, sizeof line, "execve(\"%s\"): %s\n", c->argv[0], strerror(errno));
    if (len > 0 && write(2, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1) < 0)
        _exit(127);
    _exit(127);
}

/* AddressSanitizer keeps state about the stack each thread runs on and poisons the frames of
 * every instrumented function there: a child that shares init's memory on a stack of its own,
 * and never returns from it, leaves that state wrong for the next run (warnings on the program's
 * stderr, false reports that abort it).  Sanitized builds fork the program instead: same
 * program_main, only init's memory is copied, not shared. */
#if defined(__SANITIZE_ADDRESS__)
#define PROGRAM_SHARES_MEMORY 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROGRAM_SHARES_MEMORY 0
#endif
#endif
#ifndef PROGRAM_SHARES_MEMORY
#define PROGRAM_SHARES_MEMORY 1
#endif

#if PROGRAM_SHARES_MEMORY
static int program_entry(void *arg)
{
    program_main(arg);
}

/* The program's stack while it shares init's memory (program_main uses a few KiB). */
static char program_stack[256 << 10] __attribute__((aligned(64)));
#endif

/* Starts the program's process from init: its PID (the child never returns from here), or -1
 * with errno. */
static pid_t start_program(struct spawn *sp, int *pidfd)
{
#if PROGRAM_SHARES_MEMORY
    return clone(program_entry, program_stack + sizeof program_stack,
                 CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, sp, pidfd);
#else
    pid_t pid = clone3_into(0, pidfd, -1);
    if (pid == 0)
        program_main(sp);
    return pid;
#endif
}

/* ------------------------------------------------------------------ init (PID 1) */

/* A procfs instance of the box's PID namespace (fsopen takes init's active namespace), not
 * attached anywhere and never seen by the program: init sets the box's sysctls through it, the
 * keeper reads the CPU time of every process of the box through it, whatever the box's own
 * rules mount.  -1 if the kernel has no new mount API. */
static int box_procfs(void)
{
    int fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -1;
    int m = -1;
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                         MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    close(fs);
    return m;
}

/* The box's procfs: vm.memfd_noexec set through it, then handed to the keeper.  Exits on a
 * failure that would leave the box weaker than documented. */
static int init_procfd = -1; /* init's own copy, for a resident init's ns_last_pid */

static void init_procfs(int sk, bool resident)
{
    int procfd = box_procfs();
    /* Executing a memfd (execveat AT_EMPTY_PATH, or execve of /proc/self/fd/N) would run a
     * binary from no mount at all, past every noexec rule.  vm.memfd_noexec is per PID
     * namespace and can only be raised: 2 makes every memfd of the box non-executable
     * (kernel >= 6.3; older ones have no such file: docs/security.md).  Written through the
     * box's own procfs, so a read-only /proc of the host's does not stand in the way; it
     * applies to the writer's PID namespace, the box's. */
    int mfd = procfd >= 0 ? openat(procfd, "sys/vm/memfd_noexec", O_WRONLY | O_CLOEXEC) : -1;
    if (procfd >= 0 && mfd < 0 && errno != ENOENT) {
        send_error(sk, "Cannot set vm.memfd_noexec in the box: %s", strerror(errno));
        _exit(1);
    }
    if (mfd >= 0) {
        if (write(mfd, "2", 1) != 1) {
            send_error(sk, "Cannot set vm.memfd_noexec in the box: %s", strerror(errno));
            _exit(1);
        }
        close(mfd);
    }
    if (procfd >= 0) {
        struct msg pm;
        memset(&pm, 0, sizeof pm);
        pm.type = MSG_PROC;
        send_msg(sk, &pm, procfd);
        if (resident)
            init_procfd = procfd;
        else
            close(procfd);
    }
}

/* The network namespace of the box's next run, made while this one runs (init only waits; the
 * program already has its own namespace) so that a fresh namespace per run costs no time on
 * the run's path.  Sent to the keeper, which binds it on <box>/netns.  On failure the next run
 * makes its own. */
static void make_next_netns(int sk)
{
    mi_error err;
    if (unshare(CLONE_NEWNET) < 0 || mi_net_loopback_up(&err) < 0)
        return;
    int nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (nsfd < 0)
        return;
    struct msg m;
    memset(&m, 0, sizeof m);
    m.type = MSG_NET;
    send_msg(sk, &m, nsfd);
    close(nsfd);
}

/* The program has ended: so does everything it started.  Killing and reaping them here (the
 * kernel would kill them when init exits, but reap them into nobody's rusage) puts the CPU time
 * of a child that never exits -- it may have computed the answer and handed it back -- into
 * init's RUSAGE_CHILDREN, which is the run's CPU time without --cg. */
static void add_rusage(struct rusage *sum, const struct rusage *ru)
{
    timeradd(&sum->ru_utime, &ru->ru_utime, &sum->ru_utime);
    timeradd(&sum->ru_stime, &ru->ru_stime, &sum->ru_stime);
    if (ru->ru_maxrss > sum->ru_maxrss)
        sum->ru_maxrss = ru->ru_maxrss;
    sum->ru_minflt += ru->ru_minflt;
    sum->ru_majflt += ru->ru_majflt;
    sum->ru_nvcsw += ru->ru_nvcsw;
    sum->ru_nivcsw += ru->ru_nivcsw;
}

/* This run's RUSAGE_CHILDREN, summed from each reaped process: a resident init's own
 * RUSAGE_CHILDREN would hold every earlier run too. */
static void reap_all(struct rusage *sum)
{
    kill(-1, SIGKILL); /* from PID 1: every other process of the namespace */
    for (;;) {
        struct rusage ru;
        pid_t p = wait4(-1, NULL, __WALL, &ru);
        if (p < 0 && errno == EINTR)
            continue;
        if (p < 0)
            return; /* ECHILD: nothing of the box is left */
        add_rusage(sum, &ru);
    }
}

/* The box's mount tree: enter the kept one (treefd), or build it; then, in a private copy, the
 * mounts that are new in every run (mounts.c). */
static int init_tree(const mi_config *c, const char *box_dir, int sk, int treefd, bool keep,
                     mi_error *err)
{
    if (treefd >= 0) {
        int rc = setns(treefd, CLONE_NEWNS);
        close(treefd);
        if (rc < 0 || unshare(CLONE_NEWNS) < 0)
            return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot enter the box's mount tree");
        return mi_mounts_per_run(c, err);
    }
    int nsfd = keep ? open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC) : -1;
    if (nsfd < 0) /* nothing to keep (or no /proc to name it by): built whole for this run */
        return mi_mounts_setup(c, box_dir, false, err);
    int rc = mi_mounts_setup(c, box_dir, true, err);
    if (rc == 0) {
        struct msg m;
        memset(&m, 0, sizeof m);
        m.type = MSG_TREE;
        send_msg(sk, &m, nsfd);
        if (unshare(CLONE_NEWNS) < 0)
            rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot copy the box's mount tree");
    }
    close(nsfd);
    return rc == 0 ? mi_mounts_per_run(c, err) : -1;
}

/* Init with the run known: the program is cloned into the box cgroup, then init reaps every
 * process of the namespace and reports the program's end.  A one-run init exits then; a
 * resident one returns, to serve the next run. */
static void init_run(const mi_config *c, char **env, const mi_cgroup *cg, int sk, int cap_w[2],
                     const struct sock_fprog *filter, bool resident)
{
    const char *what = NULL;
    int r = cg ? 0 : mi_cpuset_apply_self(c, &what);
    if (r < 0) {
        send_error(sk, "%s: %s", what, strerror(-r));
        _exit(1);
    }
    int pidfd = -1;
    struct spawn sp = {c, env, cg, sk, cap_w, filter, calloc(c->n_fd_map + 1, sizeof(int))};
    /* The program moves itself into the box cgroup first (mi_cg_attach_self): nothing of it
     * runs outside before.  (clone3's CLONE_INTO_CGROUP would save that write, but clone3
     * cannot start a child on a stack of its own, which CLONE_VM needs.) */
    pid_t child = sp.scratch ? start_program(&sp, &pidfd) : -1;
    free(sp.scratch);
    if (child < 0) {
        send_error(sk, "Cannot start the program: %s", strerror(errno));
        _exit(1);
    }
    /* Only the program's processes hold its pipes: a resident init keeping a copy would hold
     * an interactor's or a collector's pipe open after the run (no EOF, ever). */
    for (int i = 0; i < 2; i++)
        if (cap_w[i] >= 0)
            close(cap_w[i]);
    for (size_t i = 0; i < c->n_fd_map; i++)
        if (c->fd_map[i] >= 0)
            close(c->fd_map[i]);
    struct msg m;
    memset(&m, 0, sizeof m);
    m.type = MSG_STARTED;
    m.pid = child;
    send_msg(sk, &m, pidfd);
    close(pidfd);
    if (!c->share_net && !resident)
        make_next_netns(sk);
    struct rusage sum;
    memset(&sum, 0, sizeof sum);
    for (;;) {
        int st;
        struct rusage ru;
        pid_t p = wait4(-1, &st, WUNTRACED | __WALL, &ru);
        if (p < 0 && errno == EINTR)
            continue;
        if (p < 0)
            _exit(1);
        if (!WIFSTOPPED(st))
            add_rusage(&sum, &ru);
        if (p != child)
            continue;
        /* A stopped program never ends by itself.  isolate does not look (it waits without
         * WUNTRACED): the program stays stopped until the wall-clock limit kills it (TO), and
         * without -w isolate hangs forever.  Under -w we do the same (the keeper's timer ends
         * it); without -w nothing would, so it is killed now and reported as stopped. */
        if (WIFSTOPPED(st) && c->wall_time_limit > 0)
            continue;
        if (WIFSTOPPED(st))
            kill(child, SIGKILL);
        memset(&m, 0, sizeof m);
        m.type = MSG_EXITED;
        m.wstatus = st;
        if (WIFSTOPPED(st)) {
            while (wait4(child, NULL, __WALL, &ru) < 0 && errno == EINTR)
                ;
            add_rusage(&sum, &ru);
        }
        reap_all(&sum);
        m.ru = sum;
        send_msg(sk, &m, -1);
        if (!resident)
            _exit(0);
        return;
    }
}

/* What a run can leave in its network namespace shows in these files (init's network namespace,
 * through the box's procfs): any packet at all in the interface counters (lo is the only
 * interface), a refused or failed attempt in the protocol counters, a socket that outlived its
 * processes in the Unix table (a TCP socket can only outlive them after packets).  While they
 * read as when the namespace was new, the runs did not touch the network, and the namespace
 * serves the next run too: renewing it costs more than a run of /bin/true (docs/benchmarks.md). */
static const char *const net_traces[] = {"self/net/dev", "self/net/snmp", "self/net/snmp6",
                                         "self/net/netstat", "self/net/unix"};
#define NET_TRACES (sizeof net_traces / sizeof net_traces[0])
#define NET_SNAP_MAX (32u << 10)
struct net_snap {
    char data[NET_TRACES][NET_SNAP_MAX];
    ssize_t len[NET_TRACES]; /* -1: the file does not exist (no IPv6) */
};
static struct net_snap net_fresh, net_now;
static bool net_fresh_ok;

/* false if a file could not be read whole (then the namespace is renewed). */
static bool net_snapshot(struct net_snap *s)
{
    for (size_t i = 0; i < NET_TRACES; i++) {
        int fd = init_procfd >= 0 ? openat(init_procfd, net_traces[i], O_RDONLY | O_CLOEXEC) : -1;
        s->len[i] = -1;
        if (fd < 0 && (init_procfd < 0 || errno != ENOENT))
            return false;
        for (size_t len = 0; fd >= 0;) {
            ssize_t n = read(fd, s->data[i] + len, NET_SNAP_MAX - len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0 || len + (size_t)n >= NET_SNAP_MAX) {
                close(fd);
                if (n != 0)
                    return false; /* an error, or more than we keep */
                s->len[i] = (ssize_t)len;
                break;
            }
            len += (size_t)n;
        }
    }
    return true;
}

static void net_remember(void)
{
    net_fresh_ok = net_snapshot(&net_fresh);
}

static bool net_untouched(void)
{
    if (!net_fresh_ok || !net_snapshot(&net_now))
        return false;
    for (size_t i = 0; i < NET_TRACES; i++)
        if (net_now.len[i] != net_fresh.len[i] ||
            (net_now.len[i] > 0 &&
             memcmp(net_now.data[i], net_fresh.data[i], (size_t)net_now.len[i]) != 0))
            return false;
    return true;
}

/* Init's part before the run is known: sysctls, hostname, network namespace, mount tree.
 * Exits (after telling the keeper why) on a failure. */
static void init_build(const mi_config *c, const char *box_dir, int sk, int netfd, int treefd,
                       bool keep_tree, bool resident)
{
    mi_error err;
    signal(SIGPIPE, SIG_IGN);
    init_procfs(sk, resident);
    if (sethostname("mini-isolate", 12) < 0) {
        send_error(sk, "sethostname: %s", strerror(errno));
        _exit(1);
    }
    /* A network namespace no run has used: the one made during the box's previous run (the
     * keeper has already unbound it: it serves this run only), or else a fresh one from
     * clone3.  A kept namespace would carry state from run to run: TIME_WAIT sockets in
     * /proc/net/tcp, socket counters, neighbour entries encode what an earlier run did. */
    if (netfd >= 0 && setns(netfd, CLONE_NEWNET) < 0) {
        send_error(sk, "Cannot enter the box's network namespace: %s", strerror(errno));
        _exit(1);
    }
    if (netfd >= 0)
        close(netfd);
    else if (!c->share_net && mi_net_loopback_up(&err) < 0) {
        send_error(sk, "%s", err.msg);
        _exit(1);
    }
    if (resident && !c->share_net)
        net_remember();
    int rc = resident ? mi_mounts_setup(c, box_dir, true, &err) : 0;
    if (resident && rc == 0)
        rc = mi_mounts_per_run(c, &err);
    if (!resident)
        rc = init_tree(c, box_dir, sk, treefd, keep_tree, &err);
    if (rc < 0) {
        send_error(sk, "%s", err.msg);
        _exit(1);
    }
}

/* A resident init between two runs: nothing of the last run may reach the next.  Its
 * processes are gone (reap_all); what else it could have changed lives in the IPC namespace
 * (SysV objects, POSIX queues), the network namespace (sockets in TIME_WAIT, counters), the
 * per-run filesystems (a file in /dev/shm) and the next PID numbers: all made new here. */
static int init_reset(const mi_config *c, mi_error *err)
{
    bool net = !c->share_net && !net_untouched();
    if (unshare(CLONE_NEWIPC | (net ? CLONE_NEWNET : 0)) < 0)
        return mi_fail_errno(err, MI_ERR_PROCESS, errno, "Cannot renew the box's namespaces");
    if (net && mi_net_loopback_up(err) < 0)
        return -1;
    if (net)
        net_remember();
    /* The next program is PID 2 again, as in a fresh namespace: its PID must not tell how many
     * processes the runs before it started. */
    int fd = init_procfd >= 0 ? openat(init_procfd, "sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC)
                              : -1;
    bool ok = fd >= 0 && write(fd, "1", 1) == 1;
    if (fd >= 0)
        close(fd);
    if (!ok)
        return mi_fail_errno(err, MI_ERR_PROCESS, errno, "Cannot reset the box's PID numbers");
    return mi_mounts_per_run_again(c, err);
}

/* The keeper's "go": the run's part of the configuration over init's prepare-time copy *rc
 * (runspec.c), the environment, which capture pipes the program gets, and the descriptors of
 * its fd_map.  -1 if the keeper is gone (the prepared run was dropped) or sent no valid spec. */
static int init_wait_go(int sk, mi_config *rc, char ***env, bool capture[2],
                        struct mi_runspec_map *spec, int runfd[RUNFD_SLOTS])
{
    struct msg m;
    int fd = -1, *map;
    size_t want;
    if (recv_msg_fds(sk, &m, &fd, 1) != 1 || m.type != MSG_GO)
        return -1;
    int r = mi_runspec_read(fd, rc, env, capture, &map, &want, spec);
    close(fd);
    if (r < 0)
        return -1;
    int got[RUNFD_SLOTS], nr = recv_msg_fds(sk, &m, got, RUNFD_SLOTS);
    if (nr < 0 || m.type != MSG_RUNFDS)
        return -1;
    for (int i = 0, k = 0; i < RUNFD_SLOTS; i++)
        runfd[i] = (m.pid & (1 << i)) && k < nr ? got[k++] : -1;
    size_t next = 0;
    while (want > 0) {
        int fds[FDS_PER_MSG];
        int n = recv_msg_fds(sk, &m, fds, FDS_PER_MSG);
        if (n <= 0 || m.type != MSG_FDS || (size_t)n > want)
            return -1;
        for (int i = 0; i < n; i++) {
            while (map[next] != -2)
                next++;
            map[next] = fds[i];
        }
        want -= (size_t)n;
    }
    return 0;
}

static int by_fd(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Init is cloned from the keeper's process, which may hold anything then: a server's result
 * pipe, a client's descriptors, a request's files (a run prepared again in the middle of a
 * request).  A resident init lives on after that request: a pipe end it kept would never let
 * its reader see EOF.  Init keeps stdio, its socket, the namespaces it enters and the cgroup
 * descriptors it replaces at "go"; the rest is closed. */
static void init_close_inherited(int sk, int netfd, int treefd, const mi_cgroup *cg)
{
    int keep[6 + MI_CG_RUN_FDS] = {0, 1, 2, sk, netfd, treefd};
    size_t n = 6;
    if (cg) {
        mi_cg_run_fds(cg, keep + 6);
        n += MI_CG_RUN_FDS;
    }
    qsort(keep, n, sizeof *keep, by_fd);
    int next = 0;
    for (size_t i = 0; i < n; i++) {
        if (keep[i] < next)
            continue; /* -1, or a duplicate */
        if (keep[i] > next)
            syscall(SYS_close_range, (unsigned)next, (unsigned)keep[i] - 1, 0U);
        next = keep[i] + 1;
    }
    syscall(SYS_close_range, (unsigned)next, ~0U, 0U);
}

static __attribute__((noreturn)) void init_main(const mi_config *c, const char *box_dir,
                                                mi_cgroup *cg, int sk,
                                                const struct sock_fprog *filter, int netfd,
                                                int treefd, bool keep_tree, bool resident)
{
    /* If the keeper dies, the box dies with it: nothing may run unsupervised. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct pollfd hup = {sk, POLLOUT, 0};
    if (poll(&hup, 1, 0) < 0 || (hup.revents & (POLLHUP | POLLERR)))
        _exit(1);
    if (!c->inherit_fds) /* --inherit-fds: the caller's descriptors are the program's */
        init_close_inherited(sk, netfd, treefd, cg);
    init_build(c, box_dir, sk, netfd, treefd, keep_tree, resident);
    for (;;) {
        struct msg m;
        memset(&m, 0, sizeof m);
        m.type = MSG_READY;
        send_msg(sk, &m, -1);
        mi_config rc = *c;
        char **env = NULL;
        bool capture[2];
        struct mi_runspec_map spec = {NULL, 0};
        int runfd[RUNFD_SLOTS];
        if (init_wait_go(sk, &rc, &env, capture, &spec, runfd) < 0)
            _exit(1); /* nothing ran (or the keeper let the box go): the namespace goes */
        if (cg)
            mi_cg_adopt_fds(cg, runfd + 2);
        else
            for (int i = 2; i < RUNFD_SLOTS; i++)
                if (runfd[i] >= 0)
                    close(runfd[i]);
        int cap_w[2] = {capture[0] ? runfd[0] : -1, capture[1] ? runfd[1] : -1};
        for (int i = 0; i < 2; i++)
            if (!capture[i] && runfd[i] >= 0)
                close(runfd[i]);
        init_run(&rc, env, cg, sk, cap_w, filter, resident);
        /* The renewal waits for the keeper's word (mi_keeper_next), so that it does not take
         * the CPU from the keeper while the caller is waiting for the run's outcome.  Nothing
         * of the run is left to act meanwhile: its processes are all reaped. */
        struct msg next;
        if (recv_msg_fds(sk, &next, NULL, 0) < 0 || next.type != MSG_NEXT)
            _exit(1);
        mi_runspec_release(&rc, env, &spec);
        mi_error err;
        if (init_reset(c, &err) < 0) {
            send_error(sk, "%s", err.msg);
            _exit(1);
        }
    }
}

/* ------------------------------------------------------------------ the keeper */

static double tv(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

/* PID of a pidfd's process in our namespace (from /proc/self/fdinfo). */
static pid_t pidfd_pid(int pidfd)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
    if (mi_read_file(path, buf, sizeof buf) < 0)
        return -1;
    char *p = strstr(buf, "\nPid:");
    return p ? (pid_t)atoi(p + 5) : -1;
}

struct keeper {
    const mi_config *c;
    mi_cgroup *cg;
    const char *box_dir;
    uint64_t tree_key; /* of the tree this run builds and keeps (0: none) */
    int sk, initfd, timerfd;
    pid_t init_pid;
    int prog_fd;
    pid_t prog_pid;
    pid_t prog_box_pid; /* the program's PID in the box's namespace */
    int procfd;         /* procfs of the box's PID namespace (box_procfs), -1 if none */
    clockid_t prog_clock;
    bool have_clock;
    double start, end;
    double last_cpu;
    bool exited;
    struct msg exit_msg;
    bool killing;
    bool sk_closed;
    int notify_fd; /* seccomp user-notification listener, -1 until the program sends it */
    mi_evidence ev;
    /* --json capture of stdout [0] and stderr [1]: read end (non-blocking), buffer */
    int cap_fd[2];
    int cap_w[2];   /* their write ends, until init has its copy */
    int init_sk;    /* init's end of the message socket, until init has its copy */
    uint64_t key;   /* of the box's kept tree, if any */
    char *cap_buf[2];
    size_t cap_len[2], cap_size[2];
    bool ready;     /* init has built the box and waits for "go" */
    bool resident;  /* init serves run after run (mi_keeper_next between them) */
    bool reaped;    /* init's wait status is collected */
    bool went;      /* "go" sent, since the prepare or the last mi_keeper_next */
    mi_cg_limits lim; /* the cgroup limits set (cpus, mems: copies) */
};

static int pidfd_signal(int fd, int sig)
{
    return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}

static void kill_box(struct keeper *k)
{
    if (k->killing)
        return;
    k->killing = true;
    if (k->prog_fd >= 0)
        pidfd_signal(k->prog_fd, SIGKILL);
    /* Without waiting for the box to be empty: the keeper's loop sees the end (and stops the
     * clock) as soon as it comes; keeper_collect waits until the cgroup is empty.  Nothing
     * escapes meanwhile: init kills every process of its namespace when the program ends. */
    if (k->cg)
        mi_cg_signal_all(k->cg);
    /* Before the program started: end the whole namespace.  But once the program has spoken
     * (its seccomp listener arrived before init's "started"), init will report it: the
     * program is killed when its pidfd arrives, so its wait status is not lost. */
    if (k->prog_fd < 0 && k->notify_fd < 0)
        pidfd_signal(k->initfd, SIGKILL);
}

/* CPU seconds (user + system) in /proc/<pid>/stat of the box's procfs: the process's own
 * (all its threads) unless only_reaped, plus what it has reaped (cutime, cstime).  Summed
 * over the live processes, every CPU second of the box counts once: a dead process's time is in
 * its reaper's. */
static double stat_cpu(int procfd, const char *pid, bool only_reaped)
{
    char path[300], buf[1024];
    snprintf(path, sizeof path, "%s/stat", pid);
    int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold anything but not after this */
    if (!p)
        return 0;
    unsigned long long v[4] = {0, 0, 0, 0};
    /* after ")": state is field 3; utime, stime, cutime, cstime are fields 14-17 */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &v[0],
               &v[1], &v[2], &v[3]) != 4)
        return 0;
    long hz = sysconf(_SC_CLK_TCK);
    unsigned long long t = v[2] + v[3] + (only_reaped ? 0 : v[0] + v[1]);
    return (double)t / (double)(hz > 0 ? hz : 100);
}

/* Without --cg: the CPU time of every process of the box, live or reaped, so far.  A child that
 * burns the CPU and never exits (its time in nobody's rusage) counts while it runs.  The
 * program's own time comes from its CPU clock (ns, not clock ticks); init's own (setting up
 * the box) is not the program's. */
static double box_cpu(struct keeper *k)
{
    double sum = 0;
    if (k->have_clock) {
        struct timespec ts;
        if (clock_gettime(k->prog_clock, &ts) == 0)
            sum = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    }
    if (k->procfd < 0)
        return sum;
    int dfd = openat(k->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return sum;
    }
    char me[16];
    snprintf(me, sizeof me, "%d", (int)k->prog_box_pid);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        bool own = !strcmp(e->d_name, "1") || (k->have_clock && !strcmp(e->d_name, me));
        sum += stat_cpu(k->procfd, e->d_name, own);
    }
    closedir(d);
    return sum;
}

static double cpu_now(struct keeper *k)
{
    if (k->cg && !k->c->no_cg_timing) {
        uint64_t us;
        mi_error e;
        if (mi_cg_cpu_usec(k->cg, &us, &e) == 0)
            k->last_cpu = (double)us / 1e6;
    } else {
        double t = box_cpu(k);
        if (t > k->last_cpu)
            k->last_cpu = t;
    }
    return k->last_cpu;
}

/* Event-driven limits: sleep exactly until the earliest moment a limit could be crossed.  CPU
 * time cannot grow faster than the number of CPUs per wall second, so the timer converges on
 * the limit instead of polling on a fixed tick (isolate: 100 ms). */
static void check_limits(struct keeper *k)
{
    const mi_config *c = k->c;
    if (k->exited || k->killing || k->prog_fd < 0)
        return;
    double now = mi_now_monotonic(), wall = now - k->start;
    double next = 1e9;
    if (c->wall_time_limit > 0) {
        if (wall > c->wall_time_limit) {
            k->ev.killed_by_timer = k->ev.wall_timeout = true;
            kill_box(k);
            return;
        }
        next = c->wall_time_limit - wall;
    }
    if (c->time_limit > 0) {
        double thr = c->extra_time > c->time_limit ? c->extra_time : c->time_limit;
        double cpu = cpu_now(k);
        /* A process reaped between two reads of the walk can count twice for a moment: a kill
         * needs a second reading over the limit too. */
        if (cpu > thr && !k->cg) {
            k->last_cpu = 0;
            cpu = cpu_now(k);
        }
        if (cpu > thr) {
            k->ev.killed_by_timer = true;
            kill_box(k);
            return;
        }
        /* Asked once (glibc reads /sys for it every time); atomic: callers may be threads. */
        static long cached;
        long ncpu = __atomic_load_n(&cached, __ATOMIC_RELAXED);
        if (!ncpu)
            __atomic_store_n(&cached, ncpu = sysconf(_SC_NPROCESSORS_CONF), __ATOMIC_RELAXED);
        double d = (thr - cpu) / (double)(ncpu > 0 ? ncpu : 1);
        if (d < next)
            next = d;
    }
    if (next >= 1e9)
        return;
    if (next < 0.0005)
        next = 0.0005;
    next += 0.0002; /* land just past the limit, not just before it */
    struct itimerspec its = {{0, 0}, {(time_t)next, (long)((next - (double)(time_t)next) * 1e9)}};
    timerfd_settime(k->timerfd, 0, &its, NULL);
}

static void on_message(struct keeper *k)
{
    struct msg m;
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {&m, sizeof m};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf};
    ssize_t n = recvmsg(k->sk, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        k->sk_closed = true; /* every sender is gone */
        return;
    }
    if (n != (ssize_t)sizeof m)
        return;
    int fd = -1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
            memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    switch (m.type) {
    case MSG_STARTED:
        k->prog_fd = fd;
        fd = -1;
        k->start = mi_now_monotonic();
        k->ev.started = true;
        k->prog_pid = pidfd_pid(k->prog_fd);
        k->prog_box_pid = m.pid;
        k->have_clock = k->prog_pid > 0 &&
                        clock_getcpuclockid(k->prog_pid, &k->prog_clock) == 0;
        if (k->killing) /* a kill decided before this message arrived */
            pidfd_signal(k->prog_fd, SIGKILL);
        check_limits(k);
        break;
    case MSG_TREE:
        if (fd >= 0 && k->tree_key)
            mi_kept_tree_save(k->box_dir, fd, k->tree_key);
        break;
    case MSG_NET:
        if (fd >= 0)
            mi_netns_save(k->box_dir, fd);
        break;
    case MSG_PROC:
        if (k->procfd < 0 && fd >= 0) {
            k->procfd = fd;
            fd = -1;
        }
        break;
    case MSG_SECCOMP:
        if (k->notify_fd < 0 && fd >= 0) {
            k->notify_fd = fd;
            fd = -1;
        }
        break;
    case MSG_READY:
        k->ready = true;
        break;
    case MSG_EXITED:
        k->end = mi_now_monotonic();
        k->exited = true;
        k->exit_msg = m;
        break;
    case MSG_ERROR:
        /* Every error message is sent before exec: the program never ran. */
        if (!k->ev.sandbox_error) {
            k->ev.sandbox_error = k->ev.setup_error = true;
            snprintf(k->ev.sandbox_msg, sizeof k->ev.sandbox_msg, "%s", m.text);
        }
        kill_box(k);
        break;
    }
    if (fd >= 0)
        close(fd);
}

/* The syscall policy stopped a process of the box: the kernel (not the program) tells which
 * syscall.  The process stays blocked in it until the box is killed; nothing is answered. */
static void on_seccomp(struct keeper *k, short revents)
{
    int nr;
    char name[64];
    if ((revents & POLLIN) && mi_seccomp_read_violation(k->notify_fd, &nr, name, sizeof name) == 0) {
        if (!k->ev.seccomp_violation) {
            k->ev.seccomp_violation = true;
            k->ev.seccomp_nr = nr;
            snprintf(k->ev.seccomp_name, sizeof k->ev.seccomp_name, "%s", name);
        }
        kill_box(k);
        return;
    }
    if (!(revents & POLLIN)) {
        /* No process is left under the filter. */
        close(k->notify_fd);
        k->notify_fd = -1;
    }
}

static void on_signal(struct keeper *k)
{
    struct signalfd_siginfo si;
    if (read(k->c->signal_fd, &si, sizeof si) != (ssize_t)sizeof si)
        return;
    int sig = (int)si.ssi_signo;
    if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT) {
        if (!k->ev.interrupted) {
            k->ev.interrupted = true;
            k->ev.interrupt_signal = sig;
        }
    } else if (!k->ev.sandbox_error) {
        k->ev.sandbox_error = true;
        snprintf(k->ev.sandbox_msg, sizeof k->ev.sandbox_msg,
                 "Sandbox keeper received fatal signal %d", sig);
    }
    kill_box(k);
}

/* Captured output: read what is there (never block: a grandchild may hold the pipe open for
 * ever), keep at most c->output_limit bytes per stream.  One byte more means the program floods:
 * the box is killed (FileSizeLimit), so the keeper's memory stays bounded by the cap. */
static void on_output(struct keeper *k, int i)
{
    uint64_t limit = k->c->output_limit;
    size_t max = limit >= SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)limit + 1;
    for (int round = 0; round < 64 && k->cap_fd[i] >= 0; round++) {
        if (k->cap_len[i] == k->cap_size[i]) {
            size_t ns = k->cap_size[i] ? k->cap_size[i] * 2 : 65536;
            if (ns > max)
                ns = max;
            char *nb = realloc(k->cap_buf[i], ns + 1);
            if (!nb) {
                if (!k->ev.sandbox_error) {
                    k->ev.sandbox_error = true;
                    snprintf(k->ev.sandbox_msg, sizeof k->ev.sandbox_msg,
                             "Cannot keep the program's output: out of memory");
                }
                kill_box(k);
                close(k->cap_fd[i]);
                k->cap_fd[i] = -1;
                return;
            }
            k->cap_buf[i] = nb;
            k->cap_size[i] = ns;
        }
        ssize_t n = read(k->cap_fd[i], k->cap_buf[i] + k->cap_len[i],
                         k->cap_size[i] - k->cap_len[i]);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            close(k->cap_fd[i]);
            k->cap_fd[i] = -1;
            return;
        }
        k->cap_len[i] += (size_t)n;
        if (k->cap_len[i] > limit) {
            k->cap_len[i] = (size_t)limit;
            k->ev.output_limit_exceeded = true;
            kill_box(k);
            close(k->cap_fd[i]);
            k->cap_fd[i] = -1;
            return;
        }
    }
}

/* ---- The keeper's steps: setup, start, supervise, drain, collect.  Every descriptor lives in
 * struct keeper and mi_keeper_free closes what a step left open, on every
 * path. */

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Drops the keeper: a prepared init that never got "go" is killed (it would exit anyway when
 * its socket closes) and reaped, so no process of the box outlives it. */
void mi_keeper_free(struct keeper *k)
{
    if (!k)
        return;
    close_fd(&k->sk);
    if (k->initfd >= 0 && !k->reaped) {
        siginfo_t si;
        pidfd_signal(k->initfd, SIGKILL);
        while (waitid(P_PIDFD, (id_t)k->initfd, &si, WEXITED | __WALL) < 0 && errno == EINTR)
            ;
    }
    int *fds[] = {&k->init_sk, &k->initfd, &k->timerfd, &k->notify_fd, &k->prog_fd,
                  &k->procfd, &k->cap_fd[0], &k->cap_fd[1], &k->cap_w[0], &k->cap_w[1]};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close_fd(fds[i]);
    free(k->cap_buf[0]);
    free(k->cap_buf[1]);
    free((char *)k->lim.cpus);
    free((char *)k->lim.mems);
    free(k);
}

static void keeper_freep(struct keeper **k)
{
    mi_keeper_free(*k);
}

/* The cgroup limits of c's run; cpus and mems are copies (the keeper outlives the prepare-time
 * configuration).  -1 if out of memory. */
static int run_limits(const mi_config *c, mi_cg_limits *lim)
{
    *lim = (mi_cg_limits){
        .mem_bytes = c->cg_mem_kib == MI_UNLIMITED ? MI_UNLIMITED : c->cg_mem_kib * 1024,
        .pids_max = c->processes,
        .box_id = c->box_id,
        .cpu_period_us = c->cpu_period_us ? c->cpu_period_us : 100000,
    };
    if (c->cpu_rate) /* at least the kernel's minimum quota, 1 ms */
        lim->cpu_quota_us = lim->cpu_period_us * c->cpu_rate / 1000 < 1000
                                ? 1000 : lim->cpu_period_us * c->cpu_rate / 1000;
    const char *cpus, *mems;
    mi_cpuset_of_run(c, &cpus, &mems);
    lim->cpus = cpus ? strdup(cpus) : NULL;
    lim->mems = mems ? strdup(mems) : NULL;
    return (cpus && !lim->cpus) || (mems && !lim->mems) ? -1 : 0;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static bool same_limits(const mi_cg_limits *a, const mi_cg_limits *b)
{
    return a->mem_bytes == b->mem_bytes && a->pids_max == b->pids_max &&
           a->cpu_quota_us == b->cpu_quota_us && a->cpu_period_us == b->cpu_period_us &&
           same_str(a->cpus, b->cpus) && same_str(a->mems, b->mems);
}

/* The prepared run's cgroup: a fresh leaf (v2) or groups (v1), counters reset, limits of the
 * prepare-time configuration (cgroup.c). */
static int keeper_cgroup(struct keeper *k, mi_error *err)
{
    if (!k->cg)
        return 0;
    if (run_limits(k->c, &k->lim) < 0)
        return mi_fail(err, MI_ERR_IO, ENOMEM, "Out of memory");
    return mi_cg_prepare_run(k->cg, &k->lim, err);
}

/* At "go": the run's own limits where they differ from the prepared ones.  0, -1, or 1 when
 * they cannot change in place (mi_cg_set_limits). */
static int keeper_cgroup_again(struct keeper *k, mi_error *err)
{
    mi_cg_limits lim;
    if (!k->cg)
        return 0;
    if (run_limits(k->c, &lim) < 0)
        return mi_fail(err, MI_ERR_IO, ENOMEM, "Out of memory");
    int rc = same_limits(&lim, &k->lim) ? 0 : mi_cg_set_limits(k->cg, &lim, err);
    free((char *)k->lim.cpus);
    free((char *)k->lim.mems);
    k->lim = lim;
    return rc;
}

/* The message socket and the limit timer. */
static int keeper_setup(struct keeper *k, mi_error *err)
{
    if (keeper_cgroup(k, err) < 0)
        return -1;
    int sk[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk) < 0)
        return mi_fail_errno(err, MI_ERR_PROCESS, errno, "socketpair");
    k->sk = sk[0];
    k->init_sk = sk[1];
    k->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (k->timerfd < 0)
        return mi_fail_errno(err, MI_ERR_PROCESS, errno, "timerfd_create");
    return 0;
}

/* With --json, the capture pipes of the streams not redirected to files (the program's end is
 * blocking, as any stdout; ours is not), made at "go": a resident init gets new ones per run. */
static int keeper_pipes(struct keeper *k, const bool want[2], mi_error *err)
{
    for (int i = 0; i < 2; i++) {
        int pp[2];
        if (!want[i])
            continue;
        if (pipe2(pp, O_CLOEXEC) < 0)
            return mi_fail_errno(err, MI_ERR_PROCESS, errno, "Cannot create the output pipe");
        k->cap_fd[i] = pp[0];
        k->cap_w[i] = pp[1];
        if (fcntl(pp[0], F_SETFL, O_NONBLOCK) < 0)
            return mi_fail_errno(err, MI_ERR_PROCESS, errno, "Cannot create the output pipe");
    }
    return 0;
}

/* The namespaces init is cloned into: the network namespace made ahead and the kept tree are
 * entered by setns() in init (no copy of the caller's mount table is needed then). */
static uint64_t keeper_namespaces(struct keeper *k, int *netfd, int *treefd)
{
    const mi_config *c = k->c;
    uint64_t ns = CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
    *netfd = c->share_net ? -1 : mi_netns_open(k->box_dir);
    if (*netfd >= 0)
        mi_netns_remove(k->box_dir); /* this run's alone: never entered by another run */
    if (!c->share_net && *netfd < 0)
        ns |= CLONE_NEWNET;
    *treefd = -1;
    if (k->resident) /* its tree lives as long as init: nothing to keep on a file */
        return ns | CLONE_NEWNS;
    k->key = mi_kept_tree_key(c, k->box_dir);
    *treefd = mi_kept_tree_open(k->box_dir, k->key);
    if (*treefd < 0) {
        ns |= CLONE_NEWNS;
        k->tree_key = k->key;
    }
    return ns;
}

/* Compiles the policy (before the sandbox exists: the program's last steps must not allocate)
 * and clones init.  Only the program's processes keep the capture pipes' write ends. */
static int keeper_start(struct keeper *k, mi_error *err)
{
    struct sock_fprog filter;
    if (mi_seccomp_compile(k->c, k->box_dir, &filter, err) < 0)
        return -1;
    int netfd, treefd;
    uint64_t ns = keeper_namespaces(k, &netfd, &treefd);
    k->start = mi_now_monotonic();
    k->init_pid = clone3_into(ns, &k->initfd, -1);
    if (k->init_pid == 0) {
        close(k->sk);
        init_main(k->c, k->box_dir, k->cg, k->init_sk, &filter, netfd, treefd, k->key != 0,
                  k->resident);
    }
    int e = errno;
    free(filter.filter); /* the sandbox has its own copy */
    close_fd(&netfd);
    close_fd(&treefd);
    close_fd(&k->init_sk);
    if (k->init_pid < 0)
        return mi_fail_errno(err, MI_ERR_PROCESS, e, "Cannot create the sandbox (clone3)");
    return 0;
}

/* Waits on everything at once until init has exited: messages, the seccomp listener, the
 * caller's signals, the limit timer, captured output. */
static void keeper_supervise(struct keeper *k)
{
    const mi_config *c = k->c;
    bool init_done = false;
    while (!init_done && !(k->resident && k->exited)) {
        struct pollfd p[7] = {{k->sk_closed ? -1 : k->sk, POLLIN, 0}, {k->initfd, POLLIN, 0}, {k->timerfd, POLLIN, 0},
                              {c->signal_fd, POLLIN, 0}, {k->cap_fd[0], POLLIN, 0},
                              {k->cap_fd[1], POLLIN, 0}, {k->notify_fd, POLLIN, 0}};
        if (poll(p, 7, -1) < 0) { /* negative fds (unused slots) are ignored by poll */
            if (errno == EINTR)
                continue;
            k->ev.sandbox_error = true;
            snprintf(k->ev.sandbox_msg, sizeof k->ev.sandbox_msg, "poll: %s", strerror(errno));
            kill_box(k);
            break;
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            on_message(k);
            continue; /* drain messages before looking at init's exit */
        }
        if (p[6].revents & (POLLIN | POLLHUP | POLLERR))
            on_seccomp(k, p[6].revents);
        if (p[3].revents & POLLIN)
            on_signal(k);
        if (p[2].revents & POLLIN) {
            uint64_t x;
            if (read(k->timerfd, &x, sizeof x) > 0)
                check_limits(k);
        }
        for (int i = 0; i < 2; i++)
            if (p[4 + i].revents & (POLLIN | POLLHUP | POLLERR))
                on_output(k, i);
        if (p[1].revents & POLLIN)
            init_done = true;
    }
    if (!init_done && k->exited)
        return; /* a resident init: alive, and it will say "ready" again */
    siginfo_t si;
    while (waitid(P_PIDFD, (id_t)k->initfd, &si, WEXITED | __WALL) < 0 && errno == EINTR)
        ;
    k->reaped = true;
    if (!k->exited && !k->ev.sandbox_error && !k->ev.interrupted && !k->ev.killed_by_timer &&
        !k->ev.seccomp_violation) {
        k->ev.sandbox_error = true;
        snprintf(k->ev.sandbox_msg, sizeof k->ev.sandbox_msg,
                 "The sandbox's init process died unexpectedly");
    }
    if (!k->exited)
        k->end = mi_now_monotonic();
}

/* Init is reaped: what remains in the capture pipes is read without blocking; the buffers go to
 * the result. */
static void keeper_drain(struct keeper *k, mi_result *r)
{
    for (int i = 0; i < 2; i++) {
        for (int guard = 0; k->cap_fd[i] >= 0 && guard < 4096; guard++) {
            size_t before = k->cap_len[i];
            on_output(k, i);
            if (k->cap_fd[i] >= 0 && k->cap_len[i] == before)
                break; /* EAGAIN: nothing more */
        }
        if (k->cap_fd[i] >= 0)
            close(k->cap_fd[i]);
        k->cap_fd[i] = -1;
        if (k->cap_buf[i])
            k->cap_buf[i][k->cap_len[i]] = 0;
    }
    free(r->stdout_data);
    free(r->stderr_data);
    r->stdout_data = k->cap_buf[0];
    r->stdout_len = k->cap_len[0];
    r->stderr_data = k->cap_buf[1];
    r->stderr_len = k->cap_len[1];
    k->cap_buf[0] = k->cap_buf[1] = NULL;
}

/* The evidence (cgroup counters, init's rusage of everything it reaped) and the verdict. */
static void keeper_collect(struct keeper *k, mi_result *r)
{
    const mi_config *c = k->c;
    mi_cgroup *cg = k->cg;
    mi_cg_stats cst = {0};
    if (cg) {
        mi_error e;
        mi_cg_kill_all(cg, &e); /* nothing of the box outlives the run */
        if (mi_cg_read_stats(cg, &cst, &e) < 0 && !k->ev.sandbox_error) {
            k->ev.sandbox_error = true;
            snprintf(k->ev.sandbox_msg, sizeof k->ev.sandbox_msg, "%s", e.msg);
        }
    }
    k->ev.have_status = k->exited;
    k->ev.wstatus = k->exit_msg.wstatus;
    k->ev.wall = k->ev.started ? k->end - k->start : 0;
    const struct rusage *ru = &k->exit_msg.ru;
    k->ev.cpu = (cg && !c->no_cg_timing) ? (double)cst.cpu_usec / 1e6
                  : (k->exited ? tv(ru->ru_utime) + tv(ru->ru_stime) : cpu_now(k));
    k->ev.cg = cg != NULL;
    k->ev.oom_kills = cst.oom_kills;
    k->ev.pids_hits = cst.pids_max_hits;
    r->has_stats = k->ev.started && !k->ev.setup_error;
    r->max_rss_kib = (uint64_t)ru->ru_maxrss;
    r->csw_voluntary = (uint64_t)ru->ru_nvcsw;
    r->csw_forced = (uint64_t)ru->ru_nivcsw;
    r->usage.context_switches = r->csw_voluntary + r->csw_forced;
    r->usage.page_faults = (uint64_t)(ru->ru_minflt + ru->ru_majflt);
    r->cg_enabled = cg != NULL;
    r->cg_mem_kib = cst.mem_peak_valid ? cst.mem_peak_bytes / 1024 : 0;
    r->cg_oom_killed = cst.oom_kills > 0;
    r->has_procs_peak = cst.pids_peak_valid;
    r->procs_peak = cst.pids_peak_valid ? cst.pids_peak : 0;
    r->memory_peak = r->usage.memory_peak =
        cst.mem_peak_valid ? cst.mem_peak_bytes : r->max_rss_kib * 1024;
    mi_verdict_decide(c, &k->ev, r);
    mi_cpuset_warning(c, r);
}

int mi_keeper_prepare(const mi_config *c, const char *box_dir, mi_cgroup *cg, bool resident,
                      mi_keeper **out, mi_error *err)
{
    *out = NULL;
    __attribute__((cleanup(keeper_freep))) struct keeper *k = calloc(1, sizeof *k);
    if (!k)
        return mi_fail(err, MI_ERR_IO, ENOMEM, "Out of memory");
    *k = (struct keeper){
        .c = c, .cg = cg, .box_dir = box_dir, .sk = -1, .init_sk = -1, .initfd = -1,
        .timerfd = -1, .prog_fd = -1, .cap_fd = {-1, -1}, .cap_w = {-1, -1}, .notify_fd = -1,
        .procfd = -1, .resident = resident};
    if (keeper_setup(k, err) < 0 || keeper_start(k, err) < 0)
        return -1;
    k->c = NULL; /* the prepare-time configuration may go: "go" brings the run's */
    *out = k;
    k = NULL;
    return 0;
}

/* Until init is ready for "go" (or gone): its messages, and the caller's signals. */
static void keeper_wait_ready(struct keeper *k)
{
    while (!k->ready && !k->sk_closed && !k->killing) {
        struct pollfd p[3] = {{k->sk, POLLIN, 0}, {k->initfd, POLLIN, 0},
                              {k->c->signal_fd, POLLIN, 0}};
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return; /* supervise polls again and reports */
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            on_message(k);
            continue;
        }
        if (p[2].revents & POLLIN)
            on_signal(k);
        if (p[1].revents & POLLIN)
            return; /* init is gone: supervise reports why */
    }
}

/* "go": the run spec, then the fd_map's descriptors (init rebuilds the map in order). */
/* MSG_RUNFDS: the capture pipes' write ends and this run's cgroup descriptors. */
static int send_run_fds(struct keeper *k)
{
    int slot[RUNFD_SLOTS], fds[RUNFD_SLOTS];
    size_t n = 0;
    slot[0] = k->cap_w[0];
    slot[1] = k->cap_w[1];
    for (int i = 2; i < RUNFD_SLOTS; i++)
        slot[i] = -1;
    if (k->cg)
        mi_cg_run_fds(k->cg, slot + 2);
    struct msg m;
    memset(&m, 0, sizeof m);
    m.type = MSG_RUNFDS;
    for (int i = 0; i < RUNFD_SLOTS; i++)
        if (slot[i] >= 0) {
            m.pid |= 1 << i;
            fds[n++] = slot[i];
        }
    return send_msg_fds(k->sk, &m, fds, n);
}

static int keeper_send_go(struct keeper *k, mi_error *err)
{
    const mi_config *c = k->c;
    bool want[2] = {c->capture_output && !c->stdout_path,
                    c->capture_output && !c->stderr_path && !c->stderr_to_stdout};
    if (keeper_pipes(k, want, err) < 0)
        return -1;
    char **env = build_env(c);
    if (!env)
        return mi_fail(err, MI_ERR_PROCESS, ENOMEM, "Cannot build the environment: out of memory");
    int fd = mi_runspec_write(c, env, want, err);
    free_env(env);
    if (fd < 0)
        return -1;
    struct msg m;
    memset(&m, 0, sizeof m);
    m.type = MSG_GO;
    k->start = mi_now_monotonic();
    k->went = true;
    int rc = send_msg(k->sk, &m, fd);
    close(fd);
    if (rc == 0)
        rc = send_run_fds(k);
    close_fd(&k->cap_w[0]); /* only the program's processes keep them */
    close_fd(&k->cap_w[1]);
    int fds[FDS_PER_MSG];
    size_t n = 0;
    m.type = MSG_FDS;
    for (size_t i = 0; rc == 0 && i < c->n_fd_map; i++) {
        if (c->fd_map[i] >= 0)
            fds[n++] = c->fd_map[i];
        if (n == FDS_PER_MSG || (n > 0 && i + 1 == c->n_fd_map)) {
            rc = send_msg_fds(k->sk, &m, fds, n);
            n = 0;
        }
    }
    return 0; /* a failed send means init is gone: supervise reports it */
}

/* Did init end while the box waited for this run (the OOM killer, a kill by hand)?  Nothing of
 * the run has started yet, so a new init can take it: otherwise a box whose init died while it
 * was idle would fail the submission that comes to it.  Its end of the socket closes early in
 * its exit, its pidfd turns readable only once its PID namespace is torn down: either tells. */
static bool init_gone_before_go(const struct keeper *k)
{
    struct pollfd p[2] = {{k->initfd, POLLIN, 0}, {k->sk, POLLIN, 0}};
    return !k->went && !k->reaped && poll(p, 2, 0) > 0 &&
           ((p[0].revents & POLLIN) || (p[1].revents & POLLHUP));
}

int mi_keeper_go(mi_keeper *k, const mi_config *c, mi_result *r, mi_error *err)
{
    k->c = c;
    if (init_gone_before_go(k))
        return 1;
    int rc = keeper_cgroup_again(k, err);
    if (rc != 0)
        return rc;
    keeper_wait_ready(k);
    mi_error e;
    if (k->ready && !k->killing && keeper_send_go(k, &e) < 0) {
        k->ev.sandbox_error = k->ev.setup_error = true;
        snprintf(k->ev.sandbox_msg, sizeof k->ev.sandbox_msg, "%s", e.msg);
        kill_box(k);
    }
    keeper_supervise(k);
    keeper_drain(k, r);
    keeper_collect(k, r);
    if (k->ev.sandbox_error)
        return mi_fail(err, MI_ERR_PROCESS, 0, "%s", k->ev.sandbox_msg);
    return 0;
}

bool mi_keeper_reusable(const mi_keeper *k)
{
    return k && k->resident && k->exited && !k->reaped && !k->sk_closed;
}

int mi_keeper_next(mi_keeper *k, mi_error *err)
{
    /* Never told "go" (the caller refused the command before running it): still ready. */
    if (k->resident && !k->went && !k->killing && !k->reaped && !k->sk_closed)
        return 0;
    struct msg m;
    memset(&m, 0, sizeof m);
    m.type = MSG_NEXT;
    if (!mi_keeper_reusable(k) || send_msg(k->sk, &m, -1) < 0)
        return mi_fail(err, MI_ERR_PROCESS, EINVAL, "The box's init cannot take another run");
    int *fds[] = {&k->notify_fd, &k->prog_fd, &k->cap_fd[0], &k->cap_fd[1], &k->cap_w[0],
                  &k->cap_w[1]};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close_fd(fds[i]);
    for (int i = 0; i < 2; i++) {
        free(k->cap_buf[i]);
        k->cap_buf[i] = NULL;
        k->cap_len[i] = k->cap_size[i] = 0;
    }
    struct itimerspec off = {{0, 0}, {0, 0}};
    uint64_t x;
    timerfd_settime(k->timerfd, 0, &off, NULL);
    while (read(k->timerfd, &x, sizeof x) > 0)
        ;
    memset(&k->ev, 0, sizeof k->ev);
    memset(&k->exit_msg, 0, sizeof k->exit_msg);
    k->exited = k->killing = k->ready = k->have_clock = k->went = false;
    k->last_cpu = k->start = k->end = 0;
    k->prog_pid = k->prog_box_pid = 0;
    k->c = NULL;
    /* Fresh counters (and, on v2, a fresh leaf) for the next run, with the last run's limits
     * until that run brings its own. */
    return k->cg ? mi_cg_prepare_run(k->cg, &k->lim, err) : 0;
}
