/* Class 5 (terminal: controlling tty).  Opens /dev/tty (the controlling terminal) and checks the
 * session: the keeper must have called setsid(), so there is none even when the judge runs on a
 * tty.  Also tries TIOCSCTTY on fd 0 to grab the tty as a controlling terminal.
 * Expected containment: /dev/tty fails (ENXIO/ENOENT), TIOCSCTTY fails (EPERM, or fd 0 is no
 * tty), the process is a session leader; status Success. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail("open /dev/tty", open("/dev/tty", O_RDWR));
    adv_must_fail("ioctl(0, TIOCSCTTY, 1) (steal the judge's terminal)", ioctl(0, TIOCSCTTY, 1));
    adv_info("isatty(0)=%d sid=%d pgid=%d pid=%d", isatty(0), (int)getsid(0), (int)getpgrp(),
             (int)getpid());
    return adv_done();
}
