/* Small helpers of the server: JSON strings from arbitrary bytes, descriptors. */
#ifndef MI_SERVER_UTIL_H
#define MI_SERVER_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A JSON string of n bytes; invalid UTF-8 becomes U+FFFD (as Go's encoder writes it). */
json_t *gj_json_bytes(const char *s, size_t n);
/* A sealed memfd (read-only for everyone who gets it) holding n bytes, positioned at 0; -1. */
int gj_memfd_sealed(const char *name, const void *data, size_t n);
/* Copies a descriptor's content into a sealed memfd; -1 with errno. */
int gj_memfd_copy(const char *name, int src);
/* Reads up to max bytes from the start of fd (pread); malloc'd, NUL-terminated, *len set;
 * *more = there was at least one more byte.  NULL on error. */
char *gj_read_head(int fd, uint64_t max, size_t *len, bool *more);
/* Reads a whole pipe until EOF into a malloc'd buffer (NUL-terminated). */
char *gj_read_all(int fd, size_t *len);
int gj_write_all(int fd, const void *p, size_t n);
/* Closes every descriptor >= 3 not listed in keep[0..n). */
void gj_close_except(const int *keep, size_t n);

#endif
