/* Benchmark payload: maps argv[1] MiB (default 64) of anonymous memory and writes every byte,
 * then prints "touched <bytes> maxrss_kib <ru_maxrss>".  The sandbox's reported cg-mem is
 * compared with the touched amount.  Expected: OK (under a larger --cg-mem). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
    size_t len = (argc > 1 ? strtoul(argv[1], NULL, 10) : 64) << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("mmap failed\n");
        return 1;
    }
    memset(p, 1, len);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("touched %zu maxrss_kib %ld\n", len, ru.ru_maxrss);
    return 0;
}
