/* test_pnpm.c: pnpm-lock.yaml v9 and v6 against the fixtures locked by the
 * real pnpm 9 and pnpm 8 clients and the peer parser's view; workspaces by
 * hand; peer-suffixed ids, findings and bad input inline. */
#include "tests/unit/tap.h"
#include "tests/unit/lockcheck.h"

/* Membership, depth and chains agree exactly. dev differs on the packages
 * that both a dev and a production dependency reach: the reference labels
 * them dev as soon as any dev dependency reaches them, sigma labels them
 * production because production code loads them (express-api: inherits,
 * ms, safe-buffer, semver; react-webpack: js-tokens, loose-envify,
 * object-assign, prop-types, react-is). lc_dev_pnpm applies the
 * reference's rule to our graph and must leave no difference. Unlike the
 * yarn view, the reference keeps direct dev dependencies dev, as we do. */
static const struct {
	const char *dir, *format;
	int packages, dev_diffs;
} fixtures[] = {
	{ "tests/fixtures/pnpm/express-api", "pnpm@9", 259, 4 },
	{ "tests/fixtures/pnpm/react-webpack", "pnpm@9", 1249, 5 },
	{ "tests/fixtures/pnpm6/express-api", "pnpm@6", 259, 4 },
};

static void check_expected(void)
{
	for (size_t k = 0; k < sizeof fixtures / sizeof *fixtures; k++) {
		sigma_graph *g;
		const char *dir = fixtures[k].dir;
		int rc = lc_resolve(&g, dir, "pnpm-lock.yaml", "package.json");
		if (!ok(rc == 0, "%s parses (%s)", dir, sigma_error_last()))
			continue;
		ok(strcmp(g->format, fixtures[k].format) == 0, "%s: format %s", dir, g->format);
		char *exp = sigma_xasprintf("%s/expected.json", dir);
		lc_diff d, raw;
		lc_compare(&d, g, exp, lc_dev_pnpm, 1);
		lc_compare(&raw, g, exp, NULL, 0);
		ok(d.checked == fixtures[k].packages, "%s: %d reference packages", dir, d.checked);
		ok(d.missing == 0 && d.extra == 0, "%s: same membership (missing %d, extra %d)", dir, d.missing,
		   d.extra);
		ok(d.depth == 0, "%s: every depth agrees (%d differ)", dir, d.depth);
		ok(d.bad_chain == 0, "%s: every chain is a shortest path of real edges", dir);
		ok(d.foreign_chain == 0, "%s: every reference chain is a path of our graph", dir);
		ok(d.dev == 0, "%s: dev agrees under the reference's any-dev-path rule", dir);
		ok(raw.dev == fixtures[k].dev_diffs, "%s: exactly %d explained dev differences (got %d)", dir,
		   fixtures[k].dev_diffs, raw.dev);
		if (k != 1) {
			/* Two instances of debug@4.4.3 with different peers fold into one. */
			int dbg = lc_find(g, "debug", "4.4.3"), ex = lc_find(g, "express", "4.22.3");
			int n = 0;
			for (uint32_t i = 0; i < g->nnodes; i++)
				n += strcmp(g->nodes[i].name, "debug") == 0 && strcmp(g->nodes[i].version, "4.4.3") == 0;
			ok(dbg >= 0 && n == 1, "%s: peer-suffixed instances fold into one debug@4.4.3", dir);
			ok(ex >= 0 && sigma_startswith(g->nodes[ex].integrity, "sha512-") &&
			   sigma_streq(g->nodes[ex].spec, "^4.19.2") && !g->nodes[ex].dev,
			   "%s: express keeps integrity and specifier", dir);
			int eu = lc_find(g, "@eslint-community/eslint-utils", "4.10.1");
			ok(eu >= 0 && g->nodes[eu].dev, "%s: a peer-suffixed scoped id resolves to its name", dir);
		}
		free(exp);
		graph_free(g);
	}
}

