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

/* In a child that has become the box uid: the uid's own keyrings, if it has any, are cleared;
 * their keys, linked nowhere else, are garbage-collected by the kernel. */
static __attribute__((noreturn)) void drop_as(uid_t uid, gid_t gid)
{
    if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
        _exit(1);
    int bad = 0;
    /* Looked up without creating them: a keyring made here would live as long as the system
     * (the user namespace keeps it), and every key on the host slows the kernel's key garbage
     * collector, which walks them all whenever a key dies (each run's session keyring). */
    static const long rings[2] = {KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING};
    for (int i = 0; i < 2; i++) {
        long id = keyctl3(KEYCTL_GET_KEYRING_ID, rings[i], 0);
        if (id < 0 ? errno != ENOKEY && errno != ENOSYS : keyctl3(KEYCTL_CLEAR, id, 0) < 0)
            bad = 1;
    }
    /* The persistent keyring is reached by linking it somewhere: into this child's process
     * keyring, which dies with it.  EOPNOTSUPP: no persistent keyrings in this kernel. */
    long p = keyctl3(KEYCTL_GET_PERSISTENT, -1L, KEY_SPEC_PROCESS_KEYRING);
    if (p >= 0 && keyctl3(KEYCTL_CLEAR, p, 0) < 0)
        bad = 1;
    _exit(bad);
}

int mi_keys_drop(uid_t uid, gid_t gid, mi_error *err)
{
    if (uid == 0)
        return 0; /* never root's keys */
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
