/* Class 3 (kernel attack surface). open_tree("/", OPEN_TREE_CLONE): clone a mount to re-attach it with move_mount.
 * Expected containment: the default policy stops the call before the kernel sees it; expected
 * status: SecurityViolation naming open_tree (nothing printed after the call). */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    long r = syscall(SYS_open_tree, -100, "/", 1);
    adv_reached("open_tree", r);
    return adv_done();
}
