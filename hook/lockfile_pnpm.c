/* lockfile_pnpm.c: pnpm-lock.yaml, lockfileVersion 5.x, 6.x and 9.x.
 *
 * pnpm names every installed package instance by an id: "name@version",
 * plus a peer suffix when the instance was resolved against particular
 * peers, "pkg@1.0.0(react@18.2.0)(react-dom@18.2.0(react@18.2.0))".
 * v6 prefixes ids with '/' and keeps everything about an instance in
 * `packages`; v9 splits what the artefact is (`packages`, keyed without
 * the peer suffix: resolution/integrity) from how it is wired
 * (`snapshots`, keyed with it: dependencies). We fold all instances of
 * one name@version into one node and union their edges; the peer suffix
 * never makes a separate package.
 *
 * 5.x (written by pnpm 5, 6 and 7) has the v6 layout with other ids:
 * "/name/version", "/@scope/name/version", a peer suffix after '_'
 * ("/react-dom/18.3.1_react@18.3.1"), and a top-level `specifiers:` map
 * (per importer in workspaces) instead of inline {specifier, version}.
 * A reference holding a '/' is a whole id (an alias "/lodash/4.17.21", a
 * host-prefixed "registry.invalid/foo/1.0.0", a git "github.com/u/r/sha");
 * otherwise it is "/<name>/<reference>", which is pnpm's own rule
 * (dependency-path's refToRelative). Non-registry entries carry their
 * real name and version as fields.
 *
 * Roots are the `importers` (each workspace project; in v6 a single
 * project may have its dependencies at the top level instead). Their
 * dependencies, devDependencies and optionalDependencies are direct. A
 * "link:" to another importer is a workspace (not a package: that
 * importer is a root of its own); a link elsewhere is a package of kind
 * link.
 *
 * Dependency-rule findings raised here (codes):
 *   vcs        a git resolution ({type: git} or a git URL id)
 *   local-path link:/file: dependencies and {directory:} resolutions
 *   url        a {tarball:} resolution
 *   unpinned   a direct specifier of "*", "latest" or ""
 *   inconsistent  an id referenced from importers or dependencies that
 *              `packages:` does not define: nothing in the lockfile says
 *              what the artefact is, so there is no integrity to check
 *              (pnpm's own frozen install refuses such a lockfile) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "common/strmap.h"
#include "common/util.h"
#include "hook/lockfile.h"
#include "hook/lockfile_js.h"
#include "hook/lockfile_yaml.h"
#include "hook/treepath.h"

#define NODE_NONE UINT32_MAX

typedef struct pnpm_ctx {
	sigma_graph *g;
	const lockfile_input *in;
	int v5, v6;                       /* v5: 5.x ids; v6: 6.x or 5.x layout */
	const lockfile_ynode *packages;   /* id -> artefact (and, in v6, wiring) */
	const lockfile_ynode *snapshots;  /* v9: id -> wiring */
	const lockfile_ynode *importers;
	strmap ids;                       /* id as written (without '/') -> node + 1 */
} pnpm_ctx;

static int is_lockfile(const char *basename)
{
	return strcmp(basename, "pnpm-lock.yaml") == 0;
}

/* Split an id "name@version(peers)" (v6: "/name@version(peers)") into a
 * name and a version without the peer suffix. 0, or -1 when it is not
 * of that shape. The outputs are new strings. */
static int split_id(const char *id, char **name, char **version)
{
	if (id[0] == '/')
		id++;
	size_t base = strcspn(id, "(");
	const char *at = NULL;
	/* A name holds '@' only as its scope prefix; the version part may
	 * hold more (a "git+ssh://git@host/..." id). */
	for (size_t i = 1; i < base && !at; i++)
		if (id[i] == '@')
			at = id + i;
	if (!at || at == id)
		return -1;
	*name = sigma_xstrndup(id, (size_t)(at - id));
	*version = sigma_xstrndup(at + 1, base - (size_t)(at - id) - 1);
	if (!**version) {
		free(*name);
		free(*version);
		return -1;
	}
	return 0;
}

/* Split a 5.x id into name and version (peer suffix dropped):
 * "/@scope/name/1.0.0_peer@2.0.0", or with a host before the first '/'
 * ("registry.invalid/name/1.0.0"). 0, or -1 when it is not of that shape.
 * The outputs are new strings. */
static int split_id5(const char *id, char **name, char **version)
{
	const char *p = id[0] == '/' ? id : strchr(id, '/');
	if (!p)
		return -1;
	p++;
	/* A scoped name holds one '/' of its own. */
	const char *slash = strchr(p, '/');
	if (slash && p[0] == '@')
		slash = strchr(slash + 1, '/');
	if (!slash || slash == p)
		return -1;
	const char *v = slash + 1;
	size_t vlen = strcspn(v, "_");
	if (!vlen || memchr(v, '/', vlen))
		return -1;
	*name = sigma_xstrndup(p, (size_t)(slash - p));
	*version = sigma_xstrndup(v, vlen);
	return 0;
}

