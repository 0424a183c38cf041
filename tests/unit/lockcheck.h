/* lockcheck.h: what the lockfile resolver tests share.
 *
 * - Resolve a fixture directory the way the hook does: the lockfile, its
 *   manifest, and a read_file callback confined to the fixture's tree.
 * - Compare a finished graph with a fixture's expected.json (a reference
 *   parser's view): membership both ways, depth, direct, dev, and that
 *   each chain (ours and the reference's) walks real edges of our graph.
 *   Every disagreement is printed as a TAP diagnostic and counted per
 *   kind, so a test can assert exactly the differences it explains. */
#ifndef SIGMA_LOCKCHECK_H
#define SIGMA_LOCKCHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/util.h"
#include "hook/lockfile.h"

static int lc_read_tree(void *ctx, const char *path, sigma_buf *out)
{
	char *full = sigma_xasprintf("%s/%s", (const char *)ctx, path);
	int rc = sigma_buf_read_file(out, full);
	free(full);
	return rc;
}

static char *lc_slurp(const char *path, size_t *len)
{
	sigma_buf b = SIGMA_BUF_INIT;
	if (sigma_buf_read_file(&b, path) != 0) {
		sigma_buf_dispose(&b);
		return NULL;
	}
	if (!b.ptr)
		sigma_buf_puts(&b, "");
	*len = b.len;
	return sigma_buf_steal(&b);
}

/* Resolve `root`/`lock` (a path relative to the tree root `root`) with
 * `manifest` (relative too, or NULL). Returns the rc; *out on success. */
static int lc_resolve_as(sigma_graph **out, const char *fmtname, const char *root, const char *lock,
                         const char *manifest);
static int lc_resolve(sigma_graph **out, const char *root, const char *lock, const char *manifest)
{
	return lc_resolve_as(out, NULL, root, lock, manifest);
}

/* Same, choosing the format by `fmtname` (a basename it claims) instead of
 * the lockfile's own basename, for files like requirements/dev.txt. */
static int lc_resolve_as(sigma_graph **out, const char *fmtname, const char *root, const char *lock,
                         const char *manifest)
{
	char *lp = sigma_xasprintf("%s/%s", root, lock);
	size_t len = 0, mlen = 0;
	char *data = lc_slurp(lp, &len), *mdata = NULL;
	free(lp);
	*out = NULL;
	if (!data)
		return sigma_error_set(SIGMA_ENOTFOUND, "cannot read %s/%s", root, lock);
	if (manifest) {
		char *mp = sigma_xasprintf("%s/%s", root, manifest);
		mdata = lc_slurp(mp, &mlen);
		free(mp);
	}
	const char *base = strrchr(lock, '/');
	base = base ? base + 1 : lock;
	const lockfile_format *fmt = lockfile_detect(fmtname ? fmtname : base);
	if (!fmt) {
		free(data);
		free(mdata);
		return sigma_error_set(SIGMA_ENOTFOUND, "no format for %s", base);
	}
	lockfile_input in = {
		.path = lock, .data = data, .len = len,
		.manifest_path = mdata ? manifest : NULL, .manifest = mdata, .manifest_len = mlen,
		.read_file = lc_read_tree, .ctx = (void *)root,
	};
	int rc = lockfile_resolve(out, fmt, &in);
	free(data);
	free(mdata);
	return rc;
}

/* Resolve bytes given in memory, for bad-input tests. */
static int lc_resolve_mem(sigma_graph **out, const char *fmtname, const char *path, const char *data,
                          const char *manifest_path, const char *manifest)
{
	const lockfile_format *fmt = lockfile_detect(fmtname);
	lockfile_input in = {
		.path = path, .data = data, .len = strlen(data),
		.manifest_path = manifest_path, .manifest = manifest,
		.manifest_len = manifest ? strlen(manifest) : 0,
	};
	*out = NULL;
	if (!fmt)
		return SIGMA_ENOTFOUND;
	return lockfile_resolve(out, fmt, &in);
}

static int lc_find(const sigma_graph *g, const char *name, const char *version)
{
	uint32_t i;
	return graph_node_find(&i, g, name, version) == 0 ? (int)i : -1;
}

static int lc_has_edge(const sigma_graph *g, uint32_t from, uint32_t to)
{
	for (uint32_t e = 0; e < g->nodes[from].ndeps; e++)
		if (g->nodes[from].deps[e] == to)
			return 1;
	return 0;
}

/* "name@version" -> node, splitting at the last '@' past position 0. */
static int lc_find_id(const sigma_graph *g, const char *id)
{
	const char *at = strrchr(id + 1, '@');
	if (!at)
		return -1;
	char *name = sigma_xstrndup(id, (size_t)(at - id));
	int i = lc_find(g, name, at + 1);
	free(name);
	return i;
}

