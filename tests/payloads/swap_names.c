/* Host-side helper of tests/integration/test_setuid.py (not an in-box payload): exchanges the
 * two names argv[1] and argv[2] (renameat2 RENAME_EXCHANGE) in a loop until killed, as a setuid
 * caller racing the keeper's ownership walk would. */
#include <fcntl.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    for (;;)
        renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE);
}
