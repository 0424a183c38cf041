/* test_pnpm.c: pnpm-lock.yaml v9 and v6 against the fixtures locked by the
 * real pnpm 9 and pnpm 8 clients and the peer parser's view; 5.2, 5.3 and
 * 5.4 (pnpm 5, 6 and 7) against pnpm's own listing; workspaces by hand;
 * peer-suffixed ids, findings, inconsistent lockfiles and bad input inline. */
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
		int incons = 0;
		for (uint32_t i = 0; i < g->nnodes; i++)
			incons += lc_finding(g, (int)i, "inconsistent") != NULL;
		ok(incons == 0, "%s: a consistent lockfile has no inconsistent finding (%d)", dir, incons);
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

/* lockfileVersion 5.2 (pnpm 5), 5.3 (pnpm 6, run on Node 18: it fails
 * on Node 20) and 5.4 (pnpm 7), locked from the same manifests, against
 * pnpm's own listing of the installed tree (list.json, folded by
 * tests/fixtures/pnpm5/listing.py into expected.json). */
static void check_v5(void)
{
	static const struct { const char *dir, *ver; int packages; } v5[] = {
		{ "tests/fixtures/pnpm5/pnpm5-app", "5.2", 85 },
		{ "tests/fixtures/pnpm5/pnpm6-app", "5.3", 85 },
		{ "tests/fixtures/pnpm5/pnpm7-app", "5.4", 85 },
		{ "tests/fixtures/pnpm5/pnpm5-ws", "5.2", 10 },
		{ "tests/fixtures/pnpm5/pnpm6-ws", "5.3", 10 },
		{ "tests/fixtures/pnpm5/pnpm7-ws", "5.4", 10 },
	};
	for (size_t k = 0; k < sizeof v5 / sizeof *v5; k++) {
		sigma_graph *g;
		const char *dir = v5[k].dir;
		int rc = lc_resolve(&g, dir, "pnpm-lock.yaml", "package.json");
		if (!ok(rc == 0, "%s (%s) parses (%s)", dir, v5[k].ver, sigma_error_last()))
			continue;
		ok(strcmp(g->format, "pnpm@5") == 0, "%s: format %s", dir, g->format);
		char *exp = sigma_xasprintf("%s/expected.json", dir);
		lc_diff d;
		lc_compare(&d, g, exp, NULL, 1);
		ok(d.checked == v5[k].packages, "%s: %d packages in pnpm's listing", dir, d.checked);
		ok(d.missing == 0 && d.extra == 0, "%s: same membership (missing %d, extra %d)", dir, d.missing,
		   d.extra);
		ok(d.depth == 0 && d.direct == 0, "%s: every depth and direct agree (%d, %d differ)", dir, d.depth,
		   d.direct);
		ok(d.bad_chain == 0 && d.foreign_chain == 0, "%s: chains are shortest paths of real edges", dir);
		int incons = 0;
		for (uint32_t i = 0; i < g->nnodes; i++)
			incons += lc_finding(g, (int)i, "inconsistent") != NULL || !g->nodes[i].integrity;
		ok(incons == 0, "%s: every package is defined and has its integrity (%d not)", dir, incons);
		if (k < 3) {
			int rd = lc_find(g, "react-dom", "18.3.1"), re = lc_find(g, "react", "18.3.1");
			int lo = lc_find(g, "lodash", "4.18.1"), ch = lc_find(g, "chalk", "4.1.2");
			int se = lc_find(g, "semver", "7.8.6"), as = lc_find(g, "ansi-styles", "4.3.0");
			ok(rd >= 0 && re >= 0 && lc_has_edge(g, (uint32_t)rd, (uint32_t)re) &&
			   sigma_streq(g->nodes[rd].spec, "^18.2.0") && sigma_startswith(g->nodes[rd].integrity, "sha512-"),
			   "%s: the peer-suffixed react-dom_react@18.3.1 is react-dom with its spec and integrity", dir);
			ok(lo >= 0 && g->nodes[lo].direct &&
			   sigma_streq(g->nodes[lo].spec, "npm:lodash@^4.17.21"),
			   "%s: the alias lod -> /lodash/4.18.1 is lodash", dir);
			ok(ch >= 0 && g->nodes[ch].direct && !g->nodes[ch].dev && as >= 0 && g->nodes[as].optional &&
			   g->nodes[as].depth == 1, "%s: optionalDependencies are direct; optional: true is kept", dir);
			ok(se >= 0 && g->nodes[se].direct && g->nodes[se].dev, "%s: devDependencies are direct dev", dir);
		} else {
			char *set = lc_direct_set(g);
			ok(strcmp(set, "date-fns@2.30.0 prettier@3.10.2:dev react-dom@18.3.1 react@18.3.1 "
			               "typescript@5.9.3:dev zod@3.25.76") == 0,
			   "%s: every importer is a root, link:../core is none (%s)", dir, set);
			free(set);
		}
		free(exp);
		graph_free(g);
	}
}

