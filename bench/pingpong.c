/* Benchmark payload for the server's interactive figure: a ping-pong over two pipes.
 *   pingpong a N   writes one byte to fd 1 and reads one byte back from fd 0, N times
 *   pingpong b     echoes every byte from fd 0 to fd 1 until end of file
 * Wired to each other by pipeMapping (bench/serverbench.c).  Expected: both exit 0. */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char c = 'x';
    if (argc > 1 && argv[1][0] == 'a') {
        long n = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
        for (long i = 0; i < n; i++)
            if (write(1, &c, 1) != 1 || read(0, &c, 1) != 1)
                return 1;
        return 0;
    }
    while (read(0, &c, 1) == 1)
        if (write(1, &c, 1) != 1)
            return 1;
    return 0;
}
