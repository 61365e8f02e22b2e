/* Finds the input it does not expect and exits with status 3: a runtime error (isolate RE). */
#include <stdio.h>
int main(void)
{
    long a = 0, b = 0, c = 0;
    if (scanf("%ld %ld %ld", &a, &b, &c) != 3) {
        fprintf(stderr, "expected three numbers\n");
        return 3;
    }
    printf("%ld\n", a + b + c);
    return 0;
}
