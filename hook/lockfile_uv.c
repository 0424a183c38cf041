/* lockfile_uv.c: uv.lock.
 *
 * Each [[package]] is one node (a name locked at two versions, as in a
 * resolution fork, gives two). Each entry of its `dependencies` is an
 * edge: to the version it names, or to every locked version of the name
 * when it names none. An entry with `extra = ["e"]` also makes the target
 * reach what the target lists under [package.optional-dependencies] e.
 *
 * The project itself is the package whose source is `editable` or
 * `virtual` (every such package of a workspace is a root). It is no node:
 * its `dependencies` and `optional-dependencies` are direct, and its
 * `dev-dependencies` are direct dev. A root entry naming the project
 * itself with extras ("flask[async]") means the project's own extras.
 * Without any root package, pyproject.toml gives the direct set, and
 * without that, every package nothing depends on.
 *
 * Dependency-rule findings raised here (codes):
 *   vcs        source git
 *   local-path source path or directory
 *   url        source url
 *   unpinned   a declared dependency the lockfile does not lock */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "common/toml.h"
#include "common/util.h"
#include "hook/lockfile.h"
#include "hook/pyproject.h"
#include "hook/pyreq.h"

typedef struct uv_ctx {
	sigma_graph *g;
	const lockfile_input *in;
	const toml_value *packages;
	uint32_t *node_of;      /* package index -> node, UINT32_MAX for roots */
	pyproject_index ix;     /* name -> nodes */
	pyproject_index pkgix;  /* name -> package indices (roots included) */
} uv_ctx;

static int is_lockfile(const char *basename)
{
	return strcmp(basename, "uv.lock") == 0;
}

static char *norm_of(const char *s) { return pyreq_normalize(s, strlen(s)); }

static int is_root_source(const toml_value *source)
{
	return toml_get(source, "editable") || toml_get(source, "virtual");
}

static void edge_or_direct(uv_ctx *c, uint32_t from, uint32_t to, const char *spec, int dev)
{
	if (from == UINT32_MAX)
		graph_direct_add(c->g, to, spec, dev);
	else
		graph_edge_add(c->g, from, to);
}

static int dep_list(uv_ctx *c, uint32_t from, const toml_value *list, int dev, int depth);

/* The optional-dependencies `extra` of every package named `name` (at
 * `version` when given), wired from that package (or direct when it is a
 * root). `depth` bounds self-referencing extras. */
static int extras_of(uv_ctx *c, const char *name, const char *version, const toml_value *extras, int dev,
                     int depth)
{
	if (depth > 8)
		return 0;
	for (uint32_t e = 0; extras && extras->type == TOML_ARRAY && e < extras->n; e++) {
		const char *es = toml_str(extras->items[e]);
		if (!es)
			continue;
		char *en = norm_of(es);
		for (uint32_t p = pyproject_index_first(&c->pkgix, name); p != UINT32_MAX;
		     p = pyproject_index_next(&c->pkgix, p)) {
			const toml_value *pkg = c->packages->items[p];
			if (version && !sigma_streq(toml_getstr(pkg, "version"), version))
				continue;
			const toml_value *od = toml_get(pkg, "optional-dependencies");
			for (uint32_t k = 0; od && od->type == TOML_TABLE && k < od->n; k++) {
				char *kn = norm_of(od->keys[k]);
				int match = strcmp(kn, en) == 0;
				free(kn);
				if (match && dep_list(c, c->node_of[p], od->items[k], dev, depth + 1)) {
					free(en);
					return -1;
				}
			}
		}
		free(en);
	}
	return 0;
}

/* An array of {name, version?, extra?} tables from `from` (UINT32_MAX:
 * a root, so each target is direct). */
