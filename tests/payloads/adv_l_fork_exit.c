/* Class 8 (keep running after the main program exits).  Forks a CPU-burning child without
 * setsid and returns 0 at once.  Run with --cg -p 4: expected containment: the whole cgroup is
 * killed when the program exits; the burner is gone right after --run returns (the test checks
 * the box cgroup is empty); status Success. */
#include "adv_common.h"
int main(void)
{
    pid_t p = fork();
    if (p == 0)
        for (volatile unsigned long i = 0;; i++)
            ;
    if (p < 0)
        return 3;
    adv_info("burner %d left behind", (int)p);
    return 0;
}
