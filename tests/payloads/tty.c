/* Tries to open /dev/tty and reports the session: "tty=ok|ERRNAME sid=S pgid=G pid=P".
 * Expected: open fails (no controlling terminal), the program leads its own session or group. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void)
{
    int fd = open("/dev/tty", O_RDWR);
    printf("tty=%s sid=%d pgid=%d pid=%d\n", fd >= 0 ? "ok" : strerrorname_np(errno),
           (int)getsid(0), (int)getpgrp(), (int)getpid());
    return 0;
}
