/* test_npm.c: the npm resolver against npm's own view of the same trees.
 *
 * For each real project in tests/fixtures/npm*, npm-ls.json is
 * `npm ls --all --json --package-lock-only`, the npm client's own tree. The
 * reference below folds that tree into a name@version graph independently of
 * the resolver (a deduped entry is an edge to the same package), runs a BFS
 * from the root's children (or, for a workspace, from the workspace's
 * children), and every package must then have the same depth in sigma's
 * graph, and sigma must have no package npm does not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/strmap.h"
#include "common/util.h"
#include "hook/lockfile.h"
#include "tap.h"

/* ------------------------------------------------------------ reference */

typedef struct ref_pkg {
	char *key;        /* name@version */
	int depth;
	struct ref_pkg **kids;
	int nkids;
} ref_pkg;

typedef struct ref_graph {
	strmap by_key;
	ref_pkg **all;
	int n;
} ref_graph;

static ref_pkg *ref_get(ref_graph *r, const char *name, const char *version)
{
	char *key = sigma_xasprintf("%s@%s", name, version);
	ref_pkg *p = strmap_get(&r->by_key, key);
	if (p) {
		free(key);
		return p;
	}
	p = sigma_xcalloc(1, sizeof *p);
	p->key = key;
	p->depth = -1;
	strmap_put(&r->by_key, key, p);
	r->all = sigma_xrealloc(r->all, (size_t)(r->n + 1) * sizeof *r->all);
	r->all[r->n++] = p;
	return p;
}

static void ref_fold(ref_graph *r, ref_pkg *parent, const cJSON *deps)
{
	const cJSON *d;
	cJSON_ArrayForEach(d, deps) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, "version");
		if (!cJSON_IsString(v))
			continue; /* "missing" entries have no version */
		ref_pkg *kid = ref_get(r, d->string, v->valuestring);
		if (parent) {
			parent->kids = sigma_xrealloc(parent->kids, (size_t)(parent->nkids + 1) * sizeof *parent->kids);
			parent->kids[parent->nkids++] = kid;
		}
		ref_fold(r, kid, cJSON_GetObjectItemCaseSensitive(d, "dependencies"));
	}
}

static void ref_build(ref_graph *r, const char *npm_ls_path)
{
	sigma_buf b = SIGMA_BUF_INIT;
	strmap_init(&r->by_key);
	r->all = NULL;
	r->n = 0;
	if (sigma_buf_read_file(&b, npm_ls_path))
		return;
	cJSON *ls = cJSON_Parse(b.ptr);
	const cJSON *top = cJSON_GetObjectItemCaseSensitive(ls, "dependencies"), *d;
	ref_fold(r, NULL, top);
	/* Roots: the root's children, except that a workspace (resolved
	 * "file:") is itself a root whose children are direct. */
	ref_pkg **queue = sigma_xmalloc((size_t)(r->n + 1) * sizeof *queue);
	int head = 0, tail = 0;
	cJSON_ArrayForEach(d, top) {
		const char *res = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "resolved"));
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, "version");
		if (!cJSON_IsString(v))
			continue;
		ref_pkg *p = ref_get(r, d->string, v->valuestring);
		if (res && sigma_startswith(res, "file:")) {
			p->depth = -2; /* a workspace: not a package */
			for (int k = 0; k < p->nkids; k++)
				if (p->kids[k]->depth == -1) {
					p->kids[k]->depth = 0;
					queue[tail++] = p->kids[k];
				}
		} else if (p->depth == -1) {
			p->depth = 0;
			queue[tail++] = p;
		}
	}
	while (head < tail) {
		ref_pkg *p = queue[head++];
		for (int k = 0; k < p->nkids; k++)
			if (p->kids[k]->depth == -1) {
				p->kids[k]->depth = p->depth + 1;
				queue[tail++] = p->kids[k];
			}
	}
	free(queue);
	cJSON_Delete(ls);
	sigma_buf_dispose(&b);
}

