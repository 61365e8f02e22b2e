/* malloc(argv[1] MiB) without touching it (no memory is charged): exit 0 if it succeeded, 1 if
 * it failed.  RLIMIT_DATA makes it fail (data_segment_limit / dataSegmentLimit tests). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
    void *p = malloc(mib << 20);
    printf("%s\n", p ? "ok" : "failed");
    return p ? 0 : 1;
}
