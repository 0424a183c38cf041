/* lockfile_requirements.c: pip requirements files (requirements*.txt).
 *
 * Two kinds of file share the syntax:
 * - pip-compile output: every line pinned, each followed by "# via"
 *   comments naming who needs it. A line is direct unless its via list
 *   names only other packages ("-r file", "-c file", "(pyproject.toml)"
 *   or no via at all make it direct); each package named in via is an
 *   edge parent -> child, which gives depth and chains.
 * - hand-written files: every requirement is direct and there are no
 *   edges.
 * A file is pip-compile output when it has a "# via" comment.
 *
 * Includes. "-r FILE" adds FILE's requirements; "-c FILE" only constrains
 * versions, so its lines are read (for their options) but add nothing.
 * Both are read only through in->read_file, relative to the including
 * file's directory, and only inside the tree: an absolute path, a URL or
 * a path whose ".." climbs above the root is refused with a finding, and
 * so is a file that is not there. Each file is read once, which also
 * stops include cycles. At most MAX_FILES files are read.
 *
 * Dependency-rule findings raised here (codes):
 *   unpinned     a requirement without "==" (or "===") and one version
 *   vcs          "git+https://..." and the other VCS schemes
 *   url          "name @ https://..." or a bare archive URL
 *   local-path   a local path requirement, or an include that is refused
 *   index-option --index-url, --extra-index-url, --find-links (-i, -f)
 *
 * Environment variables. As pip does, "${NAME}" (NAME of [A-Z0-9_] only)
 * is replaced on every logical line by the variable's value when it is
 * set and not empty; anything else stays as written. The environment is
 * the judging process's (the git server's for the hook), asked through
 * in->getenv. A requirement still holding a "${NAME}" after that pins
 * nothing sigma can check: it is kept as the named package, unpinned,
 * with a finding that says which variable was not set. Lines holding a
 * URL and option lines other than -r/-c are kept as written: there pip's
 * variables are mostly credentials (https://${TOKEN}@host/simple), which
 * must never reach the pusher's report or the certificate, and the
 * finding (index-option, vcs, url) is the same whatever the value.
 *
 * Per-requirement options pip accepts after a requirement: --hash (every
 * value kept, space-separated, as the integrity), --global-option and
 * --config-settings (read and ignored: they change the build, not the
 * artefact). Any other option there is an error naming the line, as pip
 * refuses it. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "common/strmap.h"
#include "common/util.h"
#include "hook/lockfile.h"
#include "hook/pyreq.h"
#include "hook/treepath.h"

#define MAX_FILES 256
#define NODE_NONE UINT32_MAX

typedef struct via_edge {
	uint32_t child;
	char *parent; /* normalised package name */
} via_edge;

typedef struct req_ctx {
	sigma_graph *g;
	const lockfile_input *in;
	strmap files;      /* paths already read */
	int nfiles;
	strmap by_name;    /* normalised name -> node + 1 (pinned lines) */
	via_edge *edges;
	size_t nedges;
	uint8_t *indirect; /* node -> 1 when via names only packages */
	size_t nindirect;
	uint32_t *candidates; /* pinned nodes, for the via rule */
	size_t ncandidates;
} req_ctx;

static int is_lockfile(const char *basename)
{
	return sigma_startswith(basename, "requirements") && sigma_endswith(basename, ".txt");
}

/* Where a requirement that is not "name spec" comes from. */
static int vcs_scheme(const char *s)
{
	static const char *const vcs[] = { "git+", "hg+", "svn+", "bzr+", "git://" };
	for (size_t i = 0; i < sizeof vcs / sizeof *vcs; i++)
		if (sigma_startswith(s, vcs[i]))
			return 1;
	return 0;
}

static int is_url(const char *s)
{
	return sigma_startswith(s, "http://") || sigma_startswith(s, "https://") ||
	       sigma_startswith(s, "ftp://");
}

static int is_path(const char *s)
{
	return s[0] == '.' || s[0] == '/' || s[0] == '~' || sigma_startswith(s, "file:") ||
	       strchr(s, '/') != NULL || sigma_endswith(s, ".whl") || sigma_endswith(s, ".tar.gz") ||
	       sigma_endswith(s, ".zip");
}

