/* strmap.h: a string-keyed hash map (open addressing, linear probing).
 * Keys are copied; values are borrowed pointers the caller keeps alive.
 * Used where a resolver must look thousands of paths up by name. */
#ifndef SIGMA_STRMAP_H
#define SIGMA_STRMAP_H
#include <stddef.h>

typedef struct strmap {
	char **keys;
	void **values;
	size_t cap, count;
} strmap;

void strmap_init(strmap *m);
void strmap_dispose(strmap *m);
/* Insert or replace. */
void strmap_put(strmap *m, const char *key, void *value);
/* Same, with a key of explicit length (need not be NUL-terminated). */
void strmap_putn(strmap *m, const char *key, size_t len, void *value);
/* The value, or NULL when absent. */
void *strmap_get(const strmap *m, const char *key);
void *strmap_getn(const strmap *m, const char *key, size_t len);

#endif
