/* buf.c: see buf.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/util.h"

static size_t limit(const sigma_buf *b) { return b->max ? b->max : SIGMA_BUF_DEFAULT_MAX; }

void sigma_buf_init(sigma_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->err = 0;
}

static int reserve(sigma_buf *b, size_t extra)
{
	if (b->err)
		return b->err; /* the message of the first failure stays in the slot */
	if (extra > limit(b) - b->len)
		return b->err = sigma_error_set(SIGMA_ETOOBIG, "buffer cap of %zu bytes reached", limit(b));
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	b->ptr = sigma_xrealloc(b->ptr, cap);
	b->cap = cap;
	return 0;
}

int sigma_buf_put(sigma_buf *b, const void *data, size_t len)
{
	int rc = reserve(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int sigma_buf_puts(sigma_buf *b, const char *s) { return sigma_buf_put(b, s, strlen(s)); }
int sigma_buf_putc(sigma_buf *b, char c) { return sigma_buf_put(b, &c, 1); }

int sigma_buf_put_uint(sigma_buf *b, unsigned long long v)
{
	char digits[24], *p = digits + sizeof digits;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return sigma_buf_put(b, p, (size_t)(digits + sizeof digits - p));
}

int sigma_buf_printf(sigma_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return b->err = sigma_error_set(SIGMA_EINVALID, "bad format");
	int rc = reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int sigma_buf_error(const sigma_buf *b) { return b->err; }

void sigma_buf_clear(sigma_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

char *sigma_buf_steal(sigma_buf *b)
{
	char *p = b->ptr ? b->ptr : sigma_xstrdup("");
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->err = 0;
	return p;
}

void sigma_buf_dispose(sigma_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

int sigma_buf_read_fd(sigma_buf *b, int fd)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sigma_error_set(SIGMA_EIO, "read: %s", strerror(errno));
		if (n == 0)
			break;
		int rc = sigma_buf_put(b, chunk, (size_t)n);
		if (rc)
			return rc;
	}
	if (!b->ptr)
		return sigma_buf_put(b, "", 0);
	return 0;
}

int sigma_buf_read_file(sigma_buf *b, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sigma_error_set(errno == ENOENT ? SIGMA_ENOTFOUND : SIGMA_EIO,
		                       "%s: %s", path, strerror(errno));
	int rc = sigma_buf_read_fd(b, fd);
	close(fd);
	if (rc)
		return sigma_error_wrap(rc, "%s: ", path);
	return 0;
}
