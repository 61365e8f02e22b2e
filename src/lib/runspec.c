/* The run spec: what of a run's configuration init needs to start the program.  Init is cloned
 * when the run is prepared (mi_box_prepare) and waits; its copy of the configuration is the
 * prepare-time one.  The fields a run may change (mi_prepared_run's list: argv, environment,
 * rlimits, stdio, chdir, fd_map, inherit_fds, cpus, capture) travel here at "go"; the rest is
 * bound by the box fingerprint.  The keeper writes the spec into a memfd; init maps it and
 * points its copy of the configuration into the mapping (never unmapped: init exits). */
#include "runspec.h"
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPEC_MAGIC 0x6d697273u
enum { S_STDIN, S_STDOUT, S_STDERR, S_CHDIR, S_CPUS, S_N };

struct spec_hdr {
    uint32_t magic, argc, envc, n_fd_map;
    uint64_t mem_kib, stack_kib, fsize_kib, core_kib, open_files, processes, data_kib;
    uint8_t stderr_to_stdout, inherit_fds, capture[2], has[S_N];
};

static int put(int fd, const void *p, size_t n)
{
    return write(fd, p, n) == (ssize_t)n ? 0 : -1; /* a memfd takes every byte or fails */
}

static int put_str(int fd, const char *s)
{
    return put(fd, s, strlen(s) + 1);
}

static void strings_of(const mi_config *c, const char *s[S_N])
{
    s[S_STDIN] = c->stdin_path;
    s[S_STDOUT] = c->stdout_path;
    s[S_STDERR] = c->stderr_path;
    s[S_CHDIR] = c->chdir;
    s[S_CPUS] = c->cpus;
}

int mi_runspec_write(const mi_config *c, char *const *envp, const bool capture[2], mi_error *err)
{
    int fd = memfd_create("mi-runspec", MFD_CLOEXEC);
    if (fd < 0)
        return mi_fail_errno(err, MI_ERR_PROCESS, errno, "memfd_create");
    struct spec_hdr h = {
        .magic = SPEC_MAGIC, .argc = (uint32_t)c->argc, .n_fd_map = (uint32_t)c->n_fd_map,
        .mem_kib = c->mem_kib, .stack_kib = c->stack_kib, .fsize_kib = c->fsize_kib,
        .core_kib = c->core_kib, .open_files = c->open_files, .processes = c->processes,
        .data_kib = c->data_kib, .stderr_to_stdout = c->stderr_to_stdout,
        .inherit_fds = c->inherit_fds, .capture = {capture[0], capture[1]}};
    while (envp[h.envc])
        h.envc++;
    const char *s[S_N];
    strings_of(c, s);
    for (int i = 0; i < S_N; i++)
        h.has[i] = s[i] != NULL;
    int rc = put(fd, &h, sizeof h);
    for (size_t i = 0; rc == 0 && i < c->argc; i++)
        rc = put_str(fd, c->argv[i]);
    for (uint32_t i = 0; rc == 0 && i < h.envc; i++)
        rc = put_str(fd, envp[i]);
    for (int i = 0; rc == 0 && i < S_N; i++)
        rc = s[i] ? put_str(fd, s[i]) : 0;
    for (size_t i = 0; rc == 0 && i < c->n_fd_map; i++) {
        uint8_t present = c->fd_map[i] >= 0;
        rc = put(fd, &present, 1);
    }
    if (rc < 0) {
        int e = errno;
        close(fd);
        return mi_fail_errno(err, MI_ERR_PROCESS, e, "Cannot write the run spec");
    }
    return fd;
}

/* The next NUL-terminated string of [*p, end), or NULL if there is none. */
static char *take_str(char **p, const char *end)
{
    char *s = *p;
    char *z = s < end ? memchr(s, 0, (size_t)(end - s)) : NULL;
    if (!z)
        return NULL;
    *p = z + 1;
    return s;
}

static char **take_strv(char **p, const char *end, uint32_t n)
{
    char **v = calloc((size_t)n + 1, sizeof *v);
    for (uint32_t i = 0; v && i < n; i++)
        if (!(v[i] = take_str(p, end))) {
            free(v);
            return NULL;
        }
    return v;
}

int mi_runspec_read(int fd, mi_config *c, char ***envp, bool capture[2], int **fd_map,
                    size_t *n_fds, struct mi_runspec_map *map)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(struct spec_hdr))
        return -1;
    char *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (base == MAP_FAILED)
        return -1;
    *map = (struct mi_runspec_map){base, (size_t)st.st_size};
    const char *end = base + st.st_size;
    struct spec_hdr h;
    memcpy(&h, base, sizeof h);
    char *p = base + sizeof h;
    if (h.magic != SPEC_MAGIC || !(c->argv = take_strv(&p, end, h.argc)) ||
        !(*envp = take_strv(&p, end, h.envc)))
        return -1;
    c->argc = h.argc;
    char **s[S_N] = {&c->stdin_path, &c->stdout_path, &c->stderr_path, &c->chdir, &c->cpus};
    for (int i = 0; i < S_N; i++)
        if (!(*s[i] = h.has[i] ? take_str(&p, end) : NULL) && h.has[i])
            return -1;
    if ((size_t)(end - p) != h.n_fd_map || !(*fd_map = calloc(h.n_fd_map + 1, sizeof **fd_map)))
        return -1;
    *n_fds = 0;
    for (uint32_t i = 0; i < h.n_fd_map; i++) {
        (*fd_map)[i] = p[i] ? -2 : -1; /* -2: filled by the caller with the next fd received */
        *n_fds += p[i] != 0;
    }
    c->fd_map = *fd_map;
    c->n_fd_map = h.n_fd_map;
    c->mem_kib = h.mem_kib;
    c->stack_kib = h.stack_kib;
    c->fsize_kib = h.fsize_kib;
    c->core_kib = h.core_kib;
    c->open_files = h.open_files;
    c->processes = h.processes;
    c->data_kib = h.data_kib;
    c->stderr_to_stdout = h.stderr_to_stdout;
    c->inherit_fds = h.inherit_fds;
    capture[0] = h.capture[0];
    capture[1] = h.capture[1];
    return 0;
}

void mi_runspec_release(mi_config *c, char **envp, struct mi_runspec_map *map)
{
    free(c->argv);
    free(envp);
    free((int *)c->fd_map);
    c->argv = NULL;
    c->fd_map = NULL;
    if (map->base)
        munmap(map->base, map->len);
    map->base = NULL;
}
