/* Class 4 (cross-box channel: /dev/shm, isolate 2.6's bug).  "put SECS": writes
 * /dev/shm/mi-adv and sleeps; "get": looks for it and counts /dev/shm entries.  Run in two
 * boxes at once.  Expected containment: /dev/shm is private to each run: get finds nothing and
 * the host's /dev/shm has no mi-adv; status Success. */
#include <dirent.h>
#include <fcntl.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "put")) {
        int fd = open("/dev/shm/mi-adv", O_WRONLY | O_CREAT, 0666);
        if (fd < 0) {
            adv_info("/dev/shm/mi-adv: %s", strerror(errno));
            return 1;
        }
        adv_info("put");
        adv_ready();
        sleep(argc > 2 ? (unsigned)atoi(argv[2]) : 2);
        return 0;
    }
    adv_must_fail("open /dev/shm/mi-adv of the other box", open("/dev/shm/mi-adv", O_RDONLY));
    DIR *d = opendir("/dev/shm");
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.')
            adv_escaped("/dev/shm holds %s", de->d_name);
    return adv_done();
}
