/* Class 1 (host-side symlink at a name the judge writes next: Compiler Explorer / go-judge#176).
 * argv[1] = host path, argv[2] = link name in /box (default "output").  Plants /box/NAME ->
 * host path and exits.  Expected containment: the keeper deletes the link after the run (or
 * before the next one), so the next run's "-o NAME" creates a fresh file inside the box and the
 * host file is never written.  Status: Success. */
#include "adv_common.h"
int main(int argc, char **argv)
{
    char name[256];
    snprintf(name, sizeof name, "/box/%s", argc > 2 ? argv[2] : "output");
    if (symlink(argc > 1 ? argv[1] : "/etc/passwd", name) < 0) {
        adv_info("symlink failed: %s", strerror(errno));
        return 1;
    }
    adv_info("planted %s", name);
    return adv_done();
}
