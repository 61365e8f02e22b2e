/* Class 1 (filesystem escape, "shocker" open_by_handle_at).  Builds a file handle for inode 2
 * (the root of an ext4/xfs filesystem) by hand and calls open_by_handle_at on the box's "/".
 * Expected containment: open_by_handle_at is a policy violation (and needs CAP_DAC_READ_SEARCH);
 * expected status: SecurityViolation naming open_by_handle_at.  Nothing printed after the call. */
#include <fcntl.h>
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    struct {
        unsigned int bytes;
        int type;
        unsigned char h[8];
    } fh = {8, 1, {2, 0, 0, 0, 0, 0, 0, 0}};
    int mfd = open("/", O_RDONLY | O_DIRECTORY);
    long r = syscall(SYS_open_by_handle_at, mfd, &fh, O_RDONLY);
    adv_reached("open_by_handle_at", r);
    return adv_done();
}
