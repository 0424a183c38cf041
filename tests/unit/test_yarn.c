/* test_yarn.c: yarn.lock classic (v1) and berry, against the fixtures
 * locked by the real yarn 1 and yarn 4 clients and the peer parser's view
 * in expected.json; workspaces by hand; findings and bad input inline. */
#include <dirent.h>
#include "tests/unit/tap.h"
#include "tests/unit/lockcheck.h"

/* Each fixture with expected.json, and the number of packages whose dev
 * label differs between sigma and the reference. All of those differ for
 * one of two reasons (asserted below through lc_dev_yarn, which must then
 * leave no difference at all):
 * - the reference never labels a direct package dev, even one declared
 *   only in devDependencies (express-api: chai, eslint, mocha, nodemon;
 *   react-webpack: react, react-dom);
 * - the reference labels a transitive package dev as soon as any dev
 *   dependency reaches it; sigma only when no production path does:
 *   ms@2.1.3 is under mocha (dev) but also under jsonwebtoken (prod), so
 *   production code loads it and it is production here (express-api:
 *   inherits, ms, safe-buffer, semver; react-webpack: js-tokens,
 *   prop-types, react-is).
 * And one membership difference on berry: yarn installs its builtin
 * compat patches of fsevents, resolve and typescript in place of the
 * registry package ("x@patch:x@npm%3A...#optional!builtin<compat/x>").
 * sigma keeps the patch as its own node of kind patch, next to the
 * registry package at the same depth; the reference folds the two.
 * `patches` counts those nodes exactly (express-api: fsevents@2.3.3;
 * react-webpack: fsevents 1.2.13 and 2.3.3, resolve 1.1.7, 1.22.14 and
 * 2.0.0-next.7). */
static const struct {
	const char *dir, *format;
	int packages, dev_diffs, patches;
} fixtures[] = {
	{ "tests/fixtures/yarn1/express-api", "yarn@1", 259, 8, 0 },
	{ "tests/fixtures/yarn1/react-webpack", "yarn@1", 1255, 7, 0 },
	{ "tests/fixtures/berry/express-api", "yarn@berry", 278, 8, 1 },
	{ "tests/fixtures/berry/react-webpack", "yarn@berry", 1274, 7, 5 },
};

static void check_expected(void)
{
	for (size_t k = 0; k < sizeof fixtures / sizeof *fixtures; k++) {
		sigma_graph *g;
		const char *dir = fixtures[k].dir;
		int rc = lc_resolve(&g, dir, "yarn.lock", "package.json");
		if (!ok(rc == 0, "%s parses (%s)", dir, sigma_error_last()))
			continue;
		ok(strcmp(g->format, fixtures[k].format) == 0, "%s: format %s", dir, g->format);
		char *exp = sigma_xasprintf("%s/expected.json", dir);
		lc_diff d, raw;
		lc_compare(&d, g, exp, lc_dev_yarn, 1);
		lc_compare(&raw, g, exp, NULL, 0);
		ok(d.checked == fixtures[k].packages, "%s: %d reference packages", dir, d.checked);
		ok(d.missing == 0, "%s: no reference package is missing", dir);
		ok(d.extra == fixtures[k].patches && lc_builtin_patch_twins(g) == fixtures[k].patches,
		   "%s: extra nodes are exactly the %d builtin patch twins (extra %d)", dir, fixtures[k].patches,
		   d.extra);
		ok(d.depth == 0, "%s: every depth agrees (%d differ)", dir, d.depth);
		ok(d.bad_chain == 0, "%s: every chain is a shortest path of real edges", dir);
		ok(d.foreign_chain == 0, "%s: every reference chain is a path of our graph", dir);
		ok(d.dev == 0, "%s: dev agrees under the reference's any-dev-path rule", dir);
		ok(raw.dev == fixtures[k].dev_diffs, "%s: exactly %d explained dev differences (got %d)", dir,
		   fixtures[k].dev_diffs, raw.dev);
		if (k == 0 || k == 2) {
			int ms = lc_find(g, "ms", "2.1.3"), chai = lc_find(g, "chai", "4.5.0");
			ok(ms >= 0 && !g->nodes[ms].dev && g->nodes[ms].depth == 1,
			   "%s: ms@2.1.3 is production (express reaches it) at depth 1", dir);
			ok(chai >= 0 && g->nodes[chai].dev && g->nodes[chai].direct &&
			   sigma_streq(g->nodes[chai].spec, "^4.4.1"), "%s: chai is a direct dev dependency, spec ^4.4.1",
			   dir);
			int ex = lc_find(g, "express", "4.22.3");
			ok(ex >= 0 && g->nodes[ex].integrity && sigma_startswith(g->nodes[ex].integrity,
			   k == 0 ? "sha512-" : "10c0/"), "%s: integrity kept", dir);
			ok(ex >= 0 && g->nodes[ex].nfindings == 0, "%s: a registry package has no finding", dir);
		}
		free(exp);
		graph_free(g);
	}
}

