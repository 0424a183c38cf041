/* test_consensus.c: the council's policy (docs/COUNCIL.md): CRITICAL
 * rejects; HIGH from two reviewers in one file, or three anywhere,
 * rejects; one HIGH flags; MEDIUM from three reviewers flags; test code
 * counts one level lower; retained warnings are capped per code and
 * sorted worst first; the level is the highest retained severity. */
#include <string.h>
#include "registry/consensus.h"
#include "tap.h"

static void add(review_findings *f, const char *who, const char *code, review_severity s, const char *file)
{
	review_findings_add(f, who, code, s, file, file ? 3 : 0, "%s by %s", code, who);
}

int main(void)
{
	review_findings f = { 0 };
	consensus c;
	consensus_decide(&c, &f);
	ok(!strcmp(c.verdict, "APPROVED") && c.level == SEV_CLEAR && c.nretained == 0, "no findings: APPROVED, CLEAR");
	consensus_dispose(&c);

	add(&f, "exec", "dynamic-code", SEV_LOW, "a.js");
	add(&f, "install-scripts", "install-script", SEV_MEDIUM, "package.json");
	consensus_decide(&c, &f);
	ok(!strcmp(c.verdict, "APPROVED") && c.level == SEV_MEDIUM && c.nretained == 2 && c.retained[0]->severity == SEV_MEDIUM,
	   "LOW and MEDIUM: APPROVED, level MEDIUM, worst first");
	consensus_dispose(&c);

	add(&f, "network", "exfil-endpoint", SEV_HIGH, "a.js");
	consensus_decide(&c, &f);
	ok(!strcmp(c.verdict, "FLAGGED") && c.level == SEV_HIGH && c.decisive && !strcmp(c.decisive->code, "exfil-endpoint"),
	   "one HIGH: FLAGGED, and the reason names it");
	consensus_dispose(&c);

	add(&f, "credentials", "secret-env", SEV_HIGH, "a.js");
	consensus_decide(&c, &f);
	ok(!strcmp(c.verdict, "REJECTED") && strstr(c.why, "a.js"), "HIGH from two reviewers in the same file: REJECTED (%s)", c.why);
	consensus_dispose(&c);
	review_findings_dispose(&f);

	add(&f, "network", "exfil-endpoint", SEV_HIGH, "a.js");
	add(&f, "credentials", "secret-env", SEV_HIGH, "b.js");
	consensus_decide(&c, &f);
	ok(!strcmp(c.verdict, "FLAGGED"), "HIGH from two reviewers in different files: FLAGGED");
	consensus_dispose(&c);
	add(&f, "obfuscation", "decoded-blob", SEV_HIGH, "c.js");
	consensus_decide(&c, &f);
	ok(!strcmp(c.verdict, "REJECTED"), "... from three reviewers anywhere: REJECTED");
	consensus_dispose(&c);
	review_findings_dispose(&f);

	add(&f, "malware", "malware", SEV_CRITICAL, NULL);
	consensus_decide(&c, &f);
	ok(!strcmp(c.verdict, "REJECTED") && c.level == SEV_CRITICAL && strstr(c.why, "malware"), "CRITICAL: REJECTED");
	consensus_dispose(&c);
	review_findings_dispose(&f);

	add(&f, "typosquat", "typosquat", SEV_MEDIUM, NULL);
	add(&f, "install-scripts", "install-script", SEV_MEDIUM, "package.json");
	add(&f, "exec", "process-exec", SEV_MEDIUM, "index.js");
	consensus_decide(&c, &f);
	ok(!strcmp(c.verdict, "FLAGGED") && c.level == SEV_MEDIUM, "MEDIUM from three reviewers: FLAGGED");
	consensus_dispose(&c);
	review_findings_dispose(&f);

	add(&f, "network", "exfil-endpoint", SEV_HIGH, "test/fixtures/server.js");
	add(&f, "exec", "process-exec", SEV_MEDIUM, "lib/__tests__/run.js");
	consensus_decide(&c, &f);
	ok(!strcmp(c.verdict, "APPROVED") && c.level == SEV_MEDIUM && c.retained_sev[1] == SEV_LOW,
	   "in test code a HIGH counts as MEDIUM and a MEDIUM as LOW");
	consensus_dispose(&c);
	review_findings_dispose(&f);

	add(&f, "install-scripts", "pth-autorun", SEV_HIGH, "tests/x.pth");
	consensus_decide(&c, &f);
	ok(!strcmp(c.verdict, "FLAGGED"), "... but not for install scripts: what runs at install is never 'just a test'");
	consensus_dispose(&c);
	review_findings_dispose(&f);

	for (int i = 0; i < 10; i++)
		add(&f, "exec", "dynamic-code", SEV_LOW, "a.js");
	consensus_decide(&c, &f);
	ok(c.nretained == 3 && c.suppressed == 7, "at most 3 retained per (reviewer, code), the rest counted");
	consensus_dispose(&c);
	review_findings_dispose(&f);
	return tap_done();
}
