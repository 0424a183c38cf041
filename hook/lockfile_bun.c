/* lockfile_bun.c: bun.lock (Bun's text lockfile) and bun.lockb.
 *
 * bun.lock is JSON with trailing commas (JSONC without comments). Its
 * `workspaces` map each workspace path ("" is the root) to the manifest's
 * dependency maps; `packages` maps an install key to an array:
 *
 *   "debug":            ["debug@4.4.3", "", {meta}, "sha512-..."]  npm
 *   "lod":              ["lodash@4.18.1", "", {}, "sha512-..."]   alias
 *   "ms":               ["ms@https://host/ms-2.1.3.tgz", {meta}, "sha512-..."]
 *   "x":                ["x@github:u/x#sha", {meta}, "hash"]   (also git+...)
 *   "y":                ["y@file:../y", {meta}]                (also link:)
 *   "@acme/core":       ["@acme/core@workspace:packages/core"]
 *
 * The key is the install location without "node_modules/": "send/ms" is
 * the ms nested under send. A dependency D of the package at key K
 * resolves as Node resolves it at run time, which is also how bun writes
 * the keys: K/D, then the same one level up, ..., then D at the top; a
 * workspace's dependencies are looked up under the workspace's name first.
 * We fold every location of one name@version into one node, as for npm,
 * so depth and parents match the installed tree. Peer dependencies that
 * resolve count as edges (as in npm's view); optional ones and optional
 * peers that do not resolve are not installed, and are no edge.
 *
 * Roots are the workspaces: their dependencies, optionalDependencies and
 * devDependencies are direct. A dependency on another workspace is no
 * package (that workspace is a root of its own).
 *
 * Findings: the shared JS codes (lockfile_js.h): vcs, local-path, url (a
 * tarball that does not have the registry layout), unpinned (a direct
 * spec), inconsistent (a required dependency no key provides).
 *
 * bun.lockb, the binary format of Bun before 1.2, is not read: it is
 * refused naming the file, with the command that writes bun.lock. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/error.h"
#include "common/strmap.h"
#include "common/util.h"
#include "hook/lockfile.h"
#include "hook/lockfile_js.h"

#define NODE_NONE UINT32_MAX

typedef struct bun_ctx {
	sigma_graph *g;
	const lockfile_input *in;
	const cJSON *packages;
	strmap entries;          /* key -> its cJSON array (cJSON's own lookup is linear) */
	strmap key_nodes;        /* key -> node + 1 (workspace keys are not stored) */
	strmap workspace_names;  /* package name -> 1 for every workspace */
} bun_ctx;

static int is_lockfile(const char *basename)
{
	return strcmp(basename, "bun.lock") == 0;
}

static int is_binary_lockfile(const char *basename)
{
	return strcmp(basename, "bun.lockb") == 0;
}

/* ---------------------------------------------------------------- reading */

/* A copy of `data` in which every comma that only precedes a closing '}'
 * or ']' (whitespace between) is blanked, outside strings. Blanking keeps
 * byte offsets, so cJSON's error position still gives the right line. */
static char *blank_trailing_commas(const char *data, size_t len)
{
	char *out = sigma_xmalloc(len + 1);
	memcpy(out, data, len);
	out[len] = '\0';
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = out[i];
		if (in_string) {
			if (ch == '\\' && i + 1 < len)
				i++;
			else if (ch == '"')
				in_string = 0;
			continue;
		}
		if (ch == '"') {
			in_string = 1;
		} else if (ch == ',') {
			size_t j = i + 1;
			while (j < len && strchr(" \t\r\n", out[j]) && out[j])
				j++;
			if (j < len && (out[j] == '}' || out[j] == ']'))
				out[i] = ' ';
		}
	}
	return out;
}

/* Slashes in a package key: scopes and nesting. Real trees stay far below. */
#define BUN_MAX_DEPTH 128

static int bad(const bun_ctx *c, const char *key, const char *what)
{
	return sigma_error_set(SIGMA_EINVALID, "%s:%d: %s", c->in->path, key ? lockfile_js_line_of_key(c->in->data, c->in->len, key) : 1, what);
}

/* Split "name@resolution" (the name may be scoped). 0, or -1. New strings. */
static int split_id(const char *id, char **name, char **resolution)
{
	const char *at = strchr(id + (id[0] == '@'), '@');
	if (!at || at == id || !at[1])
		return -1;
	*name = sigma_xstrndup(id, (size_t)(at - id));
	*resolution = sigma_xstrdup(at + 1);
	return 0;
}

