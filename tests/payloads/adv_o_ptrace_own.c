/* Class 13 (ordinary programs: false alarms; issue 11 item 25).  What debuggers and
 * LeakSanitizer do: forks a child, PTRACE_ATTACHes to it, reads a word of its memory
 * (PTRACE_PEEKDATA) and detaches; then PTRACE_TRACEME (refused: the program's parent is the
 * box's init).  Run with -p 4.  Expected: tracing the box's own processes works; status
 * Success (no SecurityViolation). */
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include "adv_common.h"
static volatile long marker = 0x4d49;
int main(void)
{
    pid_t c = fork();
    if (c < 0)
        return 3;
    if (c == 0) {
        for (;;)
            pause();
    }
    if (ptrace(PTRACE_ATTACH, c, NULL, NULL) < 0) {
        printf("ptrace(ATTACH) of our own child: %s\n", strerror(errno));
        return 3;
    }
    waitpid(c, NULL, __WALL);
    errno = 0;
    long w = ptrace(PTRACE_PEEKDATA, c, (void *)&marker, NULL);
    printf("info: peeked %#lx from our child (%s)\n", w, strerror(errno));
    ptrace(PTRACE_DETACH, c, NULL, NULL);
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    if (w != 0x4d49)
        return 3;
    printf("info: PTRACE_TRACEME: %s\n", ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 ? strerror(errno) : "ok");
    return 0;
}