static void check_monorepos(void)
{
	sigma_graph *g;
	/* yarn 1 does not record workspaces; "packages/<glob>" cannot be
	 * listed, so the entries nothing requires become direct (see
	 * lockfile_yarn.c): exactly what core and web declare. */
	int rc = lc_resolve(&g, "tests/fixtures/yarn1/monorepo", "yarn.lock", "package.json");
	if (ok(rc == 0, "yarn1 monorepo parses (%s)", sigma_error_last())) {
		char *set = lc_direct_set(g);
		ok(strcmp(set, "date-fns@3.6.0 next@14.2.35 prettier@3.10.1:dev react-dom@18.3.1 react@18.3.1 "
		               "typescript@5.9.3:dev zod@3.25.76") == 0, "yarn1 monorepo: direct set (%s)", set);
		free(set);
		ok(lc_find(g, "@acme/core", "1.0.0") < 0, "yarn1 monorepo: the workspace is no package");
		int sw = lc_find(g, "@swc/helpers", "0.5.5");
		ok(sw >= 0 && g->nodes[sw].depth == 1, "yarn1 monorepo: next's dependency at depth 1");
		graph_free(g);
	}
	/* The same tree with literal workspace paths: the manifests are read
	 * and no orphan guessing is needed. */
	static const char manifest[] =
		"{\"name\":\"r\",\"workspaces\":[\"packages/core\",\"packages/web\"],"
		"\"devDependencies\":{\"prettier\":\"^3.2.5\",\"typescript\":\"^5.4.3\"}}";
	size_t len;
	char *lock = lc_slurp("tests/fixtures/yarn1/monorepo/yarn.lock", &len);
	lockfile_input in = {
		.path = "yarn.lock", .data = lock, .len = len, .manifest_path = "package.json",
		.manifest = manifest, .manifest_len = strlen(manifest),
		.read_file = lc_read_tree, .ctx = (void *)"tests/fixtures/yarn1/monorepo",
	};
	rc = lockfile_resolve(&g, lockfile_detect("yarn.lock"), &in);
	if (ok(rc == 0, "yarn1 monorepo with literal workspaces parses")) {
		char *set = lc_direct_set(g);
		ok(strcmp(set, "date-fns@3.6.0 next@14.2.35 prettier@3.10.1:dev react-dom@18.3.1 react@18.3.1 "
		               "typescript@5.9.3:dev zod@3.25.76") == 0, "yarn1 literal workspaces: direct set (%s)", set);
		free(set);
		int z = lc_find(g, "zod", "3.25.76");
		ok(z >= 0 && sigma_streq(g->nodes[z].spec, "^3.22.4"), "yarn1: zod's spec from packages/core");
		graph_free(g);
	}
	free(lock);

	rc = lc_resolve(&g, "tests/fixtures/berry/monorepo", "yarn.lock", "package.json");
	if (ok(rc == 0, "berry monorepo parses (%s)", sigma_error_last())) {
		/* typescript twice: the registry package and yarn's builtin
		 * compat patch of it, which is what gets installed. */
		char *set = lc_direct_set(g);
		ok(strcmp(set, "date-fns@3.6.0 next@14.2.35 prettier@3.10.1:dev react-dom@18.3.1 react@18.3.1 "
		               "typescript@5.9.3:dev typescript@5.9.3:dev:patch zod@3.25.76") == 0,
		   "berry monorepo: direct set from the workspace entries (%s)", set);
		free(set);
		ok(lc_find(g, "@acme/core", "0.0.0-use.local") < 0, "berry monorepo: workspaces are no packages");
		int z = lc_find(g, "zod", "3.25.76");
		ok(z >= 0 && sigma_streq(g->nodes[z].spec, "^3.22.4") && g->nodes[z].nfindings == 0,
		   "berry: the spec comes from the workspace's package.json");
		int ts = -1;
		for (uint32_t i = 0; i < g->nnodes; i++)
			if (g->nodes[i].kind == GRAPH_KIND_PATCH)
				ts = (int)i;
		ok(ts >= 0 && g->nodes[ts].nfindings == 0 && g->nodes[ts].ndeps == 1,
		   "berry: the builtin patch wraps the registry typescript and raises nothing");
		graph_free(g);
	}
}

