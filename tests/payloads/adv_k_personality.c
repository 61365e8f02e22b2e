/* Class 3 (exploit helpers).  personality(ADDR_NO_RANDOMIZE) and READ_IMPLIES_EXEC: turn off
 * ASLR / make data executable for later exploitation.  Expected containment: EPERM from the
 * policy, the persona stays PER_LINUX, the query call still works; status Success. */
#include <sys/personality.h>
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail_with("personality(ADDR_NO_RANDOMIZE)",
                       syscall(SYS_personality, ADDR_NO_RANDOMIZE), EPERM);
    adv_must_fail_with("personality(READ_IMPLIES_EXEC)",
                       syscall(SYS_personality, READ_IMPLIES_EXEC), EPERM);
    /* The query personality(0xffffffff) changes nothing and must keep working (the policy
     * must not over-block it); a refusal fails this payload like an escape would. */
    long q = syscall(SYS_personality, 0xffffffffUL);
    if (q < 0)
        adv_escaped("the query personality(0xffffffff) was refused: %s", strerrorname_np(errno));
    else
        adv_info("personality(0xffffffff) query = %#lx", q);
    FILE *f = fopen("/proc/self/personality", "r");
    unsigned long p = 0;
    if (!f || fscanf(f, "%lx", &p) != 1)
        adv_info("cannot read /proc/self/personality");
    else if (p != PER_LINUX)
        adv_escaped("persona is 0x%lx", p);
    else
        adv_contained("persona is still PER_LINUX");
    return adv_done();
}
