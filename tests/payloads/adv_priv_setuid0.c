/* Class 2 (plain privilege calls).  setuid(0), setgid(0), setresuid(0,0,0), setgroups({0}),
 * setfsuid(0) (which returns the old fsuid: checked with a second call) and chown of a box file
 * to root.  Expected containment: EPERM everywhere; status Success. */
#include <grp.h>
#include <sys/fsuid.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail("setuid(0)", setuid(0));
    adv_must_fail("setgid(0)", setgid(0));
    adv_must_fail("setresuid(0,0,0)", setresuid(0, 0, 0));
    gid_t g = 0;
    adv_must_fail("setgroups({0})", setgroups(1, &g));
    setfsuid(0);
    if (setfsuid((uid_t)-1) == 0)
        adv_escaped("setfsuid(0) took effect");
    else
        adv_contained("setfsuid(0) ignored");
    FILE *f = fopen("/box/rootme", "w");
    if (f)
        fclose(f);
    adv_must_fail("chown /box/rootme to root", chown("/box/rootme", 0, 0));
    return adv_done();
}
