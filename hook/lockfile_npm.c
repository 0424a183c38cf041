/* lockfile_npm.c: npm's package-lock.json and npm-shrinkwrap.json.
 *
 * lockfileVersion 2 and 3 describe the installed tree as a flat map from
 * install location ("node_modules/a/node_modules/b") to entry. We resolve
 * every requirement the way Node does at run time: look for
 * <location>/node_modules/<dep>, then walk up one node_modules level at a
 * time to the root. lockfileVersion 1 nests the same tree in
 * `dependencies` objects and `requires` maps; the walk is the same, over a
 * scope stack instead of path strings.
 *
 * Roots are the project ("") and every workspace folder; their own
 * dependencies (dev ones too) are direct. Links to workspaces are not
 * packages (the workspace is a root); links elsewhere are reported with
 * kind "link". An entry whose `name` differs from its folder is an alias
 * (`"foo": "npm:bar@1"`): it is reported as bar, with alias foo.
 *
 * Peer dependencies count as edges, as in npm's own view (`npm ls`); an
 * optional peer that is not installed is no edge. A requirement nobody
 * installed is skipped: npm ls reports it as missing, and there is no
 * package to judge.
 *
 * Dependency-rule findings raised here: "vcs" (git), "local-path"
 * (file:, link:), "url" (a remote tarball outside the registry layout),
 * "unpinned" (a direct spec of "*", "latest" or ""), "inconsistent" (a
 * link whose target folder has no entry: npm always writes both). */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/error.h"
#include "common/strmap.h"
#include "common/util.h"
#include "hook/lockfile.h"
#include "hook/lockfile_js.h"

typedef struct npm_ctx {
	sigma_graph *g;
	const lockfile_input *in;
	cJSON *lock;
	cJSON *manifest;
	strmap locations;       /* v2/3: location -> cJSON entry */
	strmap location_nodes;  /* v2/3: location -> node index + 1 (as pointer) */
	cJSON *workspaces;      /* root's "workspaces" (array, or object with "packages") */
} npm_ctx;

static const char *const dep_fields[] = {
	"dependencies", "optionalDependencies", "peerDependencies", "devDependencies"
};

/* ---------------------------------------------------------------- helpers */

static int is_lockfile(const char *basename)
{
	return strcmp(basename, "package-lock.json") == 0 ||
	       strcmp(basename, "npm-shrinkwrap.json") == 0;
}

static int bad(const npm_ctx *c, const char *key, const char *what)
{
	return sigma_error_set(SIGMA_EINVALID, "%s:%d: %s", c->in->path,
	                       key ? lockfile_js_line_of_key(c->in->data, c->in->len, key) : 1, what);
}

static int parse_json(cJSON **out, const char *path, const char *data, size_t len)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (!j) {
		size_t off = end && end >= data ? (size_t)(end - data) : 0;
		return sigma_error_set(SIGMA_EINVALID, "%s:%d: not valid JSON", path,
		                       lockfile_line_at(data, len, off));
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return sigma_error_set(SIGMA_EINVALID, "%s:1: expected a JSON object", path);
	}
	*out = j;
	return 0;
}

