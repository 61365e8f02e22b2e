/* Class 9 (a verdict forged by the program; issue 11 item 20).  raise(SIGXFSZ) with no file
 * size limit and no output cap set.  Expected: a FileSizeLimit verdict needs a limit that was
 * set: status SG (signal 25), verdict Signaled. */
#include <signal.h>
#include "adv_common.h"
int main(void)
{
    raise(SIGXFSZ);
    return 0;
}
