/* test_certificate.c: certificate v3 chains and the fail-closed cap.
 *
 * Builds judgements by hand over two small graphs (no registry), then
 * checks that each package's `via` is the position of its predecessor
 * counted from its lockfile's first package (v3; v2 counted from the start
 * of the array and is still read), that each lockfile's packages are one
 * part whose bytes do not depend on where the lockfile sits,
 * that the chain rebuilt from the links is the graph's shortest chain,
 * that a certificate over its cap fails with nothing sealed, that the link
 * checks refuse every kind of bad link, that a string that is not UTF-8
 * is written as U+FFFD rather than making the certificate unreadable, that the
 * HTML page rebuilds chains (eliding the middle of a long one) and still
 * reads v1 chains. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"
#include "common/seal.h"
#include "common/sign.h"
#include "hook/certificate.h"
#include "hook/lockfile.h"
#include "webhook/pages.h"
#include "tap.h"

/* A chain of n packages c0 -> c1 -> ... in lockfile `path`. */
static sigma_graph *chain_graph(const char *path, uint32_t n)
{
	sigma_graph *g;
	graph_new(&g, path, "npm", "package-lock@3");
	char name[32];
	for (uint32_t i = 0; i < n; i++) {
		snprintf(name, sizeof name, "c%u", i);
		graph_node_get(g, name, "1.0.0", GRAPH_KIND_REGISTRY);
		if (i)
			graph_edge_add(g, i - 1, i);
	}
	graph_direct_add(g, 0, "1.0.0", 0);
	graph_finish(g);
	return g;
}

typedef struct fixture {
	sigma_graph *g[2];
	lockfile_ref refs[2];
	scan_set s;
	judgement j;
} fixture;

static void fixture_init(fixture *f, uint32_t n0, uint32_t n1)
{
	memset(f, 0, sizeof *f);
	f->g[0] = chain_graph("a/package-lock.json", n0);
	f->g[1] = chain_graph("b/package-lock.json", n1);
	for (int i = 0; i < 2; i++) {
		f->refs[i].path = (char *)f->g[i]->lockfile;
		f->refs[i].format = lockfile_detect_path("package-lock.json");
	}
	f->s.refs = f->refs;
	f->s.nrefs = 2;
	f->s.graphs = f->g;
	f->j.pkgs = calloc(n0 + n1, sizeof *f->j.pkgs);
	for (int i = 0; i < 2; i++)
		for (uint32_t k = 0; k < f->g[i]->nnodes; k++) {
			judged *p = &f->j.pkgs[f->j.n++];
			p->g = f->g[i];
			p->node = k;
			snprintf(p->st.status, sizeof p->st.status, "uncertified");
			p->status = p->st.status;
			p->introduced = 1;
		}
}

static void fixture_dispose(fixture *f)
{
	free(f->j.pkgs);
	graph_free(f->g[0]);
	graph_free(f->g[1]);
}

