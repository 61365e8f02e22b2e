/* Touches 512 MiB: killed by the box's memory limit. */
#include <stdlib.h>
#include <string.h>
int main(void)
{
    for (int i = 0; i < 512; i++) {
        char *p = malloc(1 << 20);
        if (!p)
            return 3;
        memset(p, 1, 1 << 20);
    }
    return 0;
}
