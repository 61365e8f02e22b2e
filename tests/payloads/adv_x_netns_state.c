/* Class 4 (state of the network namespace carried from run to run; issue 11 item 5).  "put N":
 * makes N TCP connections over loopback to a listener on port 4242 and closes each from the
 * client side first (the client's socket stays in TIME_WAIT for a minute; the kernel's counters
 * count N active opens): run 1 encodes N.  "get": the next run of the same box reads
 * /proc/net/tcp, /proc/net/tcp6, /proc/net/sockstat and /proc/net/snmp.  Expected containment:
 * every run has a network namespace no run has used: no socket, no TIME_WAIT, ActiveOpens 0;
 * status Success. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "adv_common.h"
static int put(int n)
{
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(4242)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 64) < 0) {
        printf("info: listen: %s\n", strerror(errno));
        return 3;
    }
    for (int i = 0; i < n; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a) < 0)
            return 3;
        int s = accept(l, NULL, NULL);
        close(c); /* active close: c goes to TIME_WAIT */
        usleep(1000);
        close(s);
    }
    printf("info: %d connections closed\n", n);
    return 0;
}
static int lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char buf[512];
    int n = -1; /* header */
    while (fgets(buf, sizeof buf, f))
        n++;
    fclose(f);
    return n < 0 ? 0 : n;
}
static long snmp_active_opens(void)
{
    FILE *f = fopen("/proc/net/snmp", "r");
    if (!f)
        return -1;
    char head[2048], vals[2048];
    long v = -1;
    while (fgets(head, sizeof head, f) && fgets(vals, sizeof vals, f)) {
        if (strncmp(head, "Tcp:", 4))
            continue;
        /* Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens ... */
        char *h = head, *x = vals, *hs, *xs;
        for (char *ht = strtok_r(h, " \n", &hs), *xt = strtok_r(x, " \n", &xs); ht && xt;
             ht = strtok_r(NULL, " \n", &hs), xt = strtok_r(NULL, " \n", &xs))
            if (!strcmp(ht, "ActiveOpens"))
                v = atol(xt);
    }
    fclose(f);
    return v;
}
int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "put"))
        return put(atoi(argv[2]));
    int t4 = lines("/proc/net/tcp"), t6 = lines("/proc/net/tcp6");
    long opens = snmp_active_opens();
    if (t4 || t6)
        adv_escaped("%d + %d sockets of an earlier run in /proc/net/tcp{,6}", t4, t6);
    else
        adv_contained("no socket of an earlier run in /proc/net/tcp{,6}");
    if (opens > 0)
        adv_escaped("Tcp ActiveOpens %ld: the count an earlier run left", opens);
    else
        adv_contained("Tcp ActiveOpens %ld", opens);
    return adv_escapes ? 42 : 0;
}
