/* Class 3/4 (keyrings: kernel surface and a cross-box channel, since the user keyring is per uid
 * and survives the run).  add_key("user", ..., @u), keyctl(KEYCTL_JOIN_SESSION_KEYRING) and
 * request_key.  Expected containment: ENOSYS from the policy; status Success. */
#include <sys/syscall.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail_with("add_key(user, @u)",
                       syscall(SYS_add_key, "user", "mi-adv", "secret", 6, -4 /* @u */), ENOSYS);
    adv_must_fail_with("keyctl(JOIN_SESSION_KEYRING)", syscall(SYS_keyctl, 1, "mi-adv"), ENOSYS);
    adv_must_fail_with("request_key", syscall(SYS_request_key, "user", "mi-adv", NULL, 0), ENOSYS);
    return adv_done();
}
