/* lockfile_poetry.c: poetry.lock, with pyproject.toml for the direct set.
 *
 * Each [[package]] is one node (PEP 503 name, locked version); each entry
 * of its [package.dependencies] is an edge to every locked version of
 * that name (markers are ignored: every platform's edge counts). A
 * dependency asking for extras, "x = {extras = ["e"]}", also makes x
 * reach what x's [package.extras] lists for e. Both lock formats are read:
 * 1.x keeps hashes under [metadata.files], 2.x in package.files.
 *
 * The direct set comes from pyproject.toml (see pyproject.h); groups other
 * than main and dev-dependencies are dev. Without pyproject.toml, every
 * package nothing depends on is taken as direct.
 *
 * Dependency-rule findings raised here (codes):
 *   vcs              [package.source] type git
 *   local-path       type directory or file
 *   url              type url
 *   outside-registry type legacy (a secondary package index)
 *   unpinned         a declared dependency the lockfile does not lock */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "common/toml.h"
#include "common/util.h"
#include "hook/lockfile.h"
#include "hook/pyproject.h"
#include "hook/pyreq.h"

static int is_lockfile(const char *basename)
{
	return strcmp(basename, "poetry.lock") == 0;
}

static const char *first_hash(const toml_value *files)
{
	if (!files || files->type != TOML_ARRAY || !files->n)
		return NULL;
	return toml_getstr(files->items[0], "hash");
}

/* x's extras[e] entries as edges from every node of x. */
static void extra_edges(sigma_graph *g, const pyproject_index *ix, const toml_value *packages,
                        const uint32_t *node_of, const char *x, char **extras, size_t nextras)
{
	for (uint32_t p = 0; p < packages->n; p++) {
		const toml_value *pkg = packages->items[p];
		const char *pn = toml_getstr(pkg, "name");
		if (node_of[p] == UINT32_MAX || !pn)
			continue;
		char *norm = pyreq_normalize(pn, strlen(pn));
		int same = strcmp(norm, x) == 0;
		free(norm);
		if (!same)
			continue;
		const toml_value *ex = toml_get(pkg, "extras");
		for (size_t e = 0; e < nextras; e++) {
			const toml_value *list = NULL;
			for (uint32_t k = 0; ex && ex->type == TOML_TABLE && k < ex->n; k++) {
				char *kn = pyreq_normalize(ex->keys[k], strlen(ex->keys[k]));
				if (strcmp(kn, extras[e]) == 0)
					list = ex->items[k];
				free(kn);
			}
			for (uint32_t k = 0; list && list->type == TOML_ARRAY && k < list->n; k++) {
				pyreq r;
				const char *s = toml_str(list->items[k]);
				if (!s || pyreq_parse(&r, s) != 0)
					continue;
				for (uint32_t t = pyproject_index_first(ix, r.name); t != UINT32_MAX;
				     t = pyproject_index_next(ix, t))
					graph_edge_add(g, node_of[p], t);
				pyreq_dispose(&r);
			}
		}
	}
}

