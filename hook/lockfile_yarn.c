/* lockfile_yarn.c: yarn.lock, classic (v1) and berry (v2+).
 *
 * Both formats map "descriptors" (what a package.json or another entry
 * asked for, "name@range") to one resolved package. Several descriptors
 * share an entry ("debug@^4.1.0, debug@^4.3.4:"). We fold entries into
 * (name, version, kind) nodes and draw an edge for each dependency
 * descriptor an entry lists.
 *
 * Classic is not YAML: it is yarn's own indented "key value" syntax, read
 * here line by line. Berry is YAML and goes through lockfile_yaml.
 *
 * Roots.
 * - Classic: the lockfile does not record workspaces, so the roots are the
 *   package.json next to the lockfile and each workspace's package.json,
 *   read through in->read_file. Glob patterns ("packages/<star>", "apps/<star><star>",
 *   "!skipped") are expanded over the tree's directories through
 *   in->list_dirs, as yarn does. Only when a pattern cannot be expanded (no
 *   list_dirs, or over the caps) is every entry that no other entry
 *   requires taken as direct as well: exact for what a workspace declares
 *   that nothing else pulls in, but a workspace dependency that something
 *   else also requires then shows at its transitive depth instead of 0.
 * - Berry: every "name@workspace:path" entry is a root and its
 *   dependencies are direct. The lockfile does not tell dev from prod, so
 *   each workspace's package.json (through in->read_file, or the manifest
 *   for the root workspace) decides; without it everything counts as prod.
 * - Links to another workspace are not packages (that workspace is a root).
 *
 * Dependency-rule findings raised here (codes):
 *   vcs              git / GitHub descriptors
 *   local-path       file:, link:, portal:, patch: entries (with the kind)
 *   url              a remote tarball URL
 *   outside-registry (classic) a registry package resolved from a URL
 *                    without the registry tarball layout
 *   unpinned         a direct spec of "*", "latest", "" or one the
 *                    lockfile does not lock */
#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/error.h"
#include "common/strmap.h"
#include "common/util.h"
#include "hook/lockfile.h"
#include "hook/lockfile_js.h"
#include "hook/lockfile_yaml.h"
#include "hook/treepath.h"

#define NODE_NONE UINT32_MAX

static int is_lockfile(const char *basename)
{
	return strcmp(basename, "yarn.lock") == 0;
}

/* Split a descriptor "name@range" ("@scope/name@range") at its '@'.
 * Returns the length of the name, or 0 when there is no name. */
static size_t descriptor_name_len(const char *d)
{
	const char *at = strchr(d + (d[0] == '@' ? 1 : 0), '@');
	return at ? (size_t)(at - d) : strlen(d);
}

/* For "npm:real@range" give the real name (copied) or NULL. */
static char *npm_alias_target(const char *range)
{
	if (!sigma_startswith(range, "npm:"))
		return NULL;
	const char *r = range + 4;
	size_t n = descriptor_name_len(r);
	if (n == 0 || n == strlen(r))
		return NULL; /* "npm:^1.0.0" is a plain range */
	return sigma_xstrndup(r, n);
}

/* ---------------------------------------------------------------- roots (shared) */

typedef struct root_ctx {
	sigma_graph *g;
	const lockfile_input *in;
	strmap *descriptors;   /* "name@range" -> node + 1 */
	strmap workspace_names; /* names of this repository's workspaces */
	char *lockdir;
	int berry;
} root_ctx;

static uint32_t lookup(const strmap *m, const char *name, const char *range, int berry)
{
	char *key = sigma_xconcat(name, "@", range);
	uintptr_t v = (uintptr_t)strmap_get(m, key);
	free(key);
	if (!v && berry && !strchr(range, ':')) {
		/* Older berry lockfiles leave the default "npm:" protocol out of
		 * dependency ranges but keep it in descriptors. */
		key = sigma_xconcat(name, "@npm:", range);
		v = (uintptr_t)strmap_get(m, key);
		free(key);
	}
	return v ? (uint32_t)(v - 1) : NODE_NONE;
}