/* The version a tarball URL names when its file is "<base>-<version>.tgz". */
static char *tarball_version(const char *url, const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	size_t end = strcspn(url, "#?");
	const char *file = url;
	for (const char *p = url; p < url + end; p++)
		if (*p == '/')
			file = p + 1;
	size_t bl = strlen(base), fl = (size_t)(url + end - file);
	if (fl > bl + 5 && strncmp(file, base, bl) == 0 && file[bl] == '-' && strncmp(url + end - 4, ".tgz", 4) == 0)
		return sigma_xstrndup(file + bl + 1, fl - bl - 5);
	return sigma_xstrdup("");
}

/* Where the last package name of a key starts: "send/ms" -> 5,
 * "a/@s/b" -> 2, "@s/b" -> 0. */
static size_t last_name_at(const char *key)
{
	const char *slash = strrchr(key, '/');
	if (!slash)
		return 0;
	const char *seg = slash;
	while (seg > key && seg[-1] != '/')
		seg--;
	if (*seg == '@')
		return (size_t)(seg - key); /* "@scope/name" */
	return (size_t)(slash + 1 - key);
}

/* ---------------------------------------------------------------- nodes */

/* The node for the package at `key`: 0 and *out (NODE_NONE for a
 * workspace), or SIGMA_EINVALID for an entry of the wrong shape. */
static int key_node(bun_ctx *c, const char *key, const cJSON *entry, uint32_t *out)
{
	uintptr_t known = (uintptr_t)strmap_get(&c->key_nodes, key);
	if (known) {
		*out = (uint32_t)(known - 1);
		return 0;
	}
	const cJSON *id = cJSON_GetArrayItem(entry, 0);
	if (!cJSON_IsArray(entry) || !cJSON_IsString(id))
		return bad(c, key, "package entry is not an array starting with \"name@resolution\"");
	char *name = NULL, *res = NULL;
	if (split_id(id->valuestring, &name, &res) != 0)
		return bad(c, key, "package id is not \"name@resolution\"");
	/* The integrity is the last string after the id, when it is an SRI. */
	const char *integrity = NULL;
	int n = cJSON_GetArraySize(entry);
	const cJSON *last = n > 1 ? cJSON_GetArrayItem(entry, n - 1) : NULL;
	if (cJSON_IsString(last) && sigma_startswith(last->valuestring, "sha") && strchr(last->valuestring, '-'))
		integrity = last->valuestring;

	graph_kind kind;
	char *version = NULL;
	const char *resolved = NULL;
	if (sigma_startswith(res, "workspace:") || sigma_startswith(res, "root:")) {
		free(name);
		free(res);
		*out = NODE_NONE;
		return 0;
	} else if (sigma_startswith(res, "http://") || sigma_startswith(res, "https://")) {
		version = tarball_version(res, name);
		kind = lockfile_js_registry_url(res, name, version) ? GRAPH_KIND_REGISTRY : GRAPH_KIND_TARBALL;
		resolved = res;
	} else if ((kind = lockfile_js_spec_kind(res)) != GRAPH_KIND_REGISTRY) {
		/* git, github:, file:, link: — the entry's meta may say the version. */
		const cJSON *meta = cJSON_GetArrayItem(entry, 1);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, "version");
		version = sigma_xstrdup(cJSON_IsString(v) ? v->valuestring : "");
		resolved = res;
		integrity = NULL; /* a git hash or nothing: not an artefact digest */
	} else {
		version = sigma_xstrdup(res);
		const cJSON *reg = cJSON_GetArrayItem(entry, 1);
		if (cJSON_IsString(reg) && *reg->valuestring)
			resolved = reg->valuestring;
	}
	uint32_t i = graph_node_get(c->g, name, version, kind);
	graph_node *node = &c->g->nodes[i];
	if (integrity && !node->integrity)
		graph_set(&node->integrity, integrity);
	if (resolved && !node->resolved)
		graph_set(&node->resolved, resolved);
	const char *folder = key + last_name_at(key);
	if (strcmp(folder, name) != 0 && !node->alias)
		graph_set(&node->alias, folder);
	lockfile_js_kind_finding(c->g, i, resolved ? resolved : res);
	strmap_put(&c->key_nodes, key, (void *)(uintptr_t)(i + 1));
	free(name);
	free(res);
	free(version);
	*out = i;
	return 0;
}

/* Resolve dependency `dep` from the location `from` ("" for the top, or a
 * key): from/dep, then one package level up at a time, then dep. The key
 * found goes to *key_out (a new string) or NULL. */
