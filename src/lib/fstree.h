/* Host-side walks of box-controlled trees (internal). */
#ifndef MI_FSTREE_H
#define MI_FSTREE_H
#include "mini-isolate.h"

enum {
    MI_TREE_KEEP_SPECIAL = 1, /* keep symlinks, FIFOs, sockets, devices (else: deleted) */
    MI_TREE_GIVE_BACK = 2,    /* the new owner gets u+rw (files) and u+rwx (directories) */
};

/* Change the owner of every entry of the tree under dirfd (and the directory itself) owned by
 * from_uid to to_uid:to_gid, strip setuid/setgid bits (and, with the chown, file capabilities)
 * of what it hands over, replace a regular file with other links by a private copy, and reset
 * the top directory to 0700.  Unless MI_TREE_KEEP_SPECIAL, entries that are neither regular
 * files nor directories are deleted.  Never follows a symlink, never crosses into another
 * mount, never acts on a name after checking it (descriptors only). */
int mi_tree_chown(int dirfd, uid_t from_uid, uid_t to_uid, gid_t to_gid, unsigned flags,
                  mi_error *err);

/* rm -rf parentfd/name: never follows a symlink, refuses to cross into another mount.
 * A missing entry is not an error. */
int mi_tree_remove(int parentfd, const char *name, mi_error *err);

/* rm -rf of everything inside dirfd (same rules as mi_tree_remove); dirfd itself stays. */
int mi_tree_empty(int dirfd, mi_error *err);

#endif