/* Mark every dependency one manifest declares as direct. */
static void manifest_roots(root_ctx *c, const cJSON *manifest, const char *manifest_path)
{
	static const struct { const char *field; int dev; } fields[] = {
		{ "dependencies", 0 }, { "optionalDependencies", 0 }, { "devDependencies", 1 },
	};
	for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
		const cJSON *deps = cJSON_GetObjectItemCaseSensitive(manifest, fields[f].field), *d;
		cJSON_ArrayForEach(d, deps) {
			if (!cJSON_IsString(d) || !d->string)
				continue;
			const char *spec = d->valuestring;
			if (strmap_get(&c->workspace_names, d->string) || sigma_startswith(spec, "workspace:"))
				continue; /* another workspace: a root of its own */
			uint32_t i = lookup(c->descriptors, d->string, spec, c->berry);
			if (i == NODE_NONE) {
				/* Declared but not locked: the install resolves it afresh. */
				graph_kind k = lockfile_js_spec_kind(spec);
				i = graph_node_get(c->g, d->string, "", k);
				graph_finding_add(c->g, i, "unpinned",
				                  "%s: \"%s\": \"%s\" is declared but not locked in %s",
				                  manifest_path, d->string, spec, c->in->path);
				lockfile_js_kind_finding(c->g, i, spec);
			}
			graph_direct_add(c->g, i, spec, fields[f].dev);
			if (lockfile_js_spec_unpinned(spec))
				graph_finding_add(c->g, i, "unpinned", "declared as \"%s\": any version may be installed",
				                  spec);
		}
	}
}

/* ---------------------------------------------------------------- classic (v1) */

typedef struct v1_dep {
	char *name, *range;
	int optional;
} v1_dep;

typedef struct v1_entry {
	int line;
	char **descriptors;
	uint32_t ndescriptors;
	char *version, *resolved, *integrity;
	v1_dep *deps;
	uint32_t ndeps;
	uint32_t node;
} v1_entry;

typedef struct v1_lock {
	v1_entry *entries;
	uint32_t n, cap;
} v1_lock;

static void v1_free(v1_lock *l)
{
	for (uint32_t i = 0; i < l->n; i++) {
		v1_entry *e = &l->entries[i];
		for (uint32_t d = 0; d < e->ndescriptors; d++)
			free(e->descriptors[d]);
		free(e->descriptors);
		free(e->version); free(e->resolved); free(e->integrity);
		for (uint32_t d = 0; d < e->ndeps; d++) {
			free(e->deps[d].name);
			free(e->deps[d].range);
		}
		free(e->deps);
	}
	free(l->entries);
}

/* Read one token at *p: a "quoted string" (with \" and \\ escapes) or a
 * bare word up to whitespace, ',' or ':' (a ':' followed by a non-space
 * character belongs to the word, as in "npm:foo"). Returns a copy, or
 * NULL on an unterminated quote. */
static char *v1_token(const char **p, const char *end)
{
	const char *s = *p;
	if (s < end && *s == '"') {
		char *out = sigma_xmalloc((size_t)(end - s) + 1);
		size_t o = 0;
		for (s++; s < end && *s != '"'; s++) {
			if (*s == '\\' && s + 1 < end)
				s++;
			out[o++] = *s;
		}
		if (s >= end) {
			free(out);
			return NULL;
		}
		out[o] = '\0';
		*p = s + 1;
		return out;
	}
	const char *b = s;
	while (s < end && !isspace((unsigned char)*s) && *s != ',') {
		if (*s == ':' && (s + 1 >= end || isspace((unsigned char)s[1])))
			break;
		s++;
	}
	*p = s;
	return sigma_xstrndup(b, (size_t)(s - b));
}

static int v1_error(const lockfile_input *in, int line, const char *what)
{
	return sigma_error_set(SIGMA_EINVALID, "%s:%d: %s", in->path, line, what);
}

