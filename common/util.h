/* util.h: allocation that cannot fail silently, and small string helpers.
 *
 * sigma_x* abort on out-of-memory: every caller would otherwise have to turn
 * ENOMEM into "reject the push", which is exactly what dying does for a
 * hook (git refuses the update when the hook exits non-zero). */
#ifndef SIGMA_UTIL_H
#define SIGMA_UTIL_H
#include <stddef.h>
#include <stdint.h>

void *sigma_xmalloc(size_t n);
void *sigma_xcalloc(size_t n, size_t size);
void *sigma_xrealloc(void *p, size_t n);
char *sigma_xstrdup(const char *s);
char *sigma_xstrndup(const char *s, size_t n);
char *sigma_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* a, b and c concatenated (c may be NULL): sigma_xasprintf("%s%s%s")
 * without printf, for keys built thousands of times per lockfile. */
char *sigma_xconcat(const char *a, const char *b, const char *c);

int  sigma_streq(const char *a, const char *b); /* NULL-safe */
int  sigma_startswith(const char *s, const char *prefix);
int  sigma_endswith(const char *s, const char *suffix);

/* Milliseconds on the monotonic clock. */
int64_t sigma_now_ms(void);
/* The current UTC time as RFC 3339 ("2026-11-27T20:33:35Z") into out[32]. */
void sigma_utc_now(char out[32]);

/* Parse a size such as "512M", "64k", "1G" (binary units) into bytes.
 * 0 or SIGMA_EINVALID. */
int sigma_parse_size(const char *s, uint64_t *out);

/* mkdir -p; 0 or SIGMA_EIO. */
int sigma_mkdir_p(const char *path, int mode);

/* Write all len bytes to fd, retrying short writes and EINTR: 0, or -1
 * with errno. Only system calls: safe in the sandbox's init, which must
 * not allocate. */
int sigma_write_all(int fd, const void *data, size_t len);

#endif
