/* Prints the CPUs this process may run on (sched_getaffinity) as a list ("cpus=0,2-3") and the
 * memory nodes it may allocate on (Mems_allowed_list of /proc/self/status, "mems=0").  With
 * argv[1] = "widen" it first tries sched_setaffinity to every CPU and reports the result. */
#include <sched.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    cpu_set_t s;
    if (argc > 1 && !strcmp(argv[1], "widen")) {
        CPU_ZERO(&s);
        for (int i = 0; i < CPU_SETSIZE; i++)
            CPU_SET(i, &s);
        printf("widen=%s\n", sched_setaffinity(0, sizeof s, &s) == 0 ? "ok" : "refused");
    }
    if (sched_getaffinity(0, sizeof s, &s) < 0)
        return 1;
    printf("cpus=");
    const char *sep = "";
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (!CPU_ISSET(i, &s))
            continue;
        int j = i;
        while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, &s))
            j++;
        if (j > i)
            printf("%s%d-%d", sep, i, j);
        else
            printf("%s%d", sep, i);
        sep = ",";
        i = j;
    }
    char line[4096];
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "Mems_allowed_list:", 18)) {
            char *v = line + 18;
            while (*v == ' ' || *v == '\t')
                v++;
            printf(" mems=%s", v);
        }
    return 0;
}