static int v1_read(v1_lock *l, const lockfile_input *in)
{
	const char *p = in->data, *end = in->data + in->len;
	int line = 0, section = 0; /* section: 0 none, 1 dependencies, 2 optionalDependencies, 3 other */
	v1_entry *cur = NULL;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *le = eol;
		line++;
		if (le > p && le[-1] == '\r')
			le--;
		while (le > p && (le[-1] == ' ' || le[-1] == '\t'))
			le--;
		const char *s = p;
		while (s < le && *s == ' ')
			s++;
		size_t indent = (size_t)(s - p);
		const char *next = eol < end ? eol + 1 : end;
		if (s == le || *s == '#') {
			p = next;
			continue;
		}
		if (memchr(p, '\0', (size_t)(le - p)))
			return v1_error(in, line, "NUL byte in yarn.lock");
		if (*s == '\t')
			return v1_error(in, line, "tab indentation is not valid in yarn.lock");
		if (indent == 0) {
			/* An entry header: descriptors separated by ", ", ending in ':'. */
			if (le[-1] != ':')
				return v1_error(in, line, "expected an entry header ending in ':'");
			if (l->n == l->cap) {
				l->cap = l->cap ? l->cap * 2 : 64;
				l->entries = sigma_xrealloc(l->entries, l->cap * sizeof *l->entries);
			}
			cur = &l->entries[l->n++];
			memset(cur, 0, sizeof *cur);
			cur->line = line;
			cur->node = NODE_NONE;
			const char *q = s, *hend = le - 1;
			while (q < hend) {
				char *d = v1_token(&q, hend);
				if (!d)
					return v1_error(in, line, "unterminated quoted string");
				if (!*d) {
					free(d);
					return v1_error(in, line, "empty descriptor in entry header");
				}
				cur->descriptors = sigma_xrealloc(cur->descriptors,
				                                  (cur->ndescriptors + 1) * sizeof *cur->descriptors);
				cur->descriptors[cur->ndescriptors++] = d;
				while (q < hend && (*q == ' ' || *q == ','))
					q++;
			}
			if (!cur->ndescriptors)
				return v1_error(in, line, "entry header without descriptors");
			section = 0;
			p = next;
			continue;
		}
		if (!cur)
			return v1_error(in, line, "indented line outside an entry");
		const char *q = s;
		char *key = v1_token(&q, le);
		if (!key)
			return v1_error(in, line, "unterminated quoted string");
		while (q < le && *q == ' ')
			q++;
		char *value = NULL;
		int opens = 0;
		if (q < le && *q == ':' && q + 1 == le) {
			opens = 1;
		} else if (q < le) {
			value = v1_token(&q, le);
			if (!value || q != le) {
				free(key);
				free(value);
				return v1_error(in, line, value ? "unexpected text after the value" :
				                                  "unterminated quoted string");
			}
		} else {
			free(key);
			return v1_error(in, line, "a key without a value");
		}
		int rc = 0;
		if (indent == 2) {
			section = 0;
			if (opens)
				section = strcmp(key, "dependencies") == 0 ? 1 :
				          strcmp(key, "optionalDependencies") == 0 ? 2 : 3;
			else if (strcmp(key, "version") == 0)
				graph_set(&cur->version, value);
			else if (strcmp(key, "resolved") == 0)
				graph_set(&cur->resolved, value);
			else if (strcmp(key, "integrity") == 0)
				graph_set(&cur->integrity, value);
		} else if (indent == 4 && section && !opens) {
			if (section == 1 || section == 2) {
				cur->deps = sigma_xrealloc(cur->deps, (cur->ndeps + 1) * sizeof *cur->deps);
				cur->deps[cur->ndeps].name = key;
				cur->deps[cur->ndeps].range = value;
				cur->deps[cur->ndeps].optional = section == 2;
				cur->ndeps++;
				key = value = NULL;
			}
		} else {
			rc = v1_error(in, line, "unexpected indentation");
		}
		free(key);
		free(value);
		if (rc)
			return rc;
		p = next;
	}
	return 0;
}

/* ---------------------------------------------------------------- workspace globs */

#define WS_MAX 256          /* workspaces per lockfile */
#define WS_MAX_LISTINGS 512 /* directory listings per expansion */
#define WS_MAX_DEPTH 8      /* directories a "**" may descend */

typedef struct ws_glob {
	const lockfile_input *in;
	char *found[WS_MAX];
	int n;
	int listings;
	int overflow; /* a cap was hit: the expansion is incomplete */
} ws_glob;

static int has_glob(const char *s) { return strpbrk(s, "*?[") != NULL; }

static char *ws_child(const char *dir, const char *name)
{
	return *dir ? sigma_xconcat(dir, "/", name) : sigma_xstrdup(name);
}

static void ws_add(ws_glob *w, const char *dir)
{
	for (int i = 0; i < w->n; i++)
		if (strcmp(w->found[i], dir) == 0)
			return;
	if (w->n == WS_MAX) {
		w->overflow = 1;
		return;
	}
	w->found[w->n++] = sigma_xstrdup(dir);
}