static const char *str_field(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int bool_field(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The package name a location installs: the part after the last
 * "node_modules/", keeping a scope ("@scope/name"). */
static const char *folder_name(const char *location)
{
	const char *p = location, *hit = NULL;
	while ((p = strstr(p, "node_modules/")) != NULL) {
		hit = p + strlen("node_modules/");
		p = hit;
	}
	return hit ? hit : location;
}

/* How an artefact was resolved, from the lock's `resolved` (or v1's
 * `version`, which holds the URL for non-registry entries). */
static graph_kind kind_of(const char *name, const char *version, const char *resolved, int link)
{
	if (link)
		return GRAPH_KIND_LINK;
	const char *r = resolved ? resolved : version;
	if (!r)
		return GRAPH_KIND_REGISTRY;
	if (sigma_startswith(r, "git+") || sigma_startswith(r, "git://") ||
	    sigma_startswith(r, "github:") || sigma_startswith(r, "gitlab:") ||
	    sigma_startswith(r, "bitbucket:") || sigma_startswith(r, "git@"))
		return GRAPH_KIND_GIT;
	if (sigma_startswith(r, "file:"))
		return GRAPH_KIND_FILE;
	if (sigma_startswith(r, "link:"))
		return GRAPH_KIND_LINK;
	if (sigma_startswith(r, "http://") || sigma_startswith(r, "https://")) {
		/* The registry layout is {registry}/{name}/-/{basename}-{version}.tgz;
		 * anything else is a tarball fetched from an arbitrary URL. */
		const char *base = strrchr(name, '/');
		base = base ? base + 1 : name;
		char *tail = sigma_xasprintf("/%s/-/%s-%s.tgz", name, base, version ? version : "");
		int registry = strstr(r, tail) != NULL;
		free(tail);
		return registry ? GRAPH_KIND_REGISTRY : GRAPH_KIND_TARBALL;
	}
	return GRAPH_KIND_REGISTRY;
}

static void rule_findings(npm_ctx *c, uint32_t node)
{
	graph_node *n = &c->g->nodes[node];
	const char *where = n->resolved ? n->resolved : n->version;
	switch (n->kind) {
	case GRAPH_KIND_GIT:
		graph_finding_add(c->g, node, "vcs", "resolved from a git repository (%s)", where);
		break;
	case GRAPH_KIND_FILE:
	case GRAPH_KIND_LINK:
		graph_finding_add(c->g, node, "local-path", "resolved from a local path (%s)", where);
		break;
	case GRAPH_KIND_TARBALL:
		graph_finding_add(c->g, node, "url", "resolved from a tarball URL outside the registry (%s)", where);
		break;
	default:
		break;
	}
}

static void direct_add(npm_ctx *c, uint32_t node, const char *spec, int dev)
{
	graph_direct_add(c->g, node, spec, dev);
	if (spec && (!*spec || strcmp(spec, "*") == 0 || strcmp(spec, "latest") == 0 ||
	             strcmp(spec, "x") == 0))
		graph_finding_add(c->g, node, "unpinned", "declared as \"%s\": any version may be installed", spec);
}

/* ---------------------------------------------------------------- v2 / v3 */

static int is_workspace_path(const npm_ctx *c, const char *path)
{
	const cJSON *ws = c->workspaces, *item;
	if (cJSON_IsObject(ws))
		ws = cJSON_GetObjectItemCaseSensitive(ws, "packages");
	cJSON_ArrayForEach(item, ws) {
		if (!cJSON_IsString(item))
			continue;
		const char *pat = item->valuestring;
		if (sigma_startswith(pat, "./"))
			pat += 2;
		if (fnmatch(pat, path, FNM_PATHNAME) == 0)
			return 1;
	}
	return 0;
}

/* Node's resolution: the location installed for `dep` as seen from
 * `from`, written to *found (caller frees), or NULL. Candidates are built
 * in one buffer: "<from>/node_modules/<dep>", then with the last
 * "node_modules/<name>" of <from> dropped, and so on up to the root. */
static const char *resolve_location(npm_ctx *c, const char *from, const char *dep, char **found)
{
	static const char nm[] = "node_modules/";
	size_t flen = strlen(from), dlen = strlen(dep);
	char *buf = sigma_xmalloc(flen + 1 + sizeof nm + dlen + 1);
	free(*found);
	*found = NULL;
	for (;;) {
		size_t at = flen;
		memcpy(buf, from, flen);
		if (flen)
			buf[at++] = '/';
		memcpy(buf + at, nm, sizeof nm - 1);
		at += sizeof nm - 1;
		memcpy(buf + at, dep, dlen);
		buf[at + dlen] = '\0';
		if (strmap_getn(&c->locations, buf, at + dlen)) {
			*found = buf;
			return buf;
		}
		if (!flen)
			break;
		/* Up one level: drop the trailing "node_modules/<name>" (and the
		 * slash before it); a workspace folder goes straight to the root. */
		const char *cut = NULL;
		for (const char *p = from; (p = memmem(p, (size_t)(from + flen - p), nm, sizeof nm - 1)) != NULL; p++)
			cut = p;
		flen = !cut || cut == from ? 0 : (size_t)(cut - from - 1);
	}
	free(buf);
	return NULL;
}

/* The node for the package installed at `location` (creating it). Returns
 * -1 for links to workspaces (not packages) and for missing targets. */
static int64_t location_node(npm_ctx *c, const char *location)
{
	void *known = strmap_get(&c->location_nodes, location);
	if (known)
		return (int64_t)(intptr_t)known - 1;
	const cJSON *e = strmap_get(&c->locations, location);
	if (!e)
		return -1;
	int link = bool_field(e, "link");
	const char *resolved = str_field(e, "resolved");
	const cJSON *target = e;
	int dangling = 0;
	if (link) {
		if (!resolved || is_workspace_path(c, resolved))
			return -1;
		target = strmap_get(&c->locations, resolved);
		if (!target) {
			target = e;
			dangling = 1;
		}
	}
	const char *folder = folder_name(location);
	const char *name = str_field(target, "name");
	const char *version = str_field(target, "version");
	const char *alias = NULL;
	if (!name || link)
		name = folder;
	else if (strcmp(name, folder) != 0)
		alias = folder;
	graph_kind kind = kind_of(name, version, resolved, link);
	uint32_t i = graph_node_get(c->g, name, version ? version : "", kind);
	graph_node *n = &c->g->nodes[i];
	if (!n->resolved)
		graph_set(&n->resolved, resolved);
	if (!n->integrity)
		graph_set(&n->integrity, str_field(e, "integrity"));
	if (alias && !n->alias)
		graph_set(&n->alias, alias);
	n->optional |= bool_field(e, "optional");
	n->peer |= bool_field(e, "peer");
	rule_findings(c, i);
	if (dangling) {
		char *from = sigma_xasprintf("packages[\"%s\"]", location);
		lockfile_js_inconsistent(c->g, i, c->in->path, resolved, from, "npm install");
		free(from);
	}
	strmap_put(&c->location_nodes, location, (void *)(intptr_t)(i + 1));
	return i;
}

/* Add the edges (or, for a root, the direct marks) of one location. */
static int wire_location(npm_ctx *c, const char *location, const cJSON *entry, int is_root)
{
	int64_t from = is_root ? -1 : location_node(c, location);
	if (!is_root && from < 0)
		return 0;
	/* A link's requirements are resolved from its target folder. */
	const char *base = location;
	if (!is_root && bool_field(entry, "link")) {
		base = str_field(entry, "resolved");
		entry = base ? strmap_get(&c->locations, base) : NULL;
		if (!entry)
			return 0;
	}
	char *scratch = NULL;
	for (size_t f = 0; f < sizeof dep_fields / sizeof *dep_fields; f++) {
		int dev = f == 3;
		if (dev && !is_root)
			continue; /* a dependency's devDependencies are never installed */
		const cJSON *deps = cJSON_GetObjectItemCaseSensitive(entry, dep_fields[f]), *d;
		if (!deps)
			continue;
		if (!cJSON_IsObject(deps)) {
			free(scratch);
			return bad(c, location[0] ? location : dep_fields[f], "dependency map is not an object");
		}
		cJSON_ArrayForEach(d, deps) {
			const char *spec = cJSON_IsString(d) ? d->valuestring : NULL;
			const char *at = resolve_location(c, base, d->string, &scratch);
			if (!at)
				continue; /* not installed: optional, an unmet peer, or missing */
			char *target = sigma_xstrdup(at);
			int64_t to = location_node(c, target);
			free(target);
			if (to < 0)
				continue;
			if (is_root)
				direct_add(c, (uint32_t)to, spec, dev);
			else
				graph_edge_add(c->g, (uint32_t)from, (uint32_t)to);
		}
	}
	free(scratch);
	return 0;
}

static int parse_packages(npm_ctx *c, const cJSON *packages)
{
	const cJSON *e;
	if (!cJSON_IsObject(packages))
		return bad(c, "packages", "\"packages\" is not an object");
	cJSON_ArrayForEach(e, packages) {
		if (!cJSON_IsObject(e))
			return bad(c, e->string, "package entry is not an object");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "version");
		if (v && !cJSON_IsString(v))
			return bad(c, e->string, "\"version\" is not a string");
		strmap_put(&c->locations, e->string, (void *)e);
	}
	const cJSON *root = strmap_get(&c->locations, "");
	if (!root)
		return bad(c, "packages", "no root entry (\"\") in \"packages\"");
	c->workspaces = cJSON_GetObjectItemCaseSensitive(root, "workspaces");
	cJSON_ArrayForEach(e, packages) {
		const char *loc = e->string;
		int is_root = !*loc || (!sigma_startswith(loc, "node_modules/") &&
		                        !strstr(loc, "/node_modules/") && is_workspace_path(c, loc));
		if (!is_root && !strstr(loc, "node_modules/"))
			continue; /* a linked folder: wired through the link entry */
		int rc = wire_location(c, loc, e, is_root);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---------------------------------------------------------------- v1 */

typedef struct scope {
	const cJSON *deps;        /* the `dependencies` object of this level */
	const struct scope *up;
	strmap *names;            /* name -> entry, for a level with many entries, or NULL */
} scope;

/* cJSON finds a member by walking the object, so resolving every require
 * of a 20,000-entry top level cost 2 s (N^2); a level that large gets a
 * hash index. The first of duplicate keys wins, as with cJSON. */
#define SCOPE_INDEX_MIN 64

static strmap *scope_index(const cJSON *deps)
{
	if (cJSON_GetArraySize(deps) < SCOPE_INDEX_MIN)
		return NULL;
	strmap *m = sigma_xmalloc(sizeof *m);
	strmap_init(m);
	const cJSON *e;
	cJSON_ArrayForEach(e, deps)
		if (!strmap_get(m, e->string))
			strmap_put(m, e->string, (void *)e);
	return m;
}

static void scope_index_free(strmap *m)
{
	if (m)
		strmap_dispose(m);
	free(m);
}

static const cJSON *scope_member(const scope *s, const char *name)
{
	return s->names ? strmap_get(s->names, name) : cJSON_GetObjectItemCaseSensitive(s->deps, name);
}

static const cJSON *scope_find(const scope *s, const char *name, const scope **where)
{
	for (; s; s = s->up) {
		const cJSON *e = scope_member(s, name);
		if (e) {
			*where = s;
			return e;
		}
	}
	return NULL;
}

static uint32_t v1_node(npm_ctx *c, const char *folder, const cJSON *e)
{
	const char *version = str_field(e, "version");
	const char *name = folder, *alias = NULL;
	char *real = NULL, *real_version = NULL;
	if (version && sigma_startswith(version, "npm:")) {
		/* "npm:real-name@1.2.3" (the name may be scoped) */
		const char *spec = version + 4;
		const char *at = strrchr(spec, '@');
		if (at && at > spec) {
			real = sigma_xstrndup(spec, (size_t)(at - spec));
			real_version = sigma_xstrdup(at + 1);
			name = real;
			alias = folder;
			version = real_version;
		}
	}
	const char *resolved = str_field(e, "resolved");
	graph_kind kind = kind_of(name, version, resolved ? resolved : version, 0);
	/* For non-registry entries v1 stores the source in "version". */
	const char *shown = kind == GRAPH_KIND_REGISTRY || kind == GRAPH_KIND_TARBALL ? version : "";
	if (kind == GRAPH_KIND_TARBALL && !resolved)
		shown = "";
	uint32_t i = graph_node_get(c->g, name, shown ? shown : "", kind);
	graph_node *n = &c->g->nodes[i];
	if (!n->resolved)
		graph_set(&n->resolved, resolved ? resolved : (kind != GRAPH_KIND_REGISTRY ? version : NULL));
	if (!n->integrity)
		graph_set(&n->integrity, str_field(e, "integrity"));
	if (alias && !n->alias)
		graph_set(&n->alias, alias);
	n->optional |= bool_field(e, "optional");
	rule_findings(c, i);
	free(real);
	free(real_version);
	return i;
}

static int v1_walk(npm_ctx *c, const scope *here, int depth)
{
	const cJSON *e;
	if (depth > 200)
		return bad(c, NULL, "dependencies nested more than 200 levels deep");
	cJSON_ArrayForEach(e, here->deps) {
		if (!cJSON_IsObject(e))
			return bad(c, e->string, "dependency entry is not an object");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "version");
		if (!cJSON_IsString(v))
			return bad(c, e->string, "dependency entry has no \"version\" string");
		uint32_t from = v1_node(c, e->string, e);
		const cJSON *nested = cJSON_GetObjectItemCaseSensitive(e, "dependencies");
		if (nested && !cJSON_IsObject(nested))
			return bad(c, e->string, "\"dependencies\" is not an object");
		const cJSON *req = cJSON_GetObjectItemCaseSensitive(e, "requires"), *r;
		if (req && !cJSON_IsObject(req))
			return bad(c, e->string, "\"requires\" is not an object");
		scope inner = { nested, here, nested ? scope_index(nested) : NULL }; /* freed below, no return between */
		const scope *start = nested ? &inner : here;
		cJSON_ArrayForEach(r, req) {
			const scope *where;
			const cJSON *t = scope_find(start, r->string, &where);
			if (t && cJSON_IsObject(t) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "version")))
				graph_edge_add(c->g, from, v1_node(c, r->string, t));
		}
		int rc = nested ? v1_walk(c, &inner, depth + 1) : 0;
		scope_index_free(inner.names);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_v1(npm_ctx *c, const cJSON *deps)
{
	if (!deps)
		return 0;
	if (!cJSON_IsObject(deps))
		return bad(c, "dependencies", "\"dependencies\" is not an object");
	scope top = { deps, NULL, scope_index(deps) };
	int rc = v1_walk(c, &top, 0);
	if (rc)
		goto out;
	/* Direct set: the manifest's declarations, resolved at the top level. */
	if (c->manifest) {
		for (size_t f = 0; f < sizeof dep_fields / sizeof *dep_fields; f++) {
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(c->manifest, dep_fields[f]), *d;
			if (!cJSON_IsObject(m))
				continue;
			cJSON_ArrayForEach(d, m) {
				const cJSON *e = scope_member(&top, d->string);
				if (cJSON_IsObject(e) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "version")))
					direct_add(c, v1_node(c, d->string, e),
					           cJSON_IsString(d) ? d->valuestring : NULL, f == 3);
			}
		}
		goto out;
	}
	/* No manifest: the top-level entries nobody requires are the roots.
	 * Who is required is marked in one pass over the edges; asking every
	 * entry's question of every edge cost 3 s for 20,000 packages. */
	graph_finish(c->g);
	uint32_t known = c->g->nnodes;
	uint8_t *required = sigma_xcalloc(known + 1, 1);
	for (uint32_t u = 0; u < known; u++)
		for (uint32_t k = 0; k < c->g->nodes[u].ndeps; k++)
			if (c->g->nodes[u].deps[k] != u) /* graph_edge_add keeps no self-loop anyway */
				required[c->g->nodes[u].deps[k]] = 1;
	const cJSON *e;
	cJSON_ArrayForEach(e, deps) {
		uint32_t i = v1_node(c, e->string, e);
		if (i >= known || !required[i])
			graph_direct_add(c->g, i, NULL, bool_field(e, "dev"));
	}
	free(required);
out:
	scope_index_free(top.names);
	return rc;
}

