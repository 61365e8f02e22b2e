#ifndef MI_RLIMITS_H
#define MI_RLIMITS_H
#include "mini-isolate.h"
/* Apply isolate's rlimits in the program's process (before dropping privileges).
 * Async-signal-safe; returns 0 or -errno and names the limit in *which. */
int mi_rlimits_apply(const mi_config *c, const char **which);
/* The address-space (-m) and data (data_kib) limits, set last before exec: any allocation after it (ASan's shadow,
 * malloc in our own pre-exec code) could fail and turn a valid run into a sandbox error. */
int mi_rlimits_apply_late(const mi_config *c);
#endif
