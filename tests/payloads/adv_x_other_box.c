/* Class 4 (test data / another box reachable in the tree).  argv[1..] = host paths of another
 * box's files (expected output, a secret) and of its box directory.  Tries to open and list them.
 * Expected containment: the box sees only its own /box: ENOENT everywhere; status Success. */
#include <fcntl.h>
#include "adv_common.h"
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char what[4200];
        snprintf(what, sizeof what, "open %s", argv[i]);
        adv_must_fail(what, open(argv[i], O_RDONLY));
    }
    return adv_done();
}