typedef struct lc_diff {
	int missing;       /* in expected.json, not in our graph */
	int extra;         /* reachable in our graph, not in expected.json */
	int depth;         /* same package, other depth */
	int direct;        /* "direct" differs (when expected.json has it) */
	int dev;           /* dev differs */
	int bad_chain;     /* our chain is not a shortest chain of real edges */
	int foreign_chain; /* the reference's chain is not a path in our graph */
	int checked;       /* packages compared */
} lc_diff;

/* Optional hook deciding a package's dev flag as the reference computes
 * it from ours; NULL compares as is. */
typedef int (*lc_dev_view)(const sigma_graph *g, uint32_t i, int ref_root);

static void lc_compare(lc_diff *d, const sigma_graph *g, const char *expected_path, lc_dev_view devview,
                       int verbose)
{
	size_t len = 0;
	char *data = lc_slurp(expected_path, &len);
	memset(d, 0, sizeof *d);
	cJSON *root = data ? cJSON_ParseWithLength(data, len) : NULL;
	const cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(root, "packages"), *p;
	char msg[512];
	uint8_t *seen = sigma_xcalloc(g->nnodes + 1, 1);
	cJSON_ArrayForEach(p, pkgs) {
		const char *name = cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring;
		const char *version = cJSON_GetObjectItemCaseSensitive(p, "version")->valuestring;
		const cJSON *jd = cJSON_GetObjectItemCaseSensitive(p, "depth");
		const cJSON *jdev = cJSON_GetObjectItemCaseSensitive(p, "dev");
		const cJSON *jdirect = cJSON_GetObjectItemCaseSensitive(p, "direct");
		const cJSON *jchain = cJSON_GetObjectItemCaseSensitive(p, "chain");
		int depth = cJSON_IsNumber(jd) ? jd->valueint : -1;
		int i = lc_find(g, name, version);
		d->checked++;
		if (i < 0) {
			d->missing++;
			snprintf(msg, sizeof msg, "missing %s@%s (expected depth %d)", name, version, depth);
			if (verbose) diag(msg);
			continue;
		}
		seen[i] = 1;
		const graph_node *n = &g->nodes[i];
		if (n->depth != depth) {
			d->depth++;
			snprintf(msg, sizeof msg, "depth %s@%s: ours %d, expected %d", name, version, n->depth, depth);
			if (verbose) diag(msg);
		}
		if (cJSON_IsBool(jdirect) && (int)n->direct != cJSON_IsTrue(jdirect)) {
			d->direct++;
			snprintf(msg, sizeof msg, "direct %s@%s: ours %d", name, version, n->direct);
			if (verbose) diag(msg);
		}
		int ref_root = -1;
		if (cJSON_IsArray(jchain) && cJSON_IsString(cJSON_GetArrayItem(jchain, 0)))
			ref_root = lc_find_id(g, cJSON_GetArrayItem(jchain, 0)->valuestring);
		int dev = devview ? devview(g, (uint32_t)i, ref_root) : n->dev;
		if (cJSON_IsBool(jdev) && dev != cJSON_IsTrue(jdev)) {
			d->dev++;
			snprintf(msg, sizeof msg, "dev %s@%s: ours %d (depth %d)", name, version, dev, n->depth);
			if (verbose) diag(msg);
		}
		/* Our chain: from a direct node, along edges, depth+1 long. */
		if (n->depth >= 0) {
			uint32_t chain[4096], cn = 0;
			if (n->depth < 4096) {
				graph_chain(g, (uint32_t)i, chain, &cn);
				int okc = cn == (uint32_t)n->depth + 1 && g->nodes[chain[0]].direct;
				for (uint32_t k = 1; okc && k < cn; k++)
					okc = lc_has_edge(g, chain[k - 1], chain[k]) && g->nodes[chain[k]].depth == (int)k;
				if (!okc)
					d->bad_chain++;
			}
		}
		/* The reference's chain must be a path of our graph too. */
		if (cJSON_IsArray(jchain) && cJSON_GetArraySize(jchain) > 0) {
			int prev = -1, okc = 1;
			const cJSON *c;
			cJSON_ArrayForEach(c, jchain) {
				int at = cJSON_IsString(c) ? lc_find_id(g, c->valuestring) : -1;
				if (at < 0 || (prev >= 0 && !lc_has_edge(g, (uint32_t)prev, (uint32_t)at))) {
					okc = 0;
					break;
				}
				prev = at;
			}
			if (okc && prev >= 0 && !g->nodes[lc_find_id(g, cJSON_GetArrayItem(jchain, 0)->valuestring)].direct)
				okc = 0;
			if (!okc) {
				d->foreign_chain++;
				snprintf(msg, sizeof msg, "reference chain of %s@%s is not a path here", name, version);
				if (verbose) diag(msg);
			}
		}
	}
	for (uint32_t i = 0; i < g->nnodes; i++)
		if (!seen[i] && g->nodes[i].depth >= 0) {
			d->extra++;
			snprintf(msg, sizeof msg, "extra %s@%s depth %d", g->nodes[i].name, g->nodes[i].version,
			         g->nodes[i].depth);
			if (verbose) diag(msg);
		}
	free(seen);
	cJSON_Delete(root);
	free(data);
}