static void check_findings(void)
{
	sigma_graph *g;
	static const char v1[] =
		"# yarn lockfile v1\n\n"
		"left-pad@^1.3.0, left-pad@npm:^1.3.0:\n"
		"  version \"1.3.0\"\n"
		"  resolved \"https://mirror.invalid/left-pad/-/left-pad-1.3.0.tgz#abc\"\n"
		"  integrity sha512-AAAA\n"
		"  dependencies:\n"
		"    gitdep \"github:user/gitdep#v1\"\n"
		"  optionalDependencies:\n"
		"    not-installed \"^2\"\n"
		"\"gitdep@github:user/gitdep#v1\":\n"
		"  version \"0.1.0\"\n"
		"  resolved \"https://codeload.invalid/user/gitdep/tar.gz/0123abcd\"\n"
		"local@file:../local:\n"
		"  version \"1.0.0\"\n"
		"odd@^2.0.0:\n"
		"  version \"2.0.0\"\n"
		"  resolved \"https://elsewhere.invalid/downloads/odd.tgz\"\n"
		"tb@https://host.invalid/tb-1.0.0.tgz:\n"
		"  version \"1.0.0\"\n"
		"  resolved \"https://host.invalid/tb-1.0.0.tgz\"\n"
		"\"my-alias@npm:real-name@^3\":\n"
		"  version \"3.1.0\"\n"
		"  resolved \"https://mirror.invalid/real-name/-/real-name-3.1.0.tgz\"\n";
	static const char man[] =
		"{\"dependencies\":{\"left-pad\":\"^1.3.0\",\"local\":\"file:../local\",\"odd\":\"^2.0.0\","
		"\"tb\":\"https://host.invalid/tb-1.0.0.tgz\",\"my-alias\":\"npm:real-name@^3\",\"gone\":\"*\"}}";
	int rc = lc_resolve_mem(&g, "yarn.lock", "app/yarn.lock", v1, "app/package.json", man);
	if (ok(rc == 0, "yarn1 findings fixture parses (%s)", sigma_error_last())) {
		int lp = lc_find(g, "left-pad", "1.3.0"), gd = lc_find(g, "gitdep", "0.1.0");
		int lo = lc_find(g, "local", "1.0.0"), od = lc_find(g, "odd", "2.0.0");
		int tb = lc_find(g, "tb", "1.0.0"), al = lc_find(g, "real-name", "3.1.0");
		int gone = lc_find(g, "gone", "");
		ok(lp >= 0 && !lc_finding(g, lp, "outside-registry") && g->nodes[lp].depth == 0,
		   "a mirror with the registry layout is the registry");
		ok(gd >= 0 && g->nodes[gd].kind == GRAPH_KIND_GIT && lc_finding(g, gd, "vcs") && g->nodes[gd].depth == 1,
		   "github: dependency is kind git with a vcs finding, at depth 1");
		ok(lo >= 0 && g->nodes[lo].kind == GRAPH_KIND_FILE && lc_finding(g, lo, "local-path"),
		   "file: entry is kind file with a local-path finding");
		ok(od >= 0 && lc_finding(g, od, "outside-registry"), "a registry range resolved off-layout is outside-registry");
		ok(tb >= 0 && g->nodes[tb].kind == GRAPH_KIND_TARBALL && lc_finding(g, tb, "url"),
		   "a tarball URL is kind tarball with a url finding");
		ok(al >= 0 && sigma_streq(g->nodes[al].alias, "my-alias") && g->nodes[al].direct,
		   "npm: alias is reported under the real name with its alias");
		ok(gone >= 0 && lc_finding(g, gone, "unpinned") && g->nodes[gone].direct,
		   "a declared \"*\" with no lock entry is unpinned");
		ok(lc_find(g, "not-installed", "") < 0, "an optional dependency that was not installed is no package");
		graph_free(g);
	}

	static const char berry[] =
		"__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"
		"\"app@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"app@workspace:.\"\n"
		"  dependencies:\n    lnk: \"link:./vendor/lnk\"\n    prt: \"portal:./vendor/prt\"\n"
		"    pat: \"patch:pat@npm%3A1.0.0#./patches/pat.patch\"\n    gh: \"https://github.com/u/gh.git#commit=abc\"\n"
		"    alias-name: \"npm:real@^2\"\n"
		"  languageName: unknown\n  linkType: soft\n\n"
		"\"lnk@link:./vendor/lnk::locator=app%40workspace%3A.\":\n  version: 0.0.0-use.local\n"
		"  resolution: \"lnk@link:./vendor/lnk::locator=app%40workspace%3A.\"\n  languageName: node\n  linkType: soft\n\n"
		"\"lnk@link:./vendor/lnk\":\n  version: 0.0.0-use.local\n"
		"  resolution: \"lnk@link:./vendor/lnk::locator=app%40workspace%3A.\"\n  languageName: node\n  linkType: soft\n\n"
		"\"prt@portal:./vendor/prt\":\n  version: 0.0.0-use.local\n"
		"  resolution: \"prt@portal:./vendor/prt::locator=app%40workspace%3A.\"\n  languageName: node\n  linkType: soft\n\n"
		"\"pat@npm:1.0.0\":\n  version: 1.0.0\n  resolution: \"pat@npm:1.0.0\"\n  checksum: 10c0/aa\n"
		"  languageName: node\n  linkType: hard\n\n"
		"\"pat@patch:pat@npm%3A1.0.0#./patches/pat.patch\":\n  version: 1.0.0\n"
		"  resolution: \"pat@patch:pat@npm%3A1.0.0#./patches/pat.patch::version=1.0.0&hash=ff\"\n"
		"  checksum: 10c0/bb\n  languageName: node\n  linkType: hard\n\n"
		"\"gh@https://github.com/u/gh.git#commit=abc\":\n  version: 2.0.0\n"
		"  resolution: \"gh@https://github.com/u/gh.git#commit=abc\"\n  languageName: node\n  linkType: hard\n\n"
		"\"alias-name@npm:real@^2\":\n  version: 2.5.0\n  resolution: \"real@npm:2.5.0\"\n  checksum: 10c0/cc\n"
		"  languageName: node\n  linkType: hard\n";
	rc = lc_resolve_mem(&g, "yarn.lock", "yarn.lock", berry, NULL, NULL);
	if (ok(rc == 0, "berry findings fixture parses (%s)", sigma_error_last())) {
		ok(strcmp(g->format, "yarn@berry") == 0, "berry detected by __metadata");
		int pat = -1;
		for (uint32_t i = 0; i < g->nnodes; i++)
			if (g->nodes[i].kind == GRAPH_KIND_PATCH)
				pat = (int)i;
		int lnk = lc_find(g, "lnk", "0.0.0-use.local"), prt = lc_find(g, "prt", "0.0.0-use.local");
		int gh = lc_find(g, "gh", "2.0.0"), real = lc_find(g, "real", "2.5.0");
		ok(lnk >= 0 && g->nodes[lnk].kind == GRAPH_KIND_LINK && lc_finding(g, lnk, "local-path") &&
		   g->nodes[lnk].direct, "berry link: is kind link, local-path, direct");
		ok(prt >= 0 && g->nodes[prt].kind == GRAPH_KIND_PORTAL && lc_finding(g, prt, "local-path"),
		   "berry portal: is kind portal, local-path");
		ok(pat >= 0 && lc_finding(g, pat, "local-path") && g->nodes[pat].direct && g->nodes[pat].ndeps == 1 &&
		   g->nodes[g->nodes[pat].deps[0]].kind == GRAPH_KIND_REGISTRY,
		   "berry patch: is kind patch, local-path, and wraps the registry package");
		ok(gh >= 0 && g->nodes[gh].kind == GRAPH_KIND_GIT && lc_finding(g, gh, "vcs"), "berry git URL is vcs");
		ok(real >= 0 && sigma_streq(g->nodes[real].alias, "alias-name") && g->nodes[real].direct,
		   "berry npm: alias resolves to the real name");
		graph_free(g);
	}
}

