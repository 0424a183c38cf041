/* test_version.c: SemVer and PEP 440 ordering, OSV range evaluation (the
 * shapes of the real records: introduced 0 with no end, fixed, and
 * last_affected, events out of order) and PEP 503 names. */
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "registry/version.h"
#include "tap.h"

static int in_range(const char *eco, const char *events, const char *v)
{
	cJSON *e = cJSON_Parse(events);
	int r = version_in_osv_range(eco, e, v);
	cJSON_Delete(e);
	return r;
}

int main(void)
{
	ok(version_cmp("npm", "1.2.6", "1.10.0") < 0, "semver: numeric, not lexical");
	ok(version_cmp("npm", "1.0.0-alpha", "1.0.0") < 0, "semver: a pre-release sorts before its release");
	ok(version_cmp("npm", "1.0.0-alpha.2", "1.0.0-alpha.10") < 0, "semver: numeric pre-release identifiers");
	ok(version_cmp("npm", "1.0.0-alpha.beta", "1.0.0-alpha.1") > 0, "semver: alphanumeric after numeric");
	ok(version_cmp("npm", "v2.0.0", "2.0.0+build.5") == 0, "semver: a leading v and build metadata are ignored");
	ok(version_cmp("pypi", "2.11.3", "2.11.2") > 0 && version_cmp("pypi", "2.0", "2.0.0") == 0, "pep440: release segments, trailing zeros");
	ok(version_cmp("pypi", "1.0a1", "1.0b1") < 0 && version_cmp("pypi", "1.0rc1", "1.0") < 0, "pep440: a < b < rc < final");
	ok(version_cmp("pypi", "1.0.dev1", "1.0a1") < 0 && version_cmp("pypi", "1.0.post1", "1.0") > 0, "pep440: dev < pre, post > final");
	ok(version_cmp("pypi", "1!0.1", "2.0") > 0, "pep440: epochs");
	ok(version_cmp("pypi", "1.0-1", "1.0.post1") == 0 && version_cmp("pypi", "1.0alpha1", "1.0a1") == 0, "pep440: alternative spellings");

	const char *zero = "[{\"introduced\":\"0\"}]";
	ok(in_range("npm", zero, "0.0.1") && in_range("npm", zero, "99.0.0"), "introduced 0, no end: every version");
	const char *minimist = "[{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.2.6\"}]";
	ok(in_range("npm", minimist, "1.2.5") && !in_range("npm", minimist, "1.2.6") && !in_range("npm", minimist, "0.9.0"),
	   "[1.0.0, 1.2.6): 1.2.5 in, 1.2.6 and 0.9.0 out");
	const char *last = "[{\"introduced\":\"4.1.1\"},{\"last_affected\":\"4.1.2\"}]";
	ok(in_range("npm", last, "4.1.2") && !in_range("npm", last, "4.1.3") && !in_range("npm", last, "4.1.0"),
	   "last_affected is inclusive");
	const char *two = "[{\"fixed\":\"0.2.4\"},{\"introduced\":\"0\"},{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.2.6\"}]";
	ok(in_range("npm", two, "0.2.3") && !in_range("npm", two, "0.5.0") && in_range("npm", two, "1.1.0"),
	   "events out of order are sorted first");
	const char *jinja = "[{\"introduced\":\"0\"},{\"fixed\":\"2.11.3\"}]";
	ok(in_range("pypi", jinja, "2.11.2") && !in_range("pypi", jinja, "3.0.0") && in_range("pypi", jinja, "2.11.3rc1"),
	   "PyPI ranges use PEP 440 (2.11.3rc1 is before 2.11.3)");

	char *n = version_name_normalize("pypi", "Jinja2");
	char *m = version_name_normalize("pypi", "zope.interface__x");
	char *k = version_name_normalize("npm", "@Types/Node");
	ok(!strcmp(n, "jinja2") && !strcmp(m, "zope-interface-x") && !strcmp(k, "@Types/Node"), "PEP 503 for PyPI, npm untouched");
	free(n); free(m); free(k);
	return tap_done();
}
