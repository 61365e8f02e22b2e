/* A program with a real leak, built with -fsanitize=leak or address: LeakSanitizer must get to
 * report it (exit code 23, or 1 under ASan: RuntimeError), not be stopped as a violation. */
#include <stdio.h>
#include <stdlib.h>
void *volatile keep;
int main(void)
{
    keep = malloc(100);
    keep = NULL; /* lost */
    puts("leaking");
    return 0;
}