static int dep_list(uv_ctx *c, uint32_t from, const toml_value *list, int dev, int depth)
{
	if (!list)
		return 0;
	if (list->type != TOML_ARRAY)
		return sigma_error_set(SIGMA_EINVALID, "%s:%d: dependencies must be an array", c->in->path, list->line);
	for (uint32_t k = 0; k < list->n; k++) {
		const toml_value *d = list->items[k];
		const char *name = toml_getstr(d, "name");
		if (!name)
			return sigma_error_set(SIGMA_EINVALID, "%s:%d: dependency without a name", c->in->path, d->line);
		const char *version = toml_getstr(d, "version");
		char *dn = norm_of(name);
		int found = 0;
		for (uint32_t t = pyproject_index_first(&c->ix, dn); t != UINT32_MAX; t = pyproject_index_next(&c->ix, t)) {
			if (version && strcmp(c->g->nodes[t].version, version) != 0)
				continue;
			edge_or_direct(c, from, t, version, dev);
			found = 1;
		}
		int self = pyproject_index_first(&c->ix, dn) == UINT32_MAX &&
		           pyproject_index_first(&c->pkgix, dn) != UINT32_MAX;
		if (!found && !self && from == UINT32_MAX) {
			uint32_t i = graph_node_get(c->g, dn, version ? version : "", GRAPH_KIND_REGISTRY);
			graph_direct_add(c->g, i, version, dev);
			graph_finding_add(c->g, i, "unpinned", "%s:%d: \"%s\" is required but not locked", c->in->path,
			                  d->line, dn);
		}
		/* A root's own extras ("flask[async]" inside flask) stay roots:
		 * extras_of wires them from the root package, i.e. as direct. */
		int rc = extras_of(c, dn, version, toml_get(d, "extra"), dev, depth);
		free(dn);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse(sigma_graph *g, const lockfile_input *in)
{
	toml_value *lock = NULL, *manifest = NULL;
	uv_ctx c = { .g = g, .in = in };
	pyproject_deps decl = { 0 };
	int rc;

	pyproject_index_init(&c.ix);
	pyproject_index_init(&c.pkgix);
	graph_set(&g->format, "uv");
	rc = toml_parse(&lock, in->path, in->data, in->len);
	if (rc)
		goto out;
	const toml_value *packages = toml_get(lock, "package");
	/* `package = []` is what poetry and uv write for a project with no
	 * dependencies: a valid, empty lockfile. */
	if (packages && (packages->type != TOML_ARRAY || (!packages->aot && packages->n))) {
		rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: \"package\" must be an array of tables", in->path,
		                     packages->line);
		goto out;
	}
	static const toml_value none = { .type = TOML_ARRAY };
	c.packages = packages ? packages : &none;
	uint32_t np = c.packages->n, nroots = 0;
	c.node_of = sigma_xmalloc((np + 1) * sizeof *c.node_of);
	for (uint32_t p = 0; p < np; p++) {
		const toml_value *pkg = c.packages->items[p];
		const char *name = toml_getstr(pkg, "name"), *version = toml_getstr(pkg, "version");
		c.node_of[p] = UINT32_MAX;
		if (!name) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: [[package]] without a name", in->path, pkg->line);
			goto out;
		}
		char *norm = norm_of(name);
		pyproject_index_add(&c.pkgix, norm, p);
		const toml_value *source = toml_get(pkg, "source");
		if (is_root_source(source)) {
			nroots++;
			free(norm);
			continue;
		}
		graph_kind kind = GRAPH_KIND_REGISTRY;
		const char *code = NULL, *where = toml_getstr(source, "registry");
		if (toml_get(source, "git")) { kind = GRAPH_KIND_GIT; code = "vcs"; where = toml_getstr(source, "git"); }
		else if (toml_get(source, "path") || toml_get(source, "directory")) {
			kind = GRAPH_KIND_FILE; code = "local-path";
			where = toml_getstr(source, "path") ? toml_getstr(source, "path") : toml_getstr(source, "directory");
		} else if (toml_get(source, "url")) { kind = GRAPH_KIND_TARBALL; code = "url"; where = toml_getstr(source, "url"); }
		uint32_t i = graph_node_get(g, norm, version ? version : "", kind);
		c.node_of[p] = i;
		pyproject_index_add(&c.ix, norm, i);
		const char *hash = toml_getstr(toml_get(pkg, "sdist"), "hash");
		const toml_value *wheels = toml_get(pkg, "wheels");
		if (!hash && wheels && wheels->type == TOML_ARRAY && wheels->n)
			hash = toml_getstr(wheels->items[0], "hash");
		graph_node *n = &g->nodes[i];
		if (hash && !n->integrity)
			graph_set(&n->integrity, hash);
		if (where && !n->resolved)
			graph_set(&n->resolved, where);
		if (code)
			graph_finding_add(g, i, code, "%s:%d: %s comes from %s", in->path, pkg->line, norm,
			                  where ? where : graph_kind_name(kind));
		free(norm);
	}
	for (uint32_t p = 0; p < np; p++) {
		const toml_value *pkg = c.packages->items[p];
		uint32_t from = c.node_of[p];
		if (from == UINT32_MAX) {
			/* A root: everything it lists is direct. */
			if ((rc = dep_list(&c, UINT32_MAX, toml_get(pkg, "dependencies"), 0, 0)))
				goto out;
			const toml_value *od = toml_get(pkg, "optional-dependencies");
			for (uint32_t k = 0; od && od->type == TOML_TABLE && k < od->n; k++)
				if ((rc = dep_list(&c, UINT32_MAX, od->items[k], 0, 0)))
					goto out;
			const toml_value *dd = toml_get(pkg, "dev-dependencies");
			for (uint32_t k = 0; dd && dd->type == TOML_TABLE && k < dd->n; k++)
				if ((rc = dep_list(&c, UINT32_MAX, dd->items[k], 1, 0)))
					goto out;
		} else if ((rc = dep_list(&c, from, toml_get(pkg, "dependencies"), 0, 0))) {
			goto out;
		}
	}
	if (!nroots && in->manifest) {
		rc = toml_parse(&manifest, in->manifest_path ? in->manifest_path : "pyproject.toml", in->manifest,
		                in->manifest_len);
		if (rc)
			goto out;
		pyproject_collect(&decl, manifest);
		for (size_t d = 0; d < decl.n; d++)
			for (uint32_t t = pyproject_index_first(&c.ix, decl.items[d].name); t != UINT32_MAX;
			     t = pyproject_index_next(&c.ix, t))
				graph_direct_add(g, t, decl.items[d].spec, decl.items[d].dev);
	} else if (!nroots) {
		graph_orphans_direct(g);
	}
out:
	free(c.node_of);
	pyproject_dispose(&decl);
	pyproject_index_dispose(&c.ix);
	pyproject_index_dispose(&c.pkgix);
	toml_free(lock);
	toml_free(manifest);
	return rc;
}

const lockfile_format lockfile_uv = {
	.name = "uv",
	.ecosystem = "pypi",
	.match = is_lockfile,
	.manifest = "pyproject.toml",
	.parse = parse,
};
