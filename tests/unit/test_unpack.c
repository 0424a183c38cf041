/* test_unpack.c: archives crafted with libarchive's writer, unpacked in
 * memory: "../" and absolute names, a symlink escape, a hard link, a
 * device file and a FIFO are refused and reported, and nothing is ever
 * written to disk (the traversal target does not appear); inside links are
 * only noted; the single-file, total and count caps make the result
 * partial; zips (wheels) work; a real npm tarball unpacks with its
 * "package/" prefix stripped; garbage is an error, not a crash. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/util.h"
#include "registry/unpack.h"
#include "tap.h"

typedef struct entry {
	const char *name;
	unsigned type;          /* AE_IFREG, AE_IFLNK, AE_IFCHR, AE_IFIFO, or 0 = hard link */
	const char *data;       /* contents, or the link target */
	size_t size;            /* for AE_IFREG with data NULL: this many 'x' */
} entry;

static size_t build(char *out, size_t cap, int zip, const entry *e, size_t n)
{
	struct archive *a = archive_write_new();
	if (zip) {
		archive_write_set_format_zip(a);
	} else {
		archive_write_set_format_pax_restricted(a);
		archive_write_add_filter_gzip(a);
	}
	size_t used = 0;
	archive_write_open_memory(a, out, cap, &used);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_perm(ae, 0644);
		if (e[i].type == 0) {
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_hardlink(ae, e[i].data);
			archive_write_header(a, ae);
		} else if (e[i].type == AE_IFLNK) {
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, e[i].data);
			archive_write_header(a, ae);
		} else if (e[i].type == AE_IFREG) {
			size_t len = e[i].data ? strlen(e[i].data) : e[i].size;
			char *buf = e[i].data ? NULL : malloc(len);
			if (buf)
				memset(buf, 'x', len);
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_size(ae, (la_int64_t)len);
			archive_write_header(a, ae);
			archive_write_data(a, e[i].data ? e[i].data : buf, len);
			free(buf);
		} else {
			archive_entry_set_filetype(ae, e[i].type);
			archive_entry_set_rdev(ae, 0x0101);
			archive_write_header(a, ae);
		}
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
	return used;
}

static const unpack_issue *issue(const unpack_result *r, const char *kind)
{
	return unpack_find_issue(r, kind);
}

static const unpack_file *file(const unpack_result *r, const char *path)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (!strcmp(r->files[i].path, path))
			return &r->files[i];
	return NULL;
}

