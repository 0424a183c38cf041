/* test_requirements.c: requirements files: the pip-compile output and the
 * hand-written nested includes from public projects (against the
 * reference resolver's expected.json), then includes, options, findings
 * and bad input inline. */
#include "tests/unit/tap.h"
#include "tests/unit/lockcheck.h"

static void check_fixtures(void)
{
	sigma_graph *g;
	/* pip-compile output: via lists give the edges; "-r /abs/path" in via
	 * makes a line direct (the path is only a comment, never read). */
	int rc = lc_resolve_as(&g, "requirements.txt", "tests/fixtures/python/pip-compile-click",
	                       "requirements/dev.txt", NULL);
	if (ok(rc == 0, "pip-compile-click parses (%s)", sigma_error_last())) {
		lc_diff d;
		lc_compare(&d, g, "tests/fixtures/python/pip-compile-click/expected.json", NULL, 1);
		ok(d.checked == 60 && d.missing == 0 && d.extra == 0, "pip-compile: same 60 packages");
		ok(d.depth == 0 && d.direct == 0 && d.dev == 0, "pip-compile: depth, direct and dev agree");
		ok(d.bad_chain == 0 && d.foreign_chain == 0, "pip-compile: chains agree");
		int anyio = lc_find(g, "anyio", "4.9.0");
		ok(anyio >= 0 && !g->nodes[anyio].direct && g->nodes[anyio].nparents == 2,
		   "anyio is transitive with both via parents");
		int n = lc_find(g, "charset-normalizer", "3.4.2");
		ok(n >= 0, "names are PEP 503-normalised");
		ok(strcmp(g->format, "requirements") == 0 && strcmp(g->ecosystem, "pypi") == 0, "format and ecosystem");
		graph_free(g);
	}
	/* Hand-written: nested -r includes (some twice), a nameless git line,
	 * markers, a file without a final newline. The reference skips the
	 * git line ("no package name"); sigma keeps it as a kind git package
	 * named by its URL, carrying the vcs finding: that is the one extra. */
	rc = lc_resolve_as(&g, "requirements.txt", "tests/fixtures/python/requirements-celery",
	                   "requirements/test-ci-default.txt", NULL);
	if (ok(rc == 0, "requirements-celery parses (%s)", sigma_error_last())) {
		lc_diff d;
		lc_compare(&d, g, "tests/fixtures/python/requirements-celery/expected.json", NULL, 1);
		ok(d.checked == 22 && d.missing == 0, "celery: all 22 reference packages");
		int git = lc_find(g, "git+https://github.com/celery/kombu.git", "");
		ok(d.extra == 1 && git >= 0 && g->nodes[git].kind == GRAPH_KIND_GIT && lc_finding(g, git, "vcs"),
		   "celery: the one extra is the nameless git line, with a vcs finding");
		ok(d.depth == 0 && d.direct == 0 && d.dev == 0 && d.bad_chain == 0, "celery: depth, direct, dev agree");
		int py = lc_find(g, "pycurl", ""), cr = lc_find(g, "cryptography", "48.0.1");
		ok(py >= 0 && lc_finding(g, py, "unpinned"), "an unpinned line (>=) is reported unpinned");
		ok(cr >= 0 && !lc_finding(g, cr, "unpinned"), "an == pin raises nothing");
		graph_free(g);
	}
}

typedef struct mem_tree {
	const char *const *files; /* path, content, path, content, ..., NULL */
	int reads;
} mem_tree;

static int mem_read(void *ctx, const char *path, sigma_buf *out)
{
	mem_tree *t = ctx;
	t->reads++;
	for (int i = 0; t->files[i]; i += 2)
		if (strcmp(t->files[i], path) == 0)
			return sigma_buf_puts(out, t->files[i + 1]);
	return SIGMA_ENOTFOUND;
}

static int resolve_tree(sigma_graph **g, mem_tree *t, const char *path, const char *data)
{
	lockfile_input in = { .path = path, .data = data, .len = strlen(data), .read_file = mem_read, .ctx = t };
	return lockfile_resolve(g, lockfile_detect("requirements.txt"), &in);
}

