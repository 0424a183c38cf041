/* test_cvss.c: CVSS v3 base scores against the scores NVD publishes for
 * the same vectors, the ratings' boundaries, and vectors that are not
 * complete v3 base vectors. */
#include <math.h>
#include <string.h>
#include "registry/cvss.h"
#include "tap.h"

int main(void)
{
	static const struct { const char *vector; double score; const char *rating; } known[] = {
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical" }, /* minimist, CVE-2021-44906 */
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3, "moderate" }, /* jinja2, CVE-2020-28493 */
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "critical" },
		{ "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5, "moderate" },
		{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, "low" },
		{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, "moderate" },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "high" },
		{ "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0, "none" },
		{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "moderate" },
		{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical" },
	};
	for (size_t k = 0; k < sizeof known / sizeof *known; k++) {
		double s = cvss_v3_base_score(known[k].vector);
		ok(fabs(s - known[k].score) < 1e-9, "%s scores %.1f (got %.1f)", known[k].vector, known[k].score, s);
		ok(!strcmp(cvss_rating(s), known[k].rating), "... rated %s", known[k].rating);
	}
	/* Metric order does not matter; temporal metrics are ignored. */
	ok(fabs(cvss_v3_base_score("CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H/E:P") - 9.8) < 1e-9,
	   "metrics in another order, with a temporal one, still score 9.8");
	ok(cvss_v3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H") < 0, "a vector missing A: is refused");
	ok(cvss_v3_base_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") < 0, "an unknown value is refused");
	ok(cvss_v3_base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N") < 0,
	   "a v4 vector has no score here (the record's own word is used)");
	ok(cvss_v3_base_score("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") < 0, "a vector without its CVSS:3.x prefix is refused");
	ok(cvss_v3_base_score(NULL) < 0, "NULL is refused");
	ok(!strcmp(cvss_rating(3.9), "low") && !strcmp(cvss_rating(4.0), "moderate") &&
	   !strcmp(cvss_rating(6.9), "moderate") && !strcmp(cvss_rating(7.0), "high") &&
	   !strcmp(cvss_rating(8.9), "high") && !strcmp(cvss_rating(9.0), "critical"), "the rating boundaries");
	ok(cvss_rank("MODERATE") == 2 && cvss_rank("medium") == 2 && cvss_rank("critical") == 4 &&
	   cvss_rank("") == 0 && cvss_rank("bogus") == -1, "ranks of the words");
	return tap_done();
}
