/* strmap.c: see strmap.h. FNV-1a, load factor at most 1/2. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/strmap.h"
#include "common/util.h"

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

void strmap_init(strmap *m) { memset(m, 0, sizeof *m); }

void strmap_dispose(strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof *m);
}

static size_t slot_of(const strmap *m, const char *key, size_t len)
{
	size_t mask = m->cap - 1, i = (size_t)fnv(key, len) & mask;
	while (m->keys[i] && !(strlen(m->keys[i]) == len && memcmp(m->keys[i], key, len) == 0))
		i = (i + 1) & mask;
	return i;
}

static void grow(strmap *m)
{
	strmap old = *m;
	m->cap = old.cap ? old.cap * 2 : 64;
	m->keys = sigma_xcalloc(m->cap, sizeof *m->keys);
	m->values = sigma_xcalloc(m->cap, sizeof *m->values);
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i]) {
			size_t s = slot_of(m, old.keys[i], strlen(old.keys[i]));
			m->keys[s] = old.keys[i];
			m->values[s] = old.values[i];
		}
	free(old.keys);
	free(old.values);
}

void strmap_putn(strmap *m, const char *key, size_t len, void *value)
{
	if ((m->count + 1) * 2 > m->cap)
		grow(m);
	size_t s = slot_of(m, key, len);
	if (!m->keys[s]) {
		m->keys[s] = sigma_xstrndup(key, len);
		m->count++;
	}
	m->values[s] = value;
}

void strmap_put(strmap *m, const char *key, void *value) { strmap_putn(m, key, strlen(key), value); }

void *strmap_getn(const strmap *m, const char *key, size_t len)
{
	if (!m->cap)
		return NULL;
	size_t s = slot_of(m, key, len);
	return m->keys[s] ? m->values[s] : NULL;
}

void *strmap_get(const strmap *m, const char *key) { return strmap_getn(m, key, strlen(key)); }
