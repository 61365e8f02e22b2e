/* Host-side walks of trees the sandboxed program controlled.
 *
 * The keeper runs as root and the box's files were written by a hostile program.  Judge0's
 * CVE-2024-28185/-28189 were a host side following a symlink planted in the box (write, chown);
 * so every step here works on directory file descriptors with O_NOFOLLOW/AT_SYMLINK_NOFOLLOW,
 * and never steps onto another mount (a bind mount into the tree would otherwise make "rm -rf"
 * delete host files).  Depth is bounded: directories deeper than MAX_DEPTH are moved up to the
 * top of the tree and processed from there, so a program cannot exhaust our stack or fds with
 * a 100000-level tree. */
#include "fstree.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_DEPTH 64

struct walk {
    int topfd;
    dev_t dev;
    uint64_t mnt_id; /* mount id of the tree's top, 0 if the kernel cannot tell */
    unsigned long flat_seq;
    bool again; /* something was moved to the top and needs another pass */
    mi_error *err;
};

/* Move a too-deep directory to the top of the tree under a fresh name. */
static int flatten(struct walk *w, int dirfd, const char *name)
{
    char nn[64];
    for (;;) {
        snprintf(nn, sizeof nn, ".mi-deep-%lu", w->flat_seq++);
        if (renameat2(dirfd, name, w->topfd, nn, RENAME_NOREPLACE) == 0)
            break;
        if (errno != EEXIST)
            return mi_fail_errno(w->err, MI_ERR_IO, errno, "Cannot move deep directory %s", name);
    }
    w->again = true;
    return 0;
}

/* A DIR stream over a dup of dirfd.  The dup shares the file offset with dirfd, so a
 * directory that was already read to the end (the hand-over walk, an earlier pass) would list
 * as empty: rewind it, or the hand-back after a run would silently skip every file. */
static DIR *open_dir_stream(int dirfd)
{
    int dupfd = dup(dirfd);
    DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
    if (!d && dupfd >= 0)
        close(dupfd);
    if (d)
        rewinddir(d);
    return d;
}

/* Mount id of dirfd/name (name "" = dirfd itself), 0 if unknown (kernel < 5.8). */
static uint64_t mount_id(int dirfd, const char *name)
{
    struct statx sx;
    if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name ? 0 : AT_EMPTY_PATH),
              STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
        return 0;
    return sx.stx_mnt_id;
}

/* Is dirfd/name on another mount than the tree's top?  st_dev alone misses a bind mount of a
 * directory of the same file system (a bind of a host directory under /tmp into a box under
 * /tmp): "rm -rf" of the box would then empty the host directory.  The mount id catches it. */
static bool other_mount(const struct walk *w, int dirfd, const char *name, const struct stat *st)
{
    if (st->st_dev != w->dev)
        return true;
    return w->mnt_id != 0 && mount_id(dirfd, name) != w->mnt_id;
}

static int open_subdir(int dirfd, const char *name)
{
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Remove everything inside dirfd. */
static int rm_contents(struct walk *w, int dirfd, int depth)
{
    DIR *d = open_dir_stream(dirfd);
    if (!d)
        return mi_fail_errno(w->err, MI_ERR_IO, errno, "Cannot read directory");
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (errno = 0, de = readdir(d))) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        struct stat st;
        if (fstatat(dirfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue;
            rc = mi_fail_errno(w->err, MI_ERR_IO, errno, "Cannot stat %s", n);
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (unlinkat(dirfd, n, 0) < 0 && errno != ENOENT)
                rc = mi_fail_errno(w->err, MI_ERR_IO, errno, "Cannot remove %s", n);
            continue;
        }
        if (other_mount(w, dirfd, n, &st)) {
            rc = mi_fail(w->err, MI_ERR_IO, EXDEV,
                         "Refusing to remove %s: another file system is mounted there", n);
            break;
        }
        if (depth >= MAX_DEPTH) {
            rc = flatten(w, dirfd, n);
            continue;
        }
        int sub = open_subdir(dirfd, n);
        if (sub < 0) {
            rc = mi_fail_errno(w->err, MI_ERR_IO, errno, "Cannot open %s", n);
            break;
        }
        /* A directory we cannot list (mode 000) is still ours to remove. */
        fchmod(sub, 0700);
        rc = rm_contents(w, sub, depth + 1);
        close(sub);
        if (rc == 0 && unlinkat(dirfd, n, AT_REMOVEDIR) < 0 && errno != ENOENT)
            rc = mi_fail_errno(w->err, MI_ERR_IO, errno, "Cannot remove directory %s", n);
    }
    if (rc == 0 && errno)
        rc = mi_fail_errno(w->err, MI_ERR_IO, errno, "Cannot read directory");
    closedir(d);
    return rc;
}

