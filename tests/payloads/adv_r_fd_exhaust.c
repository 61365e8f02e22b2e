/* Class 7 (file-descriptor exhaustion).  Opens /dev/null until an error (at most 1000000).
 * Run with -n 64: expected containment EMFILE at 64 fds; status Success. */
#include <fcntl.h>
#include "adv_common.h"
int main(void)
{
    int n = 0;
    while (n < 1000000 && open("/dev/null", O_RDONLY) >= 0)
        n++;
    printf("opened %d (%s)\n", n, strerrorname_np(errno));
    if (n > 64)
        adv_escaped("%d fds opened under -n 64", n);
    else
        adv_contained("EMFILE after %d", n);
    return adv_done();
}
