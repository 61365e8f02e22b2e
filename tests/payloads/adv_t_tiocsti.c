/* Class 5 (terminal injection, bwrap CVE-2017-5226).  ioctl(fd, TIOCSTI, "id\n") on fds 0, 1, 2
 * (the test gives the sandbox a real pty as stdin): pushes keystrokes into the judge's terminal.
 * Expected containment: TIOCSTI is a policy violation; status SecurityViolation naming ioctl; the
 * test checks nothing arrived on the pty. */
#include <sys/ioctl.h>
#include "adv_common.h"
int main(void)
{
    const char *s = "id\n";
    for (int fd = 0; fd < 3; fd++)
        for (const char *c = s; *c; c++) {
            long r = ioctl(fd, TIOCSTI, c);
            if (r == 0)
                adv_reached("TIOCSTI", r);
        }
    adv_reached("TIOCSTI (failed)", -1);
    return adv_done();
}