static const cJSON *resolve(const bun_ctx *c, const char *from, const char *dep, char **key_out)
{
	char *prefix = sigma_xstrdup(from);
	*key_out = NULL;
	for (;;) {
		char *key = *prefix ? sigma_xasprintf("%s/%s", prefix, dep) : sigma_xstrdup(dep);
		const cJSON *e = strmap_get(&c->entries, key);
		if (e) {
			free(prefix);
			*key_out = key;
			return e;
		}
		free(key);
		if (!*prefix)
			break;
		/* Up one level: drop the last package name. */
		size_t at = last_name_at(prefix);
		prefix[at ? at - 1 : 0] = '\0';
	}
	free(prefix);
	return NULL;
}

/* A dependency that is required and resolves nowhere. */
static uint32_t missing_node(bun_ctx *c, const char *dep, const char *range, const char *from)
{
	uint32_t i = graph_node_get(c->g, dep, "", GRAPH_KIND_REGISTRY);
	char *key = sigma_xasprintf("%s@%s", dep, range ? range : "");
	lockfile_js_inconsistent(c->g, i, c->in->path, key, from, "bun install");
	free(key);
	return i;
}

/* Is `name` listed in the meta's "optionalPeers" array? */
static int optional_peer(const cJSON *meta, const char *name)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(meta, "optionalPeers"))
		if (cJSON_IsString(p) && strcmp(p->valuestring, name) == 0)
			return 1;
	return 0;
}

static const struct { const char *field; int optional; } edge_fields[] = {
	/* A peer is installed by Bun unless the package marks it optional
	 * (optionalPeers): a required peer with no entry is inconsistent. */
	{ "dependencies", 0 }, { "optionalDependencies", 1 }, { "peerDependencies", 0 },
};

static int package_edges(bun_ctx *c, const char *key, const cJSON *entry)
{
	uint32_t from;
	int rc = key_node(c, key, entry, &from);
	if (rc || from == NODE_NONE)
		return rc;
	const cJSON *meta = NULL, *item;
	cJSON_ArrayForEach(item, entry)
		if (cJSON_IsObject(item)) {
			meta = item;
			break;
		}
	for (size_t f = 0; f < sizeof edge_fields / sizeof *edge_fields; f++) {
		const cJSON *deps = cJSON_GetObjectItemCaseSensitive(meta, edge_fields[f].field), *d;
		if (deps && !cJSON_IsObject(deps))
			return bad(c, key, "a dependency map is not an object");
		cJSON_ArrayForEach(d, deps) {
			char *tkey = NULL;
			const cJSON *target = resolve(c, key, d->string, &tkey);
			uint32_t to = NODE_NONE;
			if (target) {
				rc = key_node(c, tkey, target, &to);
				free(tkey);
				if (rc)
					return rc;
			} else if (!edge_fields[f].optional && !optional_peer(meta, d->string) &&
			           !strmap_get(&c->workspace_names, d->string)) {
				char *who = sigma_xasprintf("%s@%s", c->g->nodes[from].name, c->g->nodes[from].version);
				to = missing_node(c, d->string, cJSON_IsString(d) ? d->valuestring : NULL, who);
				free(who);
			}
			if (to != NODE_NONE)
				graph_edge_add(c->g, from, to);
		}
	}
	return 0;
}

static int workspace_roots(bun_ctx *c, const char *path, const cJSON *ws)
{
	static const struct { const char *field; int dev; } fields[] = {
		{ "dependencies", 0 }, { "optionalDependencies", 0 }, { "devDependencies", 1 },
	};
	const cJSON *wname = cJSON_GetObjectItemCaseSensitive(ws, "name");
	/* A workspace's own node_modules are keyed under its name. */
	const char *base = *path && cJSON_IsString(wname) ? wname->valuestring : "";
	for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
		const cJSON *deps = cJSON_GetObjectItemCaseSensitive(ws, fields[f].field), *d;
		if (deps && !cJSON_IsObject(deps))
			return bad(c, path, "a workspace dependency map is not an object");
		cJSON_ArrayForEach(d, deps) {
			const char *spec = cJSON_IsString(d) ? d->valuestring : NULL;
			if ((spec && sigma_startswith(spec, "workspace:")) || strmap_get(&c->workspace_names, d->string))
				continue; /* another workspace: a root of its own */
			char *tkey = NULL;
			const cJSON *target = resolve(c, base, d->string, &tkey);
			uint32_t to = NODE_NONE;
			if (target) {
				int rc = key_node(c, tkey, target, &to);
				free(tkey);
				if (rc)
					return rc;
			} else if (fields[f].field[0] != 'o') {
				char *who = sigma_xasprintf("workspace \"%s\"", *path ? path : ".");
				to = missing_node(c, d->string, spec, who);
				free(who);
			}
			if (to == NODE_NONE)
				continue;
			lockfile_js_direct_add(c->g, to, spec, fields[f].dev);
		}
	}
	return 0;
}

