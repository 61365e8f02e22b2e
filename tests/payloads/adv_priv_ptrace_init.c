/* Class 2 (ptrace of another process in the box / of the setup process).  PTRACE_ATTACH to
 * PID 1 (the box's root-owned init, a clone of the keeper).  Expected containment: ptrace is a
 * policy violation (and init is another uid, non-dumpable, invisible); status SecurityViolation
 * naming ptrace. */
#include <sys/ptrace.h>
#include "adv_common.h"
int main(void)
{
    long r = ptrace(PTRACE_ATTACH, 1, NULL, NULL);
    adv_reached("ptrace(PTRACE_ATTACH, 1)", r);
    return adv_done();
}
