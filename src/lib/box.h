#ifndef MI_BOX_H
#define MI_BOX_H
#include "mini-isolate.h"
#include "cgroup.h"

/* The keeper (run.c).  mi_keeper_prepare sets up the run's cgroup with c's limits and clones
 * init, which builds the box (namespaces, mount tree) and waits; it keeps box_dir and cg (both
 * must outlive the keeper), not c.  mi_keeper_go runs the run config c's command there: 0 (the
 * outcome in *r), -1 (err), or 1 when the prepared run cannot take c's (its cgroup limits
 * cannot be applied to it, or its init ended before "go"): free it and prepare again with c.
 * mi_keeper_free drops it (kills a waiting init); NULL is fine. */
typedef struct keeper mi_keeper;
int mi_keeper_prepare(const mi_config *c, const char *box_dir, mi_cgroup *cg, bool resident,
                      mi_keeper **out, mi_error *err);
int mi_keeper_go(mi_keeper *k, const mi_config *c, mi_result *r, mi_error *err);
/* After a run of a resident keeper (prepared with resident = true) that ended with init alive:
 * ready for the next mi_keeper_go (init, which waited for this word, renews its namespaces
 * meanwhile); a keeper that was never told "go" is ready as it is.  0, or -1 (err): the
 * keeper cannot run again (free it). */
int mi_keeper_next(mi_keeper *k, mi_error *err);
/* Did the last run of a resident keeper end with init alive, able to take another? */
bool mi_keeper_reusable(const mi_keeper *k);
void mi_keeper_free(mi_keeper *k);

/* Empty the kernel keyrings of uid (user, user-session, persistent): keys.c. */
int mi_keys_drop(uid_t uid, gid_t gid, mi_error *err);
#endif
