/* Namespaces and mounts: the box's file system view (internal). */
#ifndef MI_MOUNTS_H
#define MI_MOUNTS_H

#include "mini-isolate.h"

/* Name of the backing directory of a "tmp" rule under <box>/tmp/: '/' becomes ':'. */
int mi_tmp_backing_name(const char *inside, char *buf, size_t len);

/* Runs in the sandbox's init process, already in its own mount namespace and still root:
 * builds a fresh root from the directory rules and pivots into it.  After it returns, the
 * process sees only the box's tree. */
int mi_mounts_setup(const mi_config *c, const char *box_dir, mi_error *err);

/* Bring up "lo" in the (new) network namespace. */
int mi_net_loopback_up(mi_error *err);

#endif
