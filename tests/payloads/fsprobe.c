/* For each argument "OP:PATH" tries one file operation and prints "OP:PATH ok" or
 * "OP:PATH ERRNAME".  OP: r = open for reading, w = create a file, d = mkdir, x = exists (stat),
 * l = list a directory (prints the entry count).  Exits 0.  Expected: depends on the mount table
 * (/etc absent, writes outside /box and /tmp fail). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *op = argv[i], *path = strchr(argv[i], ':');
        if (!path)
            continue;
        path++;
        int rc = -1, n = -1;
        struct stat st;
        switch (op[0]) {
        case 'r': rc = open(path, O_RDONLY); break;
        case 'w': rc = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644); break;
        case 'd': rc = mkdir(path, 0755); break;
        case 'x': rc = stat(path, &st); break;
        case 'l': {
            DIR *d = opendir(path);
            if (d) {
                n = 0;
                while (readdir(d))
                    n++;
                rc = 0;
            }
            break;
        }
        }
        if (rc < 0)
            printf("%s %s\n", argv[i], strerrorname_np(errno));
        else if (n >= 0)
            printf("%s ok %d\n", argv[i], n - 2);
        else
            printf("%s ok\n", argv[i]);
    }
    return 0;
}