static int lc_error_has(const char *want)
{
	return strstr(sigma_error_last(), want) != NULL;
}

static const graph_finding *lc_finding(const sigma_graph *g, int i, const char *code)
{
	if (i < 0)
		return NULL;
	for (uint32_t f = 0; f < g->nodes[i].nfindings; f++)
		if (strcmp(g->nodes[i].findings[f].code, code) == 0)
			return &g->nodes[i].findings[f];
	return NULL;
}


/* The reference (snyk-nodejs-lockfile-parser) labels a transitive package
 * dev when any dev dependency reaches it, even if a production one does
 * too; sigma labels it dev only when no production path reaches it
 * (graph.h), which is what policy needs: a package production code
 * loads is production. This gives the reference's label from our graph;
 * `direct_dev` says whether the reference keeps the dev label on direct
 * packages (pnpm) or drops it (yarn). */
static uint8_t *lc_dev_reach;
static const sigma_graph *lc_dev_reach_of;

static void lc_dev_reach_compute(const sigma_graph *g)
{
	free(lc_dev_reach);
	lc_dev_reach = sigma_xcalloc(g->nnodes + 1, 1);
	lc_dev_reach_of = g;
	uint32_t *queue = sigma_xmalloc((g->nnodes + 1) * sizeof *queue), head = 0, tail = 0;
	for (uint32_t i = 0; i < g->nnodes; i++)
		if (g->nodes[i].direct && g->nodes[i].dev)
			queue[tail++] = i;
	while (head < tail) {
		const graph_node *n = &g->nodes[queue[head++]];
		for (uint32_t e = 0; e < n->ndeps; e++)
			if (!lc_dev_reach[n->deps[e]]) {
				lc_dev_reach[n->deps[e]] = 1;
				queue[tail++] = n->deps[e];
			}
	}
	free(queue);
}

static int lc_reference_dev(const sigma_graph *g, uint32_t i, int direct_dev)
{
	const graph_node *n = &g->nodes[i];
	if (lc_dev_reach_of != g)
		lc_dev_reach_compute(g);
	if (n->direct)
		return direct_dev ? n->dev : 0;
	return lc_dev_reach[i];
}
static int lc_dev_yarn(const sigma_graph *g, uint32_t i, int r) { (void)r; return lc_reference_dev(g, i, 0); }
static int lc_dev_pnpm(const sigma_graph *g, uint32_t i, int r) { (void)r; return lc_reference_dev(g, i, 1); }

/* Reachable nodes the reference does not list because it folds yarn's
 * builtin compat patch into the package it patches: a patch node with a
 * registry twin of the same name@version at the same depth. */
static int lc_builtin_patch_twins(const sigma_graph *g)
{
	int count = 0;
	for (uint32_t i = 0; i < g->nnodes; i++) {
		const graph_node *n = &g->nodes[i];
		int twin = lc_find(g, n->name, n->version);
		if (n->kind == GRAPH_KIND_PATCH && n->depth >= 0 && twin >= 0 && (uint32_t)twin != i &&
		    g->nodes[twin].kind == GRAPH_KIND_REGISTRY && g->nodes[twin].depth == n->depth &&
		    n->resolved && strstr(n->resolved, "builtin<compat/"))
			count++;
	}
	return count;
}

/* Names of the direct nodes, sorted and joined by ' ', as "name@version[:dev][:kind]". */
static char *lc_direct_set(const sigma_graph *g)
{
	char **items = sigma_xcalloc(g->nnodes + 1, sizeof *items);
	uint32_t n = 0;
	for (uint32_t i = 0; i < g->nnodes; i++)
		if (g->nodes[i].direct)
			items[n++] = sigma_xasprintf("%s@%s%s%s%s", g->nodes[i].name, g->nodes[i].version,
			                             g->nodes[i].dev ? ":dev" : "",
			                             g->nodes[i].kind ? ":" : "",
			                             g->nodes[i].kind ? graph_kind_name(g->nodes[i].kind) : "");
	for (uint32_t a = 0; a < n; a++)
		for (uint32_t b = a + 1; b < n; b++)
			if (strcmp(items[a], items[b]) > 0) {
				char *t = items[a];
				items[a] = items[b];
				items[b] = t;
			}
	sigma_buf out = SIGMA_BUF_INIT;
	sigma_buf_puts(&out, "");
	for (uint32_t a = 0; a < n; a++) {
		sigma_buf_printf(&out, "%s%s", a ? " " : "", items[a]);
		free(items[a]);
	}
	free(items);
	return sigma_buf_steal(&out);
}

/* Silence unused-function warnings in tests that use only part of this. */
static inline void lc_unused(void)
{
	(void)lc_resolve_mem; (void)lc_error_has; (void)lc_finding; (void)lc_dev_yarn; (void)lc_dev_pnpm;
	(void)lc_direct_set; (void)lc_builtin_patch_twins; (void)lc_compare; (void)lc_resolve; (void)lc_resolve_as;
}

#endif
