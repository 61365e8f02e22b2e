/* Class 8 (dodge the CPU limit by sleeping / blocking).  Sleeps 30 s in nanosleep, then blocks in
 * read() on a pipe nobody writes.  Run with -t 1 -w 1: expected containment: the wall-clock
 * limit kills it: status TO "Time limit exceeded (wall clock)", verdict TimeLimit. */
#include "adv_common.h"
int main(void)
{
    sleep(30);
    int p[2];
    char c;
    if (pipe(p) == 0)
        return (int)read(p[0], &c, 1);
    return 0;
}
