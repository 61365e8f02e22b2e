/* The floor of a run with fresh namespaces (docs/benchmarks.md, "Server"): the kernel
 * operations one sandboxed run is made of, each measured alone on this host, wall and CPU
 * (all CPUs, from /proc/stat, so that work the kernel defers to its threads -- a network
 * namespace's teardown -- counts too).  Run as root: bench/floor [N]. */
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Busy jiffies of every CPU (user, nice, system, irq, softirq). */
static long busy(void)
{
    long v[7] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (!f || fscanf(f, "cpu %ld %ld %ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3], &v[4],
                     &v[5], &v[6]) != 7)
        v[0] = 0;
    if (f)
        fclose(f);
    return v[0] + v[1] + v[2] + v[5] + v[6];
}

static char stack[1 << 16];

static int child_exit(void *arg)
{
    (void)arg;
    _exit(0);
}

static int child_mounts(void *arg)
{
    (void)arg;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        _exit(1);
    for (int i = 0; i < 20; i++)
        if (mount("/usr", "/mnt", NULL, MS_BIND, NULL) < 0)
            _exit(1);
    _exit(0);
}

enum { FORK, FORK_EXEC, SPAWN, NEWNET, NEWPID_IPC_UTS, NEWNS_MOUNTS };

static pid_t one(int kind)
{
    char *argv[] = {"/bin/true", NULL};
    pid_t p = -1;
    switch (kind) {
    case FORK:
        if ((p = fork()) == 0)
            _exit(0);
        break;
    case FORK_EXEC:
        if ((p = fork()) == 0) {
            execve(argv[0], argv, environ);
            _exit(127);
        }
        break;
    case SPAWN:
        if (posix_spawn(&p, argv[0], NULL, NULL, argv, environ) != 0)
            p = -1;
        break;
    case NEWNET:
        p = clone(child_exit, stack + sizeof stack, CLONE_NEWNET | SIGCHLD, NULL);
        break;
    case NEWPID_IPC_UTS:
        p = clone(child_exit, stack + sizeof stack, CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD,
                  NULL);
        break;
    default:
        p = clone(child_mounts, stack + sizeof stack, CLONE_NEWNS | SIGCHLD, NULL);
    }
    return p;
}

static void measure(const char *name, int kind, int n)
{
    double t0 = now();
    long b0 = busy();
    for (int i = 0; i < n; i++) {
        pid_t p = one(kind);
        if (p < 0) {
            printf("%-44s failed (not root?)\n", name);
            return;
        }
        waitpid(p, NULL, 0);
    }
    usleep(300000); /* deferred teardown lands in the CPU count */
    double wall = (now() - t0 - 0.3) * 1e3 / n;
    long hz = sysconf(_SC_CLK_TCK);
    printf("%-44s wall %6.2f ms   CPU %6.2f ms\n", name, wall,
           (double)(busy() - b0) * 1e3 / (double)hz / n);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    if (n <= 0)
        n = 200;
    /* A parent of about a server worker's size: fork copies its page tables. */
    size_t size = 5u << 20;
    char *mem = malloc(size);
    if (mem)
        memset(mem, 1, size);
    printf("per operation, %d each (CPU: all CPUs, kernel threads included)\n", n);
    measure("fork + exit (5 MiB parent)", FORK, n);
    measure("fork + exec /bin/true", FORK_EXEC, n);
    measure("posix_spawn /bin/true", SPAWN, n);
    measure("network namespace: create + destroy", NEWNET, n / 2 ? n / 2 : 1);
    measure("PID + IPC + UTS namespaces: create + destroy", NEWPID_IPC_UTS, n);
    measure("mount namespace + 20 bind mounts", NEWNS_MOUNTS, n / 2 ? n / 2 : 1);
    free(mem);
    return 0;
}
