/* Class 6 (network: raw and packet sockets, netlink to reconfigure the namespace).
 * socket(AF_INET, SOCK_RAW), socket(AF_PACKET), socket(AF_NETLINK, NETLINK_ROUTE).
 * Expected containment: EPERM (no CAP_NET_RAW) for raw, EAFNOSUPPORT (policy) for packet and
 * netlink; status Success. */
#include <netinet/in.h>
#include <sys/socket.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail("socket(AF_INET, SOCK_RAW)", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
    adv_must_fail_with("socket(AF_PACKET)", socket(AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT);
    adv_must_fail_with("socket(AF_NETLINK)", socket(AF_NETLINK, SOCK_RAW, 0), EAFNOSUPPORT);
    return adv_done();
}
