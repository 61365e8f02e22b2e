/* Class 4 (environment variables carrying secrets, judge0#564).  Prints the whole environment
 * and reports MI_ADV_SECRET.  The test sets MI_ADV_SECRET in the sandbox's own environment.
 * Expected containment: without -e/-E the box starts from a minimal environment, not the
 * caller's: the secret is absent; status Success.  (With -e it is present: the test's control,
 * which exits 42.) */
#include "adv_common.h"
extern char **environ;
int main(void)
{
    for (char **e = environ; *e; e++)
        adv_info("env %s", *e);
    if (getenv("MI_ADV_SECRET"))
        adv_escaped("MI_ADV_SECRET=%s", getenv("MI_ADV_SECRET"));
    else
        adv_contained("MI_ADV_SECRET not visible");
    return adv_done();
}
