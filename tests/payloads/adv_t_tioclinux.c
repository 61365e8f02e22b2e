/* Class 5 (terminal: TIOCLINUX paste-selection injection, CVE-2023-28100).  ioctl(0, TIOCLINUX)
 * with subcode 3 (TIOCL_PASTESEL).  Expected containment: policy violation naming ioctl; status
 * SecurityViolation. */
#include <sys/ioctl.h>
#include "adv_common.h"
int main(void)
{
    char sub = 3;
    long r = ioctl(0, TIOCLINUX, &sub);
    adv_reached("TIOCLINUX", r);
    return adv_done();
}
