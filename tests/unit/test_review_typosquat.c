/* test_review_typosquat.c: the shipped popular list is embedded; names
 * one edit from popular ones, respellings and scope tricks are found;
 * popular names themselves and the real packages are quiet. */
#include "review_fixture.h"
#include "tap.h"

static review_severity judge(const char *eco, const char *name, review_findings *fs)
{
	fixture f;
	const char *none[] = { NULL };
	fixture_crafted(&f, eco, name, none);
	fixture_review(fs, &review_typosquat, &f);
	fixture_dispose(&f);
	return fixture_worst(fs);
}

int main(void)
{
	review_findings fs;
	ok(review_popular_count() > 400, "the popular list is embedded (%zu entries)", review_popular_count());
	ok(judge("npm", "lodahs", &fs) == SEV_HIGH && strstr(fs.items[0].message, "lodash"), "lodahs: one transposition from lodash");
	review_findings_dispose(&fs);
	ok(judge("npm", "crossenv", &fs) == SEV_HIGH && fixture_find(&fs, "typosquat"), "crossenv: a respelling of cross-env");
	review_findings_dispose(&fs);
	ok(judge("npm", "expresss", &fs) == SEV_HIGH, "expresss: one insertion from express");
	review_findings_dispose(&fs);
	ok(judge("pypi", "reqeusts", &fs) == SEV_HIGH, "pypi reqeusts");
	review_findings_dispose(&fs);
	ok(judge("pypi", "python-dateutils", &fs) == SEV_HIGH, "pypi python-dateutils: one from python-dateutil");
	review_findings_dispose(&fs);
	ok(judge("npm", "@typse/node", &fs) == SEV_HIGH && fixture_find(&fs, "scope-confusion"), "@typse/node: a scope one edit from @types");
	review_findings_dispose(&fs);
	ok(judge("npm", "types-node", &fs) == SEV_HIGH && fixture_find(&fs, "scope-confusion"), "types-node: @types/node with the scope folded");
	review_findings_dispose(&fs);
	review_findings fs2;
	ok(judge("npm", "cross-env.js", &fs) == SEV_HIGH && judge("pypi", "py-numpy", &fs2) == SEV_HIGH,
	   "a popular name with a language affix (cross-env.js, py-numpy) is HIGH");
	review_findings_dispose(&fs);
	review_findings_dispose(&fs2);
	ok(judge("npm", "uuidd", &fs) == SEV_HIGH, "a doubled letter on a short popular name (uuidd) is HIGH");
	review_findings_dispose(&fs);
	ok(judge("npm", "uuid-tool", &fs) == SEV_CLEAR && judge("npm", "reactive", &fs2) == SEV_CLEAR,
	   "a popular name inside a longer name is not an affix");
	review_findings_dispose(&fs);
	review_findings_dispose(&fs2);
	ok(judge("npm", "@evil/lodash", &fs) == SEV_LOW, "@evil/lodash: a popular name under an unknown scope is LOW");
	review_findings_dispose(&fs);
	ok(judge("npm", "lodash", &fs) == SEV_CLEAR && judge("pypi", "requests", &fs) == SEV_CLEAR, "popular names are quiet");
	review_findings_dispose(&fs);
	ok(judge("npm", "my-internal-tool", &fs) == SEV_CLEAR, "an unrelated name is quiet");
	review_findings_dispose(&fs);
	char who[512] = "";
	ok(fixture_quiet_on_clean(&review_typosquat, SEV_CLEAR, who, sizeof who), "no findings on the real packages %s", who);
	return tap_done();
}