static int parse(sigma_graph *g, const lockfile_input *in)
{
	toml_value *lock = NULL, *manifest = NULL;
	pyproject_index ix;
	pyproject_deps decl = { 0 };
	uint32_t *node_of = NULL;
	int rc;

	pyproject_index_init(&ix);
	graph_set(&g->format, "poetry");
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
	const toml_value *meta_files = toml_get(toml_get(lock, "metadata"), "files");
	uint32_t np = packages ? packages->n : 0;
	node_of = sigma_xmalloc((np + 1) * sizeof *node_of);
	for (uint32_t p = 0; p < np; p++) {
		const toml_value *pkg = packages->items[p];
		const char *name = toml_getstr(pkg, "name"), *version = toml_getstr(pkg, "version");
		node_of[p] = UINT32_MAX;
		if (!name || !version) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: [[package]] without a name and version", in->path,
			                     pkg->line);
			goto out;
		}
		const toml_value *source = toml_get(pkg, "source");
		const char *type = toml_getstr(source, "type"), *url = toml_getstr(source, "url");
		graph_kind kind = GRAPH_KIND_REGISTRY;
		const char *code = NULL;
		if (type && strcmp(type, "git") == 0) { kind = GRAPH_KIND_GIT; code = "vcs"; }
		else if (type && (strcmp(type, "directory") == 0 || strcmp(type, "file") == 0)) {
			kind = GRAPH_KIND_FILE; code = "local-path";
		} else if (type && strcmp(type, "url") == 0) { kind = GRAPH_KIND_TARBALL; code = "url"; }
		else if (type && strcmp(type, "legacy") == 0) { code = "outside-registry"; }
		char *norm = pyreq_normalize(name, strlen(name));
		uint32_t i = graph_node_get(g, norm, version, kind);
		node_of[p] = i;
		pyproject_index_add(&ix, norm, i);
		const char *hash = first_hash(toml_get(pkg, "files"));
		if (!hash)
			hash = first_hash(toml_get(meta_files, name));
		graph_node *n = &g->nodes[i];
		if (hash && !n->integrity)
			graph_set(&n->integrity, hash);
		if (url && !n->resolved)
			graph_set(&n->resolved, url);
		if (code)
			graph_finding_add(g, i, code, "%s:%d: %s %s comes from a %s source (%s)", in->path, pkg->line,
			                  norm, version, type, url ? url : "");
		free(norm);
	}
	/* Edges. */
	for (uint32_t p = 0; p < np; p++) {
		const toml_value *deps = toml_get(packages->items[p], "dependencies");
		if (deps && deps->type != TOML_TABLE) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: dependencies must be a table", in->path, deps->line);
			goto out;
		}
		for (uint32_t k = 0; deps && k < deps->n; k++) {
			char *dn = pyreq_normalize(deps->keys[k], strlen(deps->keys[k]));
			for (uint32_t t = pyproject_index_first(&ix, dn); t != UINT32_MAX; t = pyproject_index_next(&ix, t))
				graph_edge_add(g, node_of[p], t);
			/* Requested extras, in any of the value's alternatives. */
			const toml_value *v = deps->items[k];
			uint32_t nalt = v->type == TOML_ARRAY ? v->n : 1;
			for (uint32_t a = 0; a < nalt; a++) {
				const toml_value *alt = v->type == TOML_ARRAY ? v->items[a] : v;
				const toml_value *ex = toml_get(alt, "extras");
				for (uint32_t e = 0; ex && ex->type == TOML_ARRAY && e < ex->n; e++) {
					const char *es = toml_str(ex->items[e]);
					if (!es)
						continue;
					char *en = pyreq_normalize(es, strlen(es));
					extra_edges(g, &ix, packages, node_of, dn, &en, 1);
					free(en);
				}
			}
			free(dn);
		}
	}
	/* Roots. */
	if (in->manifest) {
		rc = toml_parse(&manifest, in->manifest_path ? in->manifest_path : "pyproject.toml", in->manifest,
		                in->manifest_len);
		if (rc)
			goto out;
		pyproject_collect(&decl, manifest);
		for (size_t d = 0; d < decl.n; d++) {
			const pyproject_dep *dep = &decl.items[d];
			if (decl.project && strcmp(dep->name, decl.project) == 0)
				continue;
			uint32_t t = pyproject_index_first(&ix, dep->name);
			if (t == UINT32_MAX) {
				uint32_t i = graph_node_get(g, dep->name, "", GRAPH_KIND_REGISTRY);
				graph_direct_add(g, i, dep->spec, dep->dev);
				graph_finding_add(g, i, "unpinned", "%s:%d: \"%s\" is declared but not locked in %s",
				                  in->manifest_path ? in->manifest_path : "pyproject.toml", dep->line,
				                  dep->name, in->path);
				continue;
			}
			for (; t != UINT32_MAX; t = pyproject_index_next(&ix, t))
				graph_direct_add(g, t, dep->spec, dep->dev);
			if (dep->nextras)
				extra_edges(g, &ix, packages, node_of, dep->name, dep->extras, dep->nextras);
		}
	} else {
		graph_orphans_direct(g);
	}
out:
	free(node_of);
	pyproject_dispose(&decl);
	pyproject_index_dispose(&ix);
	toml_free(lock);
	toml_free(manifest);
	return rc;
}

const lockfile_format lockfile_poetry = {
	.name = "poetry",
	.ecosystem = "pypi",
	.match = is_lockfile,
	.manifest = "pyproject.toml",
	.parse = parse,
};
