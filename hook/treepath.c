/* treepath.c: see treepath.h. Normalisation works on a copy split into
 * segments; ".." pops a segment and popping past the root is a refusal,
 * never a clamp, because a clamp would silently read a different file. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/error.h"
#include "common/util.h"
#include "hook/treepath.h"

char *treepath_dir(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	if (!slash)
		return sigma_xstrdup("");
	return sigma_xstrndup(path, (size_t)(slash - path) + 1);
}

/* "scheme:" at the start, as in "https://x", "file:a", "git+ssh://". One
 * letter before the colon is let through only for a single character path
 * segment, which cannot be a scheme anyway; drive letters are refused. */
static int has_scheme(const char *s)
{
	const char *p = s;
	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':';
}

char *treepath_join(const char *dir, const char *rel)
{
	if (!rel || !*rel || rel[0] == '/' || rel[0] == '\\' || has_scheme(rel) || rel[0] == '~')
		return NULL;
	size_t dl = strlen(dir ? dir : ""), rl = strlen(rel);
	char *joined = sigma_xmalloc(dl + rl + 2);
	memcpy(joined, dir ? dir : "", dl);
	memcpy(joined + dl, rel, rl + 1);
	/* Segments are copied down in place; `stack` records where each
	 * kept segment starts so ".." can drop back to it. */
	char *out = sigma_xmalloc(dl + rl + 2);
	size_t *stack = sigma_xmalloc((dl + rl + 2) * sizeof *stack);
	size_t depth = 0, o = 0;
	const char *p = joined;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t n = (size_t)(e - p);
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (depth == 0) {
				free(joined); free(out); free(stack);
				return NULL;
			}
			o = stack[--depth];
		} else {
			stack[depth++] = o;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = e;
	}
	out[o] = '\0';
	free(joined);
	free(stack);
	if (o == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---------------------------------------------------------------- opening inside a directory
 *
 * Checking only the last component (lstat of root/path) let "link/passwd"
 * with link -> /etc read /etc/passwd. Each component is opened relative to
 * the one before with O_NOFOLLOW, so the kernel refuses a link wherever it
 * is. openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) would do the walk in
 * one call, but only from Linux 5.6; this walk runs everywhere, is the one
 * path the tests exercise, and costs a few syscalls per include. */

int treepath_open(int *out, int rootfd, const char *path, int want_dir)
{
	int fd = -1, rc = 0;
	const char *p = path;
	*out = -1;
	while (*p == '/')
		p++;
	if (!*p)
		return sigma_error_set(SIGMA_ENOTFOUND, "%s: not a file", path);
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *rest = p + n;
		while (*rest == '/')
			rest++;
		int last = !*rest;
		char name[256];
		if (n >= sizeof name) {
			rc = sigma_error_set(SIGMA_ENOTFOUND, "%s: name too long", path);
			goto out;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if (!strcmp(name, "..")) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s: \"..\" climbs out of the directory", path);
			goto out;
		}
		int dirfd = fd >= 0 ? fd : rootfd;
		int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
		            (last && !want_dir ? O_NONBLOCK : O_DIRECTORY);
		int next = openat(dirfd, name, flags);
		if (next < 0) {
			int err = errno;
			struct stat st;
			if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				rc = sigma_error_set(SIGMA_EINVALID, "%.*s is a symbolic link; sigma follows none",
				                     (int)(p + n - path), path);
			else
				rc = sigma_error_set(SIGMA_ENOTFOUND, "%s: %s", path,
				                     err == ENOTDIR ? "not a directory on the way" : strerror(err));
			goto out;
		}
		if (fd >= 0)
			close(fd);
		fd = next;
		p = rest;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
		rc = sigma_error_set(SIGMA_ENOTFOUND, "%s: not a %s", path, want_dir ? "directory" : "regular file");
		goto out;
	}
	*out = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