/* "#egg=name" in a VCS or URL requirement, normalised, or NULL. */
static char *egg_name(const char *s)
{
	const char *e = strstr(s, "#egg=");
	if (!e)
		e = strstr(s, "&egg=");
	if (!e)
		return NULL;
	e += 5;
	size_t n = strcspn(e, "&[ ");
	return n ? pyreq_normalize(e, n) : NULL;
}

static void mark_direct(req_ctx *c, uint32_t i, const char *spec)
{
	graph_direct_add(c->g, i, spec, 0);
}

/* A pseudo-package for a finding that has no package of its own: a
 * refused include, an index option, a nameless VCS line. It is direct so
 * that the finding is shown, never silently unreachable. */
static uint32_t pseudo(req_ctx *c, const char *what, graph_kind kind, const char *line)
{
	uint32_t i = graph_node_get(c->g, what, "", kind);
	graph_set(&c->g->nodes[i].resolved, what);
	mark_direct(c, i, line);
	return i;
}

static int read_one(req_ctx *c, const char *path, const char *data, size_t len, int constraint,
                    int pip_compile);

/* Follow "-r"/"-c" FILE from the file at `from`. */
static int include(req_ctx *c, const char *from, int line, const char *target, int constraint, int pip_compile)
{
	char *dir = treepath_dir(from);
	char *path = treepath_join(dir, target);
	free(dir);
	if (!path) {
		uint32_t i = pseudo(c, target, GRAPH_KIND_FILE, target);
		graph_finding_add(c->g, i, "local-path", "%s:%d: include \"%s\" is outside the pushed tree; not followed",
		                  from, line, target);
		return 0;
	}
	if (strmap_get(&c->files, path)) {
		free(path);
		return 0;
	}
	if (c->nfiles >= MAX_FILES) {
		free(path);
		return sigma_error_set(SIGMA_ETOOBIG, "%s:%d: more than %d included requirement files", from, line,
		                       MAX_FILES);
	}
	strmap_put(&c->files, path, (void *)1);
	c->nfiles++;
	sigma_buf b;
	sigma_buf_init(&b, (size_t)16 << 20);
	int rc = c->in->read_file ? c->in->read_file(c->in->ctx, path, &b) : SIGMA_ENOTFOUND;
	if (rc == 0) {
		rc = read_one(c, path, b.ptr ? b.ptr : "", b.len, constraint, pip_compile);
	} else if (rc == SIGMA_ENOTFOUND) {
		uint32_t i = pseudo(c, path, GRAPH_KIND_FILE, target);
		graph_finding_add(c->g, i, "local-path", "%s:%d: included file \"%s\" is not in the pushed tree",
		                  from, line, path);
		sigma_error_clear();
		rc = 0;
	} else {
		/* Refused on the way (a symbolic link in a directory scan): the
		 * lockfile cannot be judged; say which line asked for it. */
		sigma_error_wrap(rc, "%s:%d: %s %s: ", from, line, constraint ? "-c" : "-r", target);
	}
	sigma_buf_dispose(&b);
	free(path);
	return rc;
}

/* The options pip's requirements-file parser knows besides -r/-c/-e and
 * the index ones (req_file.py: SUPPORTED_OPTIONS + SUPPORTED_OPTIONS_REQ,
 * one parser for both, so a per-requirement one alone on a line is
 * accepted too). Anything else, --platform or --python-version included,
 * pip refuses, and so do we. */
static const char *const valued_options[] = {
	"--trusted-host", "--no-binary", "--only-binary", "--use-feature", "--global-option",
	"--config-settings", "--hash",
};
static const char *const flag_options[] = {
	"--pre", "--prefer-binary", "--require-hashes", "--no-index",
};

/* The value of "-x value", "-x=value", "--opt value" or "--opt=value"
 * starting at `rest` (just past the option name). */
static char *option_value(const char *rest)
{
	while (*rest == ' ' || *rest == '\t' || *rest == '=')
		rest++;
	const char *e = rest;
	while (*e && !isspace((unsigned char)*e))
		e++;
	return e > rest ? sigma_xstrndup(rest, (size_t)(e - rest)) : NULL;
}

/* Does `s` start with option `opt` (followed by space, '=' or end)? */
static const char *option(const char *s, const char *opt)
{
	size_t n = strlen(opt);
	if (strncmp(s, opt, n) != 0)
		return NULL;
	if (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != '=' && !(opt[1] != '-' && opt[2] == '\0'))
		return NULL;
	return s + n;
}

