/* council.c: the council on packages from disk, for `make bench-council`.
 *
 * certify.c reviews what it fetched and verified; the benchmark wants the
 * same unpack + council + consensus on a corpus without a registry or a
 * network, so this driver reads one package a line from stdin:
 *
 *   ECOSYSTEM NAME PATH [METADATA.json]
 *
 * PATH is an archive (npm .tgz, sdist, wheel) or a directory (a fixture
 * written by hand, or a Debian python3-* package extracted with dpkg-deb).
 * METADATA is the registry's version document, when the sample has one.
 * It prints one line a package:
 *
 *   VERDICT <TAB> LEVEL <TAB> MICROSECONDS <TAB> NAME <TAB> WHY
 *
 * The time is the council's and the consensus's only (unpacking is
 * certify's cost, not the council's), so it compares with review_ms. The
 * sandboxed install step is not run: the benchmark measures the static
 * council. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/util.h"
#include "registry/consensus.h"
#include "registry/review.h"
#include "registry/unpack.h"

#define MAX_FILE ((size_t)16 << 20)

static unpack_result *walking;
static size_t root_len;

static int add_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode) || (size_t)st->st_size > MAX_FILE)
		return 0;
	sigma_buf b = SIGMA_BUF_INIT;
	if (sigma_buf_read_file(&b, path) != 0) {
		sigma_buf_dispose(&b);
		return 0;
	}
	unpack_result *r = walking;
	r->files = sigma_xrealloc(r->files, (r->nfiles + 1) * sizeof *r->files);
	unpack_file *f = &r->files[r->nfiles++];
	memset(f, 0, sizeof *f);
	f->path = sigma_xstrdup(path + root_len + 1);
	f->data = sigma_xcalloc(1, b.len + 1);
	memcpy(f->data, b.ptr, b.len);
	f->len = f->size = b.len;
	r->total += b.len;
	r->distinct++;
	sigma_buf_dispose(&b);
	return 0;
}

static int load(unpack_result *out, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		walking = out;
		root_len = strlen(path);
		while (root_len > 1 && path[root_len - 1] == '/')
			root_len--;
		return nftw(path, add_file, 16, FTW_PHYS);
	}
	sigma_buf b = SIGMA_BUF_INIT;
	int rc = sigma_buf_read_file(&b, path);
	int strip = sigma_endswith(path, ".whl") ? 0 : 1;
	if (!rc)
		rc = unpack_archive(out, b.ptr, b.len, strip, NULL);
	sigma_buf_dispose(&b);
	return rc;
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Split `s` in place at blanks into at most n fields (the rest stay NULL). */
static void split(char *s, char **field, int n)
{
	for (int i = 0; i < n; i++) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return;
		field[i] = s;
		s += strcspn(s, " \t");
		if (*s)
			*s++ = '\0';
	}
}

int main(void)
{
	char line[4096];
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = '\0';
		char *field[4] = { 0 };
		split(line, field, 4);
		char *eco = field[0], *name = field[1], *path = field[2], *meta_path = field[3];
		if (!eco || !path)
			continue;
		unpack_result files = { 0 };
		cJSON *meta = NULL;
		if (load(&files, path) != 0) {
			printf("ERROR\t-\t0\t%s\tcannot read %s: %s\n", name, path, sigma_error_last());
			unpack_result_dispose(&files);
			continue;
		}
		if (meta_path) {
			sigma_buf b = SIGMA_BUF_INIT;
			if (sigma_buf_read_file(&b, meta_path) == 0)
				meta = cJSON_ParseWithLength(b.ptr, b.len);
			sigma_buf_dispose(&b);
		}
		const char *base = strrchr(path, '/');
		review_package pkg = { .ecosystem = eco, .name = name, .version = "0", .filename = base ? base + 1 : path,
		                       .files = &files, .metadata = meta };
		review_findings fs = { 0 };
		consensus cs;
		int64_t t0 = now_us();
		review_run_council(&fs, &pkg);
		consensus_decide(&cs, &fs);
		int64_t us = now_us() - t0;
		printf("%s\t%s\t%lld\t%s\t%s\n", cs.verdict, review_severity_name(cs.level), (long long)us, name,
		       cs.why ? cs.why : "-");
		if (getenv("COUNCIL_VERBOSE"))
			for (size_t i = 0; i < fs.n; i++)
				fprintf(stderr, "  %s %s %s %s:%d %s\n", name, review_severity_name(fs.items[i].severity),
				        fs.items[i].code, fs.items[i].file ? fs.items[i].file : "-", fs.items[i].line,
				        fs.items[i].message);
		consensus_dispose(&cs);
		review_findings_dispose(&fs);
		unpack_result_dispose(&files);
		cJSON_Delete(meta);
	}
	return 0;
}