/* ---------------------------------------------------------------- entry */

static int parse(sigma_graph *g, const lockfile_input *in)
{
	npm_ctx c = { .g = g, .in = in };
	strmap_init(&c.locations);
	strmap_init(&c.location_nodes);
	int rc = parse_json(&c.lock, in->path, in->data, in->len);
	if (rc)
		goto out;
	if (in->manifest) {
		rc = parse_json(&c.manifest, in->manifest_path ? in->manifest_path : "package.json",
		                in->manifest, in->manifest_len);
		if (rc)
			goto out;
	}
	const cJSON *lv = cJSON_GetObjectItemCaseSensitive(c.lock, "lockfileVersion");
	int version = cJSON_IsNumber(lv) ? lv->valueint : 1;
	if (lv && (!cJSON_IsNumber(lv) || version < 1 || version > 3)) {
		rc = bad(&c, "lockfileVersion", "unsupported lockfileVersion (sigma reads 1, 2 and 3)");
		goto out;
	}
	char fmt[32];
	snprintf(fmt, sizeof fmt, "package-lock@%d", version);
	graph_set(&g->format, fmt);
	const cJSON *packages = cJSON_GetObjectItemCaseSensitive(c.lock, "packages");
	if (version >= 2 && packages)
		rc = parse_packages(&c, packages);
	else if (version >= 3)
		rc = bad(&c, "lockfileVersion", "lockfileVersion 3 without \"packages\"");
	else
		rc = parse_v1(&c, cJSON_GetObjectItemCaseSensitive(c.lock, "dependencies"));
out:
	cJSON_Delete(c.lock);
	cJSON_Delete(c.manifest);
	strmap_dispose(&c.locations);
	strmap_dispose(&c.location_nodes);
	return rc;
}

const lockfile_format lockfile_npm = {
	.name = "npm",
	.ecosystem = "npm",
	.match = is_lockfile,
	.manifest = "package.json",
	.parse = parse,
};
