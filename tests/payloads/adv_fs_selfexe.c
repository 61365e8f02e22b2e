/* Class 1 (filesystem escape, runc CVE-2019-5736 style). Tries to open /proc/self/exe and
 * /proc/1/exe (init is a clone of the keeper: its exe is the sandbox binary) for writing and
 * to truncate them.  Expected containment: ETXTBSY / EACCES / ENOENT (init is invisible); the
 * host's sandbox binary is unchanged (the test hashes it).  Status: Success. */
#include <fcntl.h>
#include "adv_common.h"
int main(void)
{
    adv_must_fail("open /proc/self/exe O_WRONLY", open("/proc/self/exe", O_WRONLY));
    adv_must_fail("open /proc/1/exe O_WRONLY", open("/proc/1/exe", O_WRONLY));
    adv_must_fail("open /proc/1/exe O_RDONLY (read the keeper binary)", open("/proc/1/exe", O_RDONLY));
    adv_must_fail("truncate /proc/1/exe", truncate("/proc/1/exe", 0));
    adv_must_fail("open /proc/1/mem", open("/proc/1/mem", O_RDWR));
    return adv_done();
}
