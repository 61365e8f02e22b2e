/* Class 7 (keeper memory through captured binary output; issue 11 item 11).  Writes bytes that
 * are not UTF-8 (0x80..0xff, repeated) to stdout until killed (at most argv[1] MiB, default
 * 1024).  Run with --json.  Expected containment: killed at the output cap (FileSizeLimit); the
 * keeper's memory stays about the cap (the output is sent base64-encoded, not escaped byte by
 * byte: the JSON is ~4/3 of the cap). */
#include "adv_common.h"
int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 1024;
    static unsigned char buf[1 << 20];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(0x80 | (i & 0x7f));
    for (long i = 0; i < mib; i++) {
        size_t off = 0;
        while (off < sizeof buf) {
            ssize_t n = write(1, buf + off, sizeof buf - off);
            if (n <= 0)
                return 1;
            off += (size_t)n;
        }
    }
    return 0;
}
