/* test_bun.c: bun.lock against projects locked and installed by the real
 * Bun 1.4 (`npx bun install`): an app (peers, an npm: alias, a tarball URL,
 * optional and dev dependencies, nested install locations) and a
 * workspace, each compared with the tree Bun installed (expected.json,
 * made by tests/fixtures/bun/installed.py; bun-pm-ls.txt is
 * `bun pm ls --all` of the same install). Sources, inconsistency,
 * bun.lockb and bad input inline. */
#include "tests/unit/tap.h"
#include "tests/unit/lockcheck.h"

static void check_expected(void)
{
	static const struct { const char *dir; int packages; } fx[] = {
		{ "tests/fixtures/bun/app", 85 },
		{ "tests/fixtures/bun/ws", 10 },
	};
	for (size_t k = 0; k < sizeof fx / sizeof *fx; k++) {
		sigma_graph *g;
		const char *dir = fx[k].dir;
		int rc = lc_resolve(&g, dir, "bun.lock", "package.json");
		if (!ok(rc == 0, "%s parses (%s)", dir, sigma_error_last()))
			continue;
		ok(strcmp(g->format, "bun") == 0, "%s: format %s", dir, g->format);
		char *exp = sigma_xasprintf("%s/expected.json", dir);
		lc_diff d;
		lc_compare(&d, g, exp, NULL, 1);
		ok(d.checked == fx[k].packages, "%s: %d packages in Bun's installed tree", dir, d.checked);
		ok(d.missing == 0 && d.extra == 0, "%s: same membership (missing %d, extra %d)", dir, d.missing, d.extra);
		ok(d.depth == 0 && d.direct == 0, "%s: every depth and direct agree (%d, %d differ)", dir, d.depth,
		   d.direct);
		ok(d.bad_chain == 0 && d.foreign_chain == 0, "%s: chains are shortest paths of real edges", dir);
		int bad = 0;
		for (uint32_t i = 0; i < g->nnodes; i++)
			bad += g->nodes[i].nfindings != 0 || !sigma_startswith(g->nodes[i].integrity, "sha512-");
		ok(bad == 0, "%s: every package has its integrity and no finding (%d not)", dir, bad);
		if (k == 0) {
			int lo = lc_find(g, "lodash", "4.18.1"), ms = lc_find(g, "ms", "2.1.3");
			int ms0 = lc_find(g, "ms", "2.0.0"), dbg = lc_find(g, "debug", "2.6.9");
			int rd = lc_find(g, "react-dom", "18.3.1"), re = lc_find(g, "react", "18.3.1");
			int se = lc_find(g, "semver", "7.8.6"), ch = lc_find(g, "chalk", "4.1.2");
			ok(lo >= 0 && g->nodes[lo].direct && sigma_streq(g->nodes[lo].alias, "lod") &&
			   sigma_streq(g->nodes[lo].spec, "npm:lodash@^4.17.21"), "the alias lod is lodash, alias kept");
			ok(ms >= 0 && g->nodes[ms].direct && g->nodes[ms].kind == GRAPH_KIND_REGISTRY,
			   "a tarball URL with the registry layout is the registry package ms@2.1.3");
			ok(dbg >= 0 && ms0 >= 0 && lc_has_edge(g, (uint32_t)dbg, (uint32_t)ms0) && g->nodes[ms0].depth == 2,
			   "nested keys (express/debug/ms) resolve Node's way: debug@2.6.9 -> ms@2.0.0 at depth 2");
			ok(rd >= 0 && re >= 0 && lc_has_edge(g, (uint32_t)rd, (uint32_t)re), "a resolved peer is an edge");
			ok(se >= 0 && g->nodes[se].dev && ch >= 0 && !g->nodes[ch].dev && g->nodes[ch].direct,
			   "devDependencies are dev, optionalDependencies direct");
		} else {
			char *set = lc_direct_set(g);
			ok(strcmp(set, "date-fns@2.30.0 prettier@3.10.2:dev react-dom@18.3.1 react@18.3.1 "
			               "typescript@5.9.3:dev zod@3.25.76") == 0,
			   "%s: every workspace is a root, workspace:* is none (%s)", dir, set);
			free(set);
		}
		free(exp);
		graph_free(g);
	}
}