static void ref_free(ref_graph *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->all[i]->kids);
		free(r->all[i]->key);
		free(r->all[i]);
	}
	free(r->all);
	strmap_dispose(&r->by_key);
}

/* ------------------------------------------------------------ sigma side */

static int resolve_dir(sigma_graph **out, const char *dir, const char *lockname)
{
	sigma_buf lock = SIGMA_BUF_INIT, man = SIGMA_BUF_INIT;
	char *lp = sigma_xasprintf("%s/%s", dir, lockname);
	char *mp = sigma_xasprintf("%s/package.json", dir);
	int rc = sigma_buf_read_file(&lock, lp);
	if (!rc) {
		int have_manifest = sigma_buf_read_file(&man, mp) == 0;
		lockfile_input in = {
			.path = lp, .data = lock.ptr, .len = lock.len,
			.manifest_path = mp,
			.manifest = have_manifest ? man.ptr : NULL,
			.manifest_len = have_manifest ? man.len : 0,
		};
		rc = lockfile_resolve(out, lockfile_detect(lockname), &in);
	}
	free(lp);
	free(mp);
	sigma_buf_dispose(&lock);
	sigma_buf_dispose(&man);
	return rc;
}

static void compare_with_npm(const char *dir, int expect_min)
{
	sigma_graph *g = NULL;
	ref_graph r;
	char *ls = sigma_xasprintf("%s/npm-ls.json", dir);
	ref_build(&r, ls);
	int rc = resolve_dir(&g, dir, "package-lock.json");
	if (!ok(rc == 0, "%s: resolves (%s)", dir, sigma_error_last())) {
		ref_free(&r);
		free(ls);
		return;
	}
	int ref_count = 0, missing = 0, wrong_depth = 0, extra = 0;
	strmap seen;
	strmap_init(&seen);
	for (uint32_t i = 0; i < g->nnodes; i++) {
		const graph_node *n = &g->nodes[i];
		char *key = sigma_xasprintf("%s@%s", n->name, n->version);
		strmap_put(&seen, key, (void *)n);
		ref_pkg *p = strmap_get(&r.by_key, key);
		if (!p || p->depth < 0) {
			if (extra++ < 5)
				printf("# %s: sigma has %s (depth %d), npm does not\n", dir, key, n->depth);
		} else if (p->depth != n->depth) {
			if (wrong_depth++ < 5)
				printf("# %s: %s depth sigma %d, npm %d\n", dir, key, n->depth, p->depth);
		}
		free(key);
	}
	for (int i = 0; i < r.n; i++) {
		if (r.all[i]->depth < 0)
			continue;
		ref_count++;
		if (!strmap_get(&seen, r.all[i]->key) && missing++ < 5)
			printf("# %s: npm has %s (depth %d), sigma does not\n", dir, r.all[i]->key, r.all[i]->depth);
	}
	ok(ref_count >= expect_min, "%s: npm's view has %d packages (at least %d)", dir, ref_count, expect_min);
	ok(missing == 0, "%s: every package npm lists is in sigma's graph (%d missing)", dir, missing);
	ok(extra == 0, "%s: sigma lists nothing npm does not (%d extra)", dir, extra);
	ok(wrong_depth == 0, "%s: every depth agrees with npm (%d differ)", dir, wrong_depth);
	strmap_dispose(&seen);
	graph_free(g);
	ref_free(&r);
	free(ls);
}

/* ------------------------------------------------------------ details */

static uint32_t node_of(const sigma_graph *g, const char *name, const char *version)
{
	uint32_t i = UINT32_MAX;
	graph_node_find(&i, g, name, version);
	return i;
}

