/* test_poetry.c: poetry.lock + pyproject.toml against the reference
 * resolver's view of a public project (rich, poetry 1.1 lock format), and
 * sources, extras, the 2.x file layout and bad input inline. */
#include "tests/unit/tap.h"
#include "tests/unit/lockcheck.h"

static void check_fixture(void)
{
	sigma_graph *g;
	int rc = lc_resolve(&g, "tests/fixtures/python/poetry-rich", "poetry.lock", "pyproject.toml");
	if (!ok(rc == 0, "poetry-rich parses (%s)", sigma_error_last()))
		return;
	lc_diff d;
	lc_compare(&d, g, "tests/fixtures/python/poetry-rich/expected.json", NULL, 1);
	ok(d.checked == 63 && d.missing == 0 && d.extra == 0, "same 63 packages");
	ok(d.depth == 0 && d.direct == 0 && d.dev == 0, "depth, direct and dev agree exactly");
	ok(d.bad_chain == 0 && d.foreign_chain == 0, "chains agree");
	int pyg = lc_find(g, "pygments", "2.15.1"), pt = lc_find(g, "pytest", "7.3.1");
	ok(pyg >= 0 && g->nodes[pyg].direct && !g->nodes[pyg].dev && sigma_streq(g->nodes[pyg].spec, "^2.13.0"),
	   "[tool.poetry.dependencies] are production, with their spec");
	ok(pt >= 0 && g->nodes[pt].direct && g->nodes[pt].dev, "[tool.poetry.dev-dependencies] are dev");
	ok(pyg >= 0 && sigma_startswith(g->nodes[pyg].integrity, "sha256:"), "hash from [metadata.files] kept");
	ok(strcmp(g->format, "poetry") == 0, "format poetry");
	graph_free(g);
}

static void check_inline(void)
{
	static const char lock[] =
		"[[package]]\nname = \"Web_App.Core\"\nversion = \"1.0.0\"\n"
		"files = [{file = \"x.whl\", hash = \"sha256:abc\"}]\n"
		"[package.dependencies]\nhttpx = {version = \">=0.1\", extras = [\"http2\"]}\n"
		"[[package]]\nname = \"httpx\"\nversion = \"0.27.0\"\n"
		"[package.extras]\nhttp2 = [\"h2 (>=3,<5)\"]\n"
		"[[package]]\nname = \"h2\"\nversion = \"4.1.0\"\n"
		"[[package]]\nname = \"gitpkg\"\nversion = \"0.1.0\"\n"
		"[package.source]\ntype = \"git\"\nurl = \"https://git.invalid/gitpkg.git\"\nreference = \"main\"\n"
		"[[package]]\nname = \"local\"\nversion = \"0.0.1\"\n"
		"[package.source]\ntype = \"directory\"\nurl = \"../local\"\n"
		"[[package]]\nname = \"private\"\nversion = \"2.0\"\n"
		"[package.source]\ntype = \"legacy\"\nurl = \"https://pypi.corp.invalid/simple\"\nreference = \"corp\"\n"
		"[[package]]\nname = \"pytest\"\nversion = \"8.0.0\"\n"
		"[metadata]\nlock-version = \"2.0\"\n";
	static const char manifest[] =
		"[project]\nname = \"app\"\ndependencies = [\"web-app-core>=1\", \"gitpkg\"]\n"
		"[project.optional-dependencies]\nextra = [\"local\"]\n"
		"[tool.poetry.group.main.dependencies]\nprivate = \"^2\"\n"
		"[tool.poetry.group.test.dependencies]\npytest = \"^8\"\nnotlocked = \"*\"\n";
	sigma_graph *g;
	int rc = lc_resolve_mem(&g, "poetry.lock", "p/poetry.lock", lock, "p/pyproject.toml", manifest);
	if (!ok(rc == 0, "inline poetry project parses (%s)", sigma_error_last()))
		return;
	int core = lc_find(g, "web-app-core", "1.0.0"), h2 = lc_find(g, "h2", "4.1.0");
	ok(core >= 0 && g->nodes[core].direct && sigma_streq(g->nodes[core].integrity, "sha256:abc"),
	   "PEP 503 name; [project].dependencies direct; 2.x package.files hash");
	ok(h2 >= 0 && g->nodes[h2].depth == 2, "a requested extra adds the extra's dependencies one step after");
	int gp = lc_find(g, "gitpkg", "0.1.0"), lo = lc_find(g, "local", "0.0.1"), pr = lc_find(g, "private", "2.0");
	ok(gp >= 0 && g->nodes[gp].kind == GRAPH_KIND_GIT && lc_finding(g, gp, "vcs"), "git source: vcs");
	ok(lo >= 0 && g->nodes[lo].kind == GRAPH_KIND_FILE && lc_finding(g, lo, "local-path") && !g->nodes[lo].dev,
	   "directory source: local-path; optional-dependencies are production");
	ok(pr >= 0 && lc_finding(g, pr, "outside-registry") && !g->nodes[pr].dev,
	   "legacy source: outside-registry; group main is production");
	int pt = lc_find(g, "pytest", "8.0.0"), nl = lc_find(g, "notlocked", "");
	ok(pt >= 0 && g->nodes[pt].dev, "other groups are dev");
	ok(nl >= 0 && lc_finding(g, nl, "unpinned") && lc_error_has("") &&
	   strstr(lc_finding(g, nl, "unpinned")->message, "p/pyproject.toml:"), "declared but not locked: unpinned");
	graph_free(g);

	rc = lc_resolve_mem(&g, "poetry.lock", "poetry.lock", lock, NULL, NULL);
	if (ok(rc == 0, "without pyproject.toml")) {
		int c2 = lc_find(g, "web-app-core", "1.0.0"), hx = lc_find(g, "httpx", "0.27.0");
		ok(c2 >= 0 && g->nodes[c2].direct && hx >= 0 && !g->nodes[hx].direct,
		   "packages nothing depends on are taken as direct");
		graph_free(g);
	}
}

