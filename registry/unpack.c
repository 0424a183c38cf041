/* unpack.c: see unpack.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/strmap.h"
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

/* The checks every entry goes through. Returns 1 for a regular file to
 * read, 0 for an entry that is skipped (the reason recorded in r when r is
 * not NULL). *out gets the cleaned name of every entry whose name is safe
 * and not empty, links and special files included, so that the caller can
 * tell when two entries name the same file; NULL otherwise. The caller
 * frees it. */
static int admit(char **out, unpack_result *r, struct archive_entry *e, int strip)
{
	const char *raw = archive_entry_pathname(e);
	char *name = clean_name(raw, strip);
	*out = NULL;
	if (!name) {
		if (r)
			add_issue(r, "traversal", raw, "absolute path or '..' component");
		return 0;
	}
	if (!*name) {
		free(name);
		return 0;
	}
	*out = name;
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
		return 0;
	}
	if (type == AE_IFDIR) {
		/* Directories merge on extraction: two of one name are harmless. */
		free(name);
		*out = NULL;
		return 0;
	}
	if (type != AE_IFREG) {
		if (r)
			add_issue(r, "special-file", raw, "device, FIFO or socket");
		return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- duplicates */

/* Names seen so far: the cleaned name, and the same folded to ASCII lower
 * case, each mapped to the raw name of the entry that used it first (an
 * owned copy, freed by names_dispose). */
typedef struct names {
	strmap exact, folded;
} names;

static void names_dispose(names *n)
{
	strmap *maps[2] = { &n->exact, &n->folded };
	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < maps[m]->cap; i++)
			if (maps[m]->keys[i])
				free(maps[m]->values[i]);
		strmap_dispose(maps[m]);
	}
}

/* Record that the entry `raw` names `name`; an issue when an earlier entry
 * named the same file. Installers keep the last entry of a name, so the
 * message names both: what a reader of the first would see is not what is
 * installed. */
static void note_name(names *n, unpack_result *r, const char *name, const char *raw)
{
	char *folded = sigma_xstrdup(name);
	for (char *p = folded; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	const char *first = strmap_get(&n->exact, name);
	const char *first_folded = strmap_get(&n->folded, folded);
	if (first) {
		char *detail = sigma_xasprintf("\"%s\" and \"%s\" are both %s; an installer keeps the last", first,
		                               raw, name);
		add_issue(r, "duplicate", raw, detail);
		free(detail);
	} else if (first_folded) {
		char *detail = sigma_xasprintf("\"%s\" and \"%s\" differ only in case: one file on a case-insensitive "
		                               "file system, where the last wins", first_folded, raw);
		add_issue(r, "duplicate-case", raw, detail);
		free(detail);
	}
	if (!first)
		strmap_put(&n->exact, name, sigma_xstrdup(raw));
	if (!first_folded)
		strmap_put(&n->folded, folded, sigma_xstrdup(raw));
	free(folded);
}

/* ---------------------------------------------------------------- windows */

int unpack_file_whole(const unpack_file *f) { return f->offset == 0 && f->len == f->size; }

static void push_window(unpack_result *out, const char *name, sigma_buf *b, size_t offset, int first_line)
{
	out->files = sigma_xrealloc(out->files, (out->nfiles + 1) * sizeof *out->files);
	unpack_file *f = &out->files[out->nfiles++];
	if (!b->ptr)
		sigma_buf_puts(b, "");
	f->path = sigma_xstrdup(name);
	f->len = b->len;
	f->data = sigma_buf_steal(b);
	f->offset = offset;
	f->size = 0; /* set when the whole file has been read */
	f->first_line = first_line;
	out->total += f->len;
}

/* Read the current entry as windows of at most lim->max_file bytes, each
 * starting `lap` bytes before the end of the previous one, so that a file
 * of any size is reviewed whole as long as the total cap allows. Returns
 * 0; SIGMA_ETOOBIG when the total cap cut the file (what was read is kept,
 * *read says how much); SIGMA_EINVALID when the data is damaged. */
static int read_windows(unpack_result *out, struct archive *a, const char *name, const unpack_limits *lim,
                        size_t *read)
{
	size_t win = lim->max_file ? lim->max_file : 1;
	size_t lap = win / 4 < UNPACK_OVERLAP ? win / 4 : UNPACK_OVERLAP;
	size_t first = out->nfiles, offset = 0;
	int line = 1, rc = 0;
	char chunk[65536];
	sigma_buf b;
	sigma_buf_init(&b, win);
	*read = 0;
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, sizeof chunk);
		if (n == 0)
			break;
		if (n < 0) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s",
			                     archive_error_string(a) ? archive_error_string(a) : "read error");
			break;
		}
		for (size_t used = 0; used < (size_t)n;) {
			if (b.len == win) {
				/* Full, and there is more: keep it and start the next window
				 * with its last `lap` bytes, if the total cap leaves room for
				 * them and at least one byte more (the overlap is kept
				 * twice, so it counts twice). */
				if (out->total + win + lap >= lim->max_total) {
					rc = SIGMA_ETOOBIG;
					break;
				}
				int next_line = line;
				for (const char *p = b.ptr; p < b.ptr + win - lap; p++)
					next_line += *p == '\n';
				sigma_buf tail;
				sigma_buf_init(&tail, win);
				sigma_buf_put(&tail, b.ptr + win - lap, lap);
				push_window(out, name, &b, offset, line);
				b = tail;
				offset += win - lap;
				line = next_line;
			}
			size_t take = (size_t)n - used < win - b.len ? (size_t)n - used : win - b.len;
			if (out->total + b.len + take > lim->max_total) {
				size_t fits = lim->max_total - out->total - b.len;
				sigma_buf_put(&b, chunk + used, fits);
				*read += fits;
				rc = SIGMA_ETOOBIG;
				break;
			}
			sigma_buf_put(&b, chunk + used, take);
			used += take;
			*read += take;
		}
		if (rc)
			break;
	}
	if (b.len || first == out->nfiles)
		push_window(out, name, &b, offset, line);
	sigma_buf_dispose(&b);
	for (size_t i = first; i < out->nfiles; i++)
		out->files[i].size = *read;
	out->distinct++;
	return rc;
}