static void test_chain_and_parents(void)
{
	sigma_graph *g = NULL;
	if (resolve_dir(&g, "tests/fixtures/npm/express-api", "package-lock.json")) {
		ok(0, "express-api resolves");
		return;
	}
	/* Every chain starts at a direct dependency and follows real edges. */
	int bad_chains = 0, bad_parents = 0;
	uint32_t chain[64], len;
	for (uint32_t i = 0; i < g->nnodes; i++) {
		const graph_node *n = &g->nodes[i];
		if (n->depth < 0 || n->depth > 60)
			continue;
		graph_chain(g, i, chain, &len);
		if (len != (uint32_t)n->depth + 1 || !g->nodes[chain[0]].direct || chain[len - 1] != i)
			bad_chains++;
		for (uint32_t k = 1; k < len; k++) {
			const graph_node *p = &g->nodes[chain[k - 1]];
			int edge = 0;
			for (uint32_t e = 0; e < p->ndeps; e++)
				edge |= p->deps[e] == chain[k];
			if (!edge)
				bad_chains++;
		}
		if (n->depth > 0 && n->nparents == 0)
			bad_parents++;
	}
	ok(bad_chains == 0, "every chain is a shortest path of real edges from a direct dependency");
	ok(bad_parents == 0, "every transitive package has its parents");
	uint32_t express = node_of(g, "express", "4.22.3");
	ok(express != UINT32_MAX && g->nodes[express].direct && g->nodes[express].spec,
	   "express is direct with its declared spec (%s)",
	   express != UINT32_MAX && g->nodes[express].spec ? g->nodes[express].spec : "none");
	uint32_t bp = node_of(g, "body-parser", "1.20.9");
	if (bp != UINT32_MAX) {
		graph_chain(g, bp, chain, &len);
		ok(len == 2 && chain[0] == express, "body-parser's chain is express -> body-parser");
	} else {
		ok(0, "body-parser@1.20.9 is in the graph");
	}
	graph_free(g);
}

static void test_dev_flags(void)
{
	sigma_graph *g = NULL;
	if (resolve_dir(&g, "tests/fixtures/npm/react-webpack", "package-lock.json")) {
		ok(0, "react-webpack resolves");
		return;
	}
	uint32_t react = node_of(g, "react", "16.14.0"), webpack = node_of(g, "webpack", "4.29.6");
	ok(react != UINT32_MAX && g->nodes[react].dev, "react (a devDependency) is dev");
	ok(webpack != UINT32_MAX && !g->nodes[webpack].dev, "webpack (a dependency) is not dev");
	graph_free(g);
}

static int resolve_text(sigma_graph **out, const char *lock, const char *manifest)
{
	lockfile_input in = {
		.path = "app/package-lock.json", .data = lock, .len = strlen(lock),
		.manifest_path = "app/package.json", .manifest = manifest,
		.manifest_len = manifest ? strlen(manifest) : 0,
	};
	return lockfile_resolve(out, lockfile_detect("package-lock.json"), &in);
}

