/* Class 4 (file leases: a read lease on a shared file makes every other opener block for
 * lease-break-time).  fcntl(F_SETLEASE, F_RDLCK) on /usr/bin/env and on a box file.
 * Expected containment: EPERM from the policy; status Success. */
#include <fcntl.h>
#include "adv_common.h"
int main(void)
{
    int fd = open("/usr/bin/env", O_RDONLY);
    adv_must_fail_with("F_SETLEASE on /usr/bin/env", fcntl(fd, F_SETLEASE, F_RDLCK), EPERM);
    int fd2 = open("/box/leased", O_RDWR | O_CREAT, 0644);
    adv_must_fail_with("F_SETLEASE on a box file", fcntl(fd2, F_SETLEASE, F_WRLCK), EPERM);
    return adv_done();
}
