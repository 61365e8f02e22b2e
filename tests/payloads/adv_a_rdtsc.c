/* Class 11 (timing side channels / noise: audit).  Reads the TSC twice around a short loop,
 * the CPU model from /proc/cpuinfo, the allowed CPUs (sched_getaffinity) and whether SMT
 * siblings are visible in /sys.  Informational: the test records what is visible; expected
 * status Success (exit 0). */
#include <sched.h>
#include "adv_common.h"
int main(void)
{
#if defined(__x86_64__)
    unsigned lo, hi, lo2, hi2;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    for (volatile int i = 0; i < 100000; i++)
        ;
    __asm__ volatile("rdtsc" : "=a"(lo2), "=d"(hi2));
    adv_info("rdtsc works: delta %llu cycles",
             (((unsigned long long)hi2 << 32) | lo2) - (((unsigned long long)hi << 32) | lo));
#endif
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    int cpus = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "processor", 9))
            cpus++;
    adv_info("/proc/cpuinfo %s, %d processor entries", f ? "readable" : "unreadable", cpus);
    cpu_set_t s;
    if (sched_getaffinity(0, sizeof s, &s) == 0)
        adv_info("affinity: %d cpus", CPU_COUNT(&s));
    adv_info("/sys/devices/system/cpu %s",
             access("/sys/devices/system/cpu", F_OK) == 0 ? "visible" : "not mounted");
    return 0;
}