/* Match segments segs[k..] below the directory `dir` ("" is the root). */
static void ws_match(ws_glob *w, const char *dir, char **segs, int nseg, int k, int depth)
{
	if (w->overflow)
		return;
	if (k == nseg) {
		ws_add(w, dir);
		return;
	}
	const char *seg = segs[k];
	if (!has_glob(seg)) {
		char *next = ws_child(dir, seg);
		ws_match(w, next, segs, nseg, k + 1, depth);
		free(next);
		return;
	}
	if (++w->listings > WS_MAX_LISTINGS || depth > WS_MAX_DEPTH) {
		w->overflow = 1;
		return;
	}
	sigma_buf names = SIGMA_BUF_INIT;
	if (w->in->list_dirs(w->in->ctx, dir, &names) != 0) {
		sigma_error_clear(); /* no such directory: nothing matches */
		sigma_buf_dispose(&names);
		return;
	}
	int globstar = strcmp(seg, "**") == 0;
	if (globstar)
		ws_match(w, dir, segs, nseg, k + 1, depth); /* zero directories */
	for (char *name = names.ptr, *nl; name && (nl = strchr(name, '\n')); name = nl + 1) {
		*nl = '\0';
		/* Dot directories match only an explicit dot, node_modules never. */
		if (strcmp(name, "node_modules") == 0 || (!globstar && fnmatch(seg, name, FNM_PERIOD) != 0) ||
		    (globstar && name[0] == '.'))
			continue;
		char *next = ws_child(dir, name);
		ws_match(w, next, segs, nseg, globstar ? k : k + 1, depth + 1);
		free(next);
	}
	sigma_buf_dispose(&names);
}

/* Expand one pattern relative to the lockfile's directory. 0, or -1 when
 * it cannot be expanded here. */
static int ws_expand(ws_glob *w, const char *lockdir, const char *pattern)
{
	char *joined = treepath_join(lockdir, pattern);
	if (!joined)
		return 0; /* outside the tree: names nothing we may read */
	char *segs[64];
	int nseg = 0;
	for (char *p = joined, *save = NULL, *t; (t = strtok_r(p, "/", &save)); p = NULL) {
		if (nseg == 64) {
			free(joined);
			return -1;
		}
		segs[nseg++] = t;
	}
	ws_match(w, "", segs, nseg, 0, 0);
	free(joined);
	return w->overflow ? -1 : 0;
}

/* The workspace directories the manifest's "workspaces" name, relative to
 * the tree root, in *w. 0, or -1 when some pattern could not be expanded. */
static int ws_collect(ws_glob *w, const lockfile_input *in, const char *lockdir, const cJSON *patterns)
{
	memset(w, 0, sizeof *w);
	w->in = in;
	ws_glob excluded;
	memset(&excluded, 0, sizeof excluded);
	excluded.in = in;
	int rc = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, patterns) {
		if (!cJSON_IsString(p) || !*p->valuestring)
			continue;
		const char *pat = p->valuestring;
		int negate = pat[0] == '!';
		if (strchr(pat, '{')) {
			rc = -1; /* brace alternatives: not expanded here */
			continue;
		}
		if ((has_glob(pat) || negate) && !in->list_dirs) {
			rc = -1;
			continue;
		}
		if (ws_expand(negate ? &excluded : w, lockdir, negate ? pat + 1 : pat))
			rc = -1;
	}
	for (int i = 0; i < excluded.n; i++) {
		for (int k = 0; k < w->n; k++)
			if (strcmp(w->found[k], excluded.found[i]) == 0) {
				free(w->found[k]);
				w->found[k] = w->found[--w->n];
				break;
			}
		free(excluded.found[i]);
	}
	return rc;
}

static void ws_dispose(ws_glob *w)
{
	for (int i = 0; i < w->n; i++)
		free(w->found[i]);
	w->n = 0;
}

/* Required dependencies that have no entry. yarn 1 locks optional ones
 * too, but leaves out what fails to install and the workspaces (which is
 * why this runs only once the manifests have named them); anything else
 * missing means the file was edited or merged by hand. */
static void v1_missing(sigma_graph *g, const lockfile_input *in, const v1_lock *l, const strmap *descriptors,
                       const strmap *workspace_names)
{
	for (uint32_t i = 0; i < l->n; i++) {
		const v1_entry *e = &l->entries[i];
		for (uint32_t d = 0; d < e->ndeps; d++) {
			const v1_dep *dep = &e->deps[d];
			if (dep->optional || strmap_get(workspace_names, dep->name) ||
			    lookup(descriptors, dep->name, dep->range, 0) != NODE_NONE)
				continue;
			uint32_t to = graph_node_get(g, dep->name, "", lockfile_js_spec_kind(dep->range));
			char *key = sigma_xconcat(dep->name, "@", dep->range);
			char *from = sigma_xasprintf("%s@%s", g->nodes[e->node].name, g->nodes[e->node].version);
			lockfile_js_inconsistent(g, to, in->path, key, from, "yarn install");
			graph_edge_add(g, e->node, to);
			free(key);
			free(from);
		}
	}
}

