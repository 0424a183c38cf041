/* unpack.c: see unpack.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/util.h"
#include "registry/unpack.h"

/* ---------------------------------------------------------------- names */

/* Normalise an entry name: drop "./" and empty components, refuse
 * absolute names and "..". Writes the result into a new string, or
 * returns NULL when the name is unsafe. `strip` components are removed
 * first; a name with nothing left after stripping yields "". */
static char *clean_name(const char *name, int strip)
{
	if (!name || name[0] == '/' || name[0] == '\\')
		return NULL;
	sigma_buf b = SIGMA_BUF_INIT;
	sigma_buf_puts(&b, "");
	int comp = 0;
	for (const char *p = name; *p;) {
		size_t n = strcspn(p, "/\\");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			sigma_buf_dispose(&b);
			return NULL;
		}
		if (n && !(n == 1 && p[0] == '.')) {
			if (comp++ >= strip) {
				if (b.len)
					sigma_buf_putc(&b, '/');
				sigma_buf_put(&b, p, n);
			}
		}
		p += n;
		if (*p)
			p++;
	}
	return sigma_buf_steal(&b);
}

/* Does a link at `from` (a cleaned path) pointing at `target` stay inside
 * the package root? Resolved lexically: links are never followed. */
static int link_inside(const char *from, const char *target)
{
	if (!target || !*target || target[0] == '/')
		return 0;
	int depth = 0;
	for (const char *p = from; *p; p++) /* the link's own directory depth */
		if (*p == '/')
			depth++;
	for (const char *p = target; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return 0;
		} else if (n && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		if (*p)
			p++;
	}
	return 1;
}

static void add_issue(unpack_result *r, const char *kind, const char *path, const char *detail)
{
	r->issues = sigma_xrealloc(r->issues, (r->nissues + 1) * sizeof *r->issues);
	unpack_issue *i = &r->issues[r->nissues++];
	i->kind = sigma_xstrdup(kind);
	i->path = sigma_xstrdup(path ? path : "?");
	i->detail = sigma_xstrdup(detail ? detail : "");
}

/* ---------------------------------------------------------------- reading */

static struct archive *reader_new(void)
{
	struct archive *a = archive_read_new();
	if (!a)
		return NULL;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_zip(a);
	return a;
}

/* Read the current entry's data into b (capped at `max`); 0, SIGMA_ETOOBIG
 * (the rest is skipped) or SIGMA_EINVALID. */
static int read_data(struct archive *a, sigma_buf *b, size_t max)
{
	char chunk[65536];
	sigma_buf_init(b, max);
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, sizeof chunk);
		if (n == 0)
			break;
		if (n < 0)
			return sigma_error_set(SIGMA_EINVALID, "%s", archive_error_string(a) ? archive_error_string(a) : "read error");
		if (sigma_buf_put(b, chunk, (size_t)n) != 0)
			return SIGMA_ETOOBIG;
	}
	if (!b->ptr)
		sigma_buf_puts(b, "");
	return 0;
}

/* The checks every entry goes through. Returns the cleaned name (caller
 * frees) of a regular file to read, or NULL when the entry is skipped
 * (the reason recorded in r when r is not NULL). */
static char *admit(unpack_result *r, struct archive_entry *e, int strip)
{
	const char *raw = archive_entry_pathname(e);
	char *name = clean_name(raw, strip);
	if (!name) {
		if (r)
			add_issue(r, "traversal", raw, "absolute path or '..' component");
		return NULL;
	}
	const char *hard = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);
	if (hard || type == AE_IFLNK) {
		const char *target = hard ? hard : archive_entry_symlink(e);
		int inside;
		if (hard) {
			/* A hard link names another entry of the archive. */
			char *t = clean_name(target, 0);
			inside = t != NULL;
			free(t);
		} else {
			inside = link_inside(name, target);
		}
		if (r) {
			char *detail = sigma_xasprintf("%s link to %s", hard ? "hard" : "symbolic", target ? target : "?");
			add_issue(r, inside ? "link" : "link-escape", raw, detail);
			free(detail);
		}
		free(name);
		return NULL;
	}
	if (type == AE_IFDIR) {
		free(name);
		return NULL;
	}
	if (type != AE_IFREG) {
		if (r)
			add_issue(r, "special-file", raw, "device, FIFO or socket");
		free(name);
		return NULL;
	}
	if (!*name) {
		free(name);
		return NULL;
	}
	return name;
}