static void check_monorepo(void)
{
	sigma_graph *g;
	int rc = lc_resolve(&g, "tests/fixtures/pnpm/monorepo", "pnpm-lock.yaml", "package.json");
	if (!ok(rc == 0, "pnpm monorepo parses (%s)", sigma_error_last()))
		return;
	char *set = lc_direct_set(g);
	ok(strcmp(set, "date-fns@3.6.0 next@14.2.35 prettier@3.10.1:dev react-dom@18.3.1 react@18.3.1 "
	               "typescript@5.9.3:dev zod@3.25.76") == 0, "pnpm monorepo: every importer is a root (%s)", set);
	free(set);
	int link = 0;
	for (uint32_t i = 0; i < g->nnodes; i++)
		link += g->nodes[i].kind != GRAPH_KIND_REGISTRY;
	ok(link == 0 && lc_find(g, "@acme/core", "") < 0,
	   "pnpm monorepo: link:../core to another importer is no package");
	int nx = lc_find(g, "next", "14.2.35"), sw = lc_find(g, "@swc/helpers", "0.5.5");
	ok(nx >= 0 && sw >= 0 && g->nodes[sw].depth == 1 && lc_has_edge(g, (uint32_t)nx, (uint32_t)sw),
	   "pnpm monorepo: next's dependencies at depth 1");
	graph_free(g);
}

static void check_findings(void)
{
	static const char v9[] =
		"lockfileVersion: '9.0'\n"
		"importers:\n"
		"  .:\n"
		"    dependencies:\n"
		"      lnk:\n        specifier: link:../outside\n        version: link:../outside\n"
		"      gitdep:\n        specifier: github:u/gitdep\n        version: https://codeload.invalid/u/gitdep/tar.gz/abc\n"
		"      tb:\n        specifier: https://host.invalid/tb.tgz\n        version: https://host.invalid/tb.tgz\n"
		"      alias:\n        specifier: npm:real@^1\n        version: real@1.2.0\n"
		"      any:\n        specifier: '*'\n        version: 2.0.0(peer@1.0.0)\n"
		"      dir:\n        specifier: file:vendor/dir\n        version: file:vendor/dir\n"
		"packages:\n"
		"  gitdep@https://codeload.invalid/u/gitdep/tar.gz/abc:\n"
		"    resolution: {tarball: https://codeload.invalid/u/gitdep/tar.gz/abc}\n    version: 0.1.0\n"
		"  tb@https://host.invalid/tb.tgz:\n    resolution: {tarball: https://host.invalid/tb.tgz}\n    version: 3.0.0\n"
		"  real@1.2.0:\n    resolution: {integrity: sha512-REAL}\n"
		"  any@2.0.0:\n    resolution: {integrity: sha512-ANY}\n"
		"  peer@1.0.0:\n    resolution: {integrity: sha512-PEER}\n"
		"  gd@1.0.0:\n    resolution: {type: git, repo: https://git.invalid/gd.git, commit: abc}\n"
		"  dir@file:vendor/dir:\n    resolution: {directory: vendor/dir, type: directory}\n    name: dir\n    version: 0.0.1\n"
		"snapshots:\n"
		"  gitdep@https://codeload.invalid/u/gitdep/tar.gz/abc: {}\n"
		"  tb@https://host.invalid/tb.tgz: {}\n"
		"  real@1.2.0:\n    dependencies:\n      gd: 1.0.0\n"
		"  any@2.0.0(peer@1.0.0):\n    dependencies:\n      peer: 1.0.0\n"
		"  peer@1.0.0: {}\n  gd@1.0.0: {}\n  dir@file:vendor/dir: {}\n";
	sigma_graph *g;
	int rc = lc_resolve_mem(&g, "pnpm-lock.yaml", "pnpm-lock.yaml", v9, NULL, NULL);
	if (!ok(rc == 0, "pnpm findings fixture parses (%s)", sigma_error_last()))
		return;
	int lnk = lc_find(g, "lnk", ""), gitdep = lc_find(g, "gitdep", "0.1.0"), tb = lc_find(g, "tb", "3.0.0");
	int real = lc_find(g, "real", "1.2.0"), any = lc_find(g, "any", "2.0.0"), gd = lc_find(g, "gd", "1.0.0");
	int dir = lc_find(g, "dir", "0.0.1"), peer = lc_find(g, "peer", "1.0.0");
	ok(lnk >= 0 && g->nodes[lnk].kind == GRAPH_KIND_LINK && lc_finding(g, lnk, "local-path"),
	   "link outside the importers is kind link with local-path");
	ok(gitdep >= 0 && lc_finding(g, gitdep, "url"), "a codeload tarball is kind tarball with url");
	ok(tb >= 0 && g->nodes[tb].kind == GRAPH_KIND_TARBALL && lc_finding(g, tb, "url"), "tarball URL: url");
	ok(real >= 0 && g->nodes[real].direct && sigma_streq(g->nodes[real].integrity, "sha512-REAL"),
	   "npm: alias resolves to the real name with its integrity");
	ok(gd >= 0 && g->nodes[gd].kind == GRAPH_KIND_GIT && lc_finding(g, gd, "vcs") && g->nodes[gd].depth == 1,
	   "{type: git} resolution is kind git with vcs, depth 1");
	ok(any >= 0 && lc_finding(g, any, "unpinned") && peer >= 0 && g->nodes[peer].depth == 1,
	   "'*' specifier is unpinned; the peer-suffixed snapshot resolves");
	ok(dir >= 0 && g->nodes[dir].kind == GRAPH_KIND_FILE && lc_finding(g, dir, "local-path"),
	   "{directory:} resolution is kind file with local-path");
	graph_free(g);
}

