/* Class 4/8 (signals across boxes and to the host).  kill(-1, SIGKILL) (every process we may
 * signal), kill(-1, SIGSTOP), then kill of the host pids given as arguments (a host "sleep",
 * the test runner, 1, 2).  The test runs a sleeper in another box at the same time.
 * Expected containment: the pid namespace holds only this box: the other box's run ends
 * normally, the host process survives, this payload survives too (kill(-1) spares the caller);
 * status Success. */
#include <signal.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    long r = kill(-1, SIGKILL);
    adv_info("kill(-1, SIGKILL) = %ld (%s)", r, r < 0 ? strerrorname_np(errno) : "ok");
    r = kill(-1, SIGSTOP);
    adv_info("kill(-1, SIGSTOP) = %ld", r);
    for (int i = 1; i < argc; i++) {
        char what[64];
        snprintf(what, sizeof what, "kill(host pid %s)", argv[i]);
        int pid = atoi(argv[i]);
        if (pid != getpid())
            adv_must_fail(what, kill(pid, SIGKILL));
    }
    adv_contained("survived kill(-1)");
    return adv_done();
}