/* pip's expand_env_variables: every "${NAME}" whose variable is set and
 * not empty is replaced by its value. 0 and *out (a new string, or NULL
 * when nothing changed) with *unset the first variable left as written
 * (a new string, or NULL); SIGMA_ETOOBIG past the line cap. */
static int expand_env(const req_ctx *c, const char *path, int line, const char *s, char **out, char **unset)
{
	sigma_buf b;
	int changed = 0, rc = 0;
	*out = NULL;
	*unset = NULL;
	sigma_buf_init(&b, (size_t)1 << 20);
	for (const char *p = s; *p && rc == 0;) {
		size_t n = 0;
		if (p[0] == '$' && p[1] == '{')
			while (isupper((unsigned char)p[2 + n]) || isdigit((unsigned char)p[2 + n]) || p[2 + n] == '_')
				n++;
		if (!n || p[2 + n] != '}') {
			rc = sigma_buf_putc(&b, *p++);
			continue;
		}
		char *name = sigma_xstrndup(p + 2, n);
		const char *value = c->in->getenv ? c->in->getenv(c->in->ctx, name) : NULL;
		if (value && *value) {
			rc = sigma_buf_puts(&b, value);
			changed = 1;
		} else {
			rc = sigma_buf_put(&b, p, n + 3);
			if (!*unset) {
				*unset = name;
				name = NULL;
			}
		}
		free(name);
		p += n + 3;
	}
	if (rc) {
		free(*unset);
		*unset = NULL;
		sigma_buf_dispose(&b);
		return sigma_error_set(SIGMA_ETOOBIG, "%s:%d: line too long once variables are expanded", path, line);
	}
	if (changed)
		*out = sigma_buf_steal(&b);
	sigma_buf_dispose(&b);
	return 0;
}

/* The options after a requirement ("name==1 --hash=sha256:x --hash
 * sha256:y"), from `opts` (the first "--"). 0 and *hashes (space-joined,
 * or NULL), or SIGMA_EINVALID for an option pip does not accept there. */
static int requirement_options(const char *path, int line, const char *opts, char **hashes)
{
	static const char *const ignored[] = { "--global-option", "--config-settings" };
	sigma_buf h = SIGMA_BUF_INIT;
	*hashes = NULL;
	for (const char *p = opts; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t tn = strcspn(p, " \t");
		const char *rest = NULL;
		int is_hash = (rest = option(p, "--hash")) != NULL;
		for (size_t k = 0; !is_hash && !rest && k < sizeof ignored / sizeof *ignored; k++)
			rest = option(p, ignored[k]);
		if (!rest || p[0] != '-') {
			sigma_buf_dispose(&h);
			return sigma_error_set(SIGMA_EINVALID, "%s:%d: \"%.*s\" is not an option pip accepts after a "
			                       "requirement", path, line, (int)tn, p);
		}
		/* The value follows '=' in the same word, or is the next word. */
		const char *v = rest;
		if (*v == '=')
			v++;
		else
			while (*v == ' ' || *v == '\t')
				v++;
		size_t vn = strcspn(v, " \t");
		if (!vn) {
			sigma_buf_dispose(&h);
			return sigma_error_set(SIGMA_EINVALID, "%s:%d: %.*s without a value", path, line, (int)tn, p);
		}
		if (is_hash)
			sigma_buf_printf(&h, "%s%.*s", h.len ? " " : "", (int)vn, v);
		p = v + vn;
	}
	*hashes = h.len ? sigma_buf_steal(&h) : NULL;
	sigma_buf_dispose(&h);
	return 0;
}

/* A requirement whose version comes from an unset variable: the named
 * package, unpinned, saying so. */
static uint32_t unset_requirement(req_ctx *c, const char *path, int line, const char *s, const char *var)
{
	size_t n = 0;
	while (isalnum((unsigned char)s[n]) || strchr("-_.", s[n]))
		n++;
	char *name = n ? pyreq_normalize(s, n) : sigma_xstrdup(s);
	uint32_t i = graph_node_get(c->g, name, "", GRAPH_KIND_REGISTRY);
	free(name);
	graph_finding_add(c->g, i, "unpinned",
	                  "%s:%d: \"%s\": ${%s} is not set in the environment sigma runs in (the git server's, "
	                  "for the hook), so nothing is pinned; pin the version in the file", path, line, s, var);
	mark_direct(c, i, s);
	return i;
}

