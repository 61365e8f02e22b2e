#ifndef MI_BOX_H
#define MI_BOX_H
#include "mini-isolate.h"
#include "cgroup.h"

/* The keeper: runs c->argv in the prepared box (run.c).  box_dir is <box_root>/<id>. */
int mi_keeper_run(const mi_config *c, const char *box_dir, mi_cgroup *cg, mi_result *r,
                  mi_error *err);

/* Empty the kernel keyrings of uid (user, user-session, persistent): keys.c. */
int mi_keys_drop(uid_t uid, gid_t gid, mi_error *err);
#endif
