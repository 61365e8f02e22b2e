/* Class 4 (cross-box channel: SysV shared memory).  "put SECS": creates segment key 0x4d490001
 * holding a message, then sleeps SECS; "get": looks for the key and lists /proc/sysvipc/shm.
 * The test runs put in box A and get in box B at the same time (and checks the host's table).
 * Expected containment: each run has its own IPC namespace: get finds nothing, the host sees
 * nothing; status Success for both. */
#include <sys/ipc.h>
#include <sys/shm.h>
#include "adv_common.h"
#define KEY 0x4d490001
int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "put")) {
        int id = shmget(KEY, 4096, IPC_CREAT | 0666);
        if (id < 0) {
            adv_info("shmget: %s", strerror(errno));
            return 1;
        }
        char *p = shmat(id, NULL, 0);
        if (p != (void *)-1)
            strcpy(p, "mi-adv secret");
        adv_info("put shm id %d", id);
        adv_ready();
        sleep(argc > 2 ? (unsigned)atoi(argv[2]) : 2);
        return 0;
    }
    adv_must_fail("shmget(KEY) of the other box", shmget(KEY, 0, 0));
    return adv_done();
}
