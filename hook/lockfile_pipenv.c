/* lockfile_pipenv.c: Pipfile.lock, with Pipfile for the direct set.
 *
 * Pipfile.lock is JSON: "default" and "develop" map each package name to
 * {version: "==X", hashes, markers, index | git/ref | path | file}. It
 * records no edges, so depth is known only for direct packages (those
 * named in Pipfile [packages] and [dev-packages]); the others stay
 * unreachable (depth -1) and are disclosed as such. A package only in
 * "develop" is dev, reachable or not. Without a Pipfile, every locked package is direct.
 * An editable path entry for "." is the project itself and no package.
 *
 * Dependency-rule findings raised here (codes):
 *   vcs        a "git" (or hg/svn/bzr) entry
 *   local-path a "path" entry other than the project itself
 *   url        a "file" entry (an archive URL)
 *   unpinned   an entry without a "==" version */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/error.h"
#include "common/strmap.h"
#include "common/toml.h"
#include "common/util.h"
#include "hook/lockfile.h"
#include "hook/pyreq.h"

static int is_lockfile(const char *basename)
{
	return strcmp(basename, "Pipfile.lock") == 0;
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The line of `"key"` after byte `from`, for messages about an entry. */
static int line_of_key(const lockfile_input *in, const char *key)
{
	char *q = sigma_xasprintf("\"%s\"", key);
	const char *at = strstr(in->data, q);
	free(q);
	return at ? lockfile_line_at(in->data, in->len, (size_t)(at - in->data)) : 1;
}

/* Pipfile [packages] / [dev-packages] names into `declared` (value 1
 * prod, 2 dev, 3 both). */
static void pipfile_names(strmap *declared, const toml_value *t, int bit)
{
	for (uint32_t i = 0; t && t->type == TOML_TABLE && i < t->n; i++) {
		char *n = pyreq_normalize(t->keys[i], strlen(t->keys[i]));
		uintptr_t v = (uintptr_t)strmap_get(declared, n);
		strmap_put(declared, n, (void *)(v | (uintptr_t)bit));
		free(n);
	}
}

static int parse(sigma_graph *g, const lockfile_input *in)
{
	cJSON *lock = NULL;
	toml_value *pipfile = NULL;
	strmap declared;
	int rc = 0;

	strmap_init(&declared);
	graph_set(&g->format, "pipenv");
	const char *end = NULL;
	lock = cJSON_ParseWithLengthOpts(in->data, in->len, &end, 0);
	if (!lock || !cJSON_IsObject(lock)) {
		size_t off = end && end >= in->data ? (size_t)(end - in->data) : 0;
		rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: %s", in->path, lockfile_line_at(in->data, in->len, off),
		                     lock ? "Pipfile.lock is not a JSON object" : "invalid JSON");
		goto out;
	}
	if (in->manifest) {
		rc = toml_parse(&pipfile, in->manifest_path ? in->manifest_path : "Pipfile", in->manifest,
		                in->manifest_len);
		if (rc)
			goto out;
		pipfile_names(&declared, toml_get(pipfile, "packages"), 1);
		pipfile_names(&declared, toml_get(pipfile, "dev-packages"), 2);
	}
	static const char *const sections[] = { "default", "develop" };
	for (int s = 0; s < 2; s++) {
		const cJSON *sec = cJSON_GetObjectItemCaseSensitive(lock, sections[s]), *e;
		if (sec && !cJSON_IsObject(sec)) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: \"%s\" must be an object", in->path,
			                     line_of_key(in, sections[s]), sections[s]);
			goto out;
		}
		cJSON_ArrayForEach(e, sec) {
			if (!cJSON_IsObject(e) || !e->string) {
				rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: entry \"%s\" must be an object", in->path,
				                     line_of_key(in, e->string ? e->string : ""), e->string ? e->string : "");
				goto out;
			}
			const char *path = str_of(e, "path");
			if (path && strcmp(path, ".") == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "editable")))
				continue; /* the project itself */
			char *name = pyreq_normalize(e->string, strlen(e->string));
			const char *version = str_of(e, "version");
			char *pin = pyreq_pin(version);
			const char *vcs = NULL;
			static const char *const vcs_keys[] = { "git", "hg", "svn", "bzr" };
			for (size_t k = 0; k < 4 && !vcs; k++)
				vcs = str_of(e, vcs_keys[k]);
			const char *file = str_of(e, "file");
			graph_kind kind = vcs ? GRAPH_KIND_GIT : path ? GRAPH_KIND_FILE : file ? GRAPH_KIND_TARBALL
			                                                                      : GRAPH_KIND_REGISTRY;
			uint32_t i = graph_node_get(g, name, pin ? pin : "", kind);
			graph_node *n = &g->nodes[i];
			const cJSON *hashes = cJSON_GetObjectItemCaseSensitive(e, "hashes");
			const cJSON *h0 = cJSON_GetArrayItem(hashes, 0);
			if (cJSON_IsString(h0) && !n->integrity)
				graph_set(&n->integrity, h0->valuestring);
			const char *where = vcs ? vcs : path ? path : file;
			if (where && !n->resolved)
				graph_set(&n->resolved, where);
			int line = line_of_key(in, e->string);
			if (kind == GRAPH_KIND_GIT)
				graph_finding_add(g, i, "vcs", "%s:%d: %s comes from a VCS repository (%s)", in->path, line,
				                  name, vcs);
			else if (kind == GRAPH_KIND_FILE)
				graph_finding_add(g, i, "local-path", "%s:%d: %s comes from a local path (%s)", in->path, line,
				                  name, path);
			else if (kind == GRAPH_KIND_TARBALL)
				graph_finding_add(g, i, "url", "%s:%d: %s comes from a URL (%s)", in->path, line, name, file);
			else if (!pin)
				graph_finding_add(g, i, "unpinned", "%s:%d: %s is locked without an exact version", in->path,
				                  line, name);
			uintptr_t decl = (uintptr_t)strmap_get(&declared, name);
			if (!in->manifest || decl)
				graph_direct_add(g, i, NULL, s == 1 && !(decl & 1));
			/* Present in default too: production. */
			if (s == 1 && !in->manifest)
				graph_direct_add(g, i, NULL, cJSON_GetObjectItemCaseSensitive(
				                 cJSON_GetObjectItemCaseSensitive(lock, "default"), e->string) == NULL);
			/* Unreachable packages keep this label (graph_finish judges
			 * only reachable ones): only in "develop" means dev. */
			if (!g->nodes[i].direct)
				g->nodes[i].dev = s == 1 && !cJSON_GetObjectItemCaseSensitive(
				                  cJSON_GetObjectItemCaseSensitive(lock, "default"), e->string);
			free(name);
			free(pin);
		}
	}
out:
	strmap_dispose(&declared);
	cJSON_Delete(lock);
	toml_free(pipfile);
	return rc;
}

const lockfile_format lockfile_pipenv = {
	.name = "pipenv",
	.ecosystem = "pypi",
	.match = is_lockfile,
	.manifest = "Pipfile",
	.parse = parse,
};