/* The artefact kind from a `resolution` map and the version string. */
static graph_kind resolution_kind(const lockfile_ynode *res, const char *version, const char **where)
{
	const char *type = lockfile_yaml_getstr(res, "type");
	const char *tarball = lockfile_yaml_getstr(res, "tarball");
	const char *dir = lockfile_yaml_getstr(res, "directory");
	*where = NULL;
	if (type && strcmp(type, "git") == 0) {
		*where = lockfile_yaml_getstr(res, "repo");
		return GRAPH_KIND_GIT;
	}
	if (dir || (type && strcmp(type, "directory") == 0)) {
		*where = dir;
		return GRAPH_KIND_FILE;
	}
	graph_kind k = lockfile_js_spec_kind(version);
	if (k != GRAPH_KIND_REGISTRY) {
		*where = version;
		return k;
	}
	if (tarball) {
		*where = tarball;
		/* A file: tarball is local; a URL tarball for a registry version
		 * is what pnpm writes for registries that serve non-standard
		 * paths, so only a non-semver one is judged a URL here. */
		if (sigma_startswith(tarball, "file:"))
			return GRAPH_KIND_FILE;
		return GRAPH_KIND_TARBALL;
	}
	return GRAPH_KIND_REGISTRY;
}

/* The node for a package id, creating it from `packages` on first use.
 * `from` names where the id was referenced, for the inconsistency finding;
 * `dep_name` is the name it was referenced under (NULL for a key). */
static uint32_t node_for_id(pnpm_ctx *c, const char *id, const char *from, const char *dep_name)
{
	/* 5.x ids are looked up as written (some have no leading '/'). */
	const char *bare = id[0] == '/' && !c->v5 ? id + 1 : id;
	uintptr_t v = (uintptr_t)strmap_get(&c->ids, bare);
	if (v)
		return (uint32_t)(v - 1);
	char *name = NULL, *version = NULL;
	/* v9 `packages` keys drop the peer suffix; v6 and 5.x keys keep it. */
	const lockfile_ynode *art = NULL;
	char *key = NULL;
	if (c->v5) {
		art = lockfile_yaml_get(c->packages, id);
		const char *an = lockfile_yaml_getstr(art, "name"), *av = lockfile_yaml_getstr(art, "version");
		if (an && av && id[0] != '/') {
			/* A tarball or git id: the entry names the package. */
			name = sigma_xstrdup(an);
			version = sigma_xstrdup(av);
		} else if (split_id5(id, &name, &version) != 0) {
			/* An undefined git or tarball id ("github.com/u/r/sha") says
			 * no version: still the package it was referenced as. */
			if (art || !dep_name)
				return NODE_NONE;
			name = sigma_xstrdup(dep_name);
			version = sigma_xstrdup("");
		}
		key = sigma_xstrdup(id);
	} else {
		if (split_id(bare, &name, &version) != 0)
			return NODE_NONE;
		key = c->v6 ? sigma_xconcat("/", bare, NULL) : sigma_xconcat(name, "@", version);
		art = lockfile_yaml_get(c->packages, key);
	}
	const lockfile_ynode *res = lockfile_yaml_get(art, "resolution");
	const char *where;
	graph_kind kind = resolution_kind(res, version, &where);
	/* Non-registry ids ("foo@https://...", "foo@file:...") carry the
	 * package's version in the artefact entry. */
	const char *real_version = version;
	if (kind != GRAPH_KIND_REGISTRY && lockfile_yaml_getstr(art, "version"))
		real_version = lockfile_yaml_getstr(art, "version");
	const char *real_name = lockfile_yaml_getstr(art, "name");
	uint32_t i = graph_node_get(c->g, real_name ? real_name : name, real_version, kind);
	graph_node *n = &c->g->nodes[i];
	const char *integrity = lockfile_yaml_getstr(res, "integrity");
	if (integrity && !n->integrity)
		graph_set(&n->integrity, integrity);
	if (!n->resolved) {
		const char *tarball = lockfile_yaml_getstr(res, "tarball");
		graph_set(&n->resolved, tarball ? tarball : where);
	}
	if (real_name && strcmp(real_name, name) != 0 && !n->alias)
		graph_set(&n->alias, name);
	const char *optional = lockfile_yaml_getstr(art, "optional");
	if (optional && strcmp(optional, "true") == 0)
		n->optional = 1;
	if (!art)
		lockfile_js_inconsistent(c->g, i, c->in->path, key, from, "pnpm install");
	else
		lockfile_js_kind_finding(c->g, i, where ? where : bare);
	strmap_put(&c->ids, bare, (void *)(uintptr_t)(i + 1));
	free(key);
	free(name);
	free(version);
	return i;
}

