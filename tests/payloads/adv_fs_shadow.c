/* Class 1 (filesystem escape). Tries to read the host's /etc/shadow and /etc/passwd and to list
 * /etc and /root.  Expected containment: /etc is not mounted by default, so every open fails;
 * expected status: Success (exit 0), "ESCAPED" never printed. */
#include <fcntl.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail("open /etc/shadow", open("/etc/shadow", O_RDONLY));
    adv_must_fail("open /etc/passwd", open("/etc/passwd", O_RDONLY));
    adv_must_fail("open /etc", open("/etc", O_RDONLY | O_DIRECTORY));
    adv_must_fail("open /root", open("/root", O_RDONLY | O_DIRECTORY));
    return adv_done();
}