int unpack_archive(unpack_result *out, const void *data, size_t len, int strip, const unpack_limits *lim)
{
	static const unpack_limits defaults = UNPACK_LIMITS_DEFAULT;
	if (!lim)
		lim = &defaults;
	memset(out, 0, sizeof *out);
	struct archive *a = reader_new();
	if (!a)
		return sigma_error_set(SIGMA_EIO, "libarchive: out of memory");
	int rc = 0;
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		rc = sigma_error_set(SIGMA_EINVALID, "not a readable archive: %s",
		                     archive_error_string(a) ? archive_error_string(a) : "unknown format");
		goto out;
	}
	struct archive_entry *e;
	for (;;) {
		int st = archive_read_next_header(a, &e);
		if (st == ARCHIVE_EOF)
			break;
		if (st < ARCHIVE_WARN) {
			rc = sigma_error_set(SIGMA_EINVALID, "damaged archive after %zu entries: %s", out->entries,
			                     archive_error_string(a) ? archive_error_string(a) : "read error");
			out->partial = 1;
			break;
		}
		if (!out->format && archive_format_name(a))
			out->format = sigma_xstrdup(archive_format_name(a));
		out->entries++;
		char *name = admit(out, e, strip);
		if (!name)
			continue;
		if (out->nfiles >= lim->max_files || out->total >= lim->max_total) {
			char *detail = sigma_xasprintf("stopped at %zu files / %zu bytes (caps %zu files, %zu bytes)",
			                               out->nfiles, out->total, lim->max_files, lim->max_total);
			add_issue(out, "cap", archive_entry_pathname(e), detail);
			free(detail);
			free(name);
			out->partial = 1;
			break;
		}
		/* Refuse before reading when the header already says it is too big. */
		la_int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
		size_t room = lim->max_total - out->total;
		size_t max = lim->max_file < room ? lim->max_file : room;
		sigma_buf b = SIGMA_BUF_INIT;
		int drc = declared > (la_int64_t)max ? SIGMA_ETOOBIG : read_data(a, &b, max);
		if (drc == SIGMA_ETOOBIG) {
			char *detail = sigma_xasprintf("file over the cap of %zu bytes, not analysed", max);
			add_issue(out, "cap", archive_entry_pathname(e), detail);
			free(detail);
			out->partial = 1;
			sigma_buf_dispose(&b);
			free(name);
			sigma_error_clear();
			continue;
		}
		if (drc) {
			rc = sigma_error_wrap(drc, "%s: ", name);
			out->partial = 1;
			sigma_buf_dispose(&b);
			free(name);
			break;
		}
		out->files = sigma_xrealloc(out->files, (out->nfiles + 1) * sizeof *out->files);
		unpack_file *f = &out->files[out->nfiles++];
		f->path = name;
		f->len = b.len;
		f->data = sigma_buf_steal(&b);
		out->total += f->len;
	}
out:
	archive_read_free(a);
	return rc;
}

void unpack_result_dispose(unpack_result *r)
{
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i].path);
		free(r->files[i].data);
	}
	for (size_t i = 0; i < r->nissues; i++) {
		free(r->issues[i].kind);
		free(r->issues[i].path);
		free(r->issues[i].detail);
	}
	free(r->files);
	free(r->issues);
	free(r->format);
	memset(r, 0, sizeof *r);
}

int unpack_visit_file(const char *path, size_t max_entry, unpack_visit_fn fn, void *ctx, size_t *skipped)
{
	struct archive *a = reader_new();
	if (!a)
		return sigma_error_set(SIGMA_EIO, "libarchive: out of memory");
	int rc = 0;
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		rc = sigma_error_set(SIGMA_EINVALID, "%s: not a readable archive: %s", path,
		                     archive_error_string(a) ? archive_error_string(a) : "unknown format");
		goto out;
	}
	struct archive_entry *e;
	for (;;) {
		int st = archive_read_next_header(a, &e);
		if (st == ARCHIVE_EOF)
			break;
		if (st < ARCHIVE_WARN) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s: damaged archive: %s", path,
			                     archive_error_string(a) ? archive_error_string(a) : "read error");
			break;
		}
		char *name = admit(NULL, e, 0);
		if (!name) {
			if (skipped && archive_entry_filetype(e) != AE_IFDIR)
				(*skipped)++;
			continue;
		}
		sigma_buf b = SIGMA_BUF_INIT;
		int drc = read_data(a, &b, max_entry);
		if (drc == SIGMA_ETOOBIG) {
			if (skipped)
				(*skipped)++;
			sigma_error_clear();
		} else if (drc) {
			rc = sigma_error_wrap(drc, "%s: %s: ", path, name);
		} else {
			rc = fn(ctx, name, b.ptr, b.len);
		}
		sigma_buf_dispose(&b);
		free(name);
		if (rc)
			break;
	}
out:
	archive_read_free(a);
	return rc;
}
