/* Server, resident box: what one run may leave for the next.  "put": leaves everything an
 * unprivileged run can leave: SysV shared memory, a message queue and a semaphore set, a POSIX
 * message queue, files in /w, /tmp and /dev/shm, a user.* attribute and mode 0777 on /w itself,
 * TCP connections in TIME_WAIT, and a daemon (own session) holding a listening socket.
 * "noroute": one UDP datagram to an address the box has no route to: no packet, only a counter
 * ("Ip: OutNoRoutes") tells that it happened; prints the errno.  "look":
 * prints what a run sees of all that, and its own PID.  Run "look", "put", "look" in one box: the
 * two looks must print the same. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define KEY 0x4d495201

static void tcp_time_wait(int n)
{
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(4243)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 8) < 0) {
        printf("put: listen: %s\n", strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a) < 0)
            return;
        int s = accept(l, NULL, NULL);
        close(c); /* the active close: c stays in TIME_WAIT */
        close(s);
    }
    close(l);
}

static void put_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0666);
    if (fd < 0 || write(fd, "left\n", 5) != 5)
        printf("put: %s: %s\n", path, strerror(errno));
    if (fd >= 0)
        close(fd);
}

static int put(void)
{
    int id = shmget(KEY, 4096, IPC_CREAT | 0666);
    if (id < 0 || msgget(KEY + 1, IPC_CREAT | 0666) < 0 || semget(KEY + 2, 1, IPC_CREAT | 0666) < 0)
        printf("put: sysv: %s\n", strerror(errno));
    struct mq_attr qa = {.mq_maxmsg = 4, .mq_msgsize = 64};
    if (mq_open("/mi-left", O_CREAT | O_RDWR, 0666, &qa) == (mqd_t)-1)
        printf("put: mq_open: %s\n", strerror(errno));
    put_file("/w/left");
    put_file("/tmp/left");
    put_file("/dev/shm/left");
    if (setxattr("/w", "user.mi", "left", 4, 0) < 0)
        printf("put: setxattr /w: %s\n", strerror(errno));
    if (chmod("/w", 0777) < 0)
        printf("put: chmod /w: %s\n", strerror(errno));
    tcp_time_wait(3);
    pid_t p = fork();
    if (p == 0) {
        setsid();
        int l = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(4244)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(l, (struct sockaddr *)&a, sizeof a) == 0)
            listen(l, 1);
        sleep(60);
        _exit(0);
    }
    printf("put: done\n");
    return 0;
}

static void list(const char *dir)
{
    DIR *d = opendir(dir);
    printf("%s:", dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.')
            printf(" %s", e->d_name);
    printf("%s\n", d ? "" : " (none)");
    if (d)
        closedir(d);
}

static int lines(const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[512];
    int n = 0;
    while (f && fgets(buf, sizeof buf, f))
        n++;
    if (f)
        fclose(f);
    return n;
}

static int processes(void)
{
    DIR *d = opendir("/proc");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] >= '1' && e->d_name[0] <= '9';
    if (d)
        closedir(d);
    return n;
}

static int look(void)
{
    struct stat st;
    char x[256];
    printf("pid %d processes %d\n", (int)getpid(), processes());
    printf("/w mode %o xattrs %zd\n", stat("/w", &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0U,
           listxattr("/w", x, sizeof x));
    list("/w");
    list("/tmp");
    list("/dev/shm");
    printf("sysv %d %d %d\n", shmget(KEY, 0, 0) >= 0, msgget(KEY + 1, 0) >= 0,
           semget(KEY + 2, 0, 0) >= 0);
    printf("sysvipc lines %d %d %d\n", lines("/proc/sysvipc/shm"), lines("/proc/sysvipc/msg"),
           lines("/proc/sysvipc/sem"));
    printf("mq %d\n", mq_open("/mi-left", O_RDONLY) != (mqd_t)-1);
    printf("tcp lines %d %d\n", lines("/proc/net/tcp"), lines("/proc/net/tcp6"));
    FILE *f = fopen("/proc/net/snmp", "r");
    char head[2048], vals[2048];
    while (f && fgets(head, sizeof head, f) && fgets(vals, sizeof vals, f))
        if (!strncmp(head, "Tcp:", 4))
            printf("snmp %s", vals);
    if (f)
        fclose(f);
    return 0;
}

static int noroute(void)
{
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9)};
    a.sin_addr.s_addr = htonl(0x0afffe01); /* 10.255.254.1 */
    long r = sendto(u, "x", 1, 0, (struct sockaddr *)&a, sizeof a);
    printf("noroute: %s\n", r < 0 ? strerror(errno) : "sent");
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && !strcmp(argv[1], "noroute"))
        return noroute();
    return argc > 1 && !strcmp(argv[1], "put") ? put() : look();
}
