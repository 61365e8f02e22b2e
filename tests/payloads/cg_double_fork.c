/* Its child forks a grandchild and exits at once (the classic daemon double fork); the
 * grandchild calls setsid(), writes "alive" to ./marker and sleeps for an hour.  The program
 * waits until the marker exists, then exits 0.  Nothing of the box may be left alive after the
 * run: no process of the box user remains. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
    pid_t c = fork();
    if (c == 0) {
        if (fork() == 0) {
            setsid();
            int fd = open("marker.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0 && write(fd, "alive\n", 6) == 6 && close(fd) == 0)
                rename("marker.tmp", "marker");
            sleep(3600);
            _exit(0);
        }
        _exit(0);
    }
    waitpid(c, NULL, 0);
    for (int i = 0; i < 1000 && access("marker", F_OK) != 0; i++)
        usleep(10000);
    puts(access("marker", F_OK) == 0 ? "grandchild alive" : "no marker");
    return 0;
}