static int v1_parse(sigma_graph *g, const lockfile_input *in)
{
	v1_lock l = { 0 };
	strmap descriptors;
	root_ctx rc_ = { 0 };
	cJSON *manifest = NULL;
	int rc;

	strmap_init(&descriptors);
	strmap_init(&rc_.workspace_names);
	graph_set(&g->format, "yarn@1");
	rc = v1_read(&l, in);
	if (rc)
		goto out;

	/* Nodes. */
	for (uint32_t i = 0; i < l.n; i++) {
		v1_entry *e = &l.entries[i];
		const char *d0 = e->descriptors[0];
		size_t nl = descriptor_name_len(d0);
		if (!e->version)
			e->version = sigma_xstrdup("");
		char *name = sigma_xstrndup(d0, nl);
		const char *range = d0[nl] ? d0 + nl + 1 : "";
		char *real = npm_alias_target(range);
		graph_kind kind = lockfile_js_spec_kind(range);
		if (kind == GRAPH_KIND_REGISTRY && e->resolved && !sigma_startswith(e->resolved, "http"))
			kind = lockfile_js_spec_kind(e->resolved);
		e->node = graph_node_get(g, real ? real : name, e->version, kind);
		graph_node *n = &g->nodes[e->node];
		if (real && !n->alias)
			graph_set(&n->alias, name);
		if (e->integrity && !n->integrity)
			graph_set(&n->integrity, e->integrity);
		if (e->resolved && !n->resolved)
			graph_set(&n->resolved, e->resolved);
		lockfile_js_kind_finding(g, e->node, e->resolved ? e->resolved : range);
		if (kind == GRAPH_KIND_REGISTRY && e->resolved &&
		    !lockfile_js_registry_url(e->resolved, real ? real : name, e->version))
			graph_finding_add(g, e->node, "outside-registry",
			                  "%s@%s is resolved from %s, not a registry tarball (%s:%d)",
			                  real ? real : name, e->version, e->resolved, in->path, e->line);
		for (uint32_t d = 0; d < e->ndescriptors; d++)
			strmap_put(&descriptors, e->descriptors[d], (void *)(uintptr_t)(e->node + 1));
		free(name);
		free(real);
	}
	/* Edges. A dependency with no entry is an optional one that was not
	 * installed, or a link to a workspace; neither is a package here. */
	for (uint32_t i = 0; i < l.n; i++) {
		v1_entry *e = &l.entries[i];
		for (uint32_t d = 0; d < e->ndeps; d++) {
			uint32_t to = lookup(&descriptors, e->deps[d].name, e->deps[d].range, 0);
			if (to == NODE_NONE || to == e->node)
				continue;
			graph_edge_add(g, e->node, to);
		}
	}

	/* Roots. */
	rc_.g = g;
	rc_.in = in;
	rc_.descriptors = &descriptors;
	rc_.lockdir = treepath_dir(in->path);
	int unexpanded = 0, ws_unread = 0;
	if (in->manifest) {
		rc = lockfile_js_manifest_parse(&manifest, in->manifest_path ? in->manifest_path : "package.json",
		                                in->manifest, in->manifest_len);
		if (rc)
			goto out;
		ws_glob dirs;
		if (ws_collect(&dirs, in, rc_.lockdir, lockfile_js_workspaces(manifest)))
			unexpanded = 1;
		cJSON *wsman[WS_MAX] = { 0 };
		char *wspath[WS_MAX] = { 0 };
		int nws = 0;
		for (int d = 0; d < dirs.n; d++) {
			char *path = *dirs.found[d] ? sigma_xconcat(dirs.found[d], "/package.json", NULL)
			                            : sigma_xstrdup("package.json");
			cJSON *m = NULL;
			if (lockfile_js_manifest_read(&m, in, path) != 0) {
				ws_unread = 1; /* a workspace we cannot name */
			} else {
				const cJSON *nm = cJSON_GetObjectItemCaseSensitive(m, "name");
				if (cJSON_IsString(nm))
					strmap_put(&rc_.workspace_names, nm->valuestring, (void *)1);
				wsman[nws] = m;
				wspath[nws++] = path;
				path = NULL;
			}
			free(path);
		}
		ws_dispose(&dirs);
		manifest_roots(&rc_, manifest, in->manifest_path ? in->manifest_path : "package.json");
		for (int k = 0; k < nws; k++) {
			manifest_roots(&rc_, wsman[k], wspath[k]);
			cJSON_Delete(wsman[k]);
			free(wspath[k]);
		}
		sigma_error_clear();
	}
	if (!in->manifest || unexpanded)
		graph_orphans_direct(g); /* whatever no entry requires was put there by some root */
	else if (!ws_unread)
		v1_missing(g, in, &l, &descriptors, &rc_.workspace_names);
out:
	cJSON_Delete(manifest);
	free(rc_.lockdir);
	strmap_dispose(&rc_.workspace_names);
	strmap_dispose(&descriptors);
	v1_free(&l);
	return rc;
}

