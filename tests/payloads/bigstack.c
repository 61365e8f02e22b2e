/* Recurses using about argv[1] KiB of stack, then prints "deep ok".  Expected: SG 11 when -k
 * is smaller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int down(long kib)
{
    volatile char pad[1024];
    memset((char *)pad, 1, sizeof pad);
    return kib > 0 ? down(kib - 1) + pad[3] : 0;
}
int main(int argc, char **argv)
{
    long kib = argc > 1 ? atol(argv[1]) : 4096;
    printf("deep %s\n", down(kib) >= 0 ? "ok" : "??");
    return 0;
}