static void test_via_positions(void)
{
	fixture f;
	fixture_init(&f, 3, 40);
	/* The deepest package of the second lockfile is refused, so a reason names it. */
	judged *deep = &f.j.pkgs[f.j.n - 1];
	deep->effect = EFFECT_REJECT;
	deep->status = "blocked";
	deep->code = "blocked";
	deep->why = "blocked: test";
	f.j.rejected = 1;
	cert_subject subj = { "repo", "refs/heads/main", NULL, NULL, NULL, 0 };
	char *text = NULL, id[65];
	cert_parts parts = { .n = 0 };
	int rc = certificate_build(&text, id, &f.j, &f.s, &subj, NULL, NULL, &parts);
	ok(rc == 0 && text, "a two-lockfile certificate builds");
	ok(parts.n == 2 && text && text[parts.at[0].start - 1] == '[' && text[parts.at[0].end] == ',' &&
	   parts.at[1].start == parts.at[0].end + 1 && text[parts.at[1].end] == ']',
	   "... in two parts, one per lockfile, that together are the packages array");
	cJSON *c = cJSON_Parse(text ? text : "");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "packages");
	ok(cJSON_GetArraySize(p) == 43, "... with 43 packages");
	const cJSON *b1 = cJSON_GetArrayItem(p, 4), *b0 = cJSON_GetArrayItem(p, 3), *a2 = cJSON_GetArrayItem(p, 2);
	ok(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(b0, "via")), "a direct dependency's via is null");
	ok(cJSON_GetObjectItemCaseSensitive(a2, "via")->valuedouble == 1, "the first lockfile's c2 is reached via position 1");
	ok(cJSON_GetObjectItemCaseSensitive(b1, "via")->valuedouble == 0,
	   "the second lockfile's c1 is reached via 0: its own c0, counted from its lockfile's first package");
	ok(!cJSON_GetObjectItemCaseSensitive(b1, "chain"), "no package carries a chain array");
	const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "reasons"), 0);
	ok(r && cJSON_GetObjectItemCaseSensitive(r, "index")->valuedouble == 42 &&
	   !cJSON_GetObjectItemCaseSensitive(r, "chain"), "the reason names its package by index, not by chain");

	cert_chains ch;
	rc = certificate_chains_load(&ch, c);
	ok(rc == 0, "its links hold");
	size_t out[64], len = rc ? 0 : certificate_chain(&ch, 42, out, 64);
	int whole = len == 40;
	for (size_t i = 0; whole && i < len; i++)
		whole = out[i] == 3 + i;
	ok(whole, "the rebuilt chain of the deepest package is positions 3..42, top first");
	len = rc ? 0 : certificate_chain(&ch, 42, out, 10);
	ok(len == 10 && out[0] == 3 && out[4] == 7 && out[5] == 38 && out[9] == 42,
	   "a chain over the cap keeps its first and last five");
	cert_chains_dispose(&ch);

	/* The page rebuilds it: the first lockfile's chain whole, the deep one by its ends. */
	sigma_buf html = SIGMA_BUF_INIT;
	rc = webhook_pages_certificate_html(&html, text, NULL, NULL);
	ok(rc == 0 && strstr(html.ptr, "c0@1.0.0 &rarr; c1@1.0.0 &rarr; c2@1.0.0 &rarr; ") != NULL,
	   "the page shows the rebuilt chain");
	ok(rc == 0 && strstr(html.ptr, "c11@1.0.0 &rarr; &hellip; 16 more &hellip; &rarr; c28@1.0.0") != NULL,
	   "... and a 40-long one by its ends around the count left out");
	sigma_buf_dispose(&html);
	cJSON_Delete(c);
	cert_parts_dispose(&parts);
	free(text);
	fixture_dispose(&f);
}

static void test_cap_fails_closed(void)
{
	fixture f;
	fixture_init(&f, 50, 50);
	cert_subject subj = { "repo", "refs/heads/main", NULL, NULL, NULL, 0 };
	char *text = NULL, id[65];
	setenv("SIGMA_CERT_MAX_BYTES", "2000", 1);
	int rc = certificate_build(&text, id, &f.j, &f.s, &subj, NULL, NULL, NULL);
	ok(rc == SIGMA_ETOOBIG, "a certificate over its cap fails with SIGMA_ETOOBIG (%d)", rc);
	ok(text == NULL, "... and nothing is sealed");
	ok(strstr(sigma_error_last(), "cap of 2000 bytes") != NULL, "... saying so: %s", sigma_error_last());
	setenv("SIGMA_CERT_MAX_BYTES", "2k", 1);
	rc = certificate_build(&text, id, &f.j, &f.s, &subj, NULL, NULL, NULL);
	ok(rc == SIGMA_EINVALID && text == NULL, "a malformed cap is an error, not ignored");
	unsetenv("SIGMA_CERT_MAX_BYTES");
	rc = certificate_build(&text, id, &f.j, &f.s, &subj, NULL, NULL, NULL);
	ok(rc == 0 && text, "without the knob it builds");
	free(text);
	fixture_dispose(&f);
}

