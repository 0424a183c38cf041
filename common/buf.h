/* buf.h: the capped byte buffer every piece of outside input goes through.
 *
 * A buffer grows on demand up to `max` bytes; going past it is the distinct
 * error SIGMA_ETOOBIG rather than a silent truncation. The contents are
 * always NUL-terminated so text can be handed to parsers directly.
 *
 * The first failed write sticks: every later write fails with the same
 * code without writing, until sigma_buf_clear. A writer that emits
 * thousands of small pieces (a certificate, a page) can then check once,
 * at the end, and never hand on text with a piece missing from its middle. */
#ifndef SIGMA_BUF_H
#define SIGMA_BUF_H
#include <stddef.h>

typedef struct sigma_buf {
	char  *ptr;   /* NUL-terminated contents, or NULL before the first write */
	size_t len;   /* bytes used, not counting the NUL */
	size_t cap;   /* bytes allocated */
	size_t max;   /* hard cap on len; 0 means SIGMA_BUF_DEFAULT_MAX */
	int err;      /* the first failed write's code (sticky), or 0 */
} sigma_buf;

#define SIGMA_BUF_INIT { NULL, 0, 0, 0, 0 }
#define SIGMA_BUF_DEFAULT_MAX ((size_t)256 << 20)

void sigma_buf_init(sigma_buf *b, size_t max);
/* Append; 0 or SIGMA_ETOOBIG (the buffer is left unchanged, and so is
 * every later write: see above). */
int  sigma_buf_put(sigma_buf *b, const void *data, size_t len);
int  sigma_buf_puts(sigma_buf *b, const char *s);
int  sigma_buf_putc(sigma_buf *b, char c);
/* Decimal digits of v: what "%llu" writes, without printf's cost (graphs
 * and certificates write thousands of numbers). */
int  sigma_buf_put_uint(sigma_buf *b, unsigned long long v);
int  sigma_buf_printf(sigma_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0, or the code of the first write that failed since the last clear. */
int  sigma_buf_error(const sigma_buf *b);
/* Empty the buffer and forget a failed write. */
void sigma_buf_clear(sigma_buf *b);
/* Hand the contents to the caller (who frees them) and reset the buffer. */
char *sigma_buf_steal(sigma_buf *b);
void sigma_buf_dispose(sigma_buf *b);

/* Read a whole file into `b` (at most b->max bytes). 0, SIGMA_ENOTFOUND,
 * SIGMA_ETOOBIG or SIGMA_EIO, with the path in the message. */
int  sigma_buf_read_file(sigma_buf *b, const char *path);
/* Read a whole fd until EOF. */
int  sigma_buf_read_fd(sigma_buf *b, int fd);

#endif
