/* Class 8 (SIGSTOP games: a stopped process may hold the judge forever).  raise(SIGSTOP).
 * Expected containment, as in isolate: under -w the program stays stopped until the wall-clock
 * limit kills it: status TO "Time limit exceeded (wall clock)", killed:1, verdict TimeLimit.
 * Without -w (isolate hangs forever) the sandbox kills it at once: SG, verdict Signaled. */
#include <signal.h>
#include "adv_common.h"
int main(void)
{
    adv_info("stopping");
    raise(SIGSTOP);
    adv_info("continued after SIGSTOP");
    return 0;
}