/* A required dependency with no entry is an inconsistent lockfile; an
 * optional one (yarn 1 leaves out what failed to install) and a workspace
 * are not. */
static void check_inconsistent(void)
{
	static const char v1[] =
		"# yarn lockfile v1\n\n"
		"a@^1.0.0:\n  version \"1.0.0\"\n  resolved \"https://r.invalid/a/-/a-1.0.0.tgz\"\n"
		"  integrity sha512-A\n  dependencies:\n    b \"^2.0.0\"\n"
		"  optionalDependencies:\n    fsevents \"^2\"\n";
	static const char man[] = "{\"name\":\"app\",\"dependencies\":{\"a\":\"^1.0.0\"}}";
	static const char wsman[] = "{\"name\":\"app\",\"workspaces\":[\"core\"],\"dependencies\":{\"a\":\"^1.0.0\"}}";
	static const char berry[] =
		"__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"
		"\"app@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"app@workspace:.\"\n"
		"  dependencies:\n    a: \"npm:^1.0.0\"\n  languageName: unknown\n  linkType: soft\n\n"
		"\"a@npm:^1.0.0\":\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n"
		"  dependencies:\n    b: \"npm:^2.0.0\"\n  checksum: 10c0/aa\n  languageName: node\n  linkType: hard\n";
	for (int k = 0; k < 2; k++) {
		sigma_graph *g;
		int rc = k == 0 ? lc_resolve_mem(&g, "yarn.lock", "app/yarn.lock", v1, "app/package.json", man)
		                : lc_resolve_mem(&g, "yarn.lock", "app/yarn.lock", berry, NULL, NULL);
		if (!ok(rc == 0, "inconsistent %s parses (%s)", k ? "berry" : "v1", sigma_error_last()))
			continue;
		int a = lc_find(g, "a", "1.0.0"), b = lc_find(g, "b", "");
		const graph_finding *f = lc_finding(g, b, "inconsistent");
		ok(f && a >= 0 && lc_has_edge(g, (uint32_t)a, (uint32_t)b) && g->nodes[b].depth == 1 &&
		   strstr(f->message, "app/yarn.lock") && strstr(f->message, k ? "\"b@npm:^2.0.0\"" : "\"b@^2.0.0\"") &&
		   strstr(f->message, "a@1.0.0") && strstr(f->message, "yarn install"),
		   "%s: the missing b is an L1 package with a finding naming the lockfile and the key (%s)",
		   k ? "berry" : "v1", f ? f->message : "none");
		int others = 0;
		for (uint32_t i = 0; i < g->nnodes; i++)
			others += (int)i != b && lc_finding(g, (int)i, "inconsistent") != NULL;
		ok(others == 0, "%s: a missing optional dependency is no finding", k ? "berry" : "v1");
		graph_free(g);
	}
	/* A workspace whose manifest cannot be read may be what b names: no
	 * guess (the real-tree monorepo fixtures cover named workspaces). */
	sigma_graph *g;
	int rc = lc_resolve_mem(&g, "yarn.lock", "app/yarn.lock", v1, "app/package.json", wsman);
	ok(rc == 0 && lc_find(g, "b", "") < 0, "v1 with an unreadable workspace manifest: no inconsistency guessed");
	graph_free(g);
}

