/* output.h: `sigma scan --format`: the judgement written for the tools
 * that read it, besides the human report (report.h) and the submission
 * certificate (certificate.h).
 *
 *   sarif      SARIF 2.1.0: one result per package that refuses or warns,
 *              at the line of the lockfile that declares it (and, for a
 *              direct dependency, the manifest line as a related location),
 *              for code-scanning views;
 *   cyclonedx  CycloneDX 1.5 JSON: every package, its hashes, the graph,
 *              and the advisories as vulnerabilities;
 *   spdx       SPDX 2.3 JSON: every package and the DEPENDS_ON graph;
 *   markdown   the short summary a pull-request comment shows.
 *
 * Every writer reads only the judgement and the scan set; the lockfile
 * texts (for line numbers) come through a callback, so a directory and a
 * commit are written the same way. */
#ifndef SIGMA_OUTPUT_H
#define SIGMA_OUTPUT_H
#include <stddef.h>
#include "common/buf.h"
#include "hook/policy.h"
#include "hook/repo.h"
#include "hook/scan.h"

typedef enum output_format {
	OUTPUT_TABLE = 0, /* report_print: the default */
	OUTPUT_JSON,      /* the submission certificate */
	OUTPUT_SARIF,
	OUTPUT_CYCLONEDX,
	OUTPUT_SPDX,
	OUTPUT_MARKDOWN
} output_format;

/* The format named `name`: 0 and *out, or SIGMA_EUSAGE (message set). */
int output_format_parse(output_format *out, const char *name);

/* What was judged, for the documents' headers. */
typedef struct output_subject {
	const char *name;     /* the directory, or the repository */
	const char *rev;      /* the revision asked for, or NULL */
	const char *commit;   /* or NULL */
	long long now;        /* seconds since the epoch: the documents' timestamp */
	/* Read a file of the judged tree (a lockfile or a manifest) into
	 * `out`: 0, or a negative code. May be NULL: every location is then
	 * line 1. */
	int (*read_file)(void *ctx, const char *path, sigma_buf *out);
	void *ctx;
} output_subject;

/* Append the document for `f` (SARIF, CycloneDX, SPDX or markdown) to
 * `out`. 0, SIGMA_EINVALID for TABLE/JSON (not written here), or
 * SIGMA_ETOOBIG past the buffer's cap, with nothing promised about `out`. */
int output_write(sigma_buf *out, output_format f, const judgement *j, const scan_set *s,
                 const output_subject *subj);

/* A reader for output_subject.read_file: a file of a commit's tree when
 * `repo` is set, else a file beneath the directory `rootfd`, following no
 * symbolic link on the way (treepath_open), as the scan itself did. */
typedef struct output_tree {
	sigma_repo *repo;
	const char *tree;
	int rootfd;
} output_tree;
int output_read_file(void *ctx, const char *path, sigma_buf *out);

/* ---------------------------------------------------------------- files
 *
 * `-o FILE` is written atomically: into a temporary file beside it, then
 * renamed over it, so a reader sees the old file or the whole new one,
 * never half a report, and a failed run leaves the old file as it was. */
typedef struct output_file {
	char *path;  /* the destination */
	char *tmp;   /* the temporary beside it */
	int fd;
} output_file;

/* Create the temporary for `path`. 0, or SIGMA_EIO naming it. */
int output_file_open(output_file *f, const char *path);
/* fsync and rename the temporary over the destination. 0 or SIGMA_EIO;
 * either way the file is closed and the temporary gone. */
int output_file_commit(output_file *f);
/* Remove the temporary (NULL-safe, after a failure). */
void output_file_abort(output_file *f);
/* Write `len` bytes to the temporary: 0 or SIGMA_EIO. */
int output_file_write(output_file *f, const void *data, size_t len);

#endif
