/* The request model of POST /run (go-judge's Request/Cmd/CmdFile/PipeMap, docs/server.md):
 * parsed from JSON with jansson into plain structs, every mistake reported with the JSON path of
 * the field ("$.cmd[0].cpuLimit: expected non-negative integer").  No I/O here: the fuzz target
 * (tests/fuzz/fuzz_request.c) drives this file alone. */
#ifndef MI_SERVER_REQUEST_H
#define MI_SERVER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gj_file_kind {
    GJ_FILE_NULL = 0,  /* JSON null: to be filled by pipeMapping */
    GJ_FILE_CONTENT,   /* {"content": "..."} */
    GJ_FILE_SRC,       /* {"src": "/host/path"} */
    GJ_FILE_ID,        /* {"fileId": "ID"} */
    GJ_FILE_COLLECTOR, /* {"name": "stdout", "max": N, "pipe": bool} */
    GJ_FILE_SYMLINK,   /* {"symlink": "target"} (copyIn only) */
} gj_file_kind;

typedef struct gj_file {
    gj_file_kind kind;
    char *str;   /* content bytes, src path, file id, collector name or symlink target */
    size_t len;  /* length of str (content may hold NUL bytes) */
    uint64_t max;
    bool pipe;
} gj_file;

typedef struct gj_copy_in {
    char *path;
    gj_file file;
} gj_copy_in;

typedef struct gj_cmd {
    char **args;
    size_t n_args;
    char **env;
    size_t n_env;
    gj_file *files;
    size_t n_files;
    uint64_t cpu_limit, clock_limit, memory_limit, stack_limit, proc_limit, copy_out_max;
    bool has_copy_out_max;
    bool copy_out_truncate, address_space_limit;
    bool data_segment_limit; /* dataSegmentLimit || strictMemoryLimit: RLIMIT_DATA */
    uint64_t cpu_rate_limit; /* 1000 = one CPU, 0 = none */
    char *cpu_set_limit;     /* cpuset list, NULL = the worker's -cpuset entry, or the box's */
    gj_copy_in *copy_in;
    size_t n_copy_in;
    char **copy_out;
    size_t n_copy_out;
    char **copy_out_cached;
    size_t n_copy_out_cached;
} gj_cmd;

typedef struct gj_pipe_end {
    size_t index, fd;
} gj_pipe_end;

typedef struct gj_pipe {
    gj_pipe_end in, out; /* in: the writer (cmd in.index writes on its fd in.fd); out: the reader */
    bool proxy;
    char *name; /* with proxy: the writer's result gets files[name], the first max bytes */
    uint64_t max;
} gj_pipe;

typedef struct gj_request {
    char *request_id;
    gj_cmd *cmds;
    size_t n_cmds;
    gj_pipe *pipes;
    size_t n_pipes;
} gj_request;

/* Highest descriptor number a request may use (go-judge: the table grows to the highest mapped). */
#define GJ_MAX_FD 1023

/* Parses body[0..len).  0, or -1 with a message (the JSON path first) in err. */
int gj_request_parse(const char *body, size_t len, gj_request *req, char *err, size_t errlen);
void gj_request_free(gj_request *req);

#endif