int mi_tree_remove(int parentfd, const char *name, mi_error *err)
{
    struct stat pst, st;
    if (fstat(parentfd, &pst) < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot stat parent of %s", name);
    if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : mi_fail_errno(err, MI_ERR_IO, errno, "Cannot stat %s", name);
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(parentfd, name, 0) < 0 && errno != ENOENT)
            return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot remove %s", name);
        return 0;
    }
    struct walk pw = {.dev = pst.st_dev, .mnt_id = mount_id(parentfd, "")};
    if (other_mount(&pw, parentfd, name, &st))
        return mi_fail(err, MI_ERR_IO, EXDEV, "Refusing to remove %s: it is a mount point", name);
    int fd = open_subdir(parentfd, name);
    if (fd < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot open %s", name);
    fchmod(fd, 0700);
    struct walk w = {.topfd = fd, .dev = st.st_dev, .mnt_id = pw.mnt_id, .err = err};
    int rc;
    do {
        w.again = false;
        rc = rm_contents(&w, fd, 0);
    } while (rc == 0 && w.again);
    close(fd);
    if (rc == 0 && unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot remove directory %s", name);
    return rc;
}

int mi_tree_empty(int dirfd, mi_error *err)
{
    struct stat st;
    if (fstat(dirfd, &st) < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot stat directory");
    struct walk w = {.topfd = dirfd, .dev = st.st_dev, .mnt_id = mount_id(dirfd, ""), .err = err};
    int rc;
    do {
        w.again = false;
        rc = rm_contents(&w, dirfd, 0);
    } while (rc == 0 && w.again);
    return rc;
}

struct chown_walk {
    struct walk w;
    uid_t from, to;
    gid_t gid;
    bool keep_special;
    bool give_back; /* hand-back: the caller gets its access to every file back */
    unsigned long copy_seq;
};

/* chmod of what an O_PATH descriptor names (fchmod() refuses O_PATH descriptors). */
static int fd_chmod(int fd, mode_t mode)
{
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
    if (syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0)
        return 0;
    if (errno != ENOSYS && errno != EINVAL)
        return -1;
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    return chmod(p, mode);
}

/* The mode an entry may keep.  A setuid or setgid file the program (or a setuid caller) left
 * is a door into the box uid or the caller's uid for any host user who can reach it (issue 11
 * #4): the bits go.  File capabilities go with the chown (the kernel drops security.capability
 * on every chown of a non-directory, even to the same owner).  On the hand-back the caller
 * gets read/write (and search) access back: a program that chmods its output 000 must not
 * make the judge's next steps fail (#15). */
static mode_t kept_mode(const struct chown_walk *c, const struct stat *st)
{
    mode_t m = st->st_mode & 07777 & ~(mode_t)(S_ISUID | S_ISGID);
    if (c->give_back)
        m |= S_ISDIR(st->st_mode) ? S_IRWXU : (S_IRUSR | S_IWUSR);
    return m;
}

/* Copy the file open as src (O_PATH) into a fresh file in dirfd; returns its name in tmp. */
static int copy_file(struct chown_walk *c, int dirfd, int src, const struct stat *st,
                     char *tmp, size_t len)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", src);
    int in = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (in < 0)
        return -1;
    int out = -1;
    for (int i = 0; out < 0 && i < 1000; i++) {
        snprintf(tmp, len, ".mi-copy-%lu", c->copy_seq++);
        out = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0 && errno != EEXIST)
            break;
    }
    int rc = out < 0 ? -1 : 0;
    for (off_t done = 0; rc == 0 && done < st->st_size;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)(st->st_size - done), 0);
        if (n <= 0)
            rc = -1; /* n == 0: the file shrank under us, the copy is short: give up */
        done += n > 0 ? n : 0;
    }
    int e = errno;
    close(in);
    if (out >= 0 && (close(out) < 0 || rc < 0))
        unlinkat(dirfd, tmp, 0), rc = -1;
    errno = e;
    return rc;
}

/* A regular file with more than one link has names outside our walk: typically the judge's
 * master copy hard-linked into box/ to save a copy.  Handing that inode to the box uid would
 * let the program rewrite the master (#7); so the box's name is replaced by a private copy,
 * and the other names keep the original, untouched.  *fd and *st then describe the copy. */
