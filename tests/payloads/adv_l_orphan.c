/* Class 8 (escape from cleanup: double fork + setsid orphan).  The grandchild calls setsid(),
 * ignores SIGHUP/SIGTERM and appends a heartbeat to /box/heartbeat every 50 ms for 30 s; the
 * payload exits at once.  Needs -p (e.g. -p4) or --cg -p 10.  Expected containment: when the
 * program exits, the box's pid namespace (and cgroup) is torn down: the heartbeat stops growing
 * right after --run returns; status Success. */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "adv_common.h"
int main(void)
{
    pid_t p = fork();
    if (p == 0) {
        if (fork() != 0)
            _exit(0);
        setsid();
        signal(SIGHUP, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        for (int i = 0; i < 600; i++) {
            int fd = open("/box/heartbeat", O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                if (write(fd, "x", 1) < 0)
                    _exit(1);
                close(fd);
            }
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        _exit(0);
    }
    if (p < 0) {
        printf("fork: %s\n", strerror(errno));
        return 3;
    }
    waitpid(p, NULL, 0);
    usleep(200 * 1000);
    adv_info("orphan started");
    return 0;
}
