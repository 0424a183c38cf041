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
 *   - caps on the total unpacked size, the file count and one file's
 *     size: a file over the single-file cap is skipped, and the archive is
 *     no longer read once the total or the count is reached; either way
 *     the result is `partial` (analysis_type PARTIAL).
 * libarchive types stay in unpack.c. */
#ifndef SIGMA_REGISTRY_UNPACK_H
#define SIGMA_REGISTRY_UNPACK_H
#include <stddef.h>

typedef struct unpack_limits {
	size_t max_total;   /* default 64 MiB */
	size_t max_files;   /* default 20,000 */
	size_t max_file;    /* default 16 MiB */
} unpack_limits;

#define UNPACK_LIMITS_DEFAULT { (size_t)64 << 20, 20000, (size_t)16 << 20 }

typedef struct unpack_file {
	char *path;         /* relative, normalised, leading component stripped if asked */
	char *data;         /* NUL-terminated copy of the contents */
	size_t len;
} unpack_file;

typedef struct unpack_issue {
	char *kind;         /* "traversal", "link-escape", "link", "special-file", "cap" */
	char *path;         /* the entry's name as the archive gives it */
	char *detail;
} unpack_issue;

typedef struct unpack_result {
	unpack_file *files;
	size_t nfiles;
	unpack_issue *issues;
	size_t nissues;
	size_t total;       /* bytes kept */
	size_t entries;     /* entries seen */
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

/* Stream the regular files of the archive at `path` (tar or zip, any
 * compression) to `fn` one at a time, each at most `max_entry` bytes
 * (bigger ones are skipped and counted in *skipped). Names are checked as
 * above; refused entries are skipped. fn's non-zero return stops the walk
 * and is returned. Used for feeds too big to hold at once (OSV exports). */
typedef int (*unpack_visit_fn)(void *ctx, const char *name, const char *data, size_t len);
int unpack_visit_file(const char *path, size_t max_entry, unpack_visit_fn fn, void *ctx, size_t *skipped);

#endif
