/* Class 3 (new syscalls missing from deny-lists: openat2, faccessat2).  argv[1] = host path of a
 * secret.  openat2 on it (no RESOLVE_ flags, and RESOLVE_NO_XDEV), openat2 of "../.." from /box,
 * faccessat2 on it.  Expected containment: the calls are allowed but see only the box's mount
 * tree: ENOENT; status Success. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    const char *secret = argc > 1 ? argv[1] : "/etc/shadow";
    struct open_how how = {.flags = O_RDONLY};
    adv_must_fail("openat2(secret)", syscall(SYS_openat2, AT_FDCWD, secret, &how, sizeof how));
    char p[4200];
    snprintf(p, sizeof p, "../../../..%s", secret);
    adv_must_fail("openat2(../../../../secret)", syscall(SYS_openat2, AT_FDCWD, p, &how, sizeof how));
    adv_must_fail("faccessat2(secret)", syscall(SYS_faccessat2, AT_FDCWD, secret, R_OK, 0));
    return adv_done();
}
