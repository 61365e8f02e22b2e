/* The file store (go-judge's /file endpoints and copyOutCached): one regular file per id in a
 * directory, an in-memory index of ids, original names and expiry.  Ids are 8 base32 characters
 * from 5 random bytes, never a path a client chooses. */
#ifndef MI_SERVER_STORE_H
#define MI_SERVER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GJ_ID_LEN 8

typedef struct gj_store gj_store;

/* owned: the directory is the server's own (emptied at start, removed at close); otherwise files
 * already there with an id-shaped name are indexed (under their id as name).  ttl_sec 0 = keep. */
int gj_store_open(gj_store **out, const char *dir, bool owned, uint64_t ttl_sec, char *err,
                  size_t errlen);
void gj_store_close(gj_store *s);
const char *gj_store_dir(const gj_store *s);

/* A new file under a fresh random id (O_EXCL), for writing; not listed until gj_store_commit.
 * Usable from a worker process (no shared state).  fd or -1 with errno. */
int gj_store_create_in(const char *dir, char id[GJ_ID_LEN + 1]);
int gj_store_commit(gj_store *s, const char *id, const char *name);
/* O_RDONLY descriptor of a listed file (and its name, malloc'd, if name != NULL), or -1. */
int gj_store_open_file(gj_store *s, const char *id, char **name);
int gj_store_remove(gj_store *s, const char *id); /* 0, or -1 when unknown */
char *gj_store_list_json(gj_store *s);            /* {"id": "name", ...}, malloc'd */
void gj_store_sweep(gj_store *s);                 /* drop expired files */
bool gj_store_valid_id(const char *id);

#endif