static int parse(sigma_graph *g, const lockfile_input *in)
{
	bun_ctx c = { .g = g, .in = in };
	strmap_init(&c.entries);
	strmap_init(&c.key_nodes);
	strmap_init(&c.workspace_names);
	char *text = blank_trailing_commas(in->data, in->len);
	const char *end = NULL;
	cJSON *doc = cJSON_ParseWithLengthOpts(text, in->len, &end, 0);
	int rc = 0;
	graph_set(&g->format, "bun");
	if (!doc) {
		size_t off = end && end >= text ? (size_t)(end - text) : 0;
		rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: invalid JSON", in->path, lockfile_line_at(in->data, in->len, off));
		goto out;
	}
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(doc, "lockfileVersion");
	if (!cJSON_IsObject(doc) || !cJSON_IsNumber(ver)) {
		rc = bad(&c, NULL, "no lockfileVersion: not a bun.lock");
		goto out;
	}
	if (ver->valueint < 0 || ver->valueint > 2) {
		rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: unsupported bun.lock lockfileVersion %d", in->path,
		                     lockfile_js_line_of_key(in->data, in->len, "lockfileVersion"), ver->valueint);
		goto out;
	}
	const cJSON *workspaces = cJSON_GetObjectItemCaseSensitive(doc, "workspaces"), *ws, *e;
	c.packages = cJSON_GetObjectItemCaseSensitive(doc, "packages");
	if ((workspaces && !cJSON_IsObject(workspaces)) || (c.packages && !cJSON_IsObject(c.packages))) {
		rc = bad(&c, workspaces && !cJSON_IsObject(workspaces) ? "workspaces" : "packages", "expected an object");
		goto out;
	}
	cJSON_ArrayForEach(ws, workspaces) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(ws, "name");
		if (*ws->string && cJSON_IsString(nm))
			strmap_put(&c.workspace_names, nm->valuestring, (void *)1);
	}
	cJSON_ArrayForEach(e, c.packages) {
		/* A key given twice is refused: which copy an installer keeps is
		 * not sigma's guess to make, and the other would go unjudged. A key
		 * nested deeper than any real tree is refused too: resolving walks
		 * up one level at a time, and a hostile depth would make that
		 * quadratic in the hook. */
		size_t depth = 0;
		for (const char *q = e->string; *q; q++)
			depth += *q == '/';
		if (depth > BUN_MAX_DEPTH) {
			rc = bad(&c, e->string, "a package key nests deeper than any installed tree");
			goto out;
		}
		if (strmap_get(&c.entries, e->string)) {
			rc = bad(&c, e->string, "a package key given twice");
			goto out;
		}
		strmap_put(&c.entries, e->string, (void *)(uintptr_t)e); /* read only */
	}
	cJSON_ArrayForEach(e, c.packages)
		if ((rc = package_edges(&c, e->string, e)) != 0)
			goto out;
	cJSON_ArrayForEach(ws, workspaces)
		if ((rc = workspace_roots(&c, ws->string, ws)) != 0)
			goto out;
out:
	cJSON_Delete(doc);
	free(text);
	strmap_dispose(&c.entries);
	strmap_dispose(&c.key_nodes);
	strmap_dispose(&c.workspace_names);
	return rc;
}

static int parse_binary(sigma_graph *g, const lockfile_input *in)
{
	(void)g;
	return sigma_error_set(SIGMA_EINVALID, "%s:1: bun.lockb is Bun's binary lockfile, which sigma cannot read; "
	                       "run `bun install --save-text-lockfile` and commit the bun.lock it writes", in->path);
}

const lockfile_format lockfile_bun = {
	.name = "bun",
	.ecosystem = "npm",
	.match = is_lockfile,
	.manifest = "package.json",
	.parse = parse,
};

const lockfile_format lockfile_bun_binary = {
	.name = "bun-binary",
	.ecosystem = "npm",
	.match = is_binary_lockfile,
	.manifest = NULL,
	.parse = parse_binary,
};