static void check_bad_input(void)
{
	static const struct { const char *data, *where; } bad[] = {
		{ "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a: {specifier: 1\n", "bad.yaml:" },
		{ "lockfileVersion: '5.4'\n", "bad.yaml:1:" },
		{ "importers: {}\n", "bad.yaml:1:" },
		{ "lockfileVersion: '9.0'\npackages:\n  noversion:\n    resolution: {integrity: x}\n", "bad.yaml:3:" },
		{ "lockfileVersion: '9.0'\nsnapshots:\n  a@1.0.0:\n    dependencies:\n      b: [1]\n", "bad.yaml:5:" },
		{ "lockfileVersion: '9.0'\npackages: &p\n  a@1.0.0: {}\nsnapshots: *p\n", "bad.yaml:4:" },
		{ "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: 1\n",
		  "bad.yaml:5:" },
		{ "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: x}\n\t\n", "bad.yaml:" },
	};
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		sigma_graph *g = NULL;
		int rc = lc_resolve_mem(&g, "pnpm-lock.yaml", "bad.yaml", bad[k].data, NULL, NULL);
		ok(rc == SIGMA_EINVALID && lc_error_has(bad[k].where), "bad input %zu: %s", k, sigma_error_last());
		graph_free(g);
	}
	size_t len;
	char *lock = lc_slurp("tests/fixtures/pnpm/express-api/pnpm-lock.yaml", &len);
	char *cut = strstr(lock + len / 2, "resolution: {");
	if (cut) {
		cut[20] = '\0';
		sigma_graph *g = NULL;
		int rc = lc_resolve_mem(&g, "pnpm-lock.yaml", "pnpm-lock.yaml", lock, NULL, NULL);
		ok(rc == SIGMA_EINVALID && lc_error_has("pnpm-lock.yaml:"), "truncated pnpm-lock.yaml: %s",
		   sigma_error_last());
		graph_free(g);
	}
	free(lock);
}

int main(void)
{
	check_expected();
	check_monorepo();
	check_findings();
	check_bad_input();
	lc_unused();
	return tap_done();
}
