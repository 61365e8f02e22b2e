#ifndef MI_RUNSPEC_H
#define MI_RUNSPEC_H
#include "mini-isolate.h"

/* runspec.c: the fields of c a prepared init needs at "go", with the environment built by the
 * keeper and which capture pipes the program gets.  Returns a memfd (close-on-exec) or -1. */
int mi_runspec_write(const mi_config *c, char *const *envp, const bool capture[2], mi_error *err);
/* In init: overwrites those fields of *c (its prepare-time copy) from the spec in fd.
 * c->fd_map becomes *fd_map, whose entries to be filled with received descriptors are -2
 * (*n_fds of them, in order).  0 or -1 (a malformed spec: the run must not start). */
struct mi_runspec_map {
    void *base; /* the spec, mapped: c's strings point into it */
    size_t len;
};
int mi_runspec_read(int fd, mi_config *c, char ***envp, bool capture[2], int **fd_map,
                    size_t *n_fds, struct mi_runspec_map *map);
/* After the run (a resident init serves the next): what mi_runspec_read allocated and mapped. */
void mi_runspec_release(mi_config *c, char **envp, struct mi_runspec_map *map);
#endif