/* One logical line (continuations joined, comment removed). */
static int handle_line(req_ctx *c, const char *path, int line, char *s, int constraint, int pip_compile,
                       uint32_t *last, const char *unset)
{
	*last = NODE_NONE;
	const char *rest;
	if ((rest = option(s, "-r")) || (rest = option(s, "--requirement")) ||
	    (rest = option(s, "-c")) || (rest = option(s, "--constraint"))) {
		int is_c = s[1] == 'c' || s[2] == 'c';
		char *target = option_value(rest);
		if (!target)
			return sigma_error_set(SIGMA_EINVALID, "%s:%d: %s without a file", path, line, s);
		int rc = include(c, path, line, target, constraint || is_c, pip_compile);
		free(target);
		return rc;
	}
	if ((rest = option(s, "-i")) || (rest = option(s, "--index-url")) ||
	    (rest = option(s, "--extra-index-url")) || (rest = option(s, "-f")) ||
	    (rest = option(s, "--find-links"))) {
		char *url = option_value(rest);
		if (!url)
			return sigma_error_set(SIGMA_EINVALID, "%s:%d: %s without a value", path, line, s);
		uint32_t i = pseudo(c, url, is_url(url) ? GRAPH_KIND_TARBALL : GRAPH_KIND_FILE, s);
		graph_finding_add(c->g, i, "index-option", "%s:%d: \"%s\" installs from an index or location "
		                  "chosen by the repository", path, line, s);
		free(url);
		return 0;
	}
	int editable = 0;
	if ((rest = option(s, "-e")) || (rest = option(s, "--editable"))) {
		editable = 1;
		while (*rest == ' ' || *rest == '\t' || *rest == '=')
			rest++;
		memmove(s, rest, strlen(rest) + 1);
	}
	if (s[0] == '-') {
		for (size_t k = 0; k < sizeof flag_options / sizeof *flag_options; k++)
			if (option(s, flag_options[k]))
				return 0;
		for (size_t k = 0; k < sizeof valued_options / sizeof *valued_options; k++)
			if (option(s, valued_options[k]))
				return 0;
		return sigma_error_set(SIGMA_EINVALID, "%s:%d: unknown option \"%s\"", path, line, s);
	}
	/* Per-requirement options: "--hash=sha256:...", "--config-settings". */
	char *hash = NULL;
	char *opt = strstr(s, " --");
	char *tab = strstr(s, "\t--");
	if (!opt || (tab && tab < opt))
		opt = tab;
	if (opt) {
		int rc = requirement_options(path, line, opt + 1, &hash);
		if (rc)
			return rc;
		*opt = '\0';
	}
	size_t sl = strlen(s);
	while (sl && isspace((unsigned char)s[sl - 1]))
		s[--sl] = '\0';
	if (constraint) {
		free(hash);
		return 0;
	}
	uint32_t i;
	if (vcs_scheme(s) || is_url(s) || (editable && !isalnum((unsigned char)s[0])) ||
	    (!isalnum((unsigned char)s[0]) && is_path(s))) {
		/* A requirement that is a location, not a name. */
		char *name = egg_name(s);
		graph_kind kind = vcs_scheme(s) ? GRAPH_KIND_GIT : is_url(s) ? GRAPH_KIND_TARBALL : GRAPH_KIND_FILE;
		i = graph_node_get(c->g, name ? name : s, "", kind);
		graph_set(&c->g->nodes[i].resolved, s);
		mark_direct(c, i, s);
		const char *code = kind == GRAPH_KIND_GIT ? "vcs" : kind == GRAPH_KIND_TARBALL ? "url" : "local-path";
		graph_finding_add(c->g, i, code, "%s:%d: \"%s\" is installed from %s", path, line, s,
		                  kind == GRAPH_KIND_GIT ? "a VCS repository" : kind == GRAPH_KIND_TARBALL ?
		                  "a URL" : "a local path");
		free(name);
		free(hash);
		return 0;
	}
	if (unset && strstr(s, "${")) {
		*last = unset_requirement(c, path, line, s, unset);
		free(hash);
		return 0;
	}
	pyreq r;
	if (pyreq_parse(&r, s) != 0) {
		free(hash);
		return sigma_error_set(SIGMA_EINVALID, "%s:%d: cannot read requirement \"%s\"", path, line, s);
	}
	char *pin = pyreq_pin(r.specifier);
	graph_kind kind = GRAPH_KIND_REGISTRY;
	if (r.url)
		kind = vcs_scheme(r.url) ? GRAPH_KIND_GIT : is_url(r.url) ? GRAPH_KIND_TARBALL : GRAPH_KIND_FILE;
	i = graph_node_get(c->g, r.name, pin ? pin : "", kind);
	graph_node *n = &c->g->nodes[i];
	if (hash && !n->integrity)
		graph_set(&n->integrity, hash);
	if (r.url && !n->resolved)
		graph_set(&n->resolved, r.url);
	if (r.url)
		graph_finding_add(c->g, i, kind == GRAPH_KIND_GIT ? "vcs" : kind == GRAPH_KIND_TARBALL ? "url" : "local-path",
		                  "%s:%d: \"%s\" is installed from %s", path, line, r.name, r.url);
	else if (!pin)
		graph_finding_add(c->g, i, "unpinned", "%s:%d: \"%s\" is not pinned with ==; any matching version "
		                  "may be installed", path, line, s);
	if (!pip_compile)
		mark_direct(c, i, s);
	else {
		c->candidates = sigma_xrealloc(c->candidates, (c->ncandidates + 1) * sizeof *c->candidates);
		c->candidates[c->ncandidates++] = i;
		if (!n->spec)
			graph_set(&n->spec, s);
		strmap_put(&c->by_name, r.name, (void *)(uintptr_t)(i + 1));
	}
	*last = i;
	free(pin);
	free(hash);
	pyreq_dispose(&r);
	return 0;
}