/* Ids pnpm 5.x writes for what is not a plain registry package. */
static void check_v5_sources(void)
{
	static const char v5[] =
		"lockfileVersion: 5.3\n"
		"specifiers:\n  gitdep: github:u/gitdep\n  tb: https://host.invalid/tb.tgz\n  '@s/x': ^1.0.0\n"
		"  mirror: ^2.0.0\n  any: '*'\n"
		"dependencies:\n"
		"  gitdep: github.com/u/gitdep/0123456789abcdef0123456789abcdef01234567\n"
		"  tb: '@host.invalid/tb.tgz'\n"
		"  '@s/x': 1.0.0_@s+peer@2.0.0\n"
		"  mirror: registry.invalid/mirror/2.0.0\n"
		"  any: 3.0.0\n"
		"packages:\n"
		"  github.com/u/gitdep/0123456789abcdef0123456789abcdef01234567:\n"
		"    resolution: {tarball: https://codeload.invalid/u/gitdep/tar.gz/0123456789abcdef0123456789abcdef01234567}\n"
		"    name: gitdep\n    version: 0.1.0\n    dev: false\n"
		"  '@host.invalid/tb.tgz':\n"
		"    resolution: {tarball: https://host.invalid/tb.tgz}\n    name: tb\n    version: 3.1.0\n    dev: false\n"
		"  /@s/x/1.0.0_@s+peer@2.0.0:\n"
		"    resolution: {integrity: sha512-X}\n    dependencies:\n      '@s/peer': 2.0.0\n      gd: 1.0.0\n"
		"    peerDependencies:\n      '@s/peer': ^2\n    dev: false\n"
		"  /@s/peer/2.0.0:\n    resolution: {integrity: sha512-PEER}\n    dev: false\n"
		"  /gd/1.0.0:\n    resolution: {type: git, repo: https://git.invalid/gd.git, commit: abc}\n    dev: false\n"
		"  registry.invalid/mirror/2.0.0:\n    resolution: {integrity: sha512-MIRROR}\n    dev: false\n"
		"  /any/3.0.0:\n    resolution: {integrity: sha512-ANY}\n    dev: false\n";
	sigma_graph *g;
	int rc = lc_resolve_mem(&g, "pnpm-lock.yaml", "pnpm-lock.yaml", v5, NULL, NULL);
	if (!ok(rc == 0, "pnpm 5.3 sources parse (%s)", sigma_error_last()))
		return;
	int gitdep = lc_find(g, "gitdep", "0.1.0"), tb = lc_find(g, "tb", "3.1.0"), x = lc_find(g, "@s/x", "1.0.0");
	int peer = lc_find(g, "@s/peer", "2.0.0"), gd = lc_find(g, "gd", "1.0.0");
	int mirror = lc_find(g, "mirror", "2.0.0"), any = lc_find(g, "any", "3.0.0");
	ok(gitdep >= 0 && g->nodes[gitdep].direct && lc_finding(g, gitdep, "url"),
	   "a github.com/u/r/sha id is the entry's name and version, its codeload tarball a url finding");
	ok(tb >= 0 && g->nodes[tb].kind == GRAPH_KIND_TARBALL && lc_finding(g, tb, "url"),
	   "a '@host/path.tgz' id is the entry's name and version, kind tarball");
	ok(x >= 0 && peer >= 0 && g->nodes[peer].depth == 1 && sigma_streq(g->nodes[x].integrity, "sha512-X"),
	   "a scoped id with a scoped peer suffix (_@s+peer@2.0.0) is @s/x@1.0.0");
	ok(gd >= 0 && g->nodes[gd].kind == GRAPH_KIND_GIT && lc_finding(g, gd, "vcs") && g->nodes[gd].depth == 1,
	   "{type: git} resolution is kind git with vcs");
	ok(mirror >= 0 && g->nodes[mirror].kind == GRAPH_KIND_REGISTRY &&
	   sigma_streq(g->nodes[mirror].integrity, "sha512-MIRROR"), "a host-prefixed registry id is a registry package");
	ok(any >= 0 && lc_finding(g, any, "unpinned"), "specifiers: '*' is unpinned");
	graph_free(g);
}