static void check_bad_input(void)
{
	static const struct { const char *data, *where; } bad[] = {
		{ "# yarn lockfile v1\n\nfoo@^1:\n  version \"1.0.0\n", "bad/yarn.lock:4:" },
		{ "foo@^1:\n  version \"1.0.0\"\n   resolved \"x\"\n", "bad/yarn.lock:3:" },
		{ "foo@^1:\n  version \"1.0.0\"\nbar@^2\n  version \"2.0.0\"\n", "bad/yarn.lock:3:" },
		{ "  version \"1.0.0\"\n", "bad/yarn.lock:1:" },
		{ "foo@^1:\n  version\n", "bad/yarn.lock:2:" },
		{ "foo@^1:\n\tversion \"1\"\n", "bad/yarn.lock:2:" },
		{ "__metadata:\n  version: 8\n\"a@npm:1\":\n  version: [1,\n", "bad/yarn.lock:" },
		{ "__metadata:\n  version: 8\n\"a@npm:1\":\n  version: 1\n", "bad/yarn.lock:3:" },
		{ "__metadata:\n  version: 8\n\"a@npm:1\": &x\n  resolution: \"a@npm:1\"\n\"b@npm:1\": *x\n",
		  "bad/yarn.lock:5:" },
		{ "__metadata:\n  version: 8\n\"a@npm:1\":\n  resolution: \"a@npm:1\"\n  dependencies:\n    b: [1]\n",
		  "bad/yarn.lock:6:" },
	};
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		sigma_graph *g = NULL;
		int rc = lc_resolve_mem(&g, "yarn.lock", "bad/yarn.lock", bad[k].data, NULL, NULL);
		ok(rc == SIGMA_EINVALID && lc_error_has(bad[k].where), "bad input %zu: %s", k, sigma_error_last());
		graph_free(g);
	}
	/* A truncated real lockfile: cut in the middle of an entry header. */
	size_t len;
	char *lock = lc_slurp("tests/fixtures/yarn1/express-api/yarn.lock", &len);
	char *cut = strstr(lock + len / 2, "\n\"");
	if (cut) {
		cut[4] = '\0';
		sigma_graph *g = NULL;
		int rc = lc_resolve_mem(&g, "yarn.lock", "yarn.lock", lock, NULL, NULL);
		ok(rc == SIGMA_EINVALID && lc_error_has("yarn.lock:"), "truncated yarn.lock: %s", sigma_error_last());
		graph_free(g);
	}
	free(lock);
	/* A bad package.json next to a good lockfile names the manifest. */
	sigma_graph *g = NULL;
	int rc = lc_resolve_mem(&g, "yarn.lock", "yarn.lock", "foo@^1:\n  version \"1.0.0\"\n", "app/package.json",
	                        "{\n\"dependencies\": {\n\"foo\": }\n}");
	ok(rc == SIGMA_EINVALID && lc_error_has("app/package.json:3:"), "bad package.json: %s", sigma_error_last());
	graph_free(g);
}