/* ---------------------------------------------------------------- berry */

/* Kind of a berry resolution's reference ("npm:1.2.3", "workspace:.",
 * "patch:...", "https://github.com/...#commit=..."). */
static graph_kind berry_kind(const char *reference)
{
	if (sigma_startswith(reference, "npm:"))
		return GRAPH_KIND_REGISTRY;
	graph_kind k = lockfile_js_spec_kind(reference);
	if (k == GRAPH_KIND_REGISTRY)
		k = GRAPH_KIND_TARBALL; /* an unknown protocol is not the registry */
	return k;
}

/* Decode the %XX escapes berry uses inside patch: references. */
static char *percent_decode(const char *s)
{
	char *out = sigma_xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++) {
		if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], 0 };
			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

typedef struct berry_entry berry_entry;
static uint32_t builtin_patch(const strmap *descriptors, const strmap *patched_names,
                              const berry_entry *entries, const char *name, const char *range);

typedef struct berry_entry {
	const lockfile_ynode *value;
	uint32_t node;
	int line;
	char *workspace; /* the path of a workspace entry, else NULL */
	char *patched;   /* patch entries: the resolution of what is patched */
} berry_entry;

/* yarn itself patches a few packages (typescript, resolve, fsevents) for
 * Plug'n'Play: a dependency "ts: npm:^5" then installs the entry
 * "ts@patch:ts@npm%3A^5#optional!builtin<compat/ts>", which wraps the
 * registry one. Return that patch entry's node, or NODE_NONE. */
static uint32_t builtin_patch(const strmap *descriptors, const strmap *patched_names,
                              const berry_entry *entries, const char *name, const char *range)
{
	static const char *const forms[] = { "#optional!builtin<compat/%s>", "#builtin<compat/%s>" };
	if (!sigma_startswith(range, "npm:") || !strmap_get(patched_names, name))
		return NODE_NONE;
	for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
		char *suffix = sigma_xasprintf(forms[f], name);
		char *key = sigma_xasprintf("%s@patch:%s@npm%%3A%s%s", name, name, range + 4, suffix);
		uintptr_t v = (uintptr_t)strmap_get(descriptors, key);
		free(suffix);
		free(key);
		if (v)
			return entries[v - 1].node;
	}
	return NODE_NONE;
}

static int is_builtin_patch(const char *reference)
{
	return strstr(reference, "#optional!builtin<") || strstr(reference, "#builtin<");
}

