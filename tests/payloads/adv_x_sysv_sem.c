/* Class 4 (cross-box channel: SysV semaphores, also a way to block another box).  "put SECS":
 * creates semaphore set key 0x4d490003, sets it to 7, sleeps; "get": tries semget.  Run in two
 * boxes at once.  Expected containment: separate IPC namespaces: ENOENT; status Success. */
#include <sys/ipc.h>
#include <sys/sem.h>
#include "adv_common.h"
#define KEY 0x4d490003
int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "put")) {
        int id = semget(KEY, 1, IPC_CREAT | 0666);
        if (id < 0 || semctl(id, 0, SETVAL, 7) < 0) {
            adv_info("sem: %s", strerror(errno));
            return 1;
        }
        adv_info("put sem id %d", id);
        adv_ready();
        sleep(argc > 2 ? (unsigned)atoi(argv[2]) : 2);
        return 0;
    }
    adv_must_fail("semget(KEY) of the other box", semget(KEY, 0, 0));
    return adv_done();
}