static void check_bad_input(void)
{
	static const struct { const char *data, *where; } bad[] = {
		{ "[[package]]\nname = \"a\"\nversion = \"1\n", "p.lock:3:" },
		{ "[[package]]\nname = \"a\"\n\n[[package]]\nversion = \"1\"\n", "p.lock:1:" },
		{ "package = 1\n", "p.lock:1:" },
		{ "[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = 3\n", "p.lock:4:" },
		{ "[[package]]\nname = \"a\"\nname = \"b\"\n", "p.lock:3:" },
	};
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		sigma_graph *g = NULL;
		int rc = lc_resolve_mem(&g, "poetry.lock", "p.lock", bad[k].data, NULL, NULL);
		ok(rc == SIGMA_EINVALID && lc_error_has(bad[k].where), "bad input %zu: %s", k, sigma_error_last());
		graph_free(g);
	}
	sigma_graph *g = NULL;
	int rc = lc_resolve_mem(&g, "poetry.lock", "p.lock", "package = []\n", "pyproject.toml", "[project\n");
	ok(rc == SIGMA_EINVALID && lc_error_has("pyproject.toml:1:"), "bad pyproject.toml: %s", sigma_error_last());
	graph_free(g);
	size_t len;
	char *lock = lc_slurp("tests/fixtures/python/poetry-rich/poetry.lock", &len);
	/* Cut inside a version string in the [[package]] part (the second half
	 * of a 1.1 lock is [metadata.files]). */
	char *cut = strstr(lock + len / 8, "\nversion = \"");
	if (!cut)
		cut = lock;
	cut[14] = '\0';
	rc = lc_resolve_mem(&g, "poetry.lock", "poetry.lock", lock, NULL, NULL);
	ok(rc == SIGMA_EINVALID && lc_error_has("poetry.lock:"), "truncated poetry.lock: %s", sigma_error_last());
	graph_free(g);
	free(lock);
}

int main(void)
{
	check_fixture();
	check_inline();
	check_bad_input();
	lc_unused();
	return tap_done();
}