static void check_includes(void)
{
	static const char *const files[] = {
		"app/base.txt", "-r requirements.txt\nsix==1.16.0 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\n-r ../shared/common.txt\n",
		"shared/common.txt", "idna==3.7  # pinned\nattrs[tests]==23.1.0; python_version >= \"3.8\"\n",
		"app/constraints.txt", "urllib3==2.0.0\n--index-url https://c.invalid/simple\n",
		NULL,
	};
	mem_tree t = { files, 0 };
	sigma_graph *g;
	static const char main_file[] =
		"# top\n"
		"-r base.txt\n"
		"-c constraints.txt\n"
		"--requirement=base.txt\n"
		"-r ../../etc/passwd.txt\n"
		"-r /etc/passwd\n"
		"-r https://evil.invalid/r.txt\n"
		"-r missing.txt\n"
		"--extra-index-url https://extra.invalid/simple\n"
		"-f ./wheels\n"
		"Flask_SQLAlchemy[async]==3.1.1\n"
		"requests>=2\n"
		"-e git+https://github.invalid/u/proj.git@v1#egg=Proj_Name\n"
		"localpkg @ file:///srv/localpkg\n"
		"remote @ https://files.invalid/remote-1.0.tar.gz\n"
		"./vendor/thing\n"
		"--pre\n";
	int rc = resolve_tree(&g, &t, "app/requirements.txt", main_file);
	if (!ok(rc == 0, "includes parse (%s)", sigma_error_last()))
		return;
	int six = lc_find(g, "six", "1.16.0"), idna = lc_find(g, "idna", "3.7"), at = lc_find(g, "attrs", "23.1.0");
	ok(six >= 0 && g->nodes[six].direct && sigma_streq(g->nodes[six].integrity, "sha256:aaa sha256:bbb"),
	   "-r include followed; continuation lines joined; every --hash kept as the integrity");
	ok(idna >= 0 && at >= 0, "nested ../ include inside the tree followed; extras and markers read");
	ok(lc_find(g, "urllib3", "2.0.0") < 0, "-c constraints add no package");
	int fl = lc_find(g, "flask-sqlalchemy", "3.1.1");
	ok(fl >= 0 && g->nodes[fl].nfindings == 0, "PEP 503 name; a pin raises nothing");
	int rq = lc_find(g, "requests", "");
	ok(rq >= 0 && lc_finding(g, rq, "unpinned") && strstr(lc_finding(g, rq, "unpinned")->message,
	   "app/requirements.txt:12:"), "unpinned requirement, with file:line");
	int pj = lc_find(g, "proj-name", "");
	ok(pj >= 0 && g->nodes[pj].kind == GRAPH_KIND_GIT && lc_finding(g, pj, "vcs"), "-e git+ ... #egg= is vcs");
	int lp = lc_find(g, "localpkg", ""), rm = lc_find(g, "remote", ""), vt = lc_find(g, "./vendor/thing", "");
	ok(lp >= 0 && g->nodes[lp].kind == GRAPH_KIND_FILE && lc_finding(g, lp, "local-path"), "name @ file:// is local-path");
	ok(rm >= 0 && g->nodes[rm].kind == GRAPH_KIND_TARBALL && lc_finding(g, rm, "url"), "name @ https:// is url");
	ok(vt >= 0 && lc_finding(g, vt, "local-path"), "a bare local path is local-path");
	int esc = lc_find(g, "../../etc/passwd.txt", ""), abs = lc_find(g, "/etc/passwd", "");
	int url = lc_find(g, "https://evil.invalid/r.txt", ""), miss = lc_find(g, "app/missing.txt", "");
	ok(esc >= 0 && lc_finding(g, esc, "local-path") && abs >= 0 && lc_finding(g, abs, "local-path") &&
	   url >= 0 && lc_finding(g, url, "local-path"), "includes escaping the tree, absolute or URLs: refused with a finding");
	ok(miss >= 0 && lc_finding(g, miss, "local-path"), "a missing include is reported, not fatal");
	int xi = lc_find(g, "https://extra.invalid/simple", ""), fi = lc_find(g, "./wheels", "");
	int ci = lc_find(g, "https://c.invalid/simple", "");
	ok(xi >= 0 && lc_finding(g, xi, "index-option") && fi >= 0 && lc_finding(g, fi, "index-option") &&
	   ci >= 0 && lc_finding(g, ci, "index-option"), "--extra-index-url, -f, and --index-url in a -c file: index-option");
	/* base.txt, shared/common.txt, constraints.txt and the missing one are
	 * read; base.txt's "-r requirements.txt" names the file being read and
	 * the second "--requirement=base.txt" one already read: no loop. */
	ok(t.reads == 4, "each file read once, include cycle stopped (%d reads)", t.reads);
	graph_free(g);
}

/* The test's environment: NAME=value pairs; everything else is unset. */
static const char *const test_env[] = {
	"REQ_VERSION", "2.32.3", "REQ_DIR", "inc", "REQ_EMPTY", "", "TOKEN", "s3cret", NULL,
};

static const char *env_get(void *ctx, const char *name)
{
	(void)ctx;
	for (int i = 0; test_env[i]; i += 2)
		if (strcmp(test_env[i], name) == 0)
			return test_env[i + 1];
	return NULL;
}

