/* lockfile_js.c: see lockfile_js.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "common/util.h"
#include "hook/lockfile_js.h"

/* ---------------------------------------------------------------- manifests */

int lockfile_js_manifest_parse(cJSON **out, const char *path, const char *data, size_t len)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	*out = NULL;
	if (!j) {
		size_t off = end && end >= data ? (size_t)(end - data) : 0;
		return sigma_error_set(SIGMA_EINVALID, "%s:%d: invalid JSON", path,
		                       lockfile_line_at(data, len, off));
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return sigma_error_set(SIGMA_EINVALID, "%s:1: package.json is not a JSON object", path);
	}
	*out = j;
	return 0;
}

int lockfile_js_manifest_read(cJSON **out, const lockfile_input *in, const char *path)
{
	sigma_buf b;
	*out = NULL;
	if (!in->read_file)
		return SIGMA_ENOTFOUND;
	sigma_buf_init(&b, (size_t)16 << 20);
	int rc = in->read_file(in->ctx, path, &b);
	if (rc == 0)
		rc = lockfile_js_manifest_parse(out, path, b.ptr ? b.ptr : "", b.len);
	sigma_buf_dispose(&b);
	return rc;
}

const cJSON *lockfile_js_workspaces(const cJSON *manifest)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(manifest, "workspaces");
	if (cJSON_IsObject(w))
		w = cJSON_GetObjectItemCaseSensitive(w, "packages");
	return cJSON_IsArray(w) ? w : NULL;
}

/* ---------------------------------------------------------------- specs */

/* "user/repo" or "user/repo#ref": GitHub shorthand, as npm reads it. */
static int github_shorthand(const char *s)
{
	if (!*s || *s == '@' || *s == '.' || *s == '/' || strchr(s, ':'))
		return 0;
	const char *slash = strchr(s, '/');
	if (!slash || slash == s || !slash[1])
		return 0;
	for (const char *p = s; *p && *p != '#'; p++)
		if (p != slash && (*p == '/' || isspace((unsigned char)*p)))
			return 0;
	return 1;
}

graph_kind lockfile_js_spec_kind(const char *spec)
{
	static const char *const git[] = {
		"git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "gist:", "ssh:"
	};
	if (!spec)
		return GRAPH_KIND_REGISTRY;
	if (sigma_startswith(spec, "workspace:"))
		return GRAPH_KIND_WORKSPACE;
	if (sigma_startswith(spec, "file:") || sigma_startswith(spec, "exec:"))
		return GRAPH_KIND_FILE;
	if (sigma_startswith(spec, "link:"))
		return GRAPH_KIND_LINK;
	if (sigma_startswith(spec, "portal:"))
		return GRAPH_KIND_PORTAL;
	if (sigma_startswith(spec, "patch:"))
		return GRAPH_KIND_PATCH;
	for (size_t i = 0; i < sizeof git / sizeof *git; i++)
		if (sigma_startswith(spec, git[i]))
			return GRAPH_KIND_GIT;
	if (sigma_startswith(spec, "http://") || sigma_startswith(spec, "https://")) {
		/* A git host URL that names a repository, not a tarball. */
		if (strstr(spec, ".git#") || sigma_endswith(spec, ".git") || strstr(spec, "#commit="))
			return GRAPH_KIND_GIT;
		return GRAPH_KIND_TARBALL;
	}
	/* A path: "./x", "../x", "/x", "~/x" ("~1.2.3" is a tilde range, not a path). */
	if (spec[0] == '/' || sigma_startswith(spec, "./") || sigma_startswith(spec, "../") ||
	    sigma_startswith(spec, "~/") || !strcmp(spec, ".") || !strcmp(spec, ".."))
		return GRAPH_KIND_FILE;
	if (github_shorthand(spec))
		return GRAPH_KIND_GIT;
	return GRAPH_KIND_REGISTRY;
}