int main(void)
{
	static char buf[4 << 20];
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return 1;
	char *target = sigma_xasprintf("%s/../sigma-unpack-escaped", cwd);
	unlink(target);

	entry evil[] = {
		{ "package/package.json", AE_IFREG, "{\"name\":\"x\"}", 0 },
		{ "package/../../sigma-unpack-escaped", AE_IFREG, "owned", 0 },
		{ "../sigma-unpack-escaped", AE_IFREG, "owned", 0 },
		{ "/tmp/sigma-unpack-absolute", AE_IFREG, "owned", 0 },
		{ "package/lib/escape", AE_IFLNK, "../../../etc/passwd", 0 },
		{ "package/abs", AE_IFLNK, "/etc/shadow", 0 },
		{ "package/bin/tool", AE_IFLNK, "../lib/tool.js", 0 },
		{ "package/hard", 0, "/etc/passwd", 0 },
		{ "package/dev", AE_IFCHR, NULL, 0 },
		{ "package/fifo", AE_IFIFO, NULL, 0 },
		{ "package/./lib//tool.js", AE_IFREG, "module.exports = 1;\n", 0 },
	};
	size_t n = build(buf, sizeof buf, 0, evil, sizeof evil / sizeof *evil);
	unpack_result r;
	ok(unpack_archive(&r, buf, n, 1, NULL) == 0, "a hostile tarball unpacks without error (%s)", sigma_error_last());
	ok(r.nfiles == 2 && file(&r, "package.json") && file(&r, "lib/tool.js"),
	   "only the two honest files are kept, names normalised and stripped (%zu)", r.nfiles);
	size_t traversal = 0;
	for (size_t i = 0; i < r.nissues; i++)
		traversal += !strcmp(r.issues[i].kind, "traversal");
	ok(traversal == 3, "'..' and absolute names are refused (%zu)", traversal);
	size_t escapes = 0;
	for (size_t i = 0; i < r.nissues; i++)
		escapes += !strcmp(r.issues[i].kind, "link-escape");
	ok(escapes == 3, "symlinks out of the package and a hard link to /etc/passwd are link escapes (%zu)", escapes);
	ok(issue(&r, "link") && strstr(issue(&r, "link")->detail, "../lib/tool.js"), "a link that stays inside is only noted");
	ok(issue(&r, "special-file") != NULL, "device files and FIFOs are refused");
	ok(access(target, F_OK) != 0 && access("/tmp/sigma-unpack-absolute", F_OK) != 0, "nothing was written outside (or at all)");
	ok(!r.partial, "no cap was reached");
	unpack_result_dispose(&r);

	entry big[] = {
		{ "package/a.js", AE_IFREG, "a", 0 },
		{ "package/huge.bin", AE_IFREG, NULL, 200000 },
		{ "package/b.js", AE_IFREG, "b", 0 },
		{ "package/c.js", AE_IFREG, "c", 0 },
	};
	n = build(buf, sizeof buf, 0, big, 4);
	unpack_limits one = { 1 << 20, 100, 100000 };
	int one_rc = unpack_archive(&r, buf, n, 1, &one);
	ok(one_rc == 0 && !r.partial && r.distinct == 4 && r.nfiles == 6 &&
	   file(&r, "huge.bin") && !unpack_file_whole(file(&r, "huge.bin")) && file(&r, "huge.bin")->size == 200000,
	   "a file over the single-file cap is kept as windows, not skipped: not partial (%zu pieces)", r.nfiles);
	unpack_result_dispose(&r);
	unpack_limits count = { 1 << 20, 2, 100000 };
	ok(unpack_archive(&r, buf, n, 1, &count) == 0 && r.partial && r.distinct == 2 && r.entries == 2 &&
	   unpack_find_issue(&r, "cap") && !strcmp(unpack_find_issue(&r, "cap")->path, "package/b.js"),
	   "the entry cap stops reading at the first entry over it, which the issue names: partial");
	unpack_result_dispose(&r);
	unpack_limits total = { 150000, 100, 1 << 20 };
	ok(unpack_archive(&r, buf, n, 1, &total) == 0 && r.partial && r.total <= 150000, "the total-size cap: partial, never over it");
	unpack_result_dispose(&r);
	/* The total cap cutting a file kept as windows (found by fuzz_unpack:
	 * the overlap of a new window once pushed the total over the cap). */
	entry cut[] = { { "package/big.js", AE_IFREG, NULL, 400000 } };
	n = build(buf, sizeof buf, 0, cut, 1);
	unpack_limits tight = { 250000, 100, 100000 };
	int cut_ok = unpack_archive(&r, buf, n, 1, &tight) == 0 && r.partial && r.total <= tight.max_total && r.nfiles;
	for (size_t i = 0; cut_ok && i < r.nfiles; i++)
		cut_ok = r.files[i].offset + r.files[i].len <= r.files[i].size && r.files[i].size < 400000;
	ok(cut_ok && strstr(issue(&r, "cap")->detail, "of 400000 bytes were reviewed"),
	   "a file cut by the total cap: never over it, windows within what was read, the issue says how much");
	unpack_result_dispose(&r);

	/* Windows: every byte of a big file is in some window, at its offset,
	 * each window knows its first line, and a needle that crosses a
	 * window boundary is whole in the next window (the overlap). */
	{
		size_t big_len = 300000;
		char *text = malloc(big_len + 1);
		for (size_t i = 0; i < big_len; i++)
			text[i] = i % 61 == 60 ? '\n' : 'a' + (char)(i % 26);
		memcpy(text + 99990, "child_process.exec(x)", 21); /* across the first boundary (100000) */
		text[big_len] = '\0';
		entry padded[] = { { "package/index.js", AE_IFREG, text, 0 } };
		n = build(buf, sizeof buf, 0, padded, 1);
		unpack_limits w = { 1 << 20, 100, 100000 };
		int windows_ok = unpack_archive(&r, buf, n, 1, &w) == 0 && r.nfiles > 1 && !r.partial;
		int crossing = 0;
		size_t covered = 0;
		for (size_t i = 0; windows_ok && i < r.nfiles; i++) {
			const unpack_file *f = &r.files[i];
			int line = 1;
			for (size_t k = 0; k < f->offset; k++)
				line += text[k] == '\n';
			if (f->len > w.max_file || f->offset > covered || memcmp(f->data, text + f->offset, f->len) ||
			    f->first_line != line || f->size != big_len)
				windows_ok = 0;
			covered = f->offset + f->len;
			crossing |= memmem(f->data, f->len, "child_process.exec(x)", 21) != NULL;
		}
		ok(windows_ok && covered == big_len, "a 300,000-byte file in 100,000-byte windows: every byte, in order, "
		   "with each window's first line (%zu windows)", r.nfiles);
		ok(crossing, "a needle across a window boundary is whole in one window");
		unpack_result_dispose(&r);
		free(text);
	}

	/* Two entries that name one file: the installers keep the last, so
	 * both are kept (and reviewed) and the duplicate is an issue. */
	entry twins[] = {
		{ "package/package.json", AE_IFREG, "{\"name\":\"x\"}", 0 },
		{ "package/index.js", AE_IFREG, "module.exports = 1;\n", 0 },
		{ "package/package.json", AE_IFREG, "{\"name\":\"x\",\"scripts\":{\"postinstall\":\"node evil.js\"}}", 0 },
	};
	n = build(buf, sizeof buf, 0, twins, 3);
	ok(unpack_archive(&r, buf, n, 1, NULL) == 0 && issue(&r, "duplicate") && r.distinct == 3 &&
	   strstr(issue(&r, "duplicate")->detail, "package/package.json") &&
	   strstr(unpack_find_file(&r, "package.json")->data, "postinstall"),
	   "a second package/package.json: a duplicate issue, both kept, the installed copy is the last");
	unpack_result_dispose(&r);
	entry other[] = {
		{ "package/package.json", AE_IFREG, "{\"name\":\"x\"}", 0 },
		{ "other/package.json", AE_IFREG, "{\"name\":\"x\",\"scripts\":{\"postinstall\":\"sh x\"}}", 0 },
		{ "package/lib/a.js", AE_IFREG, "1", 0 },
		{ "package/./lib//a.js", AE_IFREG, "2", 0 },
		{ "package/lib/b.js", AE_IFLNK, "a.js", 0 },
		{ "package/lib/b.js", AE_IFREG, "3", 0 },
		{ "package/lib/dir", AE_IFDIR, NULL, 0 },
		{ "package/lib/dir", AE_IFDIR, NULL, 0 },
	};
	n = build(buf, sizeof buf, 0, other, 8);
	size_t dups = 0;
	ok(unpack_archive(&r, buf, n, 1, NULL) == 0, "stripped, './' and '//' names unpack");
	for (size_t i = 0; i < r.nissues; i++)
		dups += !strcmp(r.issues[i].kind, "duplicate");
	ok(dups == 3 && strstr(issue(&r, "duplicate")->detail, "other/package.json"),
	   "other/package.json after package/package.json, ./ and // spellings, a link and a file: three "
	   "duplicates, directories are not (%zu)", dups);
	unpack_result_dispose(&r);
	entry cased[] = {
		{ "package/README.md", AE_IFREG, "a", 0 },
		{ "package/readme.md", AE_IFREG, "b", 0 },
	};
	n = build(buf, sizeof buf, 0, cased, 2);
	ok(unpack_archive(&r, buf, n, 1, NULL) == 0 && issue(&r, "duplicate-case") && !issue(&r, "duplicate"),
	   "names that differ only in case are duplicate-case");
	unpack_result_dispose(&r);

	/* A link-heavy archive: every entry counts, and reading stops at the
	 * cap instead of listing every link. */
	{
		struct archive *a = archive_write_new();
		archive_write_set_format_pax_restricted(a);
		archive_write_add_filter_gzip(a);
		size_t used = 0;
		archive_write_open_memory(a, buf, sizeof buf, &used);
		for (int i = 0; i < 30000; i++) {
			struct archive_entry *ae = archive_entry_new();
			char nm[64];
			snprintf(nm, sizeof nm, "package/l%d", i);
			archive_entry_set_pathname(ae, nm);
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_perm(ae, 0777);
			archive_entry_set_symlink(ae, "index.js");
			archive_write_header(a, ae);
			archive_entry_free(ae);
		}
		archive_write_close(a);
		archive_write_free(a);
		int64_t t0 = sigma_now_ms();
		int links_rc = unpack_archive(&r, buf, used, 1, NULL);
		int64_t ms = sigma_now_ms() - t0;
		ok(links_rc == 0 && r.partial && r.entries == 20000 && r.nissues == 20001 && issue(&r, "cap"),
		   "30,000 symlinks: stopped at the 20,000-entry cap, partial (%zu entries, %zu issues)", r.entries,
		   r.nissues);
		ok(ms < 5000, "... in %lld ms", (long long)ms);
		unpack_result_dispose(&r);
	}

	entry wheel[] = {
		{ "pkg/__init__.py", AE_IFREG, "print('hi')\n", 0 },
		{ "pkg-1.0.dist-info/METADATA", AE_IFREG, "Name: pkg\n", 0 },
		{ "../evil.py", AE_IFREG, "x", 0 },
	};
	n = build(buf, sizeof buf, 1, wheel, 3);
	ok(unpack_archive(&r, buf, n, 0, NULL) == 0 && r.nfiles == 2 && file(&r, "pkg/__init__.py") && issue(&r, "traversal"),
	   "a zip (wheel) unpacks, with the same checks");
	unpack_result_dispose(&r);

	sigma_buf real = SIGMA_BUF_INIT;
	ok(sigma_buf_read_file(&real, "tests/fixtures/registry/npm/debug-4.3.4.tgz") == 0 &&
	   unpack_archive(&r, real.ptr, real.len, 1, NULL) == 0 && file(&r, "package.json") && file(&r, "src/index.js") &&
	   r.nissues == 0, "the real debug tarball: package/ stripped, no issues (%zu files)", r.nfiles);
	unpack_result_dispose(&r);
	sigma_buf_dispose(&real);

	ok(unpack_archive(&r, "this is not an archive at all", 29, 1, NULL) == SIGMA_EINVALID, "garbage is EINVALID: %s",
	   sigma_error_last());
	unpack_result_dispose(&r);
	free(target);
	return tap_done();
}
