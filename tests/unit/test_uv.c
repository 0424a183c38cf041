/* test_uv.c: uv.lock against the reference resolver's view of a public
 * project (flask, with a two-version resolution fork), and sources,
 * extras, workspaces without a root and bad input inline. */
#include "tests/unit/tap.h"
#include "tests/unit/lockcheck.h"

static void check_fixture(void)
{
	sigma_graph *g;
	int rc = lc_resolve(&g, "tests/fixtures/python/uv-flask", "uv.lock", "pyproject.toml");
	if (!ok(rc == 0, "uv-flask parses (%s)", sigma_error_last()))
		return;
	lc_diff d;
	lc_compare(&d, g, "tests/fixtures/python/uv-flask/expected.json", NULL, 1);
	ok(d.checked == 82 && d.missing == 0 && d.extra == 0, "same 82 packages (the project itself is none)");
	ok(d.depth == 0 && d.direct == 0 && d.dev == 0, "depth, direct and dev agree exactly");
	ok(d.bad_chain == 0 && d.foreign_chain == 0, "chains agree");
	int s1 = lc_find(g, "sphinx", "8.1.3"), s2 = lc_find(g, "sphinx", "8.2.3");
	ok(s1 >= 0 && s2 >= 0 && g->nodes[s1].direct && g->nodes[s2].direct && g->nodes[s1].dev,
	   "sphinx locked at two versions: both direct dev");
	int as = lc_find(g, "asgiref", "3.11.1");
	ok(as >= 0 && g->nodes[as].direct && !g->nodes[as].dev, "the root's optional-dependencies are production");
	ok(as >= 0 && sigma_startswith(g->nodes[as].integrity, "sha256:"), "sdist hash kept as integrity");
	ok(lc_find(g, "flask", "3.2.0.dev0") < 0, "the editable root is no package");
	graph_free(g);
}

static void check_inline(void)
{
	static const char lock[] =
		"version = 1\n"
		"[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { virtual = \".\" }\n"
		"dependencies = [{ name = \"web\", extra = [\"fast\"] }, { name = \"app\", extra = [\"all\"] }]\n"
		"[package.optional-dependencies]\nall = [{ name = \"gitdep\" }]\n"
		"[package.dev-dependencies]\ntest = [{ name = \"pathdep\" }, { name = \"ghost\" }]\n"
		"[[package]]\nname = \"Web\"\nversion = \"2.0\"\nsource = { registry = \"https://r.invalid/simple\" }\n"
		"wheels = [{ url = \"https://f.invalid/web.whl\", hash = \"sha256:beef\" }]\n"
		"[package.optional-dependencies]\nfast = [{ name = \"speed\", version = \"1.0\" }]\n"
		"[[package]]\nname = \"speed\"\nversion = \"1.0\"\nsource = { url = \"https://f.invalid/speed-1.0.tar.gz\" }\n"
		"[[package]]\nname = \"speed\"\nversion = \"2.0\"\nsource = { registry = \"https://r.invalid/simple\" }\n"
		"[[package]]\nname = \"gitdep\"\nversion = \"0.1\"\nsource = { git = \"https://git.invalid/g.git?rev=abc#abc\" }\n"
		"[[package]]\nname = \"pathdep\"\nversion = \"0.0.1\"\nsource = { directory = \"../pathdep\" }\n";
	sigma_graph *g;
	int rc = lc_resolve_mem(&g, "uv.lock", "uv.lock", lock, NULL, NULL);
	if (!ok(rc == 0, "inline uv project parses (%s)", sigma_error_last()))
		return;
	int web = lc_find(g, "web", "2.0"), sp1 = lc_find(g, "speed", "1.0"), sp2 = lc_find(g, "speed", "2.0");
	ok(web >= 0 && g->nodes[web].direct && sigma_streq(g->nodes[web].integrity, "sha256:beef"),
	   "root dependency direct; wheel hash kept");
	ok(sp1 >= 0 && g->nodes[sp1].depth == 1 && lc_finding(g, sp1, "url") && sp2 >= 0 && g->nodes[sp2].depth < 0,
	   "an extra's versioned dependency reaches only that version; url source");
	int gd = lc_find(g, "gitdep", "0.1"), pd = lc_find(g, "pathdep", "0.0.1"), gh = lc_find(g, "ghost", "");
	ok(gd >= 0 && g->nodes[gd].direct && !g->nodes[gd].dev && lc_finding(g, gd, "vcs"),
	   "the root's self-reference app[all] makes its extra direct; git source is vcs");
	ok(pd >= 0 && g->nodes[pd].dev && lc_finding(g, pd, "local-path"), "dev-dependencies are dev; directory source");
	ok(gh >= 0 && lc_finding(g, gh, "unpinned"), "a dependency with no locked package is reported");
	graph_free(g);
}

static void check_bad_input(void)
{
	static const struct { const char *data, *where; } bad[] = {
		{ "[[package]]\nversion = \"1\"\n", "u.lock:1:" },
		{ "[[package]]\nname = \"a\"\ndependencies = [{ version = \"1\" }]\n", "u.lock:3:" },
		{ "[[package]]\nname = \"a\"\ndependencies = { name = \"b\" }\n", "u.lock:3:" },
		{ "[package]\nname = \"a\"\n", "u.lock:1:" },
		{ "[[package]]\nname = \"a\"\nsource = { registry = \"x\" \n", "u.lock:3:" },
	};
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		sigma_graph *g = NULL;
		int rc = lc_resolve_mem(&g, "uv.lock", "u.lock", bad[k].data, NULL, NULL);
		ok(rc == SIGMA_EINVALID && lc_error_has(bad[k].where), "bad input %zu: %s", k, sigma_error_last());
		graph_free(g);
	}
}

int main(void)
{
	check_fixture();
	check_inline();
	check_bad_input();
	lc_unused();
	return tap_done();
}