/* Hostile shapes: a key given twice, a key nested absurdly deep. */
static void check_hostile(void)
{
	static const char twice[] =
		"{\"lockfileVersion\":1,\"workspaces\":{\"\":{\"name\":\"a\",\"dependencies\":{\"ms\":\"^2\"}}},\n"
		"\"packages\":{\n\"ms\":[\"ms@2.1.3\",\"\",{},\"sha512-A\"],\n\"ms\":[\"ms@2.1.2\",\"\",{},\"sha512-B\"]}}\n";
	sigma_graph *g = NULL;
	ok(lc_resolve_mem(&g, "bun.lock", "bun.lock", twice, NULL, NULL) == SIGMA_EINVALID &&
	   !strncmp(sigma_error_last(), "bun.lock:", 9) && strstr(sigma_error_last(), "a package key given twice"),
	   "a package key given twice is refused, naming the line (%s)", sigma_error_last());
	graph_free(g);
	sigma_buf deep = SIGMA_BUF_INIT;
	sigma_buf_puts(&deep, "{\"lockfileVersion\":1,\"workspaces\":{\"\":{\"name\":\"a\"}},\"packages\":{\"");
	for (int i = 0; i < 2000; i++)
		sigma_buf_puts(&deep, i ? "/a" : "a");
	sigma_buf_puts(&deep, "\":[\"a@1.0.0\",\"\",{\"dependencies\":{\"b\":\"1\"}},\"sha512-A\"]}}\n");
	g = NULL;
	ok(lc_resolve_mem(&g, "bun.lock", "bun.lock", deep.ptr, NULL, NULL) == SIGMA_EINVALID &&
	   strstr(sigma_error_last(), "nests deeper"), "a key nested 2,000 levels deep is refused, not walked (%s)",
	   sigma_error_last());
	graph_free(g);
	sigma_buf_dispose(&deep);
}

static void check_sources(void)
{
	static const char lock[] =
		"{\n  \"lockfileVersion\": 1,\n  \"workspaces\": {\n    \"\": {\n      \"name\": \"app\",\n"
		"      \"dependencies\": {\n        \"gh\": \"github:u/gh\",\n        \"tb\": \"https://host.invalid/tb.tgz\",\n"
		"        \"loc\": \"file:./vendor/loc\",\n        \"any\": \"*\",\n        \"@s/x\": \"^1.0.0\",\n      },\n"
		"      \"optionalDependencies\": { \"gone\": \"^1\", },\n    },\n  },\n"
		"  \"packages\": {\n"
		"    \"gh\": [\"gh@github:u/gh#abc\", {}, \"u-gh-abc\"],\n"
		"    \"tb\": [\"tb@https://host.invalid/tb.tgz\", {}, \"sha512-TB\"],\n"
		"    \"loc\": [\"loc@file:vendor/loc\", { \"version\": \"0.1.0\" }],\n"
		"    \"any\": [\"any@3.0.0\", \"\", { \"dependencies\": { \"@s/x\": \"^1\", \"lost\": \"^2\" } }, \"sha512-ANY\"],\n"
		"    \"@s/x\": [\"@s/x@1.0.0\", \"\", { \"dependencies\": { \"y\": \"1\" }, \"peerDependencies\": { \"p\": \"*\" } }, \"sha512-X\"],\n"
		"    \"@s/x/y\": [\"y@1.0.0\", \"\", {}, \"sha512-Y1\"],\n"
		"    \"y\": [\"y@2.0.0\", \"\", {}, \"sha512-Y2\"],\n"
		"  }\n}\n";
	sigma_graph *g;
	int rc = lc_resolve_mem(&g, "bun.lock", "web/bun.lock", lock, NULL, NULL);
	if (!ok(rc == 0, "bun sources parse (%s)", sigma_error_last()))
		return;
	int gh = lc_find(g, "gh", ""), tb = lc_find(g, "tb", ""), loc = lc_find(g, "loc", "0.1.0");
	int any = lc_find(g, "any", "3.0.0"), x = lc_find(g, "@s/x", "1.0.0"), y1 = lc_find(g, "y", "1.0.0");
	int lost = lc_find(g, "lost", "");
	ok(gh >= 0 && g->nodes[gh].kind == GRAPH_KIND_GIT && lc_finding(g, gh, "vcs") && !g->nodes[gh].integrity,
	   "github: is kind git with vcs; its commit hash is no integrity");
	ok(tb >= 0 && g->nodes[tb].kind == GRAPH_KIND_TARBALL && lc_finding(g, tb, "url") &&
	   sigma_streq(g->nodes[tb].integrity, "sha512-TB"), "a tarball outside the registry layout is url");
	ok(loc >= 0 && g->nodes[loc].kind == GRAPH_KIND_FILE && lc_finding(g, loc, "local-path"), "file: is local-path");
	ok(any >= 0 && lc_finding(g, any, "unpinned"), "a direct '*' is unpinned");
	int peer = lc_find(g, "p", "");
	ok(x >= 0 && y1 >= 0 && lc_has_edge(g, (uint32_t)x, (uint32_t)y1),
	   "a scoped parent's nested key (@s/x/y) wins over the top one");
	ok(peer >= 0 && lc_finding(g, peer, "inconsistent"),
	   "a required peer with no entry is inconsistent (Bun would install it unjudged)");
	const graph_finding *f = lc_finding(g, lost, "inconsistent");
	ok(f && g->nodes[lost].depth == 1 && strstr(f->message, "web/bun.lock") && strstr(f->message, "\"lost@^2\"") &&
	   strstr(f->message, "any@3.0.0") && strstr(f->message, "bun install"),
	   "a required dependency no key provides is inconsistent (%s)", f ? f->message : "none");
	ok(lc_find(g, "gone", "") < 0, "a missing optional dependency is not installed, no finding");
	graph_free(g);
}