static int break_link(struct chown_walk *c, int dirfd, const char *name, int *fd,
                      struct stat *st)
{
    char tmp[64];
    if (copy_file(c, dirfd, *fd, st, tmp, sizeof tmp) < 0)
        return mi_fail_errno(c->w.err, MI_ERR_IO, errno,
                             "Cannot copy hard-linked file %s (it has %lu links)", name,
                             (unsigned long)st->st_nlink);
    int nfd = openat(dirfd, tmp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (nfd < 0 || fd_chmod(nfd, st->st_mode & 0777) < 0 || fstat(nfd, st) < 0 ||
        fchownat(nfd, "", c->from, (gid_t)-1, AT_EMPTY_PATH) < 0 ||
        renameat(dirfd, tmp, dirfd, name) < 0) {
        int e = errno;
        if (nfd >= 0)
            close(nfd);
        unlinkat(dirfd, tmp, 0);
        return mi_fail_errno(c->w.err, MI_ERR_IO, e, "Cannot replace hard-linked file %s", name);
    }
    close(*fd);
    *fd = nfd;
    st->st_uid = c->from;
    st->st_nlink = 1;
    return 0;
}

/* Everything after the check acts on the descriptor the check was made on, never on the name
 * again: a setuid caller owns box/ during the hand-over and can swap a name for a hard link to
 * root's file between a check and a chown by name (#6). */
static int chown_fd(struct chown_walk *c, int dirfd, const char *name, int *fd, struct stat *st)
{
    /* Only what the previous owner owns: a hard link to a file of someone else (root's, say)
     * must never change hands, nor lose its setuid bit. */
    if (st->st_uid != c->from)
        return 0;
    if (S_ISREG(st->st_mode) && st->st_nlink > 1 && break_link(c, dirfd, name, fd, st) < 0)
        return -1;
    if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) && st->st_nlink > 1)
        return 0; /* a special file (--special-files) linked elsewhere: leave it alone */
    mode_t m = kept_mode(c, st);
    if (!S_ISLNK(st->st_mode) && m != (st->st_mode & 07777) && fd_chmod(*fd, m) < 0)
        return mi_fail_errno(c->w.err, MI_ERR_IO, errno, "Cannot chmod %s", name);
    if ((c->from != c->to || st->st_gid != c->gid) &&
        fchownat(*fd, "", c->to, c->gid, AT_EMPTY_PATH) < 0)
        return mi_fail_errno(c->w.err, MI_ERR_IO, errno, "Cannot chown %s", name);
    return 0;
}

static int chown_contents(struct chown_walk *c, int dirfd, int depth);

static int chown_one(struct chown_walk *c, int dirfd, const char *n, int depth)
{
    int fd = openat(dirfd, n, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : mi_fail_errno(c->w.err, MI_ERR_IO, errno, "Cannot open %s", n);
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        rc = mi_fail_errno(c->w.err, MI_ERR_IO, errno, "Cannot stat %s", n);
    } else if (S_ISREG(st.st_mode)) {
        rc = chown_fd(c, dirfd, n, &fd, &st);
    } else if (!S_ISDIR(st.st_mode)) {
        /* Symlinks, FIFOs, sockets, devices: traps for whoever reads the box next.  Removing
         * a name is safe even if it was swapped: only a directory entry goes. */
        if (!c->keep_special) {
            if (unlinkat(dirfd, n, 0) < 0 && errno != ENOENT)
                rc = mi_fail_errno(c->w.err, MI_ERR_IO, errno, "Cannot remove %s", n);
        } else
            rc = chown_fd(c, dirfd, n, &fd, &st);
    } else if (other_mount(&c->w, fd, "", &st)) {
        rc = mi_fail(c->w.err, MI_ERR_IO, EXDEV, "Refusing to enter %s: a mount point", n);
    } else if (depth >= MAX_DEPTH) {
        /* Pathological nesting: give nothing back of it. */
        rc = mi_tree_remove(dirfd, n, c->w.err);
    } else {
        rc = chown_fd(c, dirfd, n, &fd, &st);
        int sub = rc == 0 ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (rc == 0 && sub < 0)
            rc = mi_fail_errno(c->w.err, MI_ERR_IO, errno, "Cannot open %s", n);
        if (sub >= 0) {
            rc = chown_contents(c, sub, depth + 1);
            close(sub);
        }
    }
    close(fd);
    return rc;
}

static int chown_contents(struct chown_walk *c, int dirfd, int depth)
{
    DIR *d = open_dir_stream(dirfd);
    if (!d)
        return mi_fail_errno(c->w.err, MI_ERR_IO, errno, "Cannot read directory");
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (errno = 0, de = readdir(d))) {
        const char *n = de->d_name;
        if (strcmp(n, ".") && strcmp(n, ".."))
            rc = chown_one(c, dirfd, n, depth);
    }
    if (rc == 0 && errno)
        rc = mi_fail_errno(c->w.err, MI_ERR_IO, errno, "Cannot read directory");
    closedir(d);
    return rc;
}

int mi_tree_chown(int dirfd, uid_t from_uid, uid_t to_uid, gid_t to_gid, unsigned flags,
                  mi_error *err)
{
    struct stat st;
    if (fstat(dirfd, &st) < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot stat box directory");
    struct chown_walk c = {.w = {.topfd = dirfd, .dev = st.st_dev,
                                 .mnt_id = mount_id(dirfd, ""), .err = err},
                           .from = from_uid, .to = to_uid, .gid = to_gid,
                           .keep_special = flags & MI_TREE_KEEP_SPECIAL,
                           .give_back = flags & MI_TREE_GIVE_BACK};
    /* The top (box/, a tmp backing directory) is 0700 at every hand-over and hand-back,
     * whatever the program made of it: no other host user may traverse it to run what the
     * program left there (#4). */
    if (st.st_uid == from_uid && fchown(dirfd, to_uid, to_gid) < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot chown box directory");
    if ((st.st_mode & 07777) != 0700 && fchmod(dirfd, 0700) < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot chmod box directory");
    return chown_contents(&c, dirfd, 0);
}
