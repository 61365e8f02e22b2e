/* Namespaces and mounts.  Runs in the sandbox's init process: private mount namespace, root.
 *
 * Mounts are made with the new mount API (open_tree/fsopen + mount_setattr + move_mount) on file
 * descriptors: a target is resolved once, inside the new root (RESOLVE_IN_ROOT), so a symlink in
 * a bound directory can never redirect a mount onto the host's tree (the class of runc's
 * CVE-2021-30465), and attributes are applied to the whole bound subtree at once. */
#include "mounts.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/statfs.h>

int mi_tmp_backing_name(const char *inside, char *buf, size_t len)
{
    if (mi_snprintf(buf, len, "%s", inside) < 0)
        return -1;
    for (char *p = buf; *p; p++)
        if (*p == '/')
            *p = ':';
    return 0;
}

static int openat2_path(int dirfd, const char *path, uint64_t oflags, uint64_t resolve)
{
    struct open_how how = {.flags = oflags | O_CLOEXEC, .resolve = resolve};
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* mkdir -p of `path` below the root tmpfs (nothing is mounted yet, so no component can be a
 * symlink or lead into a host directory: we created every one of them). */
static int mkdir_p(int rootfd, const char *path, bool last_is_file, mi_error *err)
{
    char buf[4096];
    if (mi_snprintf(buf, sizeof buf, "%s", path) < 0)
        return mi_fail(err, MI_ERR_IO, ENAMETOOLONG, "Path too long: %s", path);
    for (char *p = buf;; p++) {
        bool end = *p == 0;
        if (*p == '/' || end) {
            char saved = *p;
            *p = 0;
            int r = (end && last_is_file)
                        ? mknodat(rootfd, buf, S_IFREG | 0644, 0)
                        : mkdirat(rootfd, buf, 0755);
            if (r < 0 && errno != EEXIST)
                return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot create mount point /%s", buf);
            *p = saved;
        }
        if (end)
            break;
    }
    return 0;
}

static unsigned rule_attrs(unsigned flags)
{
    /* nosuid everywhere: a setuid binary reachable in the box must not raise privileges. */
    unsigned a = MOUNT_ATTR_NOSUID;
    if (!(flags & MI_DIR_RW))
        a |= MOUNT_ATTR_RDONLY;
    if (!(flags & MI_DIR_DEV))
        a |= MOUNT_ATTR_NODEV;
    if (flags & MI_DIR_NOEXEC)
        a |= MOUNT_ATTR_NOEXEC;
    return a;
}

static int attach(int treefd, int targetfd, unsigned attrs, bool recursive, const char *inside,
                  mi_error *err)
{
    struct mount_attr ma = {.attr_set = attrs};
    if (mount_setattr(treefd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &ma,
                      sizeof ma) < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot set attributes of /%s", inside);
    if (move_mount(treefd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot mount /%s", inside);
    return 0;
}

static int fs_create(const char *type, const char *const *opts, mi_error *err)
{
    int fs = fsopen(type, FSOPEN_CLOEXEC);
    if (fs < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot create %s filesystem", type);
    for (size_t i = 0; opts && opts[i]; i += 2) {
        int r = opts[i + 1] ? fsconfig(fs, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0)
                            : fsconfig(fs, FSCONFIG_SET_FLAG, opts[i], NULL, 0);
        if (r < 0) {
            int e = errno;
            close(fs);
            return mi_fail_errno(err, MI_ERR_IO, e, "Cannot set %s option %s", type, opts[i]);
        }
    }
    if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
        int e = errno;
        close(fs);
        return mi_fail_errno(err, MI_ERR_IO, e, "Cannot create %s filesystem", type);
    }
    int m = fsmount(fs, FSMOUNT_CLOEXEC, 0);
    int e = errno;
    close(fs);
    if (m < 0)
        return mi_fail_errno(err, MI_ERR_IO, e, "Cannot mount %s filesystem", type);
    return m;
}

/* Minimal /dev: the harmless character devices, /dev/shm and the fd links.  The host's /dev
 * would expose every device node and (isolate 1.x) the host's /dev/shm, a cross-box channel. */
static int mount_minidev(int rootfd, const char *inside, int targetfd, unsigned attrs,
                         mi_error *err)
{
    static const char *const opts[] = {"mode", "0755", "size", "64k", "nr_inodes", "64", NULL};
    static const char *const nodes[] = {"null", "zero", "full", "random", "urandom"};
    static const char *const links[][2] = {{"/proc/self/fd", "fd"},
                                           {"/proc/self/fd/0", "stdin"},
                                           {"/proc/self/fd/1", "stdout"},
                                           {"/proc/self/fd/2", "stderr"}};
    int m = fs_create("tmpfs", opts, err);
    if (m < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof nodes / sizeof nodes[0]; i++)
        if (mknodat(m, nodes[i], S_IFREG | 0666, 0) < 0)
            rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot create /dev/%s", nodes[i]);
    for (size_t i = 0; rc == 0 && i < sizeof links / sizeof links[0]; i++)
        if (symlinkat(links[i][0], m, links[i][1]) < 0)
            rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot create /dev/%s", links[i][1]);
    if (rc == 0 && (mkdirat(m, "shm", 01777) < 0 || mkdirat(m, "pts", 0755) < 0 ||
                    fchmodat(m, "shm", 01777, 0) < 0))
        rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot create /dev/shm");
    if (rc == 0)
        rc = attach(m, targetfd, attrs & ~(unsigned)MOUNT_ATTR_RDONLY, false, inside, err);
    close(m);
    if (rc < 0)
        return -1;
    int dev = openat2_path(rootfd, inside, O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT);
    if (dev < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot open /%s", inside);
    for (size_t i = 0; rc == 0 && i < sizeof nodes / sizeof nodes[0]; i++) {
        char src[64];
        snprintf(src, sizeof src, "/dev/%s", nodes[i]);
        int t = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        int tgt = openat2_path(dev, nodes[i], O_PATH | O_NOFOLLOW, RESOLVE_BENEATH);
        if (t < 0 || tgt < 0)
            rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot bind %s", src);
        else
            rc = attach(t, tgt, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false, src + 1, err);
        if (t >= 0)
            close(t);
        if (tgt >= 0)
            close(tgt);
    }
    /* Read-only afterwards: no new nodes, links or files in /dev (only /dev/shm is writable). */
    struct mount_attr ma = {.attr_set = MOUNT_ATTR_RDONLY};
    if (rc == 0 && mount_setattr(dev, "", AT_EMPTY_PATH, &ma, sizeof ma) < 0)
        rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot make /%s read-only", inside);
    close(dev);
    return rc;
}

/* /proc of the box shows the host's kernel, not only the box: like container runtimes' masked and
 * read-only paths, files that reveal kernel addresses, host keys, timers of every process or the
 * kernel log get /dev/null bound over them, and the directories through which root tunes the
 * host kernel are read-only (the box user cannot write them anyway; this keeps it so even if a
 * kernel bug grants root in the box).  `procfd` is the freshly mounted /proc. */
static int mask_proc(int procfd, int nullfd, bool proc_rw, const char *inside, mi_error *err)
{
    static const char *const masked[] = {"kallsyms", "kcore", "kmsg", "keys", "key-users",
                                         "timer_list", "timer_stats", "sched_debug",
                                         "latency_stats", "sysrq-trigger", "vmallocinfo",
                                         "modules", "config.gz"};
    static const char *const readonly[] = {"sys", "irq", "bus", "fs", "acpi", "scsi", "asound",
                                           "sysvipc"};
    int rc = 0, null = -1;
    for (size_t i = 0; rc == 0 && i < sizeof masked / sizeof masked[0]; i++) {
        /* nosuid everywhere, and read-only: the mask is not a way to write to /dev/null's
         * mount either (dev stays allowed so that reading it gives EOF, not EACCES). */
        struct mount_attr na = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                            MOUNT_ATTR_NOEXEC};
        if (null < 0 && ((null = open_tree(nullfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                                                           AT_EMPTY_PATH)) < 0 ||
                         mount_setattr(null, "", AT_EMPTY_PATH, &na, sizeof na) < 0)) {
            rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot mask /%s/%s", inside, masked[i]);
            break;
        }
        /* The name is a constant, resolved in the proc we just mounted: a last component that
         * is not a symlink (without MOVE_MOUNT_T_SYMLINKS it would not be followed anyway). */
        if (move_mount(null, "", procfd, masked[i], MOVE_MOUNT_F_EMPTY_PATH) < 0) {
            if (errno != ENOENT)
                rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot mask /%s/%s", inside,
                                   masked[i]);
            continue; /* not on this kernel: the clone serves the next name */
        }
        close(null);
        null = -1;
    }
    if (null >= 0)
        close(null);
    for (size_t i = 0; rc == 0 && proc_rw && i < sizeof readonly / sizeof readonly[0]; i++) {
        int t = openat2_path(procfd, readonly[i], O_PATH | O_NOFOLLOW | O_DIRECTORY,
                             RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
        if (t < 0)
            continue;
        int b = open_tree(t, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        struct mount_attr ma = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                            MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
        if (b < 0 || mount_setattr(b, "", AT_EMPTY_PATH, &ma, sizeof ma) < 0 ||
            move_mount(b, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot make /%s/%s read-only", inside,
                               readonly[i]);
        if (b >= 0)
            close(b);
        close(t);
    }
    return rc;
}

static int mount_fs(int rootfd, const mi_dir_rule *r, int targetfd, int nullfd, mi_error *err)
{
    unsigned attrs = rule_attrs(r->flags) | MOUNT_ATTR_NOEXEC;
    const char *type = r->outside;
    if (!strcmp(type, "minidev"))
        return mount_minidev(rootfd, r->inside, targetfd, attrs & ~(unsigned)MOUNT_ATTR_NODEV, err);
    const char *const *opts = NULL;
    /* hidepid: the box user sees only its own processes (never the root-owned init). */
    static const char *const proc_opts[] = {"hidepid", "invisible", NULL};
    /* Bounded tmpfs: without --cg its pages are charged to nobody's limit. */
    static const char *const tmpfs_opts[] = {"mode", "1777", "size", "256m", "nr_inodes", "16384",
                                             NULL};
    static const char *const devpts_opts[] = {"newinstance", NULL, "ptmxmode", "0666", "mode",
                                              "0620", NULL};
    if (!strcmp(type, "proc"))
        opts = proc_opts;
    else if (!strcmp(type, "tmpfs")) {
        opts = tmpfs_opts;
        if (r->flags & MI_DIR_NOEXEC)
            attrs |= MOUNT_ATTR_NOEXEC;
        else
            attrs &= ~(unsigned)MOUNT_ATTR_NOEXEC;
    } else if (!strcmp(type, "devpts")) {
        opts = devpts_opts;
        attrs &= ~(unsigned)MOUNT_ATTR_NODEV;
    }
    int m = fs_create(type, opts, err);
    if (m < 0)
        return -1;
    int rc = attach(m, targetfd, attrs, false, r->inside, err);
    close(m);
    if (rc == 0 && opts == proc_opts) {
        int procfd = openat2_path(rootfd, r->inside, O_PATH | O_DIRECTORY,
                                  RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
        rc = procfd < 0 ? mi_fail_errno(err, MI_ERR_IO, errno, "Cannot open /%s", r->inside)
                        : mask_proc(procfd, nullfd, !(attrs & MOUNT_ATTR_RDONLY), r->inside, err);
        if (procfd >= 0)
            close(procfd);
    }
    return rc;
}

/* Could a box have planted this symlink?  Its owner is a box uid, or the directory holding it
 * is one a box uid may write in (a rw share of a host directory): then it is not followed,
 * whatever it points to (issue 11 #16: a program that replaces a directory of its rw share by
 * a link to /etc would get /etc bound at the next run's absolute -d source below that share).
 * Root's links in root's directories (/bin -> usr/bin on merged-/usr hosts) are followed. */
static bool box_planted(const mi_config *c, const struct stat *lnk, const struct stat *dir)
{
    uid_t u = mi_run_uid(c);
    gid_t g = mi_run_gid(c);
    const mi_host_config *h = &c->host;
    bool box_uid = lnk->st_uid == u || (lnk->st_uid >= h->first_uid &&
                                         lnk->st_uid - h->first_uid < h->num_boxes);
    bool dir_box_owned = dir->st_uid == u || (dir->st_uid >= h->first_uid &&
                                               dir->st_uid - h->first_uid < h->num_boxes);
    bool dir_writable = !(dir->st_mode & S_ISVTX) &&
                        ((dir->st_gid == g && (dir->st_mode & S_IWGRP)) ||
                         (dir->st_mode & S_IWOTH));
    return box_uid || dir_box_owned || dir_writable;
}

/* Resolves an absolute path one component at a time (O_PATH|O_NOFOLLOW), following a symlink
 * only when no box could have planted it (box_planted); the target's text is resolved the same
 * way.  Magic links (/proc/PID/fd/N) are read as text, never jumped through.  An O_PATH fd or
 * -1 with errno (ELOOP for a refused link, as RESOLVE_NO_SYMLINKS says). */
static int resolve_abs(const mi_config *c, const char *path)
{
    char buf[2 * PATH_MAX];
    if (mi_snprintf(buf, sizeof buf, "%s", path) < 0)
        return -1;
    int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), links = 0;
    char *p = buf;
    while (dir >= 0) {
        while (*p == '/')
            p++;
        if (!*p)
            return dir;
        char *e = strchrnul(p, '/');
        char save = *e;
        *e = 0;
        int fd = openat(dir, p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st, dst;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
            char target[PATH_MAX], nb[2 * PATH_MAX];
            ssize_t n = -1;
            if (++links > 40 || fstat(dir, &dst) < 0 || box_planted(c, &st, &dst))
                errno = ELOOP;
            else
                n = readlinkat(fd, "", target, sizeof target - 1);
            close(fd);
            fd = -1;
            if (n > 0) {
                target[n] = 0;
                if (mi_snprintf(nb, sizeof nb, "%s/%s", target, save ? e + 1 : "") == 0) {
                    memcpy(buf, nb, sizeof buf);
                    p = buf;
                    if (target[0] == '/') {
                        close(dir);
                        dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                    }
                    continue;
                }
            }
        }
        int e2 = errno;
        close(dir);
        dir = fd;
        errno = e2;
        *e = save;
        p = e;
    }
    return -1;
}

/* Opens the source of a bind rule.  "./x" is relative to the box directory, whose box/ part the
 * previous run wrote: resolve beneath it without symlinks, or a planted link would bind any host
 * path into the box.  Absolute paths are the operator's own, but may lead through a directory a
 * box writes (a rw share): resolve_abs().  They are opened with the caller's filesystem uid and
 * gid, so a setuid caller cannot bind what it cannot read. */
static int open_source(const mi_config *c, int boxfd, const char *out)
{
    if (!strncmp(out, "./", 2))
        return openat2_path(boxfd, out + 2, O_PATH, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                                        RESOLVE_NO_MAGICLINKS);
    bool as_caller = c->caller_uid != 0 || c->caller_gid != 0; /* else already fs ids 0 */
    if (as_caller) {
        setfsgid(c->caller_gid);
        setfsuid(c->caller_uid);
    }
    int fd = resolve_abs(c, out);
    /* O_PATH needs only search permission on the parents: also require that the caller could
     * read the source itself, or a setuid caller could bind a directory it cannot list (its
     * contents would then be one chmod-mistake away from the box). */
    if (fd >= 0 && faccessat(fd, "", R_OK, AT_EMPTY_PATH | AT_EACCESS) < 0) {
        int e2 = errno;
        close(fd);
        fd = -1;
        errno = e2;
    }
    int e = errno;
    if (as_caller) {
        setfsuid(0);
        setfsgid(0);
    }
    errno = e;
    return fd;
}

/* The source of a bind rule: a "tmp" rule's backing directory under <box>/tmp (created by the
 * keeper, owned by the box user: resolved beneath it without symlinks), or open_source().
 * -1 with errno set. */
static int open_rule_source(const mi_config *c, int boxfd, const mi_dir_rule *r)
{
    if (!(r->flags & MI_DIR_TMP))
        return open_source(c, boxfd, r->outside);
    char name[4096], path[4200];
    if (mi_tmp_backing_name(r->inside, name, sizeof name) < 0 ||
        mi_snprintf(path, sizeof path, "tmp/%s", name) < 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return openat2_path(boxfd, path, O_PATH | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
}

/* ---- chroot_dir (--chroot): a prepared directory as the box's root ----
 * The directory is bound read-only, nosuid and nodev, recursively, as the new root instead of the
 * tmpfs; the rules then mount /box, /tmp, /proc, /dev (and any -d rule) onto mount points that
 * must already exist in it: nothing is ever created in the operator's directory.  The default
 * rules that bind the host's /bin, /lib, /lib64 and /usr are skipped (the directory brings its
 * own).  It is opened with the caller's fs uid/gid like any absolute rule source. */
static bool chroot_skips(const mi_config *c, const mi_dir_rule *r)
{
    static const char *const system_dirs[] = {"bin", "lib", "lib64", "usr"};
    if (!c->chroot_dir || (r->flags & (MI_DIR_FS | MI_DIR_TMP)) || !r->outside)
        return false;
    for (size_t i = 0; i < sizeof system_dirs / sizeof system_dirs[0]; i++)
        if (!strcmp(r->inside, system_dirs[i]) && r->outside[0] == '/' &&
            !strcmp(r->outside + 1, system_dirs[i]))
            return true;
    return false;
}

static int chroot_tree(const mi_config *c, int boxfd, mi_error *err)
{
    int src = open_source(c, boxfd, c->chroot_dir);
    if (src < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot open chroot directory %s",
                             c->chroot_dir);
    int t = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    int e = errno;
    close(src);
    if (t < 0)
        return mi_fail_errno(err, MI_ERR_IO, e, "Cannot bind chroot directory %s", c->chroot_dir);
    /* Read-only for the whole subtree: the box may not alter the operator's runtime. */
    struct mount_attr ma = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    if (mount_setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof ma) < 0) {
        e = errno;
        close(t);
        return mi_fail_errno(err, MI_ERR_IO, e, "Cannot make %s read-only", c->chroot_dir);
    }
    return t;
}

/* ---- The box's tree, built once and entered by every run ----
 * Building the tree costs ~30 mounts and a pivot per run (~1 ms, most of a run's overhead).  The
 * part of the tree that no run can change is built once, in the first run's init, whose mount
 * namespace is then kept bound on <box>/mntns (like <box>/netns) until --cleanup.  Later runs
 * enter it with setns() and take a private copy with unshare(CLONE_NEWNS).  What a run can fill
 * or that belongs to its own namespaces is mounted afresh in that copy every run: proc (its PID
 * namespace), every tmpfs (/dev/shm: a file one run leaves there must not reach the next),
 * devpts, mqueue, sysfs.  The kept part is read-only to the box (root tmpfs, /dev tmpfs, system
 * directories) or is the box's own persistent directories (/box, /tmp), exactly as bound by a
 * fresh build.  <box>/mntns.key holds a hash of everything the tree was built from: the rules,
 * the caller's ids, the identity (device, inode, mount) of every source as the caller opens it
 * now, and the host mounts below each source; any difference rebuilds the tree, so a directory
 * replaced on the host, a rule added, a mount made below a bound directory, or a source the
 * caller may no longer read is never served from an old tree. */
static int no_mount_point(const mi_config *c, const mi_dir_rule *r, mi_error *err)
{
    if (c->chroot_dir)
        return mi_fail_errno(err, MI_ERR_IO, errno, "The chroot directory %s has no mount point /%s",
                             c->chroot_dir, r->inside);
    return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot mount %s on /%s",
                         r->outside ? r->outside : "tmp", r->inside);
}

static bool per_run(const mi_dir_rule *r)
{
    return (r->flags & MI_DIR_FS) && strcmp(r->outside, "minidev") != 0;
}

static bool path_overlaps(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;
    return strncmp(a, b, n) == 0 && (la == lb || (la < lb ? b[n] : a[n]) == '/');
}

/* Splitting changes the mount order: a per-run mount would cover a kept one that a later rule
 * placed beneath it, or the reverse.  Such rule sets, and those without the minimal /dev (the
 * masks need its /dev/null), are built whole in every run. */
static bool can_split(const mi_config *c)
{
    bool minidev = false;
    for (size_t i = 0; i < c->n_dirs; i++) {
        const mi_dir_rule *r = &c->dirs[i];
        if ((r->flags & MI_DIR_FS) && !strcmp(r->outside, "minidev") && !strcmp(r->inside, "dev"))
            minidev = true;
        if (!per_run(r))
            continue;
        for (size_t j = i + 1; j < c->n_dirs; j++)
            if (!per_run(&c->dirs[j]) && path_overlaps(r->inside, c->dirs[j].inside))
                return false;
    }
    return minidev;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return mi_fnv(h, s ? s : "\1", (s ? strlen(s) : 1) + 1);
}

static uint64_t fnv_source(uint64_t h, int fd)
{
    struct statx sx;
    memset(&sx, 0, sizeof sx);
    if (fd < 0 || statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_MNT_ID, &sx) < 0)
        return fnv_str(h, "absent");
    uint64_t id[5] = {sx.stx_dev_major, sx.stx_dev_minor, sx.stx_ino, sx.stx_mnt_id,
                      sx.stx_mode & S_IFMT};
    return mi_fnv(h, id, sizeof id);
}

/* Binds are recursive: mounts below a source are part of the tree.  Hash every host mount
 * whose mount point lies below one of `paths` (ID, parent, device, root, mount point), so that
 * one mounted or unmounted there since the tree was built rebuilds it. */
static uint64_t fnv_submounts(uint64_t h, char *const *paths, size_t n)
{
    FILE *f = n ? fopen("/proc/self/mountinfo", "re") : NULL;
    if (!f)
        return n ? 0 : h;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char head[5][4096];
        if (sscanf(line, "%4095s %4095s %4095s %4095s %4095s", head[0], head[1], head[2], head[3],
                   head[4]) != 5)
            continue;
        mi_mountinfo_unescape(head[4]);
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(paths[i]);
            bool below = !strcmp(paths[i], "/") ? head[4][1] != 0
                                                : !strncmp(head[4], paths[i], l) &&
                                                      head[4][l] == '/' && head[4][l + 1];
            if (below) {
                for (int k = 0; k < 5; k++)
                    h = fnv_str(h, head[k]);
                break;
            }
        }
    }
    free(line);
    fclose(f);
    return h;
}

/* The path `fd` was opened at, for fnv_submounts. */
static char *fd_path(int fd)
{
    char link[64], buf[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, sizeof buf - 1);
    if (n <= 0 || n >= (ssize_t)sizeof buf - 1)
        return NULL;
    buf[n] = 0;
    return strdup(buf);
}

uint64_t mi_kept_tree_key(const mi_config *c, const char *box_dir)
{
    if (!can_split(c))
        return 0;
    int boxfd = open(box_dir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (boxfd < 0)
        return 0;
    char **paths = calloc(c->n_dirs + 1, sizeof *paths);
    size_t n_paths = 0;
    if (!paths) {
        close(boxfd);
        return 0;
    }
    uint64_t h = fnv_str(MI_FNV_INIT, MI_VERSION "/tree1");
    uint32_t ids[2] = {(uint32_t)c->caller_uid, (uint32_t)c->caller_gid};
    h = mi_fnv(fnv_str(h, box_dir), ids, sizeof ids);
    h = fnv_str(h, c->chroot_dir);
    if (c->chroot_dir) {
        int fd = open_source(c, boxfd, c->chroot_dir);
        h = fnv_source(h, fd);
        if (fd >= 0 && (paths[n_paths] = fd_path(fd)) != NULL)
            n_paths++;
        if (fd >= 0)
            close(fd);
    }
    for (size_t i = 0; i < c->n_dirs && h; i++) {
        const mi_dir_rule *r = &c->dirs[i];
        h = mi_fnv(fnv_str(fnv_str(h, r->inside), r->outside), &r->flags, sizeof r->flags);
        if ((r->flags & MI_DIR_FS) || chroot_skips(c, r))
            continue;
        int fd = open_rule_source(c, boxfd, r);
        if (fd < 0 && !(r->flags & MI_DIR_MAYBE))
            h = 0; /* the build will fail and say why */
        h = h ? fnv_source(h, fd) : 0;
        if (fd >= 0 && !(r->flags & MI_DIR_NOREC) && (paths[n_paths] = fd_path(fd)) != NULL)
            n_paths++;
        if (fd >= 0)
            close(fd);
    }
    close(boxfd);
    if (h)
        h = fnv_submounts(h, paths, n_paths);
    for (size_t i = 0; i < n_paths; i++)
        free(paths[i]);
    free(paths);
    return h;
}

/* ---- Namespaces kept on a file of the box directory (<box>/netns, <box>/mntns) ---- */

/* Drops every bind on `path` (a box re-initialised over a stale one may have stacked them). */
static void ns_unbind(const char *path)
{
    while (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
        ;
}

/* Binds the namespace `nsfd` on `path` (created if needed); -1 if it could not. */
static int ns_bind(const char *path, int nsfd)
{
    char src[64];
    ns_unbind(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0400);
    if (fd < 0)
        return -1;
    close(fd);
    snprintf(src, sizeof src, "/proc/self/fd/%d", nsfd);
    if (mount(src, path, NULL, MS_BIND, NULL) == 0)
        return 0;
    /* A mount namespace may not be bound where the mount would propagate to other namespaces
     * (EINVAL: namespaces could hold each other in a loop) -- on systemd hosts '/' is shared.
     * Under a private bind of the file onto itself it does not propagate (that bind itself
     * does, as a plain file; the unmount at --cleanup propagates likewise). */
    if (errno != EINVAL || mount(path, path, NULL, MS_BIND, NULL) < 0)
        return -1;
    if (mount(NULL, path, NULL, MS_PRIVATE, NULL) < 0 || mount(src, path, NULL, MS_BIND, NULL) < 0) {
        ns_unbind(path);
        return -1;
    }
    return 0;
}

/* An fd of the namespace kept on `path`, or -1: after a reboot the file is an empty regular
 * file, which setns() must never be given. */
static int ns_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct statfs sf;
    if (fd >= 0 && (fstatfs(fd, &sf) < 0 || sf.f_type != NSFS_MAGIC)) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static int tree_paths(const char *box_dir, char *ns, char *key, size_t len)
{
    return mi_snprintf(ns, len, "%s/mntns", box_dir) < 0 ||
                   mi_snprintf(key, len, "%s/mntns.key", box_dir) < 0
               ? -1
               : 0;
}

int mi_kept_tree_open(const char *box_dir, uint64_t key)
{
    char ns[4200], kp[4200];
    if (!key || tree_paths(box_dir, ns, kp, sizeof ns) < 0)
        return -1;
    uint64_t k = 0;
    int kfd = open(kp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    bool ok = kfd >= 0 && read(kfd, &k, sizeof k) == (ssize_t)sizeof k && k == key;
    if (kfd >= 0)
        close(kfd);
    return ok ? ns_open(ns) : -1;
}

void mi_kept_tree_remove(const char *box_dir)
{
    char ns[4200], kp[4200];
    if (tree_paths(box_dir, ns, kp, sizeof ns) < 0)
        return;
    unlink(kp);
    ns_unbind(ns);
}

void mi_kept_tree_save(const char *box_dir, int nsfd, uint64_t key)
{
    char ns[4200], kp[4200];
    if (tree_paths(box_dir, ns, kp, sizeof ns) < 0)
        return;
    unlink(kp);
    if (ns_bind(ns, nsfd) < 0)
        return;
    if (mi_replace_file_at(AT_FDCWD, kp, &key, sizeof key, NULL, 0) < 0)
        mi_kept_tree_remove(box_dir);
}

/* A per-run filesystem a run can leave something in: tmpfs (files), devpts (the next pty
 * number), mqueue (queues; it also belongs to the IPC namespace renewed with it).  proc and sysfs
 * keep nothing of a run: a resident box keeps them, and /proc's masks with them. */
static bool holds_state(const mi_dir_rule *r)
{
    return strcmp(r->outside, "proc") != 0 && strcmp(r->outside, "sysfs") != 0;
}

static int per_run_mounts(const mi_config *c, bool again, mi_error *err)
{
    int rootm = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootm < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot open the box root");
    /* The masks clone the box's /dev/null, a bind of the host's; make sure it is that device. */
    int nullfd = openat2_path(rootm, "dev/null", O_PATH | O_NOFOLLOW,
                              RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
    struct stat st;
    int rc = 0;
    if (nullfd < 0 || fstat(nullfd, &st) < 0 || !S_ISCHR(st.st_mode) ||
        st.st_rdev != makedev(1, 3))
        rc = mi_fail(err, MI_ERR_IO, ENODEV, "The box's /dev/null is not the null device");
    for (size_t i = 0; rc == 0 && i < c->n_dirs; i++) {
        const mi_dir_rule *r = &c->dirs[i];
        if (!per_run(r) || (again && !holds_state(r)))
            continue;
        int tgt = openat2_path(rootm, r->inside, O_PATH | O_NOFOLLOW,
                               RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        if (tgt < 0)
            rc = no_mount_point(c, r, err);
        else {
            rc = mount_fs(rootm, r, tgt, nullfd, err);
            close(tgt);
        }
    }
    if (nullfd >= 0)
        close(nullfd);
    close(rootm);
    return rc;
}

int mi_mounts_per_run(const mi_config *c, mi_error *err)
{
    return per_run_mounts(c, false, err);
}

bool mi_mounts_can_split(const mi_config *c)
{
    return can_split(c);
}

int mi_mounts_per_run_again(const mi_config *c, mi_error *err)
{
    /* What a run left in a per-run filesystem (a file in /dev/shm) must not reach the next:
     * each that can hold something is detached, newest first, and mounted anew.  The program
     * cannot have mounted anything itself (no CAP_SYS_ADMIN), so these are the only mounts on
     * those paths. */
    for (size_t i = c->n_dirs; i-- > 0;) {
        const mi_dir_rule *r = &c->dirs[i];
        char path[4200];
        if (!per_run(r) || !holds_state(r))
            continue;
        snprintf(path, sizeof path, "/%s", r->inside);
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
            return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot unmount %s", path);
    }
    return per_run_mounts(c, true, err);
}

int mi_mounts_setup(const mi_config *c, const char *box_dir, bool split, mi_error *err)
{
    /* Nothing we mount may propagate back to the host's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot make mounts private");
    int boxfd = open(box_dir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (boxfd < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot open %s", box_dir);
    /* The host's /dev/null, for the /proc masks (not whatever a rule put at the box's /dev). */
    int nullfd = split ? -1 : open("/dev/null", O_PATH | O_CLOEXEC);
    if (!split && nullfd < 0) {
        close(boxfd);
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot open /dev/null");
    }
    /* The new root is a small tmpfs attached at <box>/root (root-owned, outside /box), holding
     * only mount points. */
    static const char *const root_opts[] = {"mode", "0755", "size", "1m", "nr_inodes", "4096", NULL};
    int m = c->chroot_dir ? chroot_tree(c, boxfd, err) : fs_create("tmpfs", root_opts, err);
    if (m < 0) {
        close(boxfd);
        return -1;
    }
    int rc = 0, rootm = -1;
    if (move_mount(m, "", boxfd, "root", MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
        (rootm = openat2_path(boxfd, "root", O_PATH | O_DIRECTORY,
                              RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)) < 0)
        rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot mount the box root on %s/root", box_dir);
    close(m);
    int *src = calloc(c->n_dirs + 1, sizeof *src);
    if (rc == 0 && !src)
        rc = mi_fail(err, MI_ERR_IO, ENOMEM, "out of memory");
    /* Pass 1: open every source and create every mount point, before anything is mounted, so
     * that no mount point is ever created inside a bound host directory. */
    for (size_t i = 0; rc == 0 && i < c->n_dirs; i++) {
        const mi_dir_rule *r = &c->dirs[i];
        src[i] = -1;
        bool is_file = false;
        if (chroot_skips(c, r))
            continue;
        if (r->flags & MI_DIR_TMP) {
            if ((src[i] = open_rule_source(c, boxfd, r)) < 0)
                rc = errno == ENAMETOOLONG
                         ? mi_fail(err, MI_ERR_IO, ENAMETOOLONG, "Path too long: %s", r->inside)
                         : mi_fail_errno(err, MI_ERR_IO, errno,
                                         "Cannot open temporary directory for /%s", r->inside);
        } else if (!(r->flags & MI_DIR_FS)) {
            src[i] = open_rule_source(c, boxfd, r);
            if (src[i] < 0) {
                if (r->flags & MI_DIR_MAYBE)
                    continue;
                rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot mount %s on /%s", r->outside,
                                   r->inside);
                break;
            }
            struct stat st;
            if (fstat(src[i], &st) < 0)
                rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot stat %s", r->outside);
            is_file = !S_ISDIR(st.st_mode);
        }
        if (rc == 0 && !c->chroot_dir)
            rc = mkdir_p(rootm, r->inside, is_file, err);
    }
    /* Pass 2: mount in rule order; targets are resolved inside the new root. */
    for (size_t i = 0; rc == 0 && i < c->n_dirs; i++) {
        const mi_dir_rule *r = &c->dirs[i];
        bool is_fs = r->flags & MI_DIR_FS;
        if (!is_fs && src[i] < 0)
            continue; /* "maybe" and missing */
        if (split && per_run(r))
            continue; /* mi_mounts_per_run */
        int tgt = openat2_path(rootm, r->inside, O_PATH | O_NOFOLLOW,
                               RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        if (tgt < 0) {
            rc = no_mount_point(c, r, err);
            break;
        }
        if (is_fs)
            rc = mount_fs(rootm, r, tgt, nullfd, err);
        else {
            bool rec = !(r->flags & MI_DIR_NOREC);
            int t = open_tree(src[i], "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
                                              (rec ? AT_RECURSIVE : 0));
            if (t < 0)
                rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot bind %s",
                                   r->outside ? r->outside : r->inside);
            else {
                rc = attach(t, tgt, rule_attrs(r->flags), rec, r->inside, err);
                close(t);
            }
        }
        close(tgt);
    }
    for (size_t i = 0; src && i < c->n_dirs; i++)
        if (src[i] >= 0)
            close(src[i]);
    free(src);
    close(boxfd);
    if (nullfd >= 0)
        close(nullfd);
    /* The root itself is read-only: the program may not create files next to /box. */
    if (rc == 0) {
        struct mount_attr ma = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                            MOUNT_ATTR_NODEV};
        if (mount_setattr(rootm, "", AT_EMPTY_PATH, &ma, sizeof ma) < 0)
            rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot make the root read-only");
    }
    /* pivot_root(".", "."): the old root is stacked under the new one and then detached, so
     * no path to the host's tree remains in this namespace. */
    if (rc == 0 && (fchdir(rootm) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
                    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0))
        rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot pivot into the box root");
    if (rootm >= 0)
        close(rootm);
    return rc;
}

int mi_net_loopback_up(mi_error *err)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return mi_fail_errno(err, MI_ERR_IO, errno, "Cannot create socket");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int rc = 0;
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot get flags of lo");
    else {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
            rc = mi_fail_errno(err, MI_ERR_IO, errno, "Cannot bring lo up");
    }
    close(s);
    return rc;
}

static int netns_path(const char *box_dir, char *buf, size_t len)
{
    return mi_snprintf(buf, len, "%s/netns", box_dir);
}

void mi_netns_save(const char *box_dir, int nsfd)
{
    char path[4200];
    if (netns_path(box_dir, path, sizeof path) == 0)
        (void)ns_bind(path, nsfd); /* else the next run makes a fresh one */
}

void mi_netns_remove(const char *box_dir)
{
    char path[4200];
    if (netns_path(box_dir, path, sizeof path) == 0)
        ns_unbind(path);
}

int mi_netns_open(const char *box_dir)
{
    char path[4200];
    return netns_path(box_dir, path, sizeof path) < 0 ? -1 : ns_open(path);
}
