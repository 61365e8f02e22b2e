/* Namespaces and mounts: the box's file system view (internal). */
#ifndef MI_MOUNTS_H
#define MI_MOUNTS_H

#include "mini-isolate.h"

#include <stdbool.h>
#include <stdint.h>

/* Name of the backing directory of a "tmp" rule under <box>/tmp/: '/' becomes ':'. */
int mi_tmp_backing_name(const char *inside, char *buf, size_t len);

/* Runs in the sandbox's init process, already in its own mount namespace and still root:
 * builds a fresh root from the directory rules and pivots into it.  After it returns, the
 * process sees only the box's tree.  With `split`, the per-run mounts (proc, tmpfs, ...: see
 * mounts.c) are left out: the tree can then be kept for later runs, which add them with
 * mi_mounts_per_run() in a private copy of it. */
int mi_mounts_setup(const mi_config *c, const char *box_dir, bool split, mi_error *err);
int mi_mounts_per_run(const mi_config *c, mi_error *err);
/* Can c's tree be split into kept and per-run mounts (mi_mounts_setup's split)? */
bool mi_mounts_can_split(const mi_config *c);
/* In a resident init between two runs: the per-run mounts detached and made anew. */
int mi_mounts_per_run_again(const mi_config *c, mi_error *err);

/* The kept tree (<box>/mntns): mi_kept_tree_key() hashes what a tree for `c` is built from (0: this
 * rule set is built whole every run); mi_kept_tree_open() returns an fd of the kept mount namespace
 * when its key matches, else -1; mi_kept_tree_save() binds a namespace fd there with its key;
 * mi_kept_tree_remove() drops it. */
uint64_t mi_kept_tree_key(const mi_config *c, const char *box_dir);
int mi_kept_tree_open(const char *box_dir, uint64_t key);
void mi_kept_tree_save(const char *box_dir, int nsfd, uint64_t key);
void mi_kept_tree_remove(const char *box_dir);

/* Bring up "lo" in the (new) network namespace. */
int mi_net_loopback_up(mi_error *err);

/* The box's network namespace is made by its first run (clone3 with CLONE_NEWNET, lo brought up
 * by init) and kept, bound on <box>/netns, until --cleanup: a network namespace costs ~0.5 ms
 * to make (isolate makes one per run).  mi_netns_save binds a namespace fd there, mi_netns_remove
 * drops it, mi_netns_open returns an fd for setns(), or -1 when the box has none yet (or after a
 * reboot): that run makes a fresh one. */
void mi_netns_save(const char *box_dir, int nsfd);
void mi_netns_remove(const char *box_dir);
int mi_netns_open(const char *box_dir);

#endif
