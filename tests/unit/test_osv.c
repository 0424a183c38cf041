/* test_osv.c: importing the real OSV records (tests/fixtures/osv, copied
 * from shared/fixtures/osv): MAL- records become blocks (listed versions,
 * '*' for introduced 0 with no end, scoped and PyPI names), other
 * advisories are stored and matched by range with their severity
 * (minimist, two ranges; Jinja2, capitalised, PEP 440), a directory and a
 * single file import the same, a non-OSV file is refused by name, a
 * re-import is idempotent and replaces the record's blocks, and a withdrawn
 * record blocks nothing and lifts its earlier blocks (not the admin's). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/error.h"
#include "common/util.h"
#include "registry/osv.h"
#include "tap.h"

static const char *status(registry *r, const char *eco, const char *name, const char *version, char *code, size_t n)
{
	static char st[16];
	registry_status s;
	registry_lookup(&s, r, eco, name, version);
	snprintf(st, sizeof st, "%s", s.status);
	snprintf(code, n, "%s", s.reason_code ? s.reason_code : "");
	registry_status_dispose(&s);
	return st;
}

int main(void)
{
	char dir[] = "/tmp/sigma-osv-test.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char *db = sigma_xasprintf("%s/r.db", dir);
	registry *r = NULL;
	ok(registry_open(&r, db, REGISTRY_CREATE) == 0, "open");
	osv_stats st;
	ok(osv_import_path(r, "tests/fixtures/osv", &st) == 0, "import the directory (%s)", sigma_error_last());
	ok(st.records == 12 && st.malicious == 10 && st.advisories == 2, "12 JSON records: 10 MAL-, 2 advisories (the YAML one is not JSON)");
	char code[64];
	ok(!strcmp(status(r, "npm", "chalk", "5.6.1", code, sizeof code), "blocked") && !strcmp(code, "osv:MAL-2025-46969"),
	   "chalk 5.6.1 is blocked by osv:MAL-2025-46969");
	ok(!strcmp(status(r, "npm", "chalk", "5.6.0", code, sizeof code), "uncertified"), "chalk 5.6.0 is not (a hijacked version only)");
	ok(!strcmp(status(r, "npm", "@ctrl/tinycolor", "3.4.0", code, sizeof code), "blocked"), "@ctrl/tinycolor: introduced 0, no end: every version");
	ok(!strcmp(status(r, "npm", "flatmap-stream", "0.1.1", code, sizeof code), "blocked"), "flatmap-stream: ranges only, every version");
	ok(!strcmp(status(r, "pypi", "aiocpa", "0.1.13", code, sizeof code), "blocked") &&
	   !strcmp(status(r, "pypi", "aiocpa", "0.1.12", code, sizeof code), "uncertified"), "pypi aiocpa: listed versions only");
	ok(!strcmp(status(r, "pypi", "3web", "9.9.9", code, sizeof code), "blocked"), "pypi 3web: versions + introduced 0 = every version");

	osv_match m;
	ok(osv_match_version(&m, r, "npm", "minimist", "1.2.5") == 0 && m.advisories == 1 && !strcmp(m.highest, "CRITICAL") &&
	   m.ids && !strcmp(m.ids, "GHSA-xvch-5gv4-984h") && !m.malware_id, "minimist 1.2.5: one CRITICAL advisory, not malware");
	osv_match_dispose(&m);
	ok(osv_match_version(&m, r, "npm", "minimist", "0.2.3") == 0 && m.advisories == 1, "minimist 0.2.3: the other range");
	osv_match_dispose(&m);
	ok(osv_match_version(&m, r, "npm", "minimist", "1.2.8") == 0 && m.advisories == 0, "minimist 1.2.8: fixed");
	osv_match_dispose(&m);
	ok(osv_match_version(&m, r, "pypi", "Jinja2", "2.11.2") == 0 && m.advisories == 1 && !strcmp(m.highest, "MEDIUM"),
	   "Jinja2 2.11.2 (any spelling): MODERATE reads as MEDIUM");
	osv_match_dispose(&m);
	ok(!strcmp(status(r, "npm", "minimist", "1.2.5", code, sizeof code), "uncertified"), "an advisory is not a block");

	memset(&st, 0, sizeof st);
	ok(osv_import_path(r, "tests/fixtures/osv/MAL-2025-46969.json", &st) == 0 && st.records == 1 && st.blocks == 0 &&
	   st.unchanged == 1, "a single file imports; re-importing it at the same `modified` changes nothing");
	ok(osv_import_path(r, "tests/fixtures/osv/SOURCES.md", &st) == SIGMA_EINVALID &&
	   strstr(sigma_error_last(), "SOURCES.md: not an OSV record"), "a file that is not OSV is refused by name");
	const char *rec = "{\"id\":\"x\",\"affected\":[]}", *cert = "{\"ecosystem\":\"npm\"}";
	ok(osv_looks_like(rec, strlen(rec)) && !osv_looks_like(cert, strlen(cert)),
	   "OSV is told apart from a certificate by content");
	/* Withdrawn records (issue 13): block nothing, and lift the blocks an
	 * earlier version of the same record made; other blocks stay. */
	const char *withdrawn_new =
		"{\"id\":\"MAL-TEST-1\",\"withdrawn\":\"2026-01-02T00:00:00Z\",\"summary\":\"false positive\","
		"\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"wd-new\"},\"versions\":[\"1.0.0\"]}]}";
	memset(&st, 0, sizeof st);
	ok(osv_import_json(r, withdrawn_new, strlen(withdrawn_new), "inline", &st) == 0 && st.withdrawn == 1 &&
	   st.blocks == 0 && !strcmp(status(r, "npm", "wd-new", "1.0.0", code, sizeof code), "uncertified"),
	   "a withdrawn MAL- record blocks nothing");
	ok(osv_match_version(&m, r, "npm", "wd-new", "1.0.0") == 0 && !m.malware_id,
	   "... and the malware reviewer does not match it");
	osv_match_dispose(&m);
	const char *live =
		"{\"id\":\"MAL-TEST-2\",\"summary\":\"stealer\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\","
		"\"name\":\"wd-old\"},\"versions\":[\"1.0.0\",\"1.0.1\"]}]}";
	const char *retracted =
		"{\"id\":\"MAL-TEST-2\",\"withdrawn\":\"2026-01-03T00:00:00Z\",\"summary\":\"stealer\",\"affected\":["
		"{\"package\":{\"ecosystem\":\"npm\",\"name\":\"wd-old\"},\"versions\":[\"1.0.0\",\"1.0.1\"]}]}";
	memset(&st, 0, sizeof st);
	ok(osv_import_json(r, live, strlen(live), "inline", &st) == 0 && st.blocks == 2 &&
	   registry_block(r, "npm", "wd-old", "1.0.0", "held by the admin", "admin") == 0 &&
	   !strcmp(status(r, "npm", "wd-old", "1.0.1", code, sizeof code), "blocked") && !strcmp(code, "osv:MAL-TEST-2"),
	   "the record before it was withdrawn blocks wd-old 1.0.0 and 1.0.1 (and the admin holds 1.0.0 too)");
	memset(&st, 0, sizeof st);
	ok(osv_import_json(r, retracted, strlen(retracted), "inline", &st) == 0 && st.withdrawn == 1 && st.lifted == 2 &&
	   !strcmp(status(r, "npm", "wd-old", "1.0.1", code, sizeof code), "uncertified"),
	   "importing the withdrawn version lifts its blocks (%d lifted)", st.lifted);
	ok(!strcmp(status(r, "npm", "wd-old", "1.0.0", code, sizeof code), "blocked") && strcmp(code, "osv:MAL-TEST-2"),
	   "... but not the admin's block on the same version (%s)", code);
	ok(osv_match_version(&m, r, "npm", "wd-old", "1.0.1") == 0 && !m.malware_id,
	   "... and the stored record is gone");
	osv_match_dispose(&m);
	const char *wider =
		"{\"id\":\"MAL-TEST-3\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"wd-narrow\"},"
		"\"versions\":[\"1.0.0\",\"2.0.0\"]}]}";
	const char *narrower =
		"{\"id\":\"MAL-TEST-3\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"wd-narrow\"},"
		"\"versions\":[\"2.0.0\"]}]}";
	ok(osv_import_json(r, wider, strlen(wider), "inline", &st) == 0 &&
	   osv_import_json(r, narrower, strlen(narrower), "inline", &st) == 0 &&
	   !strcmp(status(r, "npm", "wd-narrow", "1.0.0", code, sizeof code), "uncertified") &&
	   !strcmp(status(r, "npm", "wd-narrow", "2.0.0", code, sizeof code), "blocked"),
	   "a re-imported record blocks what it lists now, not what it once listed");
	/* Incremental import compares `modified` as times: a withdrawal written
	 * with fewer fraction digits but later is not "unchanged". */
	const char *v1 = "{\"id\":\"MAL-TEST-9\",\"modified\":\"2026-01-01T00:00:02.85Z\","
	                 "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"frac\"},\"versions\":[\"1.0.0\"]}]}";
	const char *v2 = "{\"id\":\"MAL-TEST-9\",\"modified\":\"2026-01-01T00:00:02.9Z\",\"withdrawn\":\"2026-01-01T00:00:02.9Z\","
	                 "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"frac\"},\"versions\":[\"1.0.0\"]}]}";
	memset(&st, 0, sizeof st);
	ok(osv_import_json(r, v1, strlen(v1), "inline", &st) == 0 &&
	   !strcmp(status(r, "npm", "frac", "1.0.0", code, sizeof code), "blocked") &&
	   osv_import_json(r, v2, strlen(v2), "inline", &st) == 0 && st.withdrawn == 1 &&
	   !strcmp(status(r, "npm", "frac", "1.0.0", code, sizeof code), "uncertified"),
	   "a later withdrawal with fewer fraction digits (02.9Z after 02.85Z) is imported, not skipped");
	memset(&st, 0, sizeof st);
	ok(osv_import_json(r, v1, strlen(v1), "inline", &st) == 0 && st.unchanged == 0 && st.withdrawn == 0 &&
	   !strcmp(status(r, "npm", "frac", "1.0.0", code, sizeof code), "blocked"),
	   "(a withdrawn record leaves no row, so an older copy imports again)");

	/* Matching for the hook (osv_hits): ranges, versions lists, the lowest
	 * fix above the version, PEP 440 ordering and PyPI name forms. */
	const char *ranged =
		"{\"id\":\"GHSA-test-rang-es00\",\"modified\":\"2026-01-01T00:00:00Z\","
		"\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H\"}],"
		"\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"ranged\"},\"ranges\":["
		"{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"0.2.4\"}]},"
		"{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.2.6\"}]},"
		"{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"2.0.0\"},{\"last_affected\":\"2.3.0\"}]}]},"
		"{\"package\":{\"ecosystem\":\"npm\",\"name\":\"listed\"},\"versions\":[\"1.0.0\"]},"
		"{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"Some_Pkg\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
		"\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.0.0rc1\"}]}]}]}";
	memset(&st, 0, sizeof st);
	ok(osv_import_json(r, ranged, strlen(ranged), "inline", &st) == 0 && st.advisories == 1, "a record with several ranges imports");
	static const struct { const char *eco, *name, *version, *fixed; int hit; } cases[] = {
		{ "npm", "ranged", "0.2.3", "0.2.4", 1 },    /* introduced 0 */
		{ "npm", "ranged", "0.2.4", NULL, 0 },       /* fixed is not affected */
		{ "npm", "ranged", "0.5.0", NULL, 0 },       /* between two ranges */
		{ "npm", "ranged", "1.1.0", "1.2.6", 1 },    /* the second range */
		{ "npm", "ranged", "2.3.0", NULL, 1 },       /* last_affected: affected, no fix known */
		{ "npm", "ranged", "2.3.1", NULL, 0 },
		{ "npm", "listed", "1.0.0", NULL, 1 },       /* a versions list */
		{ "npm", "listed", "1.0.1", NULL, 0 },
		{ "pypi", "some-pkg", "1.9", "2.0.0rc1", 1 },
		{ "pypi", "Some.Pkg", "2.0.0b2", "2.0.0rc1", 1 }, /* PEP 440: b2 < rc1; PEP 503 names */
		{ "pypi", "some_pkg", "2.0.0rc1", NULL, 0 },
		{ "pypi", "some-pkg", "2.0", NULL, 0 },      /* 2.0 == 2.0.0 */
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		osv_hit *h = NULL;
		size_t n = 0;
		int rc = osv_hits(&h, &n, r, cases[k].eco, cases[k].name, cases[k].version);
		int good = rc == 0 && (size_t)cases[k].hit == n &&
		           (!n || (!strcmp(h[0].id, "GHSA-test-rang-es00") && !strcmp(h[0].severity, "high") &&
		                   h[0].score > 7.49 && h[0].score < 7.51 &&
		                   (cases[k].fixed ? h[0].fixed && !strcmp(h[0].fixed, cases[k].fixed) : !h[0].fixed)));
		ok(good, "%s %s %s: %s%s%s", cases[k].eco, cases[k].name, cases[k].version,
		   cases[k].hit ? "affected" : "not affected", cases[k].fixed ? ", fixed in " : "",
		   cases[k].fixed ? cases[k].fixed : "");
		osv_hits_free(h, n);
	}
	osv_hit *h = NULL;
	size_t nh = 0;
	ok(osv_hits(&h, &nh, r, "npm", "minimist", "1.2.5") == 0 && nh == 1 && !strcmp(h[0].severity, "critical") &&
	   h[0].aliases && !strcmp(h[0].aliases, "CVE-2021-44906") && h[0].fixed && !strcmp(h[0].fixed, "1.2.6"),
	   "minimist 1.2.5: the real GHSA record, critical from its CVSS vector, alias and fix");
	osv_hits_free(h, nh);
	ok(osv_hits(&h, &nh, r, "npm", "chalk", "5.6.1") == 0 && nh == 0, "a MAL- record is not an advisory hit (it blocks)");
	osv_hits_free(h, nh);
	registry_close(r);
	char *cmd = sigma_xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("cleanup failed");
	free(cmd);
	free(db);
	return tap_done();
}