static void test_utf8(void)
{
	static const struct { const char *s, *want, *what; } cases[] = {
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		  "two-, three- and four-byte characters are kept" },
		{ "a\xff" "b", "\"a\xef\xbf\xbd" "b\"", "a byte that starts nothing becomes U+FFFD" },
		{ "\xc0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\"", "an overlong NUL: two" },
		{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "a surrogate: three" },
		{ "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "past U+10FFFF: four" },
		{ "x\xe2\x82", "\"x\xef\xbf\xbd\xef\xbf\xbd\"", "a sequence cut by the end of the string" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cJSON *v = cJSON_CreateString(cases[i].s);
		char *text = NULL;
		int rc = json_canonical_text(&text, v);
		ok(rc == 0 && text && !strcmp(text, cases[i].want), "%s", cases[i].what);
		free(text);
		cJSON_Delete(v);
	}
	fixture f;
	fixture_init(&f, 3, 3);
	graph_set(&f.g[1]->nodes[2].name, "c\xff");
	cert_subject subj = { "repo", "refs/heads/main", NULL, NULL, NULL, 0 };
	char *text = NULL, id[65];
	int rc = certificate_build(&text, id, &f.j, &f.s, &subj, NULL, NULL, NULL);
	ok(rc == 0 && text && strstr(text, "\"name\":\"c\xef\xbf\xbd\"") && !strchr(text, '\xff'),
	   "a package name that is not UTF-8 is certified with U+FFFD, never the raw byte");
	free(text);
	/* The parse cache is sigma's own: it keeps the bytes, so a cached graph
	 * looks the package up under the same name as a fresh parse. */
	char *saved = graph_save(f.g[1]);
	sigma_graph *back = NULL;
	rc = graph_load(&back, saved, strlen(saved));
	ok(rc == 0 && back && !strcmp(back->nodes[2].name, "c\xff"), "the parse cache keeps the name's bytes");
	graph_free(back);
	free(saved);
	fixture_dispose(&f);
}

static void test_buffer_sticks(void)
{
	sigma_buf b;
	sigma_buf_init(&b, 8);
	sigma_buf_puts(&b, "abcdef");
	ok(sigma_buf_puts(&b, "ghij") == SIGMA_ETOOBIG, "a write past the cap fails");
	ok(sigma_buf_putc(&b, 'x') == SIGMA_ETOOBIG && b.len == 6,
	   "... and so does every later one, even one that would fit");
	ok(sigma_buf_error(&b) == SIGMA_ETOOBIG, "the buffer remembers the failure");
	sigma_buf_clear(&b);
	ok(sigma_buf_putc(&b, 'x') == 0 && sigma_buf_error(&b) == 0, "clearing forgets it");
	sigma_buf_dispose(&b);
}

/* A parsed certificate with packages given as (lockfile, depth, via) triples. */
static cJSON *links(const char *spec)
{
	cJSON *c = cJSON_CreateObject(), *p = cJSON_AddArrayToObject(c, "packages");
	char lock[8];
	int depth, via, used;
	for (const char *s = spec; sscanf(s, " %7[^,],%d,%d%n", lock, &depth, &via, &used) == 3; s += used) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "lockfile", lock);
		cJSON_AddNumberToObject(o, "depth", depth);
		if (via < 0)
			cJSON_AddNullToObject(o, "via");
		else
			cJSON_AddNumberToObject(o, "via", via);
		cJSON_AddItemToArray(p, o);
	}
	return c;
}

static void test_bad_links(void)
{
	static const struct { const char *spec, *what; int good; } cases[] = {
		{ "a,0,-1 a,1,0 a,2,1 a,-1,-1", "a good chain and an unreachable package", 1 },
		{ "a,0,-1 a,1,5", "via out of range", 0 },
		{ "a,0,-1 a,1,0 a,2,0", "via not one level up", 0 },
		{ "a,0,-1 b,1,0", "via into another lockfile", 0 },
		{ "a,0,1 a,1,0", "a direct package with a via", 0 },
		{ "a,1,1 a,1,0", "two packages naming each other (a cycle)", 0 },
		{ "a,0,-1 a,1,-1", "a transitive package with no via", 0 },
		{ "a,-1,0 a,0,-1", "an unreachable package with a via", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cJSON *c = links(cases[i].spec);
		cert_chains ch;
		int rc = certificate_chains_load(&ch, c);
		ok((rc == 0) == cases[i].good, "%s: %s", cases[i].what, cases[i].good ? "accepted" : sigma_error_last());
		cert_chains_dispose(&ch);
		cJSON_Delete(c);
	}
	cJSON *c = links("a,0,-1 a,1,0");
	cJSON *r = cJSON_AddArrayToObject(c, "reasons"), *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "lockfile", "a");
	cJSON_AddNumberToObject(o, "index", 9);
	cJSON_AddItemToArray(r, o);
	cert_chains ch;
	ok(certificate_chains_load(&ch, c) == SIGMA_EINVALID, "a reason whose index names no package is refused");
	cert_chains_dispose(&ch);
	cJSON_Delete(c);
}

/* The same lockfile after 3 packages and after 7: its part is the same
 * bytes, which is what lets the registry store it once. */
static void test_part_position_independent(void)
{
	fixture f3, f7;
	fixture_init(&f3, 3, 40);
	fixture_init(&f7, 7, 40);
	cert_subject subj = { "repo", "refs/heads/main", NULL, NULL, NULL, 0 };
	char *t3 = NULL, *t7 = NULL, id3[65], id7[65];
	cert_parts p3 = { .n = 0 }, p7 = { .n = 0 };
	int rc = certificate_build(&t3, id3, &f3.j, &f3.s, &subj, NULL, NULL, &p3) ||
	         certificate_build(&t7, id7, &f7.j, &f7.s, &subj, NULL, NULL, &p7);
	ok(!rc && p3.n == 2 && p7.n == 2 && p3.at[1].start != p7.at[1].start &&
	   p3.at[1].end - p3.at[1].start == p7.at[1].end - p7.at[1].start &&
	   memcmp(t3 + p3.at[1].start, t7 + p7.at[1].start, p3.at[1].end - p3.at[1].start) == 0,
	   "a lockfile's part is the same bytes wherever it sits in the packages array");
	ok(!rc && p3.at[0].end - p3.at[0].start < p7.at[0].end - p7.at[0].start,
	   "... while the lockfile that differs (3 packages, then 7) has a different part");
	cert_parts_dispose(&p3);
	cert_parts_dispose(&p7);
	free(t3);
	free(t7);
	fixture_dispose(&f3);
	fixture_dispose(&f7);
}