static void test_kinds_and_aliases(void)
{
	const char *lock =
		"{\"lockfileVersion\":3,\"packages\":{\n"
		"\"\":{\"dependencies\":{\"str\":\"npm:string-width@^4\",\"local\":\"file:../local\",\n"
		"  \"gitdep\":\"github:acme/gitdep\",\"tar\":\"https://example.invalid/t.tgz\",\"any\":\"*\",\"@s/x\":\"1.0.0\"},\n"
		"  \"optionalDependencies\":{\"opt\":\"1.0.0\"},\"peerDependencies\":{\"peer\":\"1.0.0\"}},\n"
		"\"node_modules/str\":{\"name\":\"string-width\",\"version\":\"4.2.3\",\"resolved\":\"https://r.invalid/string-width/-/string-width-4.2.3.tgz\",\"integrity\":\"sha512-abc\"},\n"
		"\"node_modules/local\":{\"resolved\":\"../local\",\"link\":true},\n"
		"\"../local\":{\"version\":\"0.1.0\",\"dependencies\":{\"@s/x\":\"1\"}},\n"
		"\"node_modules/gitdep\":{\"version\":\"1.0.0\",\"resolved\":\"git+ssh://git@github.com/acme/gitdep.git#0123\"},\n"
		"\"node_modules/tar\":{\"version\":\"2.0.0\",\"resolved\":\"https://example.invalid/t.tgz\"},\n"
		"\"node_modules/any\":{\"version\":\"3.0.0\",\"resolved\":\"https://r.invalid/any/-/any-3.0.0.tgz\"},\n"
		"\"node_modules/@s/x\":{\"version\":\"1.0.0\",\"resolved\":\"https://r.invalid/@s/x/-/x-1.0.0.tgz\"},\n"
		"\"node_modules/opt\":{\"version\":\"1.0.0\",\"optional\":true},\n"
		"\"node_modules/peer\":{\"version\":\"1.0.0\",\"peer\":true}\n"
		"}}\n";
	sigma_graph *g = NULL;
	int rc = resolve_text(&g, lock, NULL);
	if (!ok(rc == 0, "synthetic v3 lock resolves (%s)", sigma_error_last()))
		return;
	uint32_t i = node_of(g, "string-width", "4.2.3");
	ok(i != UINT32_MAX && sigma_streq(g->nodes[i].alias, "str") &&
	   sigma_streq(g->nodes[i].spec, "npm:string-width@^4"),
	   "an npm: alias is reported under the real name, alias kept");
	i = node_of(g, "local", "0.1.0");
	ok(i != UINT32_MAX && g->nodes[i].kind == GRAPH_KIND_LINK && g->nodes[i].nfindings,
	   "a link entry has kind link and a local-path finding");
	uint32_t sx = node_of(g, "@s/x", "1.0.0");
	ok(sx != UINT32_MAX && i != UINT32_MAX && g->nodes[i].ndeps == 1 && g->nodes[i].deps[0] == sx,
	   "a link's requirements resolve from its target folder");
	i = node_of(g, "gitdep", "1.0.0");
	ok(i != UINT32_MAX && g->nodes[i].kind == GRAPH_KIND_GIT && sigma_streq(g->nodes[i].findings[0].code, "vcs"),
	   "a git entry has kind git and a vcs finding");
	i = node_of(g, "tar", "2.0.0");
	ok(i != UINT32_MAX && g->nodes[i].kind == GRAPH_KIND_TARBALL, "a remote tarball has kind tarball");
	i = node_of(g, "any", "3.0.0");
	ok(i != UINT32_MAX && g->nodes[i].kind == GRAPH_KIND_REGISTRY && g->nodes[i].nfindings &&
	   sigma_streq(g->nodes[i].findings[0].code, "unpinned"), "a \"*\" spec gets an unpinned finding");
	ok(sx != UINT32_MAX && g->nodes[sx].direct && g->nodes[sx].depth == 0, "scoped names resolve");
	i = node_of(g, "opt", "1.0.0");
	ok(i != UINT32_MAX && g->nodes[i].optional && g->nodes[i].direct, "optional flag kept");
	i = node_of(g, "peer", "1.0.0");
	ok(i != UINT32_MAX && g->nodes[i].peer && g->nodes[i].direct, "peer flag kept");
	graph_free(g);
}

/* A link whose target folder has no entry: npm always writes both, so
 * the lockfile is inconsistent, and the package is reported, not dropped. */
static void test_inconsistent(void)
{
	const char *lock =
		"{\"lockfileVersion\":3,\"packages\":{\n"
		"\"\":{\"dependencies\":{\"local\":\"file:../local\",\"ok\":\"1.0.0\"}},\n"
		"\"node_modules/local\":{\"resolved\":\"../local\",\"link\":true},\n"
		"\"node_modules/ok\":{\"version\":\"1.0.0\",\"integrity\":\"sha512-OK\"}\n"
		"}}\n";
	sigma_graph *g = NULL;
	int rc = resolve_text(&g, lock, NULL);
	if (!ok(rc == 0, "a dangling link resolves (%s)", sigma_error_last()))
		return;
	uint32_t i = node_of(g, "local", ""), k = node_of(g, "ok", "1.0.0");
	const graph_finding *f = NULL;
	for (uint32_t x = 0; i != UINT32_MAX && x < g->nodes[i].nfindings; x++)
		if (!strcmp(g->nodes[i].findings[x].code, "inconsistent"))
			f = &g->nodes[i].findings[x];
	ok(f && g->nodes[i].direct && strstr(f->message, "app/package-lock.json") && strstr(f->message, "\"../local\"") &&
	   strstr(f->message, "node_modules/local") && strstr(f->message, "npm install"),
	   "the dangling link is inconsistent, naming the lockfile and the key (%s)", f ? f->message : "none");
	ok(k != UINT32_MAX && g->nodes[k].nfindings == 0, "its consistent sibling has no finding");
	graph_free(g);
}

