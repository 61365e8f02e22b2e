/* Landlock as an extra layer.  The mount tree already makes everything outside the rw rules
 * read-only; Landlock fences the same writes by path, so that a file descriptor reaching the
 * host's tree (a directory fd passed with --inherit-fds: runc CVE-2024-21626 is this class) or a
 * kernel bug in the mount flags does not turn into a write outside the box. */
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

int mi_landlock_abi(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi < 0 ? -errno : (int)abi;
}

static int add(int ruleset, const char *path, uint64_t dir_access, uint64_t file_access)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return 0; /* a "maybe" rule that was skipped: nothing to allow */
    struct stat st;
    struct landlock_path_beneath_attr pb = {.parent_fd = fd};
    pb.allowed_access = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) ? dir_access : file_access;
    long r = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    int e = errno;
    close(fd);
    return r < 0 ? -e : 0;
}

int mi_landlock_apply(const mi_config *c, const char **what)
{
    /* Only where a path can lead outside the mount tree: descriptors the caller passes with
     * --inherit-fds.  Everywhere else the mount flags already fence writes, and Landlock would
     * also refuse POSIX message queues (mq_open creates files on the ipc namespace's internal
     * mount, which no rule can name). */
    if (!c->inherit_fds)
        return 0;
    int abi = mi_landlock_abi();
    if (abi < 1)
        return 0; /* the kernel has no Landlock: --check-environment says so */
    uint64_t file = LANDLOCK_ACCESS_FS_WRITE_FILE | (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
    uint64_t dir = file | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                   LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
                   LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
                   LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                   LANDLOCK_ACCESS_FS_MAKE_SYM | (abi >= 2 ? LANDLOCK_ACCESS_FS_REFER : 0);
    struct landlock_ruleset_attr attr = {.handled_access_fs = dir};
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (rs < 0) {
        *what = "landlock_create_ruleset";
        return -errno;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < c->n_dirs; i++) {
        const mi_dir_rule *r = &c->dirs[i];
        char path[4200];
        if (snprintf(path, sizeof path, "/%s", r->inside) >= (int)sizeof path)
            continue;
        if (r->flags & MI_DIR_RW)
            rc = add(rs, path, dir, file);
        /* Device files are written (/dev/null...), never created: mknod needs CAP_MKNOD. */
        else if ((r->flags & MI_DIR_DEV) || !strcmp(r->inside, "dev"))
            rc = add(rs, path, file, file);
    }
    if (rc < 0)
        *what = "landlock_add_rule";
    else if (syscall(SYS_landlock_restrict_self, rs, 0) < 0) {
        rc = -errno;
        *what = "landlock_restrict_self";
    }
    close(rs);
    return rc;
}
