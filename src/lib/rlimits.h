#ifndef MI_RLIMITS_H
#define MI_RLIMITS_H
#include "mini-isolate.h"
/* Apply isolate's rlimits in the program's process (before dropping privileges).
 * Async-signal-safe; returns 0 or -errno and names the limit in *which. */
int mi_rlimits_apply(const mi_config *c, const char **which);
#endif
