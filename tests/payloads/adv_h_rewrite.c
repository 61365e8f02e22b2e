/* Class 12 (local host users / the judge's files).  argv[1..] = files in /box that the judge
 * put there.  Rewrites each one ("PWNED") and, with argv[1] "-z", first makes /box/zero a
 * mode-000 file instead.  Expected containment (host side): a file the judge hard-linked into
 * box/ was handed over as a private copy, so the judge's master copy is unchanged (content,
 * owner); a mode-000 output does not stop the next run.  Status: Success. */
#include <fcntl.h>
#include <sys/stat.h>
#include "adv_common.h"

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-z")) {
            int fd = open("/box/zero", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0)
                close(fd);
            chmod("/box/zero", 0);
            printf("info: /box/zero is mode 000\n");
            continue;
        }
        int fd = open(argv[i], O_WRONLY | O_TRUNC);
        if (fd < 0) {
            printf("info: open %s: %s\n", argv[i], strerror(errno));
            continue;
        }
        if (write(fd, "PWNED\n", 6) != 6)
            printf("info: write %s: %s\n", argv[i], strerror(errno));
        close(fd);
        printf("info: rewrote %s\n", argv[i]);
    }
    return adv_done();
}
