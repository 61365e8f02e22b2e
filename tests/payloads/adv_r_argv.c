/* Class 7 (keeper robustness: huge argv/env).  Prints argc, the total size of argv and of the
 * environment, and the length of $BIG.  The test passes ~1 MiB of arguments and a 100 KiB
 * variable through the keeper.  Expected: the keeper copes (no crash, no truncation): status
 * Success and the sizes match. */
#include "adv_common.h"
extern char **environ;
int main(int argc, char **argv)
{
    size_t a = 0, e = 0;
    for (int i = 0; i < argc; i++)
        a += strlen(argv[i]) + 1;
    for (char **p = environ; *p; p++)
        e += strlen(*p) + 1;
    printf("argc=%d argv_bytes=%zu env_bytes=%zu big=%zu\n", argc, a, e,
           getenv("BIG") ? strlen(getenv("BIG")) : 0);
    return 0;
}
