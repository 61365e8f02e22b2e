/* Host-side walks of box-controlled trees (internal). */
#ifndef MI_FSTREE_H
#define MI_FSTREE_H
#include "mini-isolate.h"

/* Change the owner of every entry of the tree under dirfd (and the directory itself) owned by
 * from_uid to to_uid:to_gid.  Unless keep_special, entries that are neither regular files nor
 * directories are deleted.  Never follows a symlink, never crosses into another mount. */
int mi_tree_chown(int dirfd, uid_t from_uid, uid_t to_uid, gid_t to_gid, bool keep_special,
                  mi_error *err);

/* rm -rf parentfd/name: never follows a symlink, refuses to cross into another mount.
 * A missing entry is not an error. */
int mi_tree_remove(int parentfd, const char *name, mi_error *err);

#endif
