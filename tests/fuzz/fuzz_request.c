/* libFuzzer target: the POST /run request parser (src/server/request.c), the part of the server
 * that reads whatever a client sends.  Built with clang when it is there (tests/meson.build);
 * tests/integration/test_server_fuzz.py runs it for a bounded time on tests/fuzz/corpus. */
#include "request.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gj_request req;
    char err[1024];
    if (gj_request_parse((const char *)data, size, &req, err, sizeof err) == 0)
        gj_request_free(&req);
    return 0;
}