/* Ids referenced but not defined under packages: a finding per package,
 * in every lockfileVersion, never a silent package without integrity. */
static void check_inconsistent(void)
{
	static const struct { const char *data, *missing, *key; } cases[] = {
		{ "lockfileVersion: 5.4\nspecifiers:\n  a: ^1\ndependencies:\n  a: 1.0.0\npackages:\n"
		  "  /a/1.0.0:\n    resolution: {integrity: sha512-A}\n    dependencies:\n      b: 2.0.0\n",
		  "b", "\"/b/2.0.0\"" },
		{ "lockfileVersion: 5.4\nspecifiers:\n  a: ^1\ndependencies:\n  a: 1.0.0\npackages: {}\n",
		  "a", "\"/a/1.0.0\" from importer \".\"" },
		{ "lockfileVersion: 5.3\nspecifiers:\n  g: github:u/g\ndependencies:\n  g: github.com/u/g/0123abc\n"
		  "packages: {}\n", "g", "\"github.com/u/g/0123abc\" from importer \".\"" },
		{ "lockfileVersion: '6.0'\ndependencies:\n  a:\n    specifier: ^1\n    version: 1.0.0\npackages:\n"
		  "  /a@1.0.0:\n    resolution: {integrity: sha512-A}\n    dependencies:\n      b: 2.0.0\n",
		  "b", "\"/b@2.0.0\"" },
		{ "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1\n"
		  "        version: 1.0.0\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-A}\n"
		  "snapshots:\n  a@1.0.0:\n    dependencies:\n      b: 2.0.0\n",
		  "b", "\"b@2.0.0\"" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		sigma_graph *g;
		int rc = lc_resolve_mem(&g, "pnpm-lock.yaml", "web/pnpm-lock.yaml", cases[k].data, NULL, NULL);
		if (!ok(rc == 0, "inconsistent %zu parses (%s)", k, sigma_error_last()))
			continue;
		int m = -1;
		for (uint32_t i = 0; i < g->nnodes; i++)
			if (strcmp(g->nodes[i].name, cases[k].missing) == 0)
				m = (int)i;
		const graph_finding *f = lc_finding(g, m, "inconsistent");
		ok(f && !g->nodes[m].integrity && strstr(f->message, "web/pnpm-lock.yaml") &&
		   strstr(f->message, cases[k].key) && strstr(f->message, "inconsistent") &&
		   strstr(f->message, "pnpm install"),
		   "inconsistent %zu: %s has a finding naming the lockfile and the key (%s)", k, cases[k].missing,
		   f ? f->message : "none");
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
		{ "lockfileVersion: '4.0'\n", "bad.yaml:1:" },
		{ "lockfileVersion: 5.4\npackages:\n  /noversion:\n    resolution: {integrity: x}\n", "bad.yaml:3:" },
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
	check_v5();
	check_v5_sources();
	check_inconsistent();
	check_monorepo();
	check_findings();
	check_bad_input();
	lc_unused();
	return tap_done();
}
