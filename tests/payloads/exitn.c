/* Exits with status argv[1].  Expected: exitcode N, RE when N != 0. */
#include <stdlib.h>
int main(int argc, char **argv)
{
    return argc > 1 ? atoi(argv[1]) : 0;
}
