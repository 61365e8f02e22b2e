/* Prints the CPUs it may run on (sched_getaffinity), tries to widen them to every CPU, and
 * prints them again: "0 / 0" when a cpuset pins it and holds (cpu_set / cpuSetLimit tests). */
#include <sched.h>
#include <stdio.h>

static void show(void)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    if (sched_getaffinity(0, sizeof s, &s) < 0) {
        printf("?");
        return;
    }
    const char *sep = "";
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &s)) {
            printf("%s%d", sep, i);
            sep = ",";
        }
}

int main(void)
{
    show();
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int i = 0; i < CPU_SETSIZE; i++)
        CPU_SET(i, &all);
    (void)sched_setaffinity(0, sizeof all, &all);
    printf(" / ");
    show();
    printf("\n");
    return 0;
}
