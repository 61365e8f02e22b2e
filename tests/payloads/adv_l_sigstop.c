/* Class 8 (SIGSTOP games: a stopped process may hold the judge forever).  raise(SIGSTOP).
 * Expected containment: the sandbox notices the stop and ends the run: status SG, message
 * "Stopped by signal 19", verdict Signaled; never a hang (the test bounds it with -w). */
#include <signal.h>
#include "adv_common.h"
int main(void)
{
    adv_info("stopping");
    raise(SIGSTOP);
    adv_info("continued after SIGSTOP");
    return 0;
}