static void test_bad_input(void)
{
	static const struct { const char *text; int line; const char *what; } cases[] = {
		{ "{\"lockfileVersion\":3,\n\"packages\":{\n\"\":{}\n,,}}", 4, "garbled JSON" },
		{ "[1,2]", 1, "not an object" },
		{ "{\"lockfileVersion\":9,\"packages\":{}}", 1, "unknown lockfileVersion" },
		{ "{\"lockfileVersion\":3,\n\"packages\":{\"\":{},\n\"node_modules/a\":[]}}", 3, "entry not an object" },
		{ "{\"lockfileVersion\":3,\n\"packages\":{\"\":{},\n\"node_modules/a\":{\"version\":7}}}", 3, "version not a string" },
		{ "{\"lockfileVersion\":1,\n\"dependencies\":{\n\"a\":{\"requires\":{}}}}", 3, "v1 entry without version" },
		{ "{\"lockfileVersion\":3,\"packages\":{\"node_modules/a\":{}}}", 1, "no root entry" },
		{ "", 1, "empty file" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		sigma_graph *g = NULL;
		int rc = resolve_text(&g, cases[k].text, NULL);
		char want[64];
		snprintf(want, sizeof want, "app/package-lock.json:%d:", cases[k].line);
		ok(rc == SIGMA_EINVALID && strstr(sigma_error_last(), want),
		   "%s: error names file and line (%s)", cases[k].what, sigma_error_last());
		graph_free(g);
	}
	sigma_graph *g = NULL;
	int rc = resolve_text(&g, "{\"lockfileVersion\":3,\"packages\":{\"\":{}}}", "{\n\"name\": }");
	ok(rc == SIGMA_EINVALID && strstr(sigma_error_last(), "app/package.json:2:"),
	   "a broken package.json is named with its line (%s)", sigma_error_last());
	graph_free(g);
}

static void test_cache_roundtrip(void)
{
	sigma_graph *g = NULL, *h = NULL;
	if (resolve_dir(&g, "tests/fixtures/npm/monorepo", "package-lock.json")) {
		ok(0, "monorepo resolves");
		return;
	}
	char *s = graph_save(g);
	int rc = graph_load(&h, s, strlen(s));
	int same = rc == 0 && h->nnodes == g->nnodes;
	for (uint32_t i = 0; same && i < g->nnodes; i++)
		same = sigma_streq(g->nodes[i].name, h->nodes[i].name) &&
		       g->nodes[i].depth == h->nodes[i].depth && g->nodes[i].dev == h->nodes[i].dev &&
		       g->nodes[i].nparents == h->nodes[i].nparents && g->nodes[i].via == h->nodes[i].via;
	ok(same, "a graph survives the cache form unchanged (%u nodes)", g->nnodes);
	sigma_graph *bad_graph = NULL;
	const char *corrupt = "{\"n\":[{\"n\":\"a\",\"d\":[5]}]}";
	ok(graph_load(&bad_graph, corrupt, strlen(corrupt)) == SIGMA_EINVALID && !bad_graph,
	   "a cached graph with an edge out of range is refused");
	free(s);
	graph_free(g);
	graph_free(h);
}

int main(void)
{
	compare_with_npm("tests/fixtures/npm/express-api", 200);
	compare_with_npm("tests/fixtures/npm/react-webpack", 1000);
	compare_with_npm("tests/fixtures/npm/monorepo", 20);
	compare_with_npm("tests/fixtures/npm-v1/express-api", 200);
	test_chain_and_parents();
	test_dev_flags();
	test_kinds_and_aliases();
	test_inconsistent();
	test_bad_input();
	test_cache_roundtrip();
	return tap_done();
}
