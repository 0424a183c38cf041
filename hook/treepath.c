/* treepath.c: see treepath.h. Normalisation works on a copy split into
 * segments; ".." pops a segment and popping past the root is a refusal,
 * never a clamp, because a clamp would silently read a different file. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
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
