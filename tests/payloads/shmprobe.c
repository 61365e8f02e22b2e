/* argv[1] = "put" writes /dev/shm/mi-probe; "get" reports whether it exists ("present" or
 * "absent").  Also lists /dev/shm's entry count.  Expected: /dev/shm is private per run and
 * per box, so "get" in another box (or run) says "absent". */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "put")) {
        FILE *f = fopen("/dev/shm/mi-probe", "w");
        if (!f) {
            perror("/dev/shm/mi-probe");
            return 1;
        }
        fclose(f);
        printf("put\n");
        return 0;
    }
    int n = 0;
    DIR *d = opendir("/dev/shm");
    struct dirent *de;
    while (d && (de = readdir(d)))
        n += de->d_name[0] != '.';
    printf("%s entries=%d\n", access("/dev/shm/mi-probe", F_OK) == 0 ? "present" : "absent", n);
    return 0;
}