static int berry_parse(sigma_graph *g, const lockfile_input *in)
{
	lockfile_ynode *doc = NULL;
	strmap descriptors, resolutions;
	strmap patched_names; /* packages that have one of yarn's builtin patches */
	berry_entry *entries = NULL;
	uint32_t nentries = 0;
	root_ctx rc_ = { 0 };
	int rc;

	strmap_init(&descriptors);
	strmap_init(&resolutions);
	strmap_init(&patched_names);
	strmap_init(&rc_.workspace_names);
	graph_set(&g->format, "yarn@berry");
	rc = lockfile_yaml_load(&doc, in->path, in->data, in->len);
	if (rc)
		goto out;
	if (doc->type != LOCKFILE_Y_MAP) {
		rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: a yarn.lock is a mapping of entries", in->path, doc->line);
		goto out;
	}
	entries = sigma_xcalloc(doc->n / 2 + 1, sizeof *entries);
	for (uint32_t k = 0; k + 1 < doc->n; k += 2) {
		const lockfile_ynode *key = doc->kids[k], *val = doc->kids[k + 1];
		const char *ks = lockfile_yaml_str(key);
		if (!ks) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: entry key is not a string", in->path, key->line);
			goto out;
		}
		if (strcmp(ks, "__metadata") == 0)
			continue;
		if (val->type != LOCKFILE_Y_MAP) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: entry \"%s\" is not a mapping", in->path, key->line, ks);
			goto out;
		}
		const char *resolution = lockfile_yaml_getstr(val, "resolution");
		const char *version = lockfile_yaml_getstr(val, "version");
		if (!resolution) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: entry \"%s\" has no resolution", in->path, key->line, ks);
			goto out;
		}
		size_t nl = descriptor_name_len(resolution);
		if (nl == 0 || !resolution[nl]) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: malformed resolution \"%s\"", in->path, val->line,
			                     resolution);
			goto out;
		}
		char *name = sigma_xstrndup(resolution, nl);
		const char *reference = resolution + nl + 1;
		graph_kind kind = berry_kind(reference);
		berry_entry *e = &entries[nentries++];
		strmap_put(&resolutions, resolution, (void *)(uintptr_t)nentries);
		e->value = val;
		e->line = key->line;
		e->node = NODE_NONE;
		if (kind == GRAPH_KIND_WORKSPACE) {
			e->workspace = sigma_xstrdup(reference + strlen("workspace:"));
			strmap_put(&rc_.workspace_names, name, (void *)1);
		} else {
			/* npm "version" of a non-registry entry may be absent; the
			 * reference is then the best identity we have. */
			e->node = graph_node_get(g, name, version ? version : "", kind);
			graph_node *n = &g->nodes[e->node];
			const char *checksum = lockfile_yaml_getstr(val, "checksum");
			if (checksum && !n->integrity)
				graph_set(&n->integrity, checksum);
			if (!n->resolved)
				graph_set(&n->resolved, resolution);
			/* yarn's own compatibility patches come with yarn, not with the
			 * pushed tree: the kind says "patch", no finding is raised. */
			if (kind == GRAPH_KIND_PATCH && is_builtin_patch(reference))
				strmap_put(&patched_names, name, (void *)1);
			else
				lockfile_js_kind_finding(g, e->node, resolution);
			if (kind == GRAPH_KIND_PATCH) {
				/* "patch:name@npm%3A1.0.0#..." patches that package. */
				const char *inner = reference + strlen("patch:");
				size_t il = strcspn(inner, "#");
				char *enc = sigma_xstrndup(inner, il);
				e->patched = percent_decode(enc);
				free(enc);
			}
		}
		/* Index every descriptor of the key ("a@npm:^1, a@npm:^1.2"). */
		const char *p = ks;
		while (*p) {
			while (*p == ' ' || *p == ',')
				p++;
			const char *q = p;
			while (*q && *q != ',')
				q++;
			const char *t = q;
			while (t > p && t[-1] == ' ')
				t--;
			if (t > p)
				strmap_putn(&descriptors, p, (size_t)(t - p), (void *)(uintptr_t)(nentries));
			p = q;
		}
		/* Aliases: a descriptor name other than the resolved name. */
		if (e->node != NODE_NONE) {
			size_t dl = descriptor_name_len(ks);
			if (dl != nl || strncmp(ks, name, nl) != 0) {
				graph_node *n = &g->nodes[e->node];
				if (!n->alias)
					n->alias = sigma_xstrndup(ks, dl);
			}
		}
		free(name);
	}

	/* Edges, and the direct set from workspace entries. strmap values here
	 * are entry index + 1. */
	cJSON *rootman = NULL;
	if (in->manifest &&
	    lockfile_js_manifest_parse(&rootman, in->manifest_path ? in->manifest_path : "package.json",
	                               in->manifest, in->manifest_len) != 0)
		rootman = NULL;
	sigma_error_clear();
	rc_.lockdir = treepath_dir(in->path);
	int any_workspace = 0;
	for (uint32_t i = 0; i < nentries; i++) {
		berry_entry *e = &entries[i];
		const lockfile_ynode *deps = lockfile_yaml_get(e->value, "dependencies");
		cJSON *wsman = NULL;
		const cJSON *devs = NULL, *prods = NULL;
		if (e->workspace) {
			any_workspace = 1;
			if (strcmp(e->workspace, ".") == 0) {
				devs = cJSON_GetObjectItemCaseSensitive(rootman, "devDependencies");
				prods = cJSON_GetObjectItemCaseSensitive(rootman, "dependencies");
			} else {
				char *rel = sigma_xasprintf("%s/package.json", e->workspace);
				char *path = treepath_join(rc_.lockdir, rel);
				if (path && lockfile_js_manifest_read(&wsman, in, path) == 0) {
					devs = cJSON_GetObjectItemCaseSensitive(wsman, "devDependencies");
					prods = cJSON_GetObjectItemCaseSensitive(wsman, "dependencies");
				}
				sigma_error_clear();
				free(rel);
				free(path);
			}
		}
		if (e->patched && e->node != NODE_NONE) {
			uintptr_t v = (uintptr_t)strmap_get(&resolutions, e->patched);
			if (v && entries[v - 1].node != NODE_NONE)
				graph_edge_add(g, e->node, entries[v - 1].node);
		}
		if (deps && deps->type == LOCKFILE_Y_MAP) {
			for (uint32_t k = 0; k + 1 < deps->n; k += 2) {
				const char *dn = lockfile_yaml_str(deps->kids[k]);
				const char *dr = lockfile_yaml_str(deps->kids[k + 1]);
				if (!dn || !dr) {
					rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: dependency is not \"name: range\"",
					                     in->path, deps->kids[k]->line);
					cJSON_Delete(wsman);
					cJSON_Delete(rootman);
					goto out;
				}
				uint32_t ti = NODE_NONE;
				char *key = sigma_xconcat(dn, "@", dr);
				uintptr_t v = (uintptr_t)strmap_get(&descriptors, key);
				free(key);
				if (!v && !strchr(dr, ':')) {
					key = sigma_xconcat(dn, "@npm:", dr);
					v = (uintptr_t)strmap_get(&descriptors, key);
					free(key);
				}
				if (v)
					ti = (uint32_t)(v - 1);
				if (ti == NODE_NONE && !e->workspace && e->node != NODE_NONE) {
					/* berry locks every descriptor it resolved, optional
					 * and foreign-platform ones too: a missing one means
					 * the file was edited or merged by hand. */
					uint32_t to = graph_node_get(g, dn, "", lockfile_js_spec_kind(dr));
					char *ref = sigma_xconcat(dn, "@", dr);
					char *from = sigma_xasprintf("%s@%s", g->nodes[e->node].name, g->nodes[e->node].version);
					lockfile_js_inconsistent(g, to, in->path, ref, from, "yarn install");
					graph_edge_add(g, e->node, to);
					free(ref);
					free(from);
					continue;
				}
				if (ti == NODE_NONE || entries[ti].node == NODE_NONE)
					continue; /* not installed (optional) or another workspace */
				uint32_t targets[2] = { entries[ti].node, builtin_patch(&descriptors, &patched_names, entries, dn, dr) };
				for (int t = 0; t < 2; t++) {
					uint32_t to = targets[t];
					if (to == NODE_NONE)
						continue;
					if (e->workspace) {
						const cJSON *ms = cJSON_GetObjectItemCaseSensitive(prods, dn);
						int dev = 0;
						if (!ms) {
							ms = cJSON_GetObjectItemCaseSensitive(devs, dn);
							dev = ms != NULL;
						}
						const char *spec = cJSON_IsString(ms) ? ms->valuestring : dr;
						graph_direct_add(g, to, spec, dev);
						if (lockfile_js_spec_unpinned(spec))
							graph_finding_add(g, to, "unpinned",
							                  "declared as \"%s\": any version may be installed", spec);
					} else if (e->node != NODE_NONE) {
						graph_edge_add(g, e->node, to);
					}
				}
			}
		}
		cJSON_Delete(wsman);
	}
	cJSON_Delete(rootman);
	if (!any_workspace) {
		/* No workspace entry (hand-made file): whatever nobody requires is
		 * a root's. */
		graph_orphans_direct(g);
	}
out:
	for (uint32_t i = 0; i < nentries; i++) {
		free(entries[i].workspace);
		free(entries[i].patched);
	}
	free(entries);
	free(rc_.lockdir);
	strmap_dispose(&rc_.workspace_names);
	strmap_dispose(&descriptors);
	strmap_dispose(&resolutions);
	strmap_dispose(&patched_names);
	lockfile_yaml_free(doc);
	return rc;
}

/* ---------------------------------------------------------------- dispatch */

/* Berry lockfiles carry a top-level "__metadata:" entry; classic never. */
static int is_berry(const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	while (p < end) {
		if ((size_t)(end - p) >= 11 && memcmp(p, "__metadata:", 11) == 0)
			return 1;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

static int parse(sigma_graph *g, const lockfile_input *in)
{
	return is_berry(in->data, in->len) ? berry_parse(g, in) : v1_parse(g, in);
}

const lockfile_format lockfile_yarn = {
	.name = "yarn",
	.ecosystem = "npm",
	.match = is_lockfile,
	.manifest = "package.json",
	.parse = parse,
};
