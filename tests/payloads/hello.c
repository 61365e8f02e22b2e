/* Prints its arguments and exits 0: the plain accepted program. */
#include <stdio.h>
int main(int argc, char **argv)
{
    printf("hello");
    for (int i = 1; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
    return 0;
}