/* The id a dependency reference names: "1.2.3(peer@1)" under name "x" is
 * "x@1.2.3(peer@1)"; an alias's reference is a whole id ("/y@1.0.0" in v6,
 * "y@1.0.0" in v9). In 5.x, "1.2.3_peer@1" under "x" is "/x/1.2.3_peer@1",
 * and a reference with a '/' is a whole id. Returns a new string. */
static char *dep_id(const pnpm_ctx *c, const char *name, const char *ref)
{
	if (c->v5)
		return strchr(ref, '/') ? sigma_xstrdup(ref) : sigma_xasprintf("/%s/%s", name, ref);
	if (ref[0] == '/')
		return sigma_xstrdup(ref + 1);
	size_t base = strcspn(ref, "(");
	for (size_t i = 1; i < base; i++)
		if (ref[i] == '@' && !memchr(ref, ':', i))
			return sigma_xstrdup(ref);
	return sigma_xconcat(name, "@", ref);
}

static int wiring_edges(pnpm_ctx *c, uint32_t from, const lockfile_ynode *wiring_key,
                        const lockfile_ynode *wiring)
{
	static const char *const fields[] = { "dependencies", "optionalDependencies" };
	for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
		const lockfile_ynode *deps = lockfile_yaml_get(wiring, fields[f]);
		if (!deps)
			continue;
		if (deps->type != LOCKFILE_Y_MAP)
			return sigma_error_set(SIGMA_EINVALID, "%s:%d: %s is not a mapping", c->in->path, deps->line,
			                       fields[f]);
		for (uint32_t k = 0; k + 1 < deps->n; k += 2) {
			const char *dn = lockfile_yaml_str(deps->kids[k]);
			const char *ref = lockfile_yaml_str(deps->kids[k + 1]);
			if (!dn || !ref)
				return sigma_error_set(SIGMA_EINVALID, "%s:%d: dependency is not \"name: version\"",
				                       c->in->path, deps->kids[k]->line);
			if (sigma_startswith(ref, "link:"))
				continue; /* a workspace package, a root of its own */
			char *id = dep_id(c, dn, ref);
			const char *from_id = lockfile_yaml_str(wiring_key);
			uint32_t to = node_for_id(c, id, from_id ? from_id : "packages", dn);
			free(id);
			if (to == NODE_NONE)
				return sigma_error_set(SIGMA_EINVALID, "%s:%d: malformed dependency version \"%s\"",
				                       c->in->path, deps->kids[k + 1]->line, ref);
			graph_edge_add(c->g, from, to);
		}
	}
	return 0;
}

/* One importer (or v6's top-level single project). */
static int importer_roots(pnpm_ctx *c, const char *path, const lockfile_ynode *imp)
{
	/* 5.x keeps the declared specs apart from the resolved versions. */
	const lockfile_ynode *specifiers = lockfile_yaml_get(imp, "specifiers");
	static const struct { const char *field; int dev; } fields[] = {
		{ "dependencies", 0 }, { "optionalDependencies", 0 }, { "devDependencies", 1 },
	};
	for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
		const lockfile_ynode *deps = lockfile_yaml_get(imp, fields[f].field);
		if (!deps)
			continue;
		if (deps->type != LOCKFILE_Y_MAP)
			return sigma_error_set(SIGMA_EINVALID, "%s:%d: %s is not a mapping", c->in->path, deps->line,
			                       fields[f].field);
		for (uint32_t k = 0; k + 1 < deps->n; k += 2) {
			const lockfile_ynode *v = deps->kids[k + 1];
			const char *dn = lockfile_yaml_str(deps->kids[k]);
			const char *ref = v->type == LOCKFILE_Y_MAP ? lockfile_yaml_getstr(v, "version")
			                                             : lockfile_yaml_str(v);
			const char *spec = v->type == LOCKFILE_Y_MAP ? lockfile_yaml_getstr(v, "specifier")
			                                             : lockfile_yaml_getstr(specifiers, dn);
			if (!dn || !ref)
				return sigma_error_set(SIGMA_EINVALID, "%s:%d: importer dependency without a version",
				                       c->in->path, deps->kids[k]->line);
			uint32_t to;
			if (sigma_startswith(ref, "link:")) {
				/* Another importer of this lockfile is a workspace root;
				 * anything else is a symlinked directory. */
				char *dir = path && strcmp(path, ".") != 0 ? sigma_xasprintf("%s/", path) : sigma_xstrdup("");
				char *target = treepath_join(dir, ref + 5);
				int is_ws = target && lockfile_yaml_get(c->importers, target);
				free(dir);
				free(target);
				if (is_ws)
					continue;
				to = graph_node_get(c->g, dn, "", GRAPH_KIND_LINK);
				graph_set(&c->g->nodes[to].resolved, ref);
				lockfile_js_kind_finding(c->g, to, ref);
			} else {
				char *id = dep_id(c, dn, ref);
				char *from = sigma_xasprintf("importer \"%s\"", path ? path : ".");
				to = node_for_id(c, id, from, dn);
				free(from);
				free(id);
				if (to == NODE_NONE)
					return sigma_error_set(SIGMA_EINVALID, "%s:%d: malformed dependency version \"%s\"",
					                       c->in->path, v->line, ref);
			}
			lockfile_js_direct_add(c->g, to, spec, fields[f].dev);
		}
	}
	return 0;
}

