/* review_fixture.h: packages for the reviewer tests.
 *
 * fixture_real() unpacks a real tarball from tests/fixtures/registry/npm/
 * (the same bytes the npm registry serves); fixture_crafted() builds a
 * package in memory from (path, contents) pairs. fixture_review() runs one
 * reviewer and returns its findings; fixture_worst() is the highest
 * severity among them. */
#ifndef SIGMA_TEST_REVIEW_FIXTURE_H
#define SIGMA_TEST_REVIEW_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/buf.h"
#include "common/util.h"
#include "registry/review.h"
#include "registry/unpack.h"

/* The real, clean packages of the fixture registry. */
static const char *const fixture_clean[] = {
	"@types__ms-0.7.34", "core-js-3.37.1", "debug-4.3.4", "es5-ext-0.10.64", "escape-html-1.0.3",
	"is-number-7.0.0", "left-pad-1.3.0", "lodash-4.17.21", "minimist-1.2.8", "ms-2.1.3", NULL,
};

typedef struct fixture {
	unpack_result files;
	cJSON *metadata;
	char name[128];
	char version[64];
	review_package pkg;
} fixture;

/* "core-js-3.37.1" -> name "core-js", version "3.37.1" ("@types__ms" -> "@types/ms"). */
static inline int fixture_real(fixture *f, const char *stem)
{
	memset(f, 0, sizeof *f);
	char *path = sigma_xasprintf("tests/fixtures/registry/npm/%s.tgz", stem);
	sigma_buf b = SIGMA_BUF_INIT;
	int rc = sigma_buf_read_file(&b, path);
	if (!rc)
		rc = unpack_archive(&f->files, b.ptr, b.len, 1, NULL);
	sigma_buf_dispose(&b);
	free(path);
	path = sigma_xasprintf("tests/fixtures/registry/npm/%s.json", stem);
	sigma_buf_init(&b, 0);
	if (sigma_buf_read_file(&b, path) == 0)
		f->metadata = cJSON_Parse(b.ptr);
	sigma_buf_dispose(&b);
	free(path);
	const char *dash = strrchr(stem, '-');
	snprintf(f->name, sizeof f->name, "%.*s", (int)(dash - stem), stem);
	char *us = strstr(f->name, "__");
	if (us) {
		*us = '/';
		memmove(us + 1, us + 2, strlen(us + 2) + 1);
	}
	snprintf(f->version, sizeof f->version, "%s", dash + 1);
	f->pkg = (review_package){ .ecosystem = "npm", .name = f->name, .version = f->version,
	                           .filename = stem, .files = &f->files, .metadata = f->metadata };
	return rc;
}

/* pairs: path, contents, path, contents, ..., NULL. */
static inline void fixture_crafted(fixture *f, const char *eco, const char *name, const char *const *pairs)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; pairs[i]; i += 2) {
		f->files.files = sigma_xrealloc(f->files.files, (f->files.nfiles + 1) * sizeof *f->files.files);
		unpack_file *x = &f->files.files[f->files.nfiles++];
		memset(x, 0, sizeof *x);
		x->path = sigma_xstrdup(pairs[i]);
		x->data = sigma_xstrdup(pairs[i + 1]);
		x->len = strlen(pairs[i + 1]);
		x->size = x->len;
	}
	snprintf(f->name, sizeof f->name, "%s", name);
	snprintf(f->version, sizeof f->version, "1.0.0");
	f->pkg = (review_package){ .ecosystem = eco, .name = f->name, .version = f->version,
	                           .filename = "crafted.tgz", .files = &f->files };
}

static inline void fixture_dispose(fixture *f)
{
	unpack_result_dispose(&f->files);
	cJSON_Delete(f->metadata);
}

static inline void fixture_review(review_findings *out, const reviewer *r, const fixture *f)
{
	memset(out, 0, sizeof *out);
	r->review(out, &f->pkg);
}

static inline review_severity fixture_worst(const review_findings *fs)
{
	review_severity w = SEV_CLEAR;
	for (size_t i = 0; i < fs->n; i++)
		if (fs->items[i].severity > w)
			w = fs->items[i].severity;
	return w;
}

/* The first finding with `code`, or NULL. */
static inline const review_finding *fixture_find(const review_findings *fs, const char *code)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->items[i].code, code))
			return &fs->items[i];
	return NULL;
}

/* Every real clean package: the reviewer reports nothing above `ceiling`. */
static inline int fixture_quiet_on_clean(const reviewer *r, review_severity ceiling, char *worst_pkg, size_t n)
{
	int quiet = 1;
	for (size_t i = 0; fixture_clean[i]; i++) {
		fixture f;
		if (fixture_real(&f, fixture_clean[i]) != 0) {
			snprintf(worst_pkg, n, "%s (cannot read)", fixture_clean[i]);
			fixture_dispose(&f);
			return 0;
		}
		review_findings fs;
		fixture_review(&fs, r, &f);
		for (size_t k = 0; k < fs.n; k++)
			if (fs.items[k].severity > ceiling) {
				quiet = 0;
				snprintf(worst_pkg, n, "%s: %s %s", fixture_clean[i], fs.items[k].code, fs.items[k].message);
			}
		review_findings_dispose(&fs);
		fixture_dispose(&f);
	}
	return quiet;
}

#endif
