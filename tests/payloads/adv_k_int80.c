/* Class 3 (non-native ABI).  A 64-bit program issues i386 setuid(0) (nr 23) through "int $0x80":
 * the i386 table has different numbers, so a filter that checks only x86_64 numbers is bypassed.
 * Expected containment: the default policy is native-only; status SecurityViolation naming the
 * call with "[i386]". */
#include "adv_common.h"
int main(void)
{
#if defined(__x86_64__)
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(23L), "b"(0L), "c"(0L), "d"(0L) : "memory");
    adv_reached("i386 setuid(0)", ret);
#else
    adv_info("not x86_64");
#endif
    return adv_done();
}
