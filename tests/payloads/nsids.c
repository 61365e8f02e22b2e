/* Prints the namespaces the program runs in ("net:[4026532...]" ...): tests compare them with
 * the host's and across runs and boxes. */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    const char *ns[] = {"net", "pid", "mnt", "ipc", "uts"};
    for (int i = 0; i < 5; i++) {
        char p[64], buf[128];
        snprintf(p, sizeof p, "/proc/self/ns/%s", ns[i]);
        ssize_t n = readlink(p, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        printf("%s\n", n > 0 ? buf : "?");
    }
    return 0;
}
