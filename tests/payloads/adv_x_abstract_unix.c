/* Class 4 (cross-box / host channel: abstract UNIX sockets, which live in the network namespace,
 * not the filesystem).  argv[1] = name of an abstract socket the test listens on in the host.
 * Expected containment: the box has its own network namespace: ECONNREFUSED; the host listener
 * gets no connection; status Success. */
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "mi-adv";
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path + 1, name, sizeof a.sun_path - 2);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    adv_must_fail("connect to the host's abstract socket",
                  connect(s, (struct sockaddr *)&a,
                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))));
    return adv_done();
}
