/* Class 1 (filesystem escape). argv[1] = an absolute host path of a secret file (outside the box).
 * Tries "..": chdir("..") fifty times from /box, then opens the host path relative and absolute,
 * and a long "../../.." chain.  Expected containment: the box root is its own tmpfs, ".." stops
 * there; the secret is unreachable.  Expected status: Success. */
#include <fcntl.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    const char *secret = argc > 1 ? argv[1] : "/etc/shadow";
    char path[4096] = "";
    for (int i = 0; i < 50; i++)
        if (chdir("..") < 0)
            break;
    adv_must_fail("open secret (absolute) after 50x chdir ..", open(secret, O_RDONLY));
    adv_must_fail("open secret (relative) after 50x chdir ..", open(secret + 1, O_RDONLY));
    for (int i = 0; i < 40; i++)
        strcat(path, "../");
    strcat(path, secret + 1);
    adv_must_fail("open /box/../../..(x40)/secret", open(path, O_RDONLY));
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) && strcmp(cwd, "/"))
        adv_escaped("cwd after chdir .. is %s", cwd);
    return adv_done();
}
