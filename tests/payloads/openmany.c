/* Opens /proc/self/status until it fails; prints "opened N" (descriptors it got).
 * Expected: N = -n limit - 3. */
#include <fcntl.h>
#include <stdio.h>
int main(void)
{
    int n = 0;
    while (open("/proc/self/status", O_RDONLY) >= 0 && n < 100000)
        n++;
    printf("opened %d\n", n);
    return 0;
}
