/* The library's error convention: see mini-isolate.h. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int vfail(mi_error *err, mi_error_kind kind, int errnum, bool with_errno, const char *fmt,
                 va_list ap)
{
    if (err) {
        err->kind = kind;
        err->sys_errno = errnum;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        if (with_errno) {
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum));
        }
    }
    return -1;
}

int mi_fail(mi_error *err, mi_error_kind kind, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, kind, errnum, false, fmt, ap);
    va_end(ap);
    return -1;
}

int mi_fail_errno(mi_error *err, mi_error_kind kind, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, kind, errnum, true, fmt, ap);
    va_end(ap);
    return -1;
}

const char *mi_error_kind_name(mi_error_kind kind)
{
    switch (kind) {
    case MI_ERR_NONE: return "None";
    case MI_ERR_IO: return "Io";
    case MI_ERR_CGROUP: return "Cgroup";
    case MI_ERR_CONFIG: return "Config";
    case MI_ERR_PROCESS: return "Process";
    case MI_ERR_USAGE: return "Usage";
    }
    return "Unknown";
}

int mi_snprintf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int mi_read_file_at(int dirfd, const char *name, char *buf, size_t len)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t n = read(fd, buf + got, len - 1 - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    buf[got] = 0;
    close(fd);
    return 0;
}

int mi_write_file_at(int dirfd, const char *name, const char *data)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    size_t len = strlen(data);
    ssize_t n = write(fd, data, len);
    int e = n < 0 ? errno : ((size_t)n != len ? EIO : 0);
    close(fd);
    return -e;
}

int mi_replace_file_at(int dirfd, const char *name, const void *a, size_t alen, const void *b,
                       size_t blen)
{
    char tmp[4300];
    if (mi_snprintf(tmp, sizeof tmp, "%s.%d", name, (int)getpid()) < 0)
        return -1;
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    bool ok = write(fd, a, alen) == (ssize_t)alen && (!blen || write(fd, b, blen) == (ssize_t)blen);
    close(fd);
    if (ok && renameat(dirfd, tmp, dirfd, name) == 0)
        return 0;
    unlinkat(dirfd, tmp, 0);
    return -1;
}

int mi_read_file(const char *path, char *buf, size_t len)
{
    return mi_read_file_at(AT_FDCWD, path, buf, len);
}

int mi_write_file(const char *path, const char *data)
{
    return mi_write_file_at(AT_FDCWD, path, data);
}

char *mi_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

double mi_now_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mi_mountinfo_unescape(char *s)
{
    char *d = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else
            *d++ = *s;
    }
    *d = 0;
}
