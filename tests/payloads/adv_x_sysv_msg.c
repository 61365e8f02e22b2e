/* Class 4 (cross-box channel: SysV message queues).  "put SECS": creates queue key 0x4d490002 and
 * sends a message, then sleeps; "get": tries msgget/msgrcv.  Run in two boxes at once.
 * Expected containment: separate IPC namespaces: get fails ENOENT; status Success. */
#include <sys/ipc.h>
#include <sys/msg.h>
#include "adv_common.h"
#define KEY 0x4d490002
int main(int argc, char **argv)
{
    struct {
        long type;
        char text[32];
    } m = {1, "mi-adv secret"};
    if (argc > 1 && !strcmp(argv[1], "put")) {
        int id = msgget(KEY, IPC_CREAT | 0666);
        if (id < 0 || msgsnd(id, &m, sizeof m.text, 0) < 0) {
            adv_info("msg: %s", strerror(errno));
            return 1;
        }
        adv_info("put msg id %d", id);
        adv_ready();
        sleep(argc > 2 ? (unsigned)atoi(argv[2]) : 2);
        return 0;
    }
    adv_must_fail("msgget(KEY) of the other box", msgget(KEY, 0));
    return adv_done();
}
