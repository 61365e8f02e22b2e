/* Class 1 (unmount to reveal what a bind hides).  Calls umount2("/box", MNT_DETACH).
 * Expected containment: umount2 is a policy violation; status SecurityViolation naming umount2. */
#include <sys/mount.h>
#include "adv_common.h"
int main(void)
{
    long r = umount2("/box", MNT_DETACH);
    adv_reached("umount2 /box", r);
    return adv_done();
}
