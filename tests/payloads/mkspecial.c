/* Leaves traps in /box: a symlink "link" pointing to argv[1] (default /etc/passwd), a FIFO
 * "fifo", a bound UNIX socket "sock", a directory "dir" with a symlink "dir/link2" -> argv[1],
 * and a regular file "plain".  Exits 0.  Expected: after the run the keeper deletes the
 * symlinks, FIFO and socket (unless --special-files) without following them, and gives "plain"
 * and "dir" back to the caller. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    const char *target = argc > 1 ? argv[1] : "/etc/passwd";
    int bad = 0;
    bad |= symlink(target, "/box/link") != 0;
    bad |= mkfifo("/box/fifo", 0666) != 0;
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, "/box/sock");
    bad |= s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0;
    bad |= mkdir("/box/dir", 0755) != 0;
    bad |= symlink(target, "/box/dir/link2") != 0;
    FILE *f = fopen("/box/plain", "w");
    bad |= !f;
    if (f)
        fclose(f);
    printf(bad ? "some traps failed\n" : "traps set\n");
    return bad;
}
