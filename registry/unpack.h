/* unpack.h: a package archive (npm .tgz, sdist .tar.gz / .zip, wheel)
 * unpacked into memory, safely.
 *
 * Nothing is ever written to disk, so an entry cannot land outside the
 * package whatever its name says; still, the names are checked, because a
 * registry artefact crafted to escape its directory is itself evidence:
 *   - absolute paths and ".." components are refused (issue "traversal");
 *   - symbolic and hard links are never followed or materialised; one
 *     whose target leaves the package is an issue ("link-escape"), others
 *     are noted ("link");
 *   - device files, FIFOs and sockets are refused ("special-file");
 *   - two entries that name the same file once cleaned ("package/x" and
 *     "other/x" after the first component is stripped, "./x", "a//x",
 *     "a\\x") are an issue ("duplicate"): npm's node-tar, GNU tar and
 *     pip's zipfile keep the last one, so a reader of the first one would
 *     review something else than what gets installed. Names that differ
 *     only in ASCII case are "duplicate-case": one file on macOS and
 *     Windows. Every copy is kept, so every copy is reviewed;
 *   - caps: every entry (files, links, directories, devices) counts
 *     against the entry cap, and the archive is no longer read once the
 *     entry cap or the total is reached ("cap"; `partial`). A file bigger
 *     than the single-file cap is not skipped: it is kept as several
 *     windows of at most that size that overlap (see unpack_file), so the
 *     reviewers see every byte of it; only what the total cap leaves out
 *     is not reviewed, and each "cap" issue names it.
 * libarchive types stay in unpack.c. */
#ifndef SIGMA_REGISTRY_UNPACK_H
#define SIGMA_REGISTRY_UNPACK_H
#include <stddef.h>

typedef struct unpack_limits {
	size_t max_total;   /* default 64 MiB */
	size_t max_files;   /* entries of any type, default 20,000 */
	size_t max_file;    /* one window of a file, default 16 MiB */
} unpack_limits;

#define UNPACK_LIMITS_DEFAULT { (size_t)64 << 20, 20000, (size_t)16 << 20 }

/* One file, or one window of a file over the single-file cap. Windows of
 * one file are consecutive in unpack_result.files, share the path, start
 * at `offset` and overlap the previous window by UNPACK_OVERLAP bytes (a
 * quarter of the window at most), so a pattern or a line shorter than the
 * overlap that crosses a window boundary is whole in one of them. */
typedef struct unpack_file {
	char *path;         /* relative, normalised, leading component stripped if asked */
	char *data;         /* NUL-terminated copy of the contents (of this window) */
	size_t len;
	size_t offset;      /* where data[0] is in the file: 0, or later for a window */
	size_t size;        /* bytes of the file that were read (== len for a whole file) */
	int first_line;     /* the line number of data[0]; 0 means 1 */
} unpack_file;

#define UNPACK_OVERLAP ((size_t)1 << 20)

/* Non-zero when `f` holds the whole file (not a window). */
int unpack_file_whole(const unpack_file *f);

typedef struct unpack_issue {
	char *kind;         /* "traversal", "link-escape", "link", "special-file", "duplicate",
	                       "duplicate-case", "cap" */
	char *path;         /* the entry's name as the archive gives it */
	char *detail;
} unpack_issue;

typedef struct unpack_result {
	unpack_file *files;
	size_t nfiles;
	unpack_issue *issues;
	size_t nissues;
	size_t total;       /* bytes kept (overlaps of windows counted twice) */
	size_t entries;     /* entries seen */
	size_t distinct;    /* files kept, each counted once however many windows */
	int partial;        /* a cap was reached */
	char *format;       /* libarchive's name of the format, e.g. "GNU tar format" */
} unpack_result;

/* Unpack `len` bytes of an archive. `strip` drops that many leading path
 * components (npm's "package/", an sdist's "name-version/"). Returns 0,
 * or SIGMA_EINVALID when the bytes are not a readable archive (what was
 * read before the damage is kept and `partial` is set). *out is the
 * caller's (unpack_result_dispose). */
int unpack_archive(unpack_result *out, const void *data, size_t len, int strip, const unpack_limits *lim);
void unpack_result_dispose(unpack_result *r);

/* The file an installer ends up with at `path`: of several entries of
 * that name, the last (node-tar, GNU tar and zipfile keep the last); of a
 * file kept as windows, the first window. NULL when there is none. */
const unpack_file *unpack_find_file(const unpack_result *r, const char *path);

/* The first issue of `kind`, or NULL. */
const unpack_issue *unpack_find_issue(const unpack_result *r, const char *kind);

/* Stream the regular files of the archive at `path` (tar or zip, any
 * compression) to `fn` one at a time, each at most `max_entry` bytes
 * (bigger ones are skipped and counted in *skipped). Names are checked as
 * above; refused entries are skipped. fn's non-zero return stops the walk
 * and is returned. Used for feeds too big to hold at once (OSV exports). */
typedef int (*unpack_visit_fn)(void *ctx, const char *name, const char *data, size_t len);
int unpack_visit_file(const char *path, size_t max_entry, unpack_visit_fn fn, void *ctx, size_t *skipped);

#endif