/* ---------------------------------------------------------------- unpack */

/* A cap stopped the reading at entry `raw`; `detail` (taken) says what
 * was not reviewed. */
static void cap_issue(unpack_result *out, const char *raw, char *detail)
{
	add_issue(out, "cap", raw, detail);
	free(detail);
	out->partial = 1;
}

int unpack_archive(unpack_result *out, const void *data, size_t len, int strip, const unpack_limits *lim)
{
	static const unpack_limits defaults = UNPACK_LIMITS_DEFAULT;
	if (!lim)
		lim = &defaults;
	memset(out, 0, sizeof *out);
	names seen;
	strmap_init(&seen.exact);
	strmap_init(&seen.folded);
	struct archive *a = reader_new();
	if (!a) {
		names_dispose(&seen);
		return sigma_error_set(SIGMA_EIO, "libarchive: out of memory");
	}
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
		const char *raw = archive_entry_pathname(e);
		/* Every entry counts, whatever its type: a million symlinks cost
		 * as much to list as a million files. Checked before anything is
		 * recorded about the entry, so the issues stay bounded too. */
		if (out->entries >= lim->max_files) {
			cap_issue(out, raw, sigma_xasprintf("the archive has more than %zu entries: this one and every "
			                                    "later one were not read", lim->max_files));
			break;
		}
		out->entries++;
		if (out->total >= lim->max_total) {
			cap_issue(out, raw, sigma_xasprintf("the total cap of %zu bytes was reached: this entry and "
			                                    "every later one were not read", lim->max_total));
			break;
		}
		char *name = NULL;
		int regular = admit(&name, out, e, strip);
		if (name)
			note_name(&seen, out, name, raw);
		if (!regular) {
			free(name);
			continue;
		}
		la_int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
		size_t got = 0;
		int drc = read_windows(out, a, name, lim, &got);
		if (drc == SIGMA_ETOOBIG) {
			if (declared >= 0)
				cap_issue(out, raw, sigma_xasprintf("only the first %zu of %lld bytes were reviewed: the total cap "
				                                    "of %zu bytes was reached; later entries were not read",
				                                    got, (long long)declared, lim->max_total));
			else
				cap_issue(out, raw, sigma_xasprintf("only the first %zu bytes were reviewed: the total cap of %zu "
				                                    "bytes was reached; later entries were not read",
				                                    got, lim->max_total));
			free(name);
			sigma_error_clear();
			break;
		}
		if (drc) {
			rc = sigma_error_wrap(drc, "%s: ", name);
			out->partial = 1;
			free(name);
			break;
		}
		free(name);
	}
out:
	archive_read_free(a);
	names_dispose(&seen);
	return rc;
}

const unpack_file *unpack_find_file(const unpack_result *r, const char *path)
{
	const unpack_file *found = NULL;
	for (size_t i = 0; r && i < r->nfiles; i++)
		if (r->files[i].offset == 0 && !strcmp(r->files[i].path, path))
			found = &r->files[i];
	return found;
}

const unpack_issue *unpack_find_issue(const unpack_result *r, const char *kind)
{
	for (size_t i = 0; i < r->nissues; i++)
		if (!strcmp(r->issues[i].kind, kind))
			return &r->issues[i];
	return NULL;
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
		char *name = NULL;
		if (!admit(&name, NULL, e, 0)) {
			if (skipped && archive_entry_filetype(e) != AE_IFDIR)
				(*skipped)++;
			free(name);
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
