/* Class 4 (kernel keyrings across the judge and runs; issue 11 item 9).  Run with a relaxed
 * policy (--syscalls=0: keyctl allowed).  "judge NAME": looks for a "user" key NAME in the
 * session keyring it was given (the test adds one to the keeper's); "plant": adds key
 * "mi-adv-stash" to the box uid's user keyring; "find": looks for it in the user and
 * user-session keyrings (the test runs it after --cleanup and --init).  Expected containment:
 * the program's session keyring is new and empty; --cleanup/--init empty the uid's keyrings;
 * status Success. */
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include "adv_common.h"
static long search(long ring, const char *name)
{
    return syscall(SYS_keyctl, KEYCTL_SEARCH, ring, "user", name, 0L);
}
int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "find";
    if (!strcmp(mode, "judge")) {
        long k = search(KEY_SPEC_SESSION_KEYRING, argc > 2 ? argv[2] : "mi-judge-secret");
        if (k >= 0) {
            char buf[256] = "";
            long n = syscall(SYS_keyctl, KEYCTL_READ, k, buf, sizeof buf - 1, 0L);
            adv_escaped("read the judge's session key: %.*s", (int)(n > 0 ? n : 0), buf);
        } else
            adv_contained("no judge key in the session keyring (%s)", strerror(errno));
    } else if (!strcmp(mode, "plant")) {
        long k = syscall(SYS_add_key, "user", "mi-adv-stash", "run-1-data", 10L,
                         (long)KEY_SPEC_USER_KEYRING);
        printf("info: planted key %ld (%s)\n", k, k < 0 ? strerror(errno) : "ok");
        long k2 = syscall(SYS_add_key, "user", "mi-adv-stash", "run-1-data", 10L,
                          (long)KEY_SPEC_USER_SESSION_KEYRING);
        printf("info: planted key %ld in @us (%s)\n", k2, k2 < 0 ? strerror(errno) : "ok");
    } else {
        long rings[] = {KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING};
        for (int i = 0; i < 2; i++) {
            long k = search(rings[i], "mi-adv-stash");
            if (k >= 0)
                adv_escaped("a key of an earlier run survived in keyring %ld", rings[i]);
            else
                adv_contained("no key of an earlier run in keyring %ld (%s)", rings[i],
                              strerror(errno));
        }
    }
    return adv_escapes ? 42 : 0;
}
