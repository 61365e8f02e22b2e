/* Class 6 (network: reach a host service on loopback, SSRF / Judge0 CVE-2024-29021).
 * argv[1] = TCP port the test listens on at the host's 127.0.0.1.  Connects to 127.0.0.1:PORT
 * and [::1]:PORT.  Expected containment: the box has its own network namespace whose loopback
 * has no listener: ECONNREFUSED (or unreachable); the host listener accepts nothing; Success. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 80;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    adv_must_fail("connect 127.0.0.1:PORT", connect(s, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in6 b = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    b.sin6_addr = in6addr_loopback;
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    adv_must_fail("connect [::1]:PORT", connect(s6, (struct sockaddr *)&b, sizeof b));
    return adv_done();
}
