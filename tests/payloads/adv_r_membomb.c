/* Class 7 (memory bomb).  Allocates and touches 16 MiB chunks forever (up to 64 GiB).
 * Expected containment: --cg-mem stops it with the OOM killer: MemoryLimit (swap counted, no
 * escape into swap); the host is unaffected. */
#include "adv_common.h"
int main(void)
{
    for (int i = 0; i < 4096; i++) {
        char *p = malloc(16 << 20);
        if (!p) {
            printf("malloc refused after %d MiB\n", i * 16);
            return 3;
        }
        memset(p, 1, 16 << 20);
    }
    adv_escaped("64 GiB allocated");
    return adv_done();
}