/* v2 counted a via from the start of the array: still read that way. */
static void test_v2_still_read(void)
{
	cJSON *c = links("a,0,-1 a,1,0 b,0,-1 b,1,2");
	cJSON_AddStringToObject(c, "schema", CERTIFICATE_SCHEMA_V2);
	cert_chains ch;
	ok(certificate_chains_load(&ch, c) == 0 && ch.via[3] == 2, "a v2 certificate's absolute via is read as one");
	cert_chains_dispose(&ch);
	cJSON_Delete(c);
	c = links("a,0,-1 a,1,0 b,0,-1 b,1,2");
	ok(certificate_chains_load(&ch, c) == SIGMA_EINVALID, "... and the same via in v3 is past its lockfile: refused");
	cert_chains_dispose(&ch);
	cJSON_Delete(c);
	c = links("a,0,-1 a,1,0 b,0,-1 b,1,0");
	ok(certificate_chains_load(&ch, c) == 0 && ch.via[3] == 2, "v3 counts it from the lockfile's first package");
	cert_chains_dispose(&ch);
	cJSON_Delete(c);
}

/* The streamed seal writes exactly the bytes seal_object_raws writes,
 * signed or not, and says where the streamed value sits. */
static void test_stream_seal_same_bytes(void)
{
	char dir[] = "/tmp/sigma-seal.XXXXXX", priv[64], pub[64], kid[65];
	sigma_key *key = NULL;
	int have_key = mkdtemp(dir) != NULL;
	snprintf(priv, sizeof priv, "%s/k", dir);
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	have_key = have_key && sign_keygen(priv, pub, kid, -1) == 0 && sign_key_load_private(&key, priv) == 0;
	ok(have_key, "a signing key for the comparison");
	const char *value = "[{\"a\":1},{\"b\":\"\u00e9\"}]";
	for (int signed_ = 0; signed_ < 2; signed_++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "schema", "x");
		cJSON_AddStringToObject(c, "decision", "accepted");
		cJSON_AddArrayToObject(c, "reasons");
		cJSON_AddStringToObject(c, "tool", "t");
		const char *k = "packages";
		char *want = NULL, *got = NULL, id1[65], id2[65];
		size_t at1 = 0, at2 = 0;
		int rc1 = seal_object_raws(&want, id1, c, &k, &value, 1, "id", signed_ ? key : NULL, &at1);
		seal_stream st;
		int rc2 = seal_stream_begin(&st, c, "packages", "id");
		if (!rc2) {
			sigma_buf_puts(&st.text, value);
			rc2 = seal_stream_finish(&got, id2, &at2, &st, signed_ ? key : NULL);
		}
		ok(!rc1 && !rc2 && !strcmp(want, got) && !strcmp(id1, id2) && at1 == at2 &&
		   !strncmp(got + at2, value, strlen(value)),
		   "%s: the streamed seal is byte for byte seal_object_raws's", signed_ ? "signed" : "unsigned");
		free(want);
		free(got);
		cJSON_Delete(c);
	}
	sign_key_free(key);
	unlink(priv);
	unlink(pub);
	rmdir(dir);
}

static void test_page_reads_v1(void)
{
	const char *v1 = "{\"decision\":\"rejected\",\"id\":\"x\",\"packages\":[{\"name\":\"b\",\"version\":\"2\","
	                 "\"status\":\"blocked\",\"depth\":1,\"chain\":[\"a@1\",\"b@2\"]}]}";
	sigma_buf html = SIGMA_BUF_INIT;
	int rc = webhook_pages_certificate_html(&html, v1, NULL, NULL);
	ok(rc == 0 && strstr(html.ptr, "a@1 &rarr; b@2") != NULL, "the page still shows a stored v1 certificate's chain");
	sigma_buf_dispose(&html);
}

int main(void)
{
	test_via_positions();
	test_part_position_independent();
	test_v2_still_read();
	test_stream_seal_same_bytes();
	test_cap_fails_closed();
	test_buffer_sticks();
	test_utf8();
	test_bad_links();
	test_page_reads_v1();
	return tap_done();
}
