/* Class 8 (kill the sandbox's own init / supervisor, or everything).  kill(1, SIGKILL),
 * kill(-1, SIGKILL), kill(0, SIGCONT), then reports it survived and exits 0.
 * Expected containment: init is another uid (EPERM) and invisible; kill(-1) reaches only the
 * payload's own processes (sparing itself); the keeper reports the program's own exit: Success. */
#include <signal.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail("kill(1, SIGKILL)", kill(1, SIGKILL));
    adv_must_fail("kill(1, SIGSTOP)", kill(1, SIGSTOP));
    long r = kill(-1, SIGKILL);
    adv_info("kill(-1, SIGKILL) = %ld", r);
    adv_contained("payload still alive, keeper still supervising");
    return adv_done();
}
