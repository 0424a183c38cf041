/* test_pipenv.c: Pipfile.lock + Pipfile against the reference resolver's
 * view of a public project (requests-html), and sources and bad input
 * inline. Pipfile.lock has no edges: only Pipfile's names have a depth. */
#include "tests/unit/tap.h"
#include "tests/unit/lockcheck.h"

static void check_fixture(void)
{
	sigma_graph *g;
	int rc = lc_resolve(&g, "tests/fixtures/python/pipenv-requests-html", "Pipfile.lock", "Pipfile");
	if (!ok(rc == 0, "pipenv-requests-html parses (%s)", sigma_error_last()))
		return;
	lc_diff d;
	lc_compare(&d, g, "tests/fixtures/python/pipenv-requests-html/expected.json", NULL, 1);
	/* The editable path "." entry (requests-html itself) is the project:
	 * the reference skips it, and so do we. */
	ok(d.checked == 69 && d.missing == 0 && d.extra == 0, "same 69 packages");
	ok(d.depth == 0 && d.direct == 0 && d.dev == 0, "depth (null = unreachable), direct and dev agree");
	ok(lc_find(g, "requests-html", "") < 0, "the project's own editable entry is no package");
	int tw = lc_find(g, "twine", "4.0.2"), rq = lc_find(g, "requests", "2.28.2");
	ok(tw >= 0 && g->nodes[tw].direct && g->nodes[tw].dev, "[dev-packages] are direct dev");
	ok(rq >= 0 && g->nodes[rq].direct && !g->nodes[rq].dev && sigma_startswith(g->nodes[rq].integrity, "sha256:"),
	   "[packages] are direct production with a hash");
	graph_free(g);
}

static void check_inline(void)
{
	static const char lock[] =
		"{\"_meta\": {\"sources\": []},\n"
		"\"default\": {\n"
		"  \"Flask_Login\": {\"version\": \"==0.6.3\", \"hashes\": [\"sha256:aa\"]},\n"
		"  \"loose\": {\"version\": \"*\"},\n"
		"  \"vcsdep\": {\"git\": \"https://git.invalid/v.git\", \"ref\": \"abc\"},\n"
		"  \"pathdep\": {\"path\": \"./libs/p\", \"editable\": true},\n"
		"  \"filedep\": {\"file\": \"https://files.invalid/f-1.0.tar.gz\"}\n"
		"},\n"
		"\"develop\": {\"pytest\": {\"version\": \"==8.0.0\"}, \"flask-login\": {\"version\": \"==0.6.3\"}}\n"
		"}\n";
	sigma_graph *g;
	int rc = lc_resolve_mem(&g, "Pipfile.lock", "Pipfile.lock", lock, NULL, NULL);
	if (!ok(rc == 0, "inline Pipfile.lock parses without a Pipfile (%s)", sigma_error_last()))
		return;
	int fl = lc_find(g, "flask-login", "0.6.3"), pt = lc_find(g, "pytest", "8.0.0");
	ok(fl >= 0 && g->nodes[fl].direct && !g->nodes[fl].dev, "without Pipfile every entry is direct; in both: production");
	ok(pt >= 0 && g->nodes[pt].dev, "develop only: dev");
	int lo = lc_find(g, "loose", ""), vc = lc_find(g, "vcsdep", ""), pd = lc_find(g, "pathdep", "");
	int fd = lc_find(g, "filedep", "");
	ok(lo >= 0 && lc_finding(g, lo, "unpinned"), "no == version: unpinned");
	ok(vc >= 0 && lc_finding(g, vc, "vcs") && pd >= 0 && lc_finding(g, pd, "local-path") &&
	   fd >= 0 && lc_finding(g, fd, "url"), "git, path and file entries are reported");
	ok(strstr(lc_finding(g, vc, "vcs")->message, "Pipfile.lock:5:") != NULL, "findings name the line");
	graph_free(g);
}

static void check_bad_input(void)
{
	static const struct { const char *data, *where; } bad[] = {
		{ "{\n\"default\": {\n\"a\": {\"version\": \"==1\"},\n}\n", "P.lock:4:" },
		{ "[1, 2]\n", "P.lock:1:" },
		{ "{\"default\": [1]}\n", "P.lock:1:" },
		{ "{\n\"default\": {\n\"a\": \"==1\"}}\n", "P.lock:3:" },
		{ "{\"default\": {\"a\": {\"version\"", "P.lock:1:" },
	};
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		sigma_graph *g = NULL;
		int rc = lc_resolve_mem(&g, "Pipfile.lock", "P.lock", bad[k].data, NULL, NULL);
		ok(rc == SIGMA_EINVALID && lc_error_has(bad[k].where), "bad input %zu: %s", k, sigma_error_last());
		graph_free(g);
	}
	sigma_graph *g = NULL;
	int rc = lc_resolve_mem(&g, "Pipfile.lock", "P.lock", "{}", "Pipfile", "[packages]\nx = \n");
	ok(rc == SIGMA_EINVALID && lc_error_has("Pipfile:2:"), "bad Pipfile: %s", sigma_error_last());
	graph_free(g);
}

int main(void)
{
	check_fixture();
	check_inline();
	check_bad_input();
	lc_unused();
	return tap_done();
}
