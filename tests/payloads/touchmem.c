/* Allocates and touches argv[1] MiB.  Prints "touched N" and exits 0, or "malloc failed" and
 * exits 1.  Expected: RE (malloc failure) under a small -m. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 64;
    char *p = malloc(mib << 20);
    if (!p) {
        printf("malloc failed\n");
        return 1;
    }
    memset(p, 1, mib << 20);
    printf("touched %zu\n", mib << 20);
    return 0;
}