/* pip's own syntax: ${VAR} expansion, per-requirement options. */
static void check_pip_syntax(void)
{
	static const char *const files[] = { "app/inc/more.txt", "six==1.16.0\n", NULL };
	mem_tree t = { files, 0 };
	static const char text[] =
		"requests==${REQ_VERSION}\n"
		"-r ${REQ_DIR}/more.txt\n"
		"flask==${FLASK_VERSION}\n"
		"idna==${REQ_EMPTY}\n"
		"--extra-index-url https://user:${TOKEN}@extra.invalid/simple\n"
		"attrs==23.1.0 --hash=sha256:aaa --hash sha256:bbb --config-settings=--build-option=--x "
		"--global-option=--no-user-cfg\n"
		"-e ./vendor/editable\n";
	lockfile_input in = { .path = "app/requirements.txt", .data = text, .len = strlen(text),
	                      .read_file = mem_read, .getenv = env_get, .ctx = &t };
	sigma_graph *g = NULL;
	int rc = lockfile_resolve(&g, lockfile_detect("requirements.txt"), &in);
	if (!ok(rc == 0, "pip syntax parses (%s)", sigma_error_last()))
		return;
	int rq = lc_find(g, "requests", "2.32.3"), six = lc_find(g, "six", "1.16.0"), fl = lc_find(g, "flask", "");
	int idna = lc_find(g, "idna", ""), at = lc_find(g, "attrs", "23.1.0");
	ok(rq >= 0 && g->nodes[rq].direct && !lc_finding(g, rq, "unpinned"), "${REQ_VERSION} set: requests==2.32.3");
	ok(six >= 0 && g->nodes[six].direct, "-r ${REQ_DIR}/more.txt follows the expanded path");
	const graph_finding *f = lc_finding(g, fl, "unpinned");
	ok(f && strstr(f->message, "app/requirements.txt:3:") && strstr(f->message, "${FLASK_VERSION} is not set") &&
	   strstr(f->message, "git server"), "an unset variable leaves flask unpinned and says so (%s)",
	   f ? f->message : "none");
	ok(idna >= 0 && lc_finding(g, idna, "unpinned"), "a variable set to \"\" is left as written, as pip does");
	int leaked = 0;
	for (uint32_t i = 0; i < g->nnodes; i++) {
		leaked += g->nodes[i].name && strstr(g->nodes[i].name, "s3cret") != NULL;
		leaked += g->nodes[i].resolved && strstr(g->nodes[i].resolved, "s3cret") != NULL;
		for (uint32_t k = 0; k < g->nodes[i].nfindings; k++)
			leaked += strstr(g->nodes[i].findings[k].message, "s3cret") != NULL;
	}
	ok(leaked == 0, "a variable inside an index URL is not expanded into the report");
	ok(at >= 0 && sigma_streq(g->nodes[at].integrity, "sha256:aaa sha256:bbb") && !g->nodes[at].nfindings,
	   "--hash (both forms) kept; --config-settings and --global-option read and ignored");
	int ed = lc_find(g, "./vendor/editable", "");
	ok(ed >= 0 && lc_finding(g, ed, "local-path"), "-e ./path is a local-path package");
	graph_free(g);

	/* Without a getenv callback every variable is unset. */
	rc = lc_resolve_mem(&g, "requirements.txt", "requirements.txt", "requests==${REQ_VERSION}\n", NULL, NULL);
	ok(rc == 0 && lc_finding(g, lc_find(g, "requests", ""), "unpinned"), "no environment: unpinned, not refused");
	graph_free(g);
}

static void check_bad_input(void)
{
	static const struct { const char *data, *where; } bad[] = {
		{ "six==1.0\n==2.0\n", "r/requirements.txt:2:" },
		{ "six==1.0\n--no-such-option\n", "r/requirements.txt:2:" },
		{ "six==1.0\nfoo bar\n", "r/requirements.txt:2:" },
		{ "six==1.0\n-r\n", "r/requirements.txt:2:" },
		{ "a==1\nb==1 \\\n  c\n", "r/requirements.txt:2:" },
		{ "x[unclosed==1\n", "r/requirements.txt:1:" },
		{ "ok==1\n\n\n-i\n", "r/requirements.txt:4:" },
		{ "ok==1\nsix==1.0 --no-such-option\n", "r/requirements.txt:2:" },
		{ "ok==1\nsix==1.0 --hash\n", "r/requirements.txt:2:" },
		{ "ok==1\n--platform linux_x86_64\n", "r/requirements.txt:2:" },
		/* Lower case is no variable for pip: the line is an invalid version. */
		{ "ok==1\nsix==${six_version}\n", "r/requirements.txt:2:" },
	};
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		sigma_graph *g = NULL;
		int rc = lc_resolve_mem(&g, "requirements.txt", "r/requirements.txt", bad[k].data, NULL, NULL);
		ok(rc == SIGMA_EINVALID && lc_error_has(bad[k].where), "bad input %zu: %s", k, sigma_error_last());
		graph_free(g);
	}
	/* An error inside an include names the included file. */
	static const char *const files[] = { "inc/bad.txt", "good==1\n\nbad line here\n", NULL };
	mem_tree t = { files, 0 };
	sigma_graph *g = NULL;
	int rc = resolve_tree(&g, &t, "inc/requirements.txt", "-r bad.txt\n");
	ok(rc == SIGMA_EINVALID && lc_error_has("inc/bad.txt:3:"), "error in an include: %s", sigma_error_last());
	graph_free(g);
	ok(lockfile_detect("requirements-dev.txt") && lockfile_detect("requirements.txt") &&
	   !lockfile_detect("constraints.txt"), "requirements*.txt basenames are claimed");
}

int main(void)
{
	check_fixtures();
	check_includes();
	check_pip_syntax();
	check_bad_input();
	lc_unused();
	return tap_done();
}
