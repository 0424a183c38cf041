/* lockfile_yaml.h: a YAML document as a small tree, for the lockfiles that
 * are YAML (pnpm-lock.yaml, berry's yarn.lock).
 *
 * libyaml does the parsing; this module turns its event stream into plain
 * nodes that carry their line number, so resolvers can say "file:line" in
 * every error. It refuses what no package manager writes and what would
 * let a small file expand into a huge one: anchors and aliases, and
 * nesting deeper than LOCKFILE_YAML_MAX_DEPTH. Only the first document
 * of a stream is read. */
#ifndef SIGMA_LOCKFILE_YAML_H
#define SIGMA_LOCKFILE_YAML_H
#include <stddef.h>
#include <stdint.h>

#define LOCKFILE_YAML_MAX_DEPTH 64

typedef enum lockfile_ytype {
	LOCKFILE_Y_SCALAR,
	LOCKFILE_Y_MAP,
	LOCKFILE_Y_SEQ
} lockfile_ytype;

typedef struct lockfile_ynode {
	lockfile_ytype type;
	int line;                     /* 1-based line where the node starts */
	char *str;                    /* scalars: the value, NUL-terminated */
	struct lockfile_ynode **kids; /* maps: key, value, key, value...; seqs: items */
	uint32_t n, cap;              /* entries used in kids */
	struct strmap *index;         /* large maps: key -> value, the first of duplicates */
} lockfile_ynode;

/* Parse `data` into *out (the caller frees it with lockfile_yaml_free).
 * An empty document gives an empty map. 0, or SIGMA_EINVALID with
 * "path:line: ..." in the error slot. */
int lockfile_yaml_load(lockfile_ynode **out, const char *path, const char *data, size_t len);
void lockfile_yaml_free(lockfile_ynode *n);

/* The value under `key` in a map, or NULL (also when `map` is not a map). */
const lockfile_ynode *lockfile_yaml_get(const lockfile_ynode *map, const char *key);
/* The string of a scalar, or NULL for anything else (or NULL). */
const char *lockfile_yaml_str(const lockfile_ynode *n);
/* lockfile_yaml_str(lockfile_yaml_get(map, key)). */
const char *lockfile_yaml_getstr(const lockfile_ynode *map, const char *key);

#endif
