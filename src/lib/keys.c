/* Kernel keyrings of the box's uid.
 *
 * Keyrings are not namespaced: the user keyring (@u), the user-session keyring (@us) and the
 * persistent keyring of a uid live in the kernel as long as the system does, whatever happens
 * to the processes.  With a relaxed syscall policy (keyctl allowed) a run could leave a key
 * there for a later run of the same box -- or another caller's box with the same id -- to
 * read: a channel across runs.  --init and --cleanup empty them (the default policy refuses
 * keyctl, so this only matters for relaxed policies). */
#include "box.h"
#include "internal.h"

#include <errno.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long keyctl3(int op, long a, long b)
{
    return syscall(SYS_keyctl, op, a, b, 0L, 0L);
}

/* A keyring an earlier drop invalidated is found until the kernel has collected it. */
static bool dead(int e)
{
    return e == EKEYREVOKED || e == ENOKEY || e == EKEYEXPIRED || e == ENOSYS;
}

/* In a child that has become the box uid: its user, user-session and persistent keyrings are
 * invalidated -- their keys go with them, and the kernel garbage-collects the keyrings
 * themselves, so none is left behind (a uid's next lookup makes new, empty ones).  Clearing
 * would keep them: every keyring left on the host slows the kernel's key garbage collector,
 * which walks all keys whenever one dies (each run's session keyring). */
static __attribute__((noreturn)) void drop_as(uid_t uid, gid_t gid)
{
    if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
        _exit(1);
    int bad = 0;
    /* All three are looked up before any is invalidated: a lookup after the user keyring is
     * dead would make a new pair and leave the old user-session keyring, keys and all, where a
     * later lookup may still find it.  Each is emptied first, so whichever a lookup finds until
     * the kernel has collected them is empty.  The persistent keyring is reached by linking it
     * into this child's process keyring, which dies with it (EOPNOTSUPP: none in this kernel). */
    long ids[3];
    int errs[3];
    for (int i = 0; i < 3; i++) {
        ids[i] = i == 0   ? keyctl3(KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 1)
                 : i == 1 ? keyctl3(KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_SESSION_KEYRING, 1)
                          : keyctl3(KEYCTL_GET_PERSISTENT, -1L, KEY_SPEC_PROCESS_KEYRING);
        errs[i] = errno;
    }
    for (int i = 0; i < 3; i++) {
        if (ids[i] < 0) {
            bad |= i < 2 && !dead(errs[i]);
            continue;
        }
        if (keyctl3(KEYCTL_CLEAR, ids[i], 0) < 0 && !dead(errno))
            bad = 1;
        if (keyctl3(KEYCTL_INVALIDATE, ids[i], 0) < 0 && !dead(errno))
            bad = 1;
    }
    _exit(bad);
}

/* Whether uid has any key at all (its line in /proc/key-users).  A uid without one has nothing
 * to drop, and any lookup of its keyrings would create them. */
static bool has_keys(uid_t uid)
{
    FILE *f = fopen("/proc/key-users", "re");
    if (!f)
        return true; /* cannot tell: drop */
    char line[256];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned u;
        found = sscanf(line, " %u:", &u) == 1 && u == (unsigned)uid;
    }
    fclose(f);
    return found;
}

int mi_keys_drop(uid_t uid, gid_t gid, mi_error *err)
{
    if (uid == 0 || !has_keys(uid))
        return 0; /* never root's keys; none to drop */
    pid_t pid = fork();
    if (pid < 0)
        return mi_fail_errno(err, MI_ERR_PROCESS, errno, "fork");
    if (pid == 0)
        drop_as(uid, gid);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return mi_fail_errno(err, MI_ERR_PROCESS, errno, "waitpid");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return mi_fail(err, MI_ERR_PROCESS, 0, "Cannot drop the kernel keys of uid %u",
                       (unsigned)uid);
    return 0;
}
