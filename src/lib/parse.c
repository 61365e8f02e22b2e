/* Strict number parsing.  isolate uses atof()/atoi(), so "-t abc" silently means "no limit";
 * a judge must get an error instead of an unlimited run. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int mi_parse_u64(const char *s, uint64_t *out, mi_error *err, const char *what)
{
    if (!s || !*s)
        return mi_fail(err, MI_ERR_CONFIG, EINVAL, "%s: empty number", what);
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return mi_fail(err, MI_ERR_CONFIG, EINVAL, "%s: '%s' is not a non-negative integer",
                           what, s);
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE)
        return mi_fail(err, MI_ERR_CONFIG, ERANGE, "%s: '%s' is too large", what, s);
    *out = v;
    return 0;
}

/* Seconds: "2", "0.5", ".25", "1.000"; no sign, no exponent, no hex, at most 1e7 s. */
int mi_parse_seconds(const char *s, double *out, mi_error *err, const char *what)
{
    if (!s || !*s)
        return mi_fail(err, MI_ERR_CONFIG, EINVAL, "%s: empty time", what);
    size_t digits = 0, dots = 0;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (*p == '.' && dots == 0)
            dots++;
        else
            return mi_fail(err, MI_ERR_CONFIG, EINVAL,
                           "%s: '%s' is not a number of seconds (like 1.5)", what, s);
    }
    if (digits == 0)
        return mi_fail(err, MI_ERR_CONFIG, EINVAL, "%s: '%s' has no digits", what, s);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || v > 1e7)
        return mi_fail(err, MI_ERR_CONFIG, ERANGE, "%s: '%s' is out of range", what, s);
    *out = v;
    return 0;
}