/* ---------------------------------------------------------------- workspace globs */

static void write_file(const char *dir, const char *rel, const char *text)
{
	char *path = sigma_xasprintf("%s/%s", dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	sigma_mkdir_p(path, 0755);
	*slash = '/';
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

/* list_dirs over a real directory, as sigma scan gives it. */
static int list_tree(void *ctx, const char *path, sigma_buf *out)
{
	char *full = *path ? sigma_xasprintf("%s/%s", (const char *)ctx, path) : sigma_xstrdup(ctx);
	DIR *d = opendir(full);
	free(full);
	if (!d)
		return SIGMA_ENOTFOUND;
	struct dirent *e;
	char *names[64];
	int n = 0;
	while ((e = readdir(d)) && n < 64)
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = sigma_xstrdup(e->d_name);
	closedir(d);
	for (int i = 0; i < n; i++) {
		sigma_buf_puts(out, names[i]);
		sigma_buf_putc(out, '\n');
		free(names[i]);
	}
	return 0;
}

static const char glob_lock[] =
	"# yarn lockfile v1\n\n\n"
	"debug@^4.3.4:\n  version \"4.3.4\"\n"
	"  resolved \"https://registry.invalid/debug/-/debug-4.3.4.tgz\"\n"
	"  dependencies:\n    ms \"2.1.2\"\n\n"
	"ms@2.1.2, ms@^2.1.2:\n  version \"2.1.2\"\n"
	"  resolved \"https://registry.invalid/ms/-/ms-2.1.2.tgz\"\n\n"
	"pad@1.0.0:\n  version \"1.0.0\"\n"
	"  resolved \"https://registry.invalid/pad/-/pad-1.0.0.tgz\"\n";

static int glob_resolve(sigma_graph **g, const char *root, const char *manifest, int with_listing)
{
	lockfile_input in = {
		.path = "yarn.lock", .data = glob_lock, .len = strlen(glob_lock), .manifest_path = "package.json",
		.manifest = manifest, .manifest_len = strlen(manifest), .read_file = lc_read_tree,
		.list_dirs = with_listing ? list_tree : NULL, .ctx = (void *)root,
	};
	return lockfile_resolve(g, lockfile_detect("yarn.lock"), &in);
}

/* Workspace globs are expanded over the tree's directories. The tree:
 * the root needs debug (which needs ms); packages/a declares ms itself;
 * packages/skip (excluded by "!packages/skip") would declare pad; nothing
 * else needs pad. Expanded exactly, ms is direct (depth 0) and pad is not
 * direct; the orphan guess without a listing gets both wrong, which is
 * what shows that the listing was used. */
static void check_workspace_globs(void)
{
	char root[] = "/tmp/sigma-yarn-globs.XXXXXX";
	if (!mkdtemp(root)) {
		ok(0, "temporary directory");
		return;
	}
	write_file(root, "packages/a/package.json", "{\"name\":\"a\",\"dependencies\":{\"ms\":\"^2.1.2\"}}");
	write_file(root, "packages/skip/package.json", "{\"name\":\"skip\",\"dependencies\":{\"pad\":\"1.0.0\"}}");
	write_file(root, "packages/node_modules/x/package.json", "{\"name\":\"x\",\"dependencies\":{\"pad\":\"1.0.0\"}}");
	write_file(root, "tools/deep/inner/package.json", "{\"name\":\"t\",\"devDependencies\":{\"pad\":\"1.0.0\"}}");
	static const char globbed[] = "{\"name\":\"r\",\"workspaces\":[\"packages/*\",\"!packages/skip\"],"
	                              "\"dependencies\":{\"debug\":\"^4.3.4\"}}";
	sigma_graph *g = NULL;
	if (ok(glob_resolve(&g, root, globbed, 1) == 0, "yarn1 glob workspaces resolve (%s)", sigma_error_last())) {
		int ms = lc_find(g, "ms", "2.1.2"), pad = lc_find(g, "pad", "1.0.0");
		ok(ms >= 0 && g->nodes[ms].direct && g->nodes[ms].depth == 0,
		   "yarn1 glob: packages/a (matched by packages/*) makes ms direct");
		ok(pad >= 0 && !g->nodes[pad].direct, "yarn1 glob: !packages/skip and node_modules are not workspaces");
		ok(ms >= 0 && sigma_streq(g->nodes[ms].spec, "^2.1.2"), "yarn1 glob: ms keeps packages/a's spec");
	}
	graph_free(g);
	g = NULL;
	if (ok(glob_resolve(&g, root, globbed, 0) == 0, "yarn1 glob without a listing resolves")) {
		int ms = lc_find(g, "ms", "2.1.2"), pad = lc_find(g, "pad", "1.0.0");
		ok(ms >= 0 && g->nodes[ms].depth == 1 && pad >= 0 && g->nodes[pad].direct,
		   "yarn1 glob without a listing falls back to orphans as roots");
	}
	graph_free(g);
	g = NULL;
	static const char starstar[] = "{\"name\":\"r\",\"workspaces\":[\"tools/**\"],"
	                               "\"dependencies\":{\"debug\":\"^4.3.4\"}}";
	if (ok(glob_resolve(&g, root, starstar, 1) == 0, "yarn1 ** workspaces resolve (%s)", sigma_error_last())) {
		int ms = lc_find(g, "ms", "2.1.2"), pad = lc_find(g, "pad", "1.0.0");
		ok(pad >= 0 && g->nodes[pad].direct && g->nodes[pad].dev && g->nodes[pad].depth == 0,
		   "yarn1 **: tools/deep/inner is a workspace (pad direct, dev)");
		ok(ms >= 0 && g->nodes[ms].depth == 1, "yarn1 **: ms stays at depth 1");
	}
	graph_free(g);
	char *cmd = sigma_xasprintf("rm -rf '%s'", root);
	ok(system(cmd) == 0, "temporary tree removed");
	free(cmd);
}

int main(void)
{
	check_expected();
	check_monorepos();
	check_workspace_globs();
	check_findings();
	check_inconsistent();
	check_bad_input();
	lc_unused();
	return tap_done();
}
