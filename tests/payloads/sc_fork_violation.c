/* sc_fork_violation: fork; the child calls ptrace(PTRACE_ATTACH, 1) (the box's init) through syscall(2); the parent
 * waits.  The filter is inherited across fork, and a forbidden call by any process of the box
 * stops the whole box.  Expected (run with -p 2 or more): SecurityViolation naming ptrace (101). */
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    pid_t p = fork();
    if (p < 0) {
        perror("fork");
        return 1;
    }
    if (p == 0) {
        syscall(SYS_ptrace, 16L /* PTRACE_ATTACH */, 1L, 0L, 0L);
        _exit(0);
    }
    waitpid(p, NULL, 0);
    printf("parent survived\n");
    return 0;
}