int lockfile_js_spec_unpinned(const char *spec)
{
	if (!spec)
		return 1;
	if (sigma_startswith(spec, "npm:")) {
		/* "npm:range" or the alias form "npm:name@range". */
		const char *r = spec + 4;
		const char *at = strchr(r + (r[0] == '@' ? 1 : 0), '@');
		spec = at ? at + 1 : r;
	}
	while (isspace((unsigned char)*spec))
		spec++;
	return !*spec || strcmp(spec, "*") == 0 || strcmp(spec, "latest") == 0 ||
	       strcmp(spec, "x") == 0 || strcmp(spec, "X") == 0;
}

void lockfile_js_kind_finding(sigma_graph *g, uint32_t i, const char *where)
{
	graph_node *n = &g->nodes[i];
	const char *kind = graph_kind_name(n->kind);
	if (!where)
		where = "";
	switch (n->kind) {
	case GRAPH_KIND_GIT:
		graph_finding_add(g, i, "vcs", "%s comes from a VCS reference (%s): %s",
		                  n->name, kind, where);
		break;
	case GRAPH_KIND_FILE:
	case GRAPH_KIND_LINK:
	case GRAPH_KIND_PORTAL:
	case GRAPH_KIND_PATCH:
		graph_finding_add(g, i, "local-path", "%s comes from a local path (%s): %s",
		                  n->name, kind, where);
		break;
	case GRAPH_KIND_TARBALL:
		graph_finding_add(g, i, "url", "%s comes from a URL outside the registry (%s): %s",
		                  n->name, kind, where);
		break;
	default:
		break;
	}
}

int lockfile_js_registry_url(const char *url, const char *name, const char *version)
{
	if (!url || !name || !version)
		return 0;
	if (!sigma_startswith(url, "http://") && !sigma_startswith(url, "https://"))
		return 0;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	char *want = sigma_xasprintf("%s/-/%s-%s.tgz", name, base, version);
	/* Scoped names may be written with the slash escaped. */
	char *want_esc = NULL;
	if (name[0] == '@' && strchr(name, '/')) {
		const char *sl = strchr(name, '/');
		want_esc = sigma_xasprintf("%.*s%%2f%s/-/%s-%s.tgz", (int)(sl - name), name, sl + 1, base, version);
	}
	size_t end = strcspn(url, "#?");
	int ok = 0;
	const char *hits[2] = { want, want_esc };
	for (int k = 0; k < 2 && !ok; k++) {
		if (!hits[k])
			continue;
		size_t wl = strlen(hits[k]);
		if (end >= wl + 1 && strncasecmp(url + end - wl, hits[k], wl) == 0 && url[end - wl - 1] == '/')
			ok = 1;
	}
	free(want);
	free(want_esc);
	return ok;
}

/* ---------------------------------------------------------------- consistency */

void lockfile_js_inconsistent(sigma_graph *g, uint32_t i, const char *lockfile, const char *key,
                              const char *from, const char *regenerate)
{
	graph_finding_add(g, i, "inconsistent",
	                  "%s references \"%s\" from %s but has no entry for it: the lockfile is inconsistent and "
	                  "says nothing to check the artefact against (no integrity); regenerate it with `%s`",
	                  lockfile, key, from, regenerate);
}

/* ---------------------------------------------------------------- roots and lines */

void lockfile_js_direct_add(sigma_graph *g, uint32_t i, const char *spec, int dev)
{
	graph_direct_add(g, i, spec, dev);
	if (spec && lockfile_js_spec_unpinned(spec))
		graph_finding_add(g, i, "unpinned", "declared as \"%s\": any version may be installed", spec);
}

int lockfile_js_line_of_key(const char *data, size_t len, const char *key)
{
	size_t klen = strlen(key);
	const char *end = data + len;
	for (const char *p = data; p && p < end; p++) {
		p = memchr(p, '"', (size_t)(end - p));
		if (!p)
			break;
		if ((size_t)(end - p) > klen + 1 && memcmp(p + 1, key, klen) == 0 && p[klen + 1] == '"')
			return lockfile_line_at(data, len, (size_t)(p - data));
	}
	return 1;
}
