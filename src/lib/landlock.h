/* Landlock: a second, independent fence around the box's file writes (internal). */
#ifndef MI_LANDLOCK_H
#define MI_LANDLOCK_H
#include "mini-isolate.h"

/* In the program, inside the box, after the uid switch and before the syscall policy, when the
 * caller passes its descriptors (--inherit-fds): allow writes (create, delete, rename, write, truncate) only beneath the read-write directory rules,
 * and writing (not creating) device files beneath /dev and "dev" rules.  Reads are not
 * restricted.  Returns 0 (also when the kernel has no Landlock), or -errno with the failing
 * step in *what.  Async-signal-safe. */
int mi_landlock_apply(const mi_config *c, const char **what);

/* Landlock ABI version of this kernel, or -errno when it has none. */
int mi_landlock_abi(void);
#endif
