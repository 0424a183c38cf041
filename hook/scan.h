/* scan.h: from a tree (or a directory) to resolved dependency graphs.
 *
 * This is where the hook's caching lives:
 *   - the lockfile list of a tree is cached by tree id, and a tree not seen
 *     before is found by diffing it against a base tree whose list is known,
 *     so unchanged subtrees are never walked again;
 *   - each parsed lockfile is cached by (format, lockfile blob id, manifest
 *     blob id), plus the ids of any other file the resolver read, so the same
 *     blob is never parsed twice, across pushes and branches.
 * Both caches live in the registry database and are best effort: a cache
 * that cannot be written costs time, never correctness. */
#ifndef SIGMA_SCAN_H
#define SIGMA_SCAN_H
#include <stddef.h>
#include "hook/graph.h"
#include "hook/repo.h"
#include "registry/db.h"

/* A lockfile that could not be read or resolved. */
typedef struct scan_error {
	char *path;
	char *message;  /* "path:line: what" */
	int unjudged;   /* a lockfile of a format sigma does not read (sigma.unjudged), not a broken one */
} scan_error;

typedef struct scan_set {
	lockfile_ref *refs;      /* every lockfile found, sorted by path */
	size_t nrefs;
	sigma_graph **graphs;    /* graphs[i] belongs to refs[i]; NULL when it failed */
	scan_error *errors;
	size_t nerrors;
	int cache_hits;          /* lockfiles served from the parse cache */
	char **deps;             /* deps[i]: other files refs[i]'s resolver read
	                            ("path\toid\n" lines, "@dir\tDIR" last), or NULL */
	scan_error *ignored;     /* lockfiles the package manager does not read, so
	                            not judged (a package-lock.json beside an
	                            npm-shrinkwrap.json), with why; not in refs */
	size_t nignored;
} scan_set;

/* Resolve every lockfile of `tree`. `reg` (may be NULL) provides the
 * caches; `base_tree` (may be NULL) is a tree whose lockfile list is a good
 * starting point for a diff. Lockfile errors go into out->errors; the
 * return value is negative only when the tree itself cannot be read. */
int scan_tree(scan_set *out, sigma_repo *r, registry *reg, const char *tree, const char *base_tree);

/* The two halves of scan_tree: the lockfile list only (graphs left NULL),
 * then the graphs of that list, but for the refs whose `skip` (may be
 * NULL) is set: the hook's lockfiles whose judgement is kept whole. */
int scan_tree_list(scan_set *out, sigma_repo *r, registry *reg, const char *tree, const char *base_tree);
void scan_tree_resolve(scan_set *s, sigma_repo *r, registry *reg, const char *tree, const unsigned char *skip);

/* Non-zero when the files a resolver read (a deps text as in scan_set)
 * are still the same blobs in `tree`. */
int scan_deps_hold(sigma_repo *r, const char *tree, const char *deps);

/* The old tip's scan, made only when a judgement asks for it (it costs a
 * tree diff and maybe parses). Fill repo, reg and tree (NULL: nothing
 * before), pass scan_lazy_get as the policy's policy_before_fn with the
 * struct as its context, and scan_set_dispose(&lazy.set) afterwards. An
 * unreadable old tip counts as nothing before, which is the stricter
 * reading: everything is then introduced. */
typedef struct scan_lazy {
	sigma_repo *repo;
	registry *reg;
	const char *tree;
	scan_set set;
	int loaded;
} scan_lazy;

const scan_set *scan_lazy_get(void *ctx);

/* The same for a directory on disk (no cache; .git and node_modules skipped). */
int scan_dir(scan_set *out, const char *root);

void scan_set_dispose(scan_set *s);

#endif
