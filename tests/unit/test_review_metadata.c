/* test_review_metadata.c: the metadata reviewer: URL dependencies, a
 * package with no description, repository or README, a registry document
 * that disagrees with the tarball, executables under data names; and the
 * negatives: devDependencies on git, any one of the three provenance
 * fields, a matching document, a real PNG and a native addon. */
#include "review_fixture.h"
#include "tap.h"

static const review_finding *run(fixture *f, review_findings *fs, const char *code)
{
	fixture_review(fs, &review_metadata, f);
	return fixture_find(fs, code);
}

int main(void)
{
	fixture f;
	review_findings fs;
	const char *urldep[] = { "package.json", "{\"name\":\"x\",\"description\":\"d\",\"dependencies\":"
	                                         "{\"h\":\"http://127.0.0.1/h.tgz\",\"ok\":\"^1.0.0\"},"
	                                         "\"devDependencies\":{\"t\":\"git+https://example.invalid/t.git\"}}", NULL };
	fixture_crafted(&f, "npm", "x", urldep);
	const review_finding *x = run(&f, &fs, "url-dependency");
	ok(x && x->severity == SEV_HIGH && strstr(x->message, "h comes from") && fs.n == 1,
	   "an http: dependency is HIGH; ^1.0.0 and a git devDependency are not findings");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *bare[] = { "package.json", "{\"name\":\"x\",\"version\":\"1.0.0\"}", "index.js", "1;", NULL };
	fixture_crafted(&f, "npm", "x", bare);
	x = run(&f, &fs, "no-provenance");
	ok(x && x->severity == SEV_MEDIUM, "no description, repository or README: MEDIUM");
	review_findings_dispose(&fs);
	fixture_dispose(&f);
	const char *readme[] = { "package.json", "{\"name\":\"x\",\"version\":\"1.0.0\"}", "README.md", "# x", NULL };
	fixture_crafted(&f, "npm", "x", readme);
	ok(!run(&f, &fs, "no-provenance"), "a README alone is enough");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *mine[] = { "package.json", "{\"name\":\"x\",\"version\":\"1.0.0\",\"description\":\"d\","
	                                       "\"dependencies\":{\"evil\":\"1.0.0\"}}", NULL };
	fixture_crafted(&f, "npm", "x", mine);
	f.metadata = cJSON_Parse("{\"name\":\"x\",\"version\":\"1.0.0\",\"dependencies\":{}}");
	f.pkg.metadata = f.metadata;
	x = run(&f, &fs, "manifest-mismatch");
	ok(x && x->severity == SEV_HIGH && strstr(x->message, "evil"), "a dependency the registry document hides: HIGH");
	review_findings_dispose(&fs);
	cJSON_Delete(f.metadata);
	f.metadata = cJSON_Parse("{\"name\":\"x\",\"version\":\"1.0.0\",\"dependencies\":{\"evil\":\"1.0.0\"}}");
	f.pkg.metadata = f.metadata;
	ok(!run(&f, &fs, "manifest-mismatch"), "a document that agrees is quiet");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *exe[] = { "package.json", "{\"description\":\"d\"}", "fonts/a.woff", "\x7f" "ELF\x02\x01",
	                      "icon.png", "\x89PNG\r\n", "build/Release/addon.node", "\x7f" "ELF\x02\x01", NULL };
	fixture_crafted(&f, "npm", "x", exe);
	x = run(&f, &fs, "disguised-executable");
	ok(x && x->severity == SEV_HIGH && !strcmp(x->file, "fonts/a.woff") && fs.n == 1,
	   "an ELF named .woff is HIGH; a PNG and a .node addon are not");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	char who[512] = "";
	ok(fixture_quiet_on_clean(&review_metadata, SEV_LOW, who, sizeof who), "quiet on the real packages %s", who);
	return tap_done();
}
