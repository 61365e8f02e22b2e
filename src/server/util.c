/* Server helpers (util.h). */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if ((s[0] & 0xe0) == 0xc0)
        len = 2, cp = s[0] & 0x1fu;
    else if ((s[0] & 0xf0) == 0xe0)
        len = 3, cp = s[0] & 0x0fu;
    else if ((s[0] & 0xf8) == 0xf0)
        len = 4, cp = s[0] & 0x07u;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

json_t *gj_json_bytes(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, bad = 0;
    for (; i < n;) {
        size_t l = utf8_seq(u + i, n - i);
        if (!l) {
            bad++;
            l = 1;
        }
        i += l;
    }
    if (!bad)
        return json_stringn(s, n);
    char *o = malloc(n + bad * 2 + 1), *p = o;
    if (!o)
        return NULL;
    for (i = 0; i < n;) {
        size_t l = utf8_seq(u + i, n - i);
        if (l) {
            memcpy(p, s + i, l);
            p += l;
            i += l;
        } else {
            memcpy(p, "\xef\xbf\xbd", 3);
            p += 3;
            i++;
        }
    }
    json_t *j = json_stringn(o, (size_t)(p - o));
    free(o);
    return j;
}

int gj_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int seal(int fd)
{
    /* Sealed: the program reads it, and neither it nor anyone else can change it. */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
        lseek(fd, 0, SEEK_SET) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int gj_memfd_sealed(const char *name, const void *data, size_t n)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    if (gj_write_all(fd, data, n) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return seal(fd);
}

int gj_memfd_copy(const char *name, int src)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    char buf[65536];
    for (;;) {
        ssize_t r = read(src, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || (r > 0 && gj_write_all(fd, buf, (size_t)r) < 0)) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
    }
    return seal(fd);
}

char *gj_read_head(int fd, uint64_t max, size_t *len, bool *more)
{
    size_t cap = max > (1u << 20) ? (1u << 20) : (size_t)max, n = 0;
    char *b = malloc(cap + 2);
    if (!b)
        return NULL;
    *more = false;
    for (;;) {
        if (n == cap && (uint64_t)n < max) {
            size_t nc = cap * 2 > max ? (size_t)max : cap * 2;
            char *nb = realloc(b, nc + 2);
            if (!nb)
                return free(b), NULL;
            b = nb;
            cap = nc;
        }
        size_t want = (uint64_t)n < max ? cap - n : 1; /* one byte past max: is there more? */
        ssize_t r = pread(fd, b + n, want, (off_t)n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return free(b), NULL;
        if (r == 0)
            break;
        if ((uint64_t)n >= max) {
            *more = true;
            break;
        }
        n += (size_t)r;
    }
    b[n] = 0;
    *len = n;
    return b;
}

char *gj_read_all(int fd, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *b = malloc(cap + 1);
    while (b) {
        if (n == cap) {
            char *nb = realloc(b, cap * 2 + 1);
            if (!nb)
                return free(b), NULL;
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return free(b), NULL;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (b) {
        b[n] = 0;
        *len = n;
    }
    return b;
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

void gj_close_except(const int *keep, size_t n)
{
    int *k = malloc((n + 1) * sizeof *k);
    if (!k) {
        /* Cannot sort: close one by one what is not kept. */
        for (int fd = 3; fd < 65536; fd++) {
            bool kept = false;
            for (size_t i = 0; i < n; i++)
                kept |= keep[i] == fd;
            if (!kept)
                close(fd);
        }
        return;
    }
    memcpy(k, keep, n * sizeof *k);
    qsort(k, n, sizeof *k, cmp_int);
    unsigned lo = 3;
    for (size_t i = 0; i < n; i++) {
        if (k[i] < (int)lo)
            continue;
        if ((unsigned)k[i] > lo)
            syscall(SYS_close_range, lo, (unsigned)k[i] - 1, 0);
        lo = (unsigned)k[i] + 1;
    }
    syscall(SYS_close_range, lo, ~0U, 0);
    free(k);
}