static void check_bad_input(void)
{
	static const struct { const char *fmt, *data, *where; } bad[] = {
		{ "bun.lock", "{\"lockfileVersion\": 1,\n\"packages\": {\n\"a\": [\"a@1.0.0\", \"\" {}],\n}}\n", "b/bun.lock:3:" },
		{ "bun.lock", "{\"packages\": {}}\n", "b/bun.lock:1:" },
		{ "bun.lock", "{\"lockfileVersion\": 9}\n", "b/bun.lock:1:" },
		{ "bun.lock", "{\"lockfileVersion\": 1,\n\"packages\": {\n\"a\": {\"x\": 1}}}\n", "b/bun.lock:3:" },
		{ "bun.lock", "{\"lockfileVersion\": 1,\n\"packages\": {\n\"a\": [\"noversion\"]}}\n", "b/bun.lock:3:" },
		{ "bun.lock", "{\"lockfileVersion\": 1,\n\"packages\": {\n\"a\": [\"a@\"]}}\n", "b/bun.lock:3:" },
		{ "bun.lock", "[1,]\n", "b/bun.lock:1:" },
		{ "bun.lockb", "#!/usr/bin/env bun\nbun-lockfile-format-v0\n\x01\x02", "b/bun.lockb:1:" },
	};
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		sigma_graph *g = NULL;
		char *path = sigma_xasprintf("b/%s", bad[k].fmt);
		int rc = lc_resolve_mem(&g, bad[k].fmt, path, bad[k].data, NULL, NULL);
		ok(rc == SIGMA_EINVALID && lc_error_has(bad[k].where), "bad input %zu: %s", k, sigma_error_last());
		free(path);
		graph_free(g);
	}
	ok(lc_error_has("bun install --save-text-lockfile"), "bun.lockb: the hint names the command");
	/* Trailing commas are blanked only outside strings. */
	sigma_graph *g = NULL;
	int rc = lc_resolve_mem(&g, "bun.lock", "bun.lock",
	                        "{\"lockfileVersion\":1,\"workspaces\":{\"\":{\"dependencies\":{\"a\":\"1.0.0\",},},},"
	                        "\"packages\":{\"a\":[\"a@1.0.0\",\"\",{},\"sha512-a,]\",],},}", NULL, NULL);
	int a = rc == 0 ? lc_find(g, "a", "1.0.0") : -1;
	ok(a >= 0 && sigma_streq(g->nodes[a].integrity, "sha512-a,]"), "a \",]\" inside a string is kept (%s)",
	   rc ? sigma_error_last() : "ok");
	graph_free(g);
}

int main(void)
{
	check_expected();
	check_sources();
	check_hostile();
	check_bad_input();
	lc_unused();
	return tap_done();
}
