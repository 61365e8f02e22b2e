/* Lists the network interfaces it can see ("NAME up|down" per line, from /proc/net/dev and
 * SIOCGIFFLAGS).  Expected: only "lo up" unless --share-net. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void)
{
    FILE *f = fopen("/proc/net/dev", "r");
    if (!f) {
        perror("/proc/net/dev");
        return 1;
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (!c)
            continue;
        *c = 0;
        char *name = line;
        while (*name == ' ')
            name++;
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        size_t len = strlen(name) < IFNAMSIZ - 1 ? strlen(name) : IFNAMSIZ - 1;
        memcpy(ifr.ifr_name, name, len);
        int up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
        printf("%s %s\n", name, up ? "up" : "down");
    }
    return 0;
}
