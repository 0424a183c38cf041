/* test_review_archive.c: unpack issues become findings (traversal and link
 * escapes CRITICAL, duplicate entries CRITICAL, case-only twins HIGH,
 * device files HIGH, inside links LOW), what a cap left out is HIGH and
 * named, a damaged unpack is PARTIAL, a wheel of compiled code only is
 * binary-only; the real packages have no findings. */
#include "review_fixture.h"
#include "tap.h"

static void issue(unpack_result *r, const char *kind, const char *path)
{
	r->issues = sigma_xrealloc(r->issues, (r->nissues + 1) * sizeof *r->issues);
	r->issues[r->nissues++] = (unpack_issue){ sigma_xstrdup(kind), sigma_xstrdup(path), sigma_xstrdup("d") };
}

int main(void)
{
	fixture f;
	review_findings fs;
	const char *none[] = { NULL };
	fixture_crafted(&f, "npm", "x", none);
	issue(&f.files, "traversal", "../../etc/cron.d/x");
	issue(&f.files, "link-escape", "package/link");
	issue(&f.files, "special-file", "package/dev");
	issue(&f.files, "link", "package/bin");
	f.files.partial = 1;
	fixture_review(&fs, &review_archive, &f);
	ok(fixture_find(&fs, "path-traversal") && fixture_find(&fs, "path-traversal")->severity == SEV_CRITICAL, "traversal is CRITICAL");
	ok(fixture_find(&fs, "link-escape") && fixture_find(&fs, "link-escape")->severity == SEV_CRITICAL, "a link escape is CRITICAL");
	ok(fixture_find(&fs, "special-file") && fixture_find(&fs, "special-file")->severity == SEV_HIGH, "a device file is HIGH");
	ok(fixture_find(&fs, "link") && fixture_find(&fs, "link")->severity == SEV_LOW, "an inside link is LOW");
	ok(fixture_find(&fs, "partial-analysis") != NULL, "a capped unpack says only part was analysed");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	/* What the installer keeps differs from what a reader of the first
	 * entry sees; what the caps left out was not reviewed at all. */
	fixture_crafted(&f, "npm", "x", none);
	issue(&f.files, "duplicate", "other/package.json");
	issue(&f.files, "duplicate-case", "package/README.md");
	issue(&f.files, "cap", "package/padding.js");
	f.files.partial = 1;
	fixture_review(&fs, &review_archive, &f);
	ok(fixture_find(&fs, "duplicate-entry") && fixture_find(&fs, "duplicate-entry")->severity == SEV_CRITICAL,
	   "two entries naming one file are CRITICAL");
	ok(fixture_find(&fs, "duplicate-entry-case") && fixture_find(&fs, "duplicate-entry-case")->severity == SEV_HIGH,
	   "two entries differing only in case are HIGH");
	ok(fixture_find(&fs, "not-reviewed") && fixture_find(&fs, "not-reviewed")->severity == SEV_HIGH &&
	   !strcmp(fixture_find(&fs, "not-reviewed")->file, "package/padding.js") && !fixture_find(&fs, "partial-analysis"),
	   "what a cap left out is HIGH, naming the entry (so never APPROVED)");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *wheel[] = { "fast/_core.cpython-311-x86_64-linux-gnu.so", "\177ELF", "fast-1.0.dist-info/METADATA", "Name: fast", NULL };
	fixture_crafted(&f, "pypi", "fast", wheel);
	f.pkg.filename = "fast-1.0-cp311-cp311-manylinux_2_17_x86_64.whl";
	fixture_review(&fs, &review_archive, &f);
	ok(fixture_find(&fs, "binary-only") != NULL, "a wheel of compiled code only is binary-only");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *mixed[] = { "fast/_core.so", "\177ELF", "fast/__init__.py", "from ._core import *\n", NULL };
	fixture_crafted(&f, "pypi", "fast", mixed);
	f.pkg.filename = "fast-1.0-cp311-cp311-manylinux_2_17_x86_64.whl";
	fixture_review(&fs, &review_archive, &f);
	ok(!fixture_find(&fs, "binary-only") && fixture_find(&fs, "native-binary"), "with Python source beside it, it is only noted");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	char who[512] = "";
	ok(fixture_quiet_on_clean(&review_archive, SEV_CLEAR, who, sizeof who), "no findings on the real packages %s", who);
	return tap_done();
}