/* A "# via" comment: "# via x", "# via\n#   x\n#   -r file". Returns the
 * names (or NULL for non-package entries) through the via state. */
typedef struct via_state {
	uint32_t node;   /* the requirement the comment belongs to */
	int in_list;     /* inside a multi-line via list */
	int any_package, any_root;
} via_state;

static void via_entry(req_ctx *c, via_state *v, const char *entry)
{
	while (*entry == ' ' || *entry == '\t')
		entry++;
	size_t n = strlen(entry);
	while (n && isspace((unsigned char)entry[n - 1]))
		n--;
	if (!n || v->node == NODE_NONE)
		return;
	if (entry[0] == '-' || entry[0] == '(') {
		v->any_root = 1; /* -r file, -c file, (pyproject.toml) */
		return;
	}
	size_t nl = 0;
	while (nl < n && (isalnum((unsigned char)entry[nl]) || strchr("-_.", entry[nl])))
		nl++;
	if (!nl)
		return;
	c->edges = sigma_xrealloc(c->edges, (c->nedges + 1) * sizeof *c->edges);
	c->edges[c->nedges].child = v->node;
	c->edges[c->nedges].parent = pyreq_normalize(entry, nl);
	c->nedges++;
	v->any_package = 1;
}

static void via_close(req_ctx *c, via_state *v)
{
	if (v->node != NODE_NONE && v->any_package && !v->any_root) {
		if (v->node >= c->nindirect) {
			size_t nn = (size_t)v->node + 64;
			c->indirect = sigma_xrealloc(c->indirect, nn);
			memset(c->indirect + c->nindirect, 0, nn - c->nindirect);
			c->nindirect = nn;
		}
		c->indirect[v->node] = 1;
	}
	memset(v, 0, sizeof *v);
	v->node = NODE_NONE;
}

