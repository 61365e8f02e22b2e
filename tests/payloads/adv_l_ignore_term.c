/* Class 8 (resist being killed).  Ignores or blocks every catchable signal (SIGTERM, SIGINT,
 * SIGHUP, SIGXCPU, ...) and spins.  Run with -t 1 -w 3: expected containment: the sandbox kills
 * with SIGKILL (cannot be ignored) at the limit: status TO, verdict TimeLimit, killed:1. */
#include <signal.h>
#include "adv_common.h"
int main(void)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    for (int s = 1; s < 32; s++)
        signal(s, SIG_IGN);
    for (volatile unsigned long i = 0;; i++)
        ;
}
