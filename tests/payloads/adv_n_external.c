/* Class 6 (network: reach the outside / internal services).  TCP connect to 1.1.1.1:80,
 * 10.0.0.1:80, 169.254.169.254:80 (cloud metadata) and UDP sendto 8.8.8.8:53.
 * Expected containment: no route in the box's namespace: fails at once (ENETUNREACH), never
 * a timeout; status Success (the test also checks the wall time is short). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "adv_common.h"
static void tcp(const char *ip, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    char what[64];
    snprintf(what, sizeof what, "connect %s:%d", ip, port);
    adv_must_fail(what, connect(s, (struct sockaddr *)&a, sizeof a));
    close(s);
}
int main(void)
{
    tcp("1.1.1.1", 80);
    tcp("10.0.0.1", 80);
    tcp("169.254.169.254", 80);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, "8.8.8.8", &a.sin_addr);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    adv_must_fail("sendto 8.8.8.8:53", sendto(u, "x", 1, 0, (struct sockaddr *)&a, sizeof a));
    return adv_done();
}