static int read_one(req_ctx *c, const char *path, const char *data, size_t len, int constraint,
                    int pip_compile)
{
	const char *p = data, *end = data + len;
	int line = 0, rc = 0;
	sigma_buf logical;
	via_state via = { .node = NODE_NONE };
	sigma_buf_init(&logical, (size_t)1 << 20);
	if (memchr(data, '\0', len))
		return sigma_error_set(SIGMA_EINVALID, "%s:%d: NUL byte in a requirements file", path,
		                       lockfile_line_at(data, len, (size_t)((const char *)memchr(data, '\0', len) - data)));
	while (p < end && rc == 0) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		line++;
		int first_line = line;
		sigma_buf_clear(&logical);
		/* Join backslash continuations. */
		for (;;) {
			const char *le = eol;
			if (le > p && le[-1] == '\r')
				le--;
			int cont = le > p && le[-1] == '\\';
			if (sigma_buf_put(&logical, p, (size_t)(le - p - cont)) != 0) {
				rc = sigma_error_set(SIGMA_ETOOBIG, "%s:%d: line too long", path, line);
				break;
			}
			p = eol < end ? eol + 1 : end;
			if (!cont || p >= end)
				break;
			eol = memchr(p, '\n', (size_t)(end - p));
			if (!eol)
				eol = end;
			line++;
		}
		if (rc)
			break;
		char *s = logical.ptr ? logical.ptr : (char *)"";
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '#') {
			const char *t = s + 1;
			while (*t == ' ')
				t++;
			if (strncmp(t, "via", 3) == 0 && (t[3] == '\0' || isspace((unsigned char)t[3]))) {
				t += 3;
				while (*t == ' ')
					t++;
				if (*t)
					via_entry(c, &via, t);
				else
					via.in_list = 1;
			} else if (via.in_list && (s[1] == ' ' && s[2] == ' ')) {
				via_entry(c, &via, s + 1);
			} else {
				via.in_list = 0;
			}
			continue;
		}
		/* Strip a trailing comment: '#' after whitespace. */
		for (char *h = s; *h; h++)
			if (*h == '#' && (h == s || h[-1] == ' ' || h[-1] == '\t')) {
				*h = '\0';
				break;
			}
		size_t n = strlen(s);
		while (n && isspace((unsigned char)s[n - 1]))
			s[--n] = '\0';
		if (!n)
			continue;
		via_close(c, &via);
		uint32_t last;
		char *expanded = NULL, *unset = NULL;
		int as_written = strstr(s, "://") ||
		                 (s[0] == '-' && !option(s, "-r") && !option(s, "--requirement") &&
		                  !option(s, "-c") && !option(s, "--constraint"));
		if (!as_written)
			rc = expand_env(c, path, first_line, s, &expanded, &unset);
		if (!rc)
			rc = handle_line(c, path, first_line, expanded ? expanded : s, constraint, pip_compile, &last,
			                 unset);
		free(expanded);
		free(unset);
		if (rc)
			break;
		via.node = last;
	}
	via_close(c, &via);
	sigma_buf_dispose(&logical);
	return rc;
}

static int has_via(const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *s = p;
		while (s < eol && (*s == ' ' || *s == '\t'))
			s++;
		if (eol - s >= 5 && s[0] == '#') {
			s++;
			while (s < eol && *s == ' ')
				s++;
			if (eol - s >= 3 && memcmp(s, "via", 3) == 0 && (eol - s == 3 || isspace((unsigned char)s[3])))
				return 1;
		}
		p = eol < end ? eol + 1 : end;
	}
	return 0;
}

static int parse(sigma_graph *g, const lockfile_input *in)
{
	req_ctx c = { .g = g, .in = in };
	strmap_init(&c.files);
	strmap_init(&c.by_name);
	graph_set(&g->format, "requirements");
	int pip_compile = has_via(in->data, in->len);
	strmap_put(&c.files, in->path, (void *)1);
	c.nfiles = 1;
	int rc = read_one(&c, in->path, in->data, in->len, 0, pip_compile);
	if (rc == 0 && pip_compile) {
		for (size_t e = 0; e < c.nedges; e++) {
			uintptr_t v = (uintptr_t)strmap_get(&c.by_name, c.edges[e].parent);
			if (v)
				graph_edge_add(g, (uint32_t)(v - 1), c.edges[e].child);
		}
		for (size_t k = 0; k < c.ncandidates; k++) {
			uint32_t i = c.candidates[k];
			if (i >= c.nindirect || !c.indirect[i])
				graph_direct_add(g, i, g->nodes[i].spec, 0);
		}
	}
	for (size_t e = 0; e < c.nedges; e++)
		free(c.edges[e].parent);
	free(c.edges);
	free(c.indirect);
	free(c.candidates);
	strmap_dispose(&c.files);
	strmap_dispose(&c.by_name);
	return rc;
}

const lockfile_format lockfile_requirements = {
	.name = "requirements",
	.ecosystem = "pypi",
	.match = is_lockfile,
	.manifest = NULL,
	.parse = parse,
	.empty_valid = 1,
};
