/* graph.h: the dependency graph every lockfile resolver produces.
 *
 * A resolver adds one node per distinct package (ecosystem, name, version,
 * source) and one edge per "requires" relation, and marks the direct
 * dependencies of every root (the project, or each workspace). Then
 * graph_finish() runs one breadth-first search from the direct set, which
 * gives every node its depth (shortest distance from a direct dependency:
 * 0 = direct, 1 = L1, ...), one shortest `chain` and all its `parents`.
 *
 * Folding install locations into (name, version) nodes is what makes the
 * depth match the package manager's own view (npm ls counts a deduped
 * entry as an edge to the same package). Nodes that no root reaches keep
 * depth -1 and are reported as unreachable, never silently dropped. */
#ifndef SIGMA_GRAPH_H
#define SIGMA_GRAPH_H
#include <stddef.h>
#include <stdint.h>

/* Where a package comes from. Anything but REGISTRY is subject to the
 * dependency rules (BRIEF §3). */
typedef enum graph_kind {
	GRAPH_KIND_REGISTRY = 0, /* a registry artefact (npm registry, PyPI index) */
	GRAPH_KIND_LINK,         /* a symlinked directory (npm link:, yarn link:) */
	GRAPH_KIND_FILE,         /* a local path or local tarball (file:) */
	GRAPH_KIND_GIT,          /* a VCS reference */
	GRAPH_KIND_TARBALL,      /* a remote tarball URL outside the registry layout */
	GRAPH_KIND_WORKSPACE,    /* a workspace package of this repository */
	GRAPH_KIND_PATCH,        /* yarn patch: */
	GRAPH_KIND_PORTAL,       /* yarn portal: */
	GRAPH_KIND__COUNT
} graph_kind;

const char *graph_kind_name(graph_kind k);

/* A dependency-rule finding attached to a package (BRIEF §3). */
typedef struct graph_finding {
	char *code;     /* "unpinned", "vcs", "local-path", "outside-registry", ... */
	char *message;
} graph_finding;

typedef struct graph_node {
	char *name;       /* the real package name (PEP 503-normalised for pypi) */
	char *version;    /* the resolved version ("" when the lockfile has none) */
	char *alias;      /* the name it is installed under, when different; or NULL */
	char *spec;       /* the declared spec in the manifest (direct ones), or NULL */
	char *integrity;  /* the lockfile's integrity value (SRI, sha256:...), or NULL */
	char *resolved;   /* where the lockfile says it came from, or NULL */
	graph_kind kind;
	unsigned dev : 1;       /* only reachable through dev dependencies */
	unsigned optional : 1;
	unsigned peer : 1;
	unsigned direct : 1;    /* declared by a root */
	unsigned seen_prod : 1; /* internal: some non-dev path reaches it */

	uint32_t *deps;   /* indices of the nodes it requires */
	uint32_t ndeps, capdeps;

	/* Filled by graph_finish(). */
	int depth;        /* 0 = direct, -1 = unreachable */
	int32_t via;      /* BFS predecessor on one shortest chain, -1 for direct */
	uint32_t *parents;
	uint32_t nparents;

	graph_finding *findings;
	uint32_t nfindings;
} graph_node;

typedef struct sigma_graph {
	char *lockfile;   /* path inside the tree, e.g. "packages/web/package-lock.json" */
	char *ecosystem;  /* "npm" or "pypi" */
	char *format;     /* "package-lock@3", "yarn@1", "pnpm@9", "requirements", ... */
	graph_node *nodes;
	uint32_t nnodes, capnodes;
	void *index;      /* internal: name@version -> node hash table */
	int finished;
} sigma_graph;

/* Allocate an empty graph. The caller owns *out (graph_free). */
void graph_new(sigma_graph **out, const char *lockfile, const char *ecosystem, const char *format);
void graph_free(sigma_graph *g);

/* Find or add the node for (name, version, kind). Returns its index; the
 * other fields start empty and are the caller's to fill with graph_set_*.
 * `name` and `version` are copied. */
uint32_t graph_node_get(sigma_graph *g, const char *name, const char *version, graph_kind kind);
/* Look a node up without adding it: 0 and *out, or SIGMA_ENOTFOUND. */
int graph_node_find(uint32_t *out, const sigma_graph *g, const char *name, const char *version);

/* Replace a string field of a node with a copy of `value` (NULL clears). */
void graph_set(char **field, const char *value);

/* Add an edge from -> to (ignored if it exists or is a self-loop). */
void graph_edge_add(sigma_graph *g, uint32_t from, uint32_t to);

/* Mark a node as a direct dependency of a root; `dev` when it is declared
 * only among dev dependencies; `spec` is the declared spec or NULL. */
void graph_direct_add(sigma_graph *g, uint32_t node, const char *spec, int dev);

/* For lockfiles that do not say what the roots asked for: every node that
 * no edge reaches and that is not direct yet becomes a (prod) direct
 * dependency, since only a root can have put it there. */
void graph_orphans_direct(sigma_graph *g);

/* Attach a dependency-rule finding to a node. */
void graph_finding_add(sigma_graph *g, uint32_t node, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Compute depth, chain predecessor, parents and the dev flag. Call once
 * after the resolver is done; idempotent. */
void graph_finish(sigma_graph *g);

/* The chain of node `i` as indices from its direct ancestor down to itself,
 * written into out[0..*n) (out must hold depth+1 entries). */
void graph_chain(const sigma_graph *g, uint32_t i, uint32_t *out, uint32_t *n);

/* Serialise a finished graph to a compact JSON string and back, for the
 * parse cache. graph_load: 0 or SIGMA_EINVALID. */
char *graph_save(const sigma_graph *g);
int graph_load(sigma_graph **out, const char *json, size_t len);

#endif
