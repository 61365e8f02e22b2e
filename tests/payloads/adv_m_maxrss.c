/* Class 9 (rusage seeded from the parent: ru_maxrss after fork is inherited from the forking
 * process, so a fat keeper would make every program look big).  Does nothing but print its own
 * ru_maxrss.  Expected: the meta file's max-rss of this tiny static program is small (< 5 MiB);
 * status Success. */
#include <sys/resource.h>
#include "adv_common.h"
int main(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("self maxrss %ld KiB\n", ru.ru_maxrss);
    return 0;
}
