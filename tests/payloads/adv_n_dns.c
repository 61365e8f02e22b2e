/* Class 6 (network: DNS as a covert channel / name resolution).  Looks for /etc/resolv.conf,
 * /etc/hosts, /run/systemd/resolve, /var/run/nscd/socket and sends a DNS query to 127.0.0.53:53
 * (systemd-resolved's stub on the host).  Expected containment: no resolver configuration is
 * visible and the stub is unreachable from the box's loopback; status Success. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail("open /etc/resolv.conf", open("/etc/resolv.conf", O_RDONLY));
    adv_must_fail("open /run/systemd/resolve/stub-resolv.conf",
                  open("/run/systemd/resolve/stub-resolv.conf", O_RDONLY));
    adv_must_fail("open /var/run/nscd/socket", open("/var/run/nscd/socket", O_RDONLY));
    static const unsigned char q[] = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a',
                                      'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, "127.0.0.53", &a.sin_addr);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = {1, 0};
    setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    long r = sendto(u, q, sizeof q, 0, (struct sockaddr *)&a, sizeof a);
    if (r > 0)
        r = recv(u, buf, sizeof buf, 0);
    adv_must_fail("DNS query to 127.0.0.53", r);
    return adv_done();
}
