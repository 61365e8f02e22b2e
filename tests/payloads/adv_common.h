/* Shared helpers of the adversarial payloads (tests/payloads/adv_*.c, docs/adversarial.md).
 * Every payload prints one line per probe:
 *   "contained: WHAT (why)"   the attack failed, as it must
 *   "ESCAPED: WHAT"           the attack worked: the sandbox is broken
 *   "info: ..."               an observation the test only records
 * and exits 42 if anything escaped, else 0 (unless the payload documents another exit). */
#ifndef ADV_COMMON_H
#define ADV_COMMON_H
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int adv_escapes;

__attribute__((unused, format(printf, 1, 2))) static void adv_contained(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("contained: ", stdout);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

__attribute__((unused, format(printf, 1, 2))) static void adv_escaped(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ESCAPED: ", stdout);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    adv_escapes++;
}

__attribute__((unused, format(printf, 1, 2))) static void adv_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("info: ", stdout);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* The attack `what` returned `rc`: a negative value is containment (errno names why). */
__attribute__((unused)) static void adv_must_fail(const char *what, long rc)
{
    int e = errno;
    if (rc < 0)
        adv_contained("%s (%s)", what, strerrorname_np(e) ? strerrorname_np(e) : "?");
    else
        adv_escaped("%s returned %ld", what, rc);
}

/* Like adv_must_fail, but the only acceptable failure is errno `want` (policy errno rules). */
__attribute__((unused)) static void adv_must_fail_with(const char *what, long rc, int want)
{
    int e = errno;
    if (rc < 0 && e == want)
        adv_contained("%s (%s)", what, strerrorname_np(e));
    else if (rc < 0)
        adv_escaped("%s failed with %s, policy errno %s expected", what,
                    strerrorname_np(e) ? strerrorname_np(e) : "?", strerrorname_np(want));
    else
        adv_escaped("%s returned %ld", what, rc);
}

__attribute__((unused)) static int adv_done(void)
{
    fflush(stdout);
    return adv_escapes ? 42 : 0;
}

/* Never returns normally when the policy kills the call; reaching the print means it ran. */
__attribute__((unused)) static void adv_reached(const char *what, long rc)
{
    int e = errno;
    adv_escaped("%s reached the kernel (ret=%ld errno=%s); a SecurityViolation was expected", what,
                rc, rc < 0 && strerrorname_np(e) ? strerrorname_np(e) : "0");
}
/* Tell the test (which polls the host side of /box) that the payload is in position. */
__attribute__((unused)) static void adv_ready(void)
{
    FILE *f = fopen("/box/ready", "w");
    if (f)
        fclose(f);
}
#endif
