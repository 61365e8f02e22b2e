/* File store (store.h). */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct entry {
    char id[GJ_ID_LEN + 1];
    char *name;
    time_t expire; /* 0 = never */
};

struct gj_store {
    pthread_mutex_t mu;
    char *dir;
    int dirfd;
    bool owned;
    uint64_t ttl;
    struct entry *e;
    size_t n, cap;
};

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

bool gj_store_valid_id(const char *id)
{
    if (!id || strlen(id) != GJ_ID_LEN)
        return false;
    for (const char *p = id; *p; p++)
        if (!strchr(b32, *p))
            return false;
    return true;
}

static void empty_dir(int dfd)
{
    DIR *d = fdopendir(dup(dfd));
    if (!d)
        return;
    rewinddir(d); /* the dup shares the offset of an earlier listing */
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            unlinkat(dfd, de->d_name, 0);
    closedir(d);
}

static int add(gj_store *s, const char *id, const char *name)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        struct entry *ne = realloc(s->e, nc * sizeof *ne);
        if (!ne)
            return -1;
        s->e = ne;
        s->cap = nc;
    }
    struct entry *e = &s->e[s->n];
    snprintf(e->id, sizeof e->id, "%s", id);
    if (!(e->name = strdup(name)))
        return -1;
    e->expire = s->ttl ? time(NULL) + (time_t)s->ttl : 0;
    s->n++;
    return 0;
}

static void index_existing(gj_store *s)
{
    DIR *d = fdopendir(dup(s->dirfd));
    if (!d)
        return;
    rewinddir(d);
    struct dirent *de;
    struct stat st;
    while ((de = readdir(d)))
        if (gj_store_valid_id(de->d_name) &&
            fstatat(s->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            add(s, de->d_name, de->d_name);
    closedir(d);
}

int gj_store_open(gj_store **out, const char *dir, bool owned, uint64_t ttl_sec, char *err,
                  size_t errlen)
{
    gj_store *s = calloc(1, sizeof *s);
    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&s->mu, NULL);
    s->owned = owned;
    s->ttl = ttl_sec;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "Cannot create the file store %s: %s", dir, strerror(errno));
        gj_store_close(s);
        return -1;
    }
    /* O_NOFOLLOW: a symlink planted at the store's path must not redirect the store. */
    s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s->dirfd < 0) {
        snprintf(err, errlen, "Cannot open the file store %s: %s", dir, strerror(errno));
        s->owned = false;
        gj_store_close(s);
        return -1;
    }
    if (owned)
        empty_dir(s->dirfd); /* what a killed server left behind */
    else
        index_existing(s);
    *out = s;
    return 0;
}

void gj_store_close(gj_store *s)
{
    if (!s)
        return;
    if (s->owned && s->dirfd >= 0) {
        empty_dir(s->dirfd);
        rmdir(s->dir);
    }
    if (s->dirfd > 0)
        close(s->dirfd);
    for (size_t i = 0; i < s->n; i++)
        free(s->e[i].name);
    free(s->e);
    free(s->dir);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

const char *gj_store_dir(const gj_store *s)
{
    return s->dir;
}

int gj_store_create_in(const char *dir, char id[GJ_ID_LEN + 1])
{
    for (int tries = 0; tries < 16; tries++) {
        unsigned char r[5];
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
            return -1;
        uint64_t v = 0;
        for (int i = 0; i < 5; i++)
            v = v << 8 | r[i];
        for (int i = 0; i < GJ_ID_LEN; i++)
            id[i] = b32[(v >> (35 - 5 * i)) & 31];
        id[GJ_ID_LEN] = 0;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, id);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

int gj_store_commit(gj_store *s, const char *id, const char *name)
{
    pthread_mutex_lock(&s->mu);
    int rc = add(s, id, name);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static ssize_t find(gj_store *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->e[i].id, id))
            return (ssize_t)i;
    return -1;
}

static void drop(gj_store *s, size_t i)
{
    unlinkat(s->dirfd, s->e[i].id, 0);
    free(s->e[i].name);
    s->e[i] = s->e[--s->n];
}

int gj_store_open_file(gj_store *s, const char *id, char **name)
{
    if (!gj_store_valid_id(id))
        return -1;
    pthread_mutex_lock(&s->mu);
    int fd = -1;
    ssize_t i = find(s, id);
    if (i >= 0 && s->e[i].expire && s->e[i].expire <= time(NULL)) {
        drop(s, (size_t)i); /* expired: as if the sweep had run */
        i = -1;
    }
    if (i >= 0) {
        fd = openat(s->dirfd, id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 && name && !(*name = strdup(s->e[i].name))) {
            close(fd);
            fd = -1;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return fd;
}

int gj_store_remove(gj_store *s, const char *id)
{
    pthread_mutex_lock(&s->mu);
    ssize_t i = gj_store_valid_id(id) ? find(s, id) : -1;
    if (i >= 0)
        drop(s, (size_t)i);
    pthread_mutex_unlock(&s->mu);
    return i >= 0 ? 0 : -1;
}

void gj_store_sweep(gj_store *s)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n;)
        if (s->e[i].expire && s->e[i].expire <= now)
            drop(s, i);
        else
            i++;
    pthread_mutex_unlock(&s->mu);
}

char *gj_store_list_json(gj_store *s)
{
    json_t *o = json_object();
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; o && i < s->n; i++)
        json_object_set_new(o, s->e[i].id, json_string(s->e[i].name));
    pthread_mutex_unlock(&s->mu);
    char *r = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return r;
}