static int parse(sigma_graph *g, const lockfile_input *in)
{
	lockfile_ynode *doc = NULL;
	pnpm_ctx c = { .g = g, .in = in };
	int rc;

	strmap_init(&c.ids);
	rc = lockfile_yaml_load(&doc, in->path, in->data, in->len);
	if (rc)
		goto out;
	const char *ver = lockfile_yaml_getstr(doc, "lockfileVersion");
	if (!ver) {
		rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: no lockfileVersion", in->path, doc->line);
		goto out;
	}
	int major = atoi(ver);
	if (major < 5 || major > 9) {
		rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: unsupported pnpm lockfileVersion %s",
		                     in->path, lockfile_yaml_get(doc, "lockfileVersion")->line, ver);
		goto out;
	}
	c.v5 = major == 5;
	c.v6 = major < 9;
	graph_set(&g->format, c.v5 ? "pnpm@5" : c.v6 ? "pnpm@6" : "pnpm@9");
	c.packages = lockfile_yaml_get(doc, "packages");
	c.snapshots = lockfile_yaml_get(doc, "snapshots");
	c.importers = lockfile_yaml_get(doc, "importers");
	const lockfile_ynode *maps[3] = { c.packages, c.snapshots, c.importers };
	for (int m = 0; m < 3; m++)
		if (maps[m] && maps[m]->type != LOCKFILE_Y_MAP &&
		    !(maps[m]->type == LOCKFILE_Y_SCALAR && !*maps[m]->str)) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: expected a mapping", in->path, maps[m]->line);
			goto out;
		}

	/* Every instance and its edges. */
	const lockfile_ynode *wiring = c.v6 ? c.packages : c.snapshots;
	if (!c.v6 && !wiring)
		wiring = c.packages;
	for (uint32_t k = 0; wiring && wiring->type == LOCKFILE_Y_MAP && k + 1 < wiring->n; k += 2) {
		const char *id = lockfile_yaml_str(wiring->kids[k]);
		uint32_t from = id ? node_for_id(&c, id, "snapshots", NULL) : NODE_NONE;
		if (from == NODE_NONE) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: malformed package id \"%s\"", in->path,
			                     wiring->kids[k]->line, id ? id : "");
			goto out;
		}
		rc = wiring_edges(&c, from, wiring->kids[k], wiring->kids[k + 1]);
		if (rc)
			goto out;
	}
	/* Packages without a snapshot (v9) still are packages. */
	if (!c.v6)
		for (uint32_t k = 0; c.packages && c.packages->type == LOCKFILE_Y_MAP && k + 1 < c.packages->n; k += 2) {
			const char *id = lockfile_yaml_str(c.packages->kids[k]);
			if (!id || node_for_id(&c, id, "packages", NULL) == NODE_NONE) {
				rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: malformed package id \"%s\"", in->path,
				                     c.packages->kids[k]->line, id ? id : "");
				goto out;
			}
		}

	/* Roots. */
	if (c.importers && c.importers->type == LOCKFILE_Y_MAP) {
		for (uint32_t k = 0; k + 1 < c.importers->n; k += 2) {
			const char *path = lockfile_yaml_str(c.importers->kids[k]);
			rc = importer_roots(&c, path ? path : ".", c.importers->kids[k + 1]);
			if (rc)
				goto out;
		}
	} else {
		rc = importer_roots(&c, ".", doc);
		if (rc)
			goto out;
	}
out:
	strmap_dispose(&c.ids);
	lockfile_yaml_free(doc);
	return rc;
}

const lockfile_format lockfile_pnpm = {
	.name = "pnpm",
	.ecosystem = "npm",
	.match = is_lockfile,
	.manifest = "package.json",
	.parse = parse,
};
