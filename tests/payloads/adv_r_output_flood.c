/* Class 7 (output flood).  Writes 64 KiB blocks to stdout forever (up to 16 GiB).  Run with
 * -o out -f 1024: expected containment SIGXFSZ at 1 MiB: status SG 25, verdict FileSizeLimit;
 * the out file stays at the limit. */
#include "adv_common.h"
int main(void)
{
    static char buf[65536];
    memset(buf, 'A', sizeof buf);
    for (long i = 0; i < 262144; i++)
        if (write(1, buf, sizeof buf) < 0)
            return 3;
    return 0;
}
