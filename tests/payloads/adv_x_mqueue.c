/* Class 4 (cross-box channel: POSIX message queues).  "put SECS": mq_open("/mi-adv", O_CREAT),
 * sends a message, sleeps; "get": mq_open("/mi-adv").  Run in two boxes at once.
 * Expected containment: mqueues belong to the IPC namespace: get fails ENOENT; status Success. */
#include <fcntl.h>
#include <mqueue.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "put")) {
        struct mq_attr a = {.mq_maxmsg = 4, .mq_msgsize = 64};
        mqd_t q = mq_open("/mi-adv", O_CREAT | O_RDWR, 0666, &a);
        if (q == (mqd_t)-1 || mq_send(q, "mi-adv secret", 14, 0) < 0) {
            adv_info("mq: %s", strerror(errno));
            return 1;
        }
        adv_info("put mq");
        adv_ready();
        sleep(argc > 2 ? (unsigned)atoi(argv[2]) : 2);
        return 0;
    }
    adv_must_fail("mq_open(/mi-adv) of the other box", (long)mq_open("/mi-adv", O_RDWR));
    return adv_done();
}
