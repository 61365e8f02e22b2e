/* Class 3 (noexec bypassed by executing a memfd; issue 11 item 22).  Copies its own binary into
 * a memfd and executes it twice: execveat(fd, "", AT_EMPTY_PATH) (fexecve) and execve of
 * /proc/self/fd/N, and asks for an executable memfd (MFD_EXEC).  The executed copy ("child"
 * argument) prints ESCAPED and exits 42.  A memfd is on no mount of the box, so no noexec rule
 * covers it.  Expected containment: memfds of the box are not executable
 * (vm.memfd_noexec = 2 in the box's PID namespace): both calls fail (EACCES); status Success. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "adv_common.h"
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
static int copy_self(unsigned flags)
{
    int in = open("/proc/self/exe", O_RDONLY);
    int fd = memfd_create("payload", flags);
    if (in < 0 || fd < 0) {
        printf("info: memfd_create(%#x): %s\n", flags, strerror(errno));
        if (in >= 0)
            close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(fd, buf, (size_t)n) != n)
            return -1;
    close(in);
    fchmod(fd, 0755);
    return fd;
}
static void try_exec(const char *how, unsigned flags)
{
    int fd = copy_self(flags);
    if (fd < 0) {
        adv_contained("%s: no memfd to execute", how);
        return;
    }
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        char *argv[] = {"payload", "child", NULL}, *envp[] = {NULL};
        char path[64];
        if (!strcmp(how, "execveat"))
            syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
        else {
            snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
            execve(path, argv, envp);
        }
        printf("contained: %s of a memfd (flags %#x): %s\n", how, flags, strerror(errno));
        fflush(stdout);
        _exit(0);
    }
    int st = 0;
    waitpid(p, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 42)
        adv_escapes++;
    close(fd);
}
int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child")) {
        adv_escaped("executed a binary from a memfd");
        return 42;
    }
    try_exec("execveat", 0);
    try_exec("execve", 0);
    try_exec("execveat", MFD_EXEC);
    return adv_escapes ? 42 : 0;
}
