/* Class 1 (special files left to hang the judge).  Creates FIFOs at names a judge opens after
 * the run ("output", "input", "fifo") and a FIFO in /tmp, then exits.  Expected containment:
 * the keeper deletes them without opening them; the next run with -o output / -i input and the
 * cleanup do not hang (the test bounds them with timeouts).  Status: Success. */
#include <sys/stat.h>
#include "adv_common.h"
int main(void)
{
    const char *names[] = {"/box/output", "/box/input", "/box/fifo", "/tmp/fifo"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (mkfifo(names[i], 0666) < 0)
            adv_info("mkfifo %s: %s", names[i], strerror(errno));
    adv_info("fifos planted");
    return adv_done();
}
