/* review.h: the council of reviewers, and what they share.
 *
 * A reviewer reads one unpacked package and returns findings: a code, a
 * severity, file:line where it knows them, and a message. Reviewers are
 * independent on purpose: each one looks at the package from one angle
 * (install scripts, network, process execution, credentials, obfuscation,
 * typosquatting, known malware, the archive itself, data flow, metadata),
 * none sees another's
 * findings, and the consensus policy (consensus.h, docs/COUNCIL.md) is the
 * only place where their findings meet.
 *
 * Each reviewer is one module, review_<angle>.c, exporting a `reviewer`
 * (the way each lockfile format exports a lockfile_format); review.c holds
 * the council table and the scanning helpers. */
#ifndef SIGMA_REGISTRY_REVIEW_H
#define SIGMA_REGISTRY_REVIEW_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "registry/db.h"
#include "registry/unpack.h"

typedef enum review_severity {
	SEV_CLEAR = 0, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL
} review_severity;

/* "CLEAR", "LOW", "MEDIUM", "HIGH", "CRITICAL". */
const char *review_severity_name(review_severity s);
/* The severity named `s` (case-insensitive; "MODERATE" is MEDIUM), or -1. */
int review_severity_parse(const char *s);

typedef struct review_finding {
	const char *reviewer;     /* the reviewer's static name */
	char *code;
	review_severity severity;
	char *file;               /* or NULL */
	int line;                 /* 0 when unknown */
	char *message;
} review_finding;

typedef struct review_findings {
	review_finding *items;
	size_t n, cap;
} review_findings;

void review_findings_add(review_findings *f, const char *who, const char *code, review_severity sev,
                         const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void review_findings_dispose(review_findings *f);

/* What a reviewer gets. */
typedef struct review_package {
	const char *ecosystem;       /* "npm" or "pypi" */
	const char *name;
	const char *version;
	const char *filename;        /* the distribution's file name ("x-1.0-py3-none-any.whl") */
	const unpack_result *files;  /* the unpacked distribution */
	const cJSON *metadata;       /* the registry's version document (npm) or JSON `info` (PyPI), or NULL */
	registry *reg;               /* the Package Trust Registry, or NULL */
} review_package;

typedef struct reviewer {
	const char *name;
	/* Append findings to `out`. 0, or negative when the reviewer could not
	 * do its job (the council records that as a finding of its own). */
	int (*review)(review_findings *out, const review_package *pkg);
} reviewer;

extern const reviewer review_install;
extern const reviewer review_network;
extern const reviewer review_exec;
extern const reviewer review_credentials;
extern const reviewer review_obfuscation;
extern const reviewer review_typosquat;
extern const reviewer review_malware;
extern const reviewer review_archive;
extern const reviewer review_flow;
extern const reviewer review_metadata;

/* The council, in order; *n gets the count. */
const reviewer *const *review_council(size_t *n);

/* Run every reviewer on `pkg`. A reviewer that fails adds a MEDIUM
 * "reviewer-error" finding instead of stopping the council. */
void review_run_council(review_findings *out, const review_package *pkg);

/* ---------------------------------------------------------------- scanning */

enum { REVIEW_JS = 1, REVIEW_PY = 2, REVIEW_SH = 4, REVIEW_ANY = 7 };

/* The language a file is reviewed as (REVIEW_*), or 0 for files the
 * source reviewers skip (docs, data, type declarations, source maps). */
unsigned review_lang(const char *path);

/* A substring to look for in source files. */
typedef struct review_pattern {
	const char *needle;
	unsigned langs;              /* REVIEW_* mask */
	unsigned flags;              /* REVIEW_WORD: an identifier must not continue to the left;
	                                REVIEW_NODOT: ... nor be a member (".eval(") */
	review_severity severity;
	const char *code;
	const char *message;
} review_pattern;

enum { REVIEW_WORD = 1, REVIEW_NODOT = 2 };

/* Called for each hit (at most `max_hits` per pattern per file); `line`
 * is 1-based (counted from f->first_line for a window of a big file) and
 * [line_start, line_end) is the hit's line, cut at the window's edge when
 * the line is longer than the windows' overlap. Comment lines
 * ("//", "#", "*" first) are skipped. */
typedef void (*review_hit_fn)(void *ctx, const unpack_file *f, const review_pattern *p, int line,
                              const char *line_start, const char *line_end);
void review_scan(const unpack_file *f, const review_pattern *pats, size_t n, int max_hits,
                 review_hit_fn fn, void *ctx);

/* Lex a source file of `lang` (REVIEW_JS, _PY, _SH): *code gets a copy of
 * the `len` bytes with comments replaced by spaces (newlines kept, so
 * offsets and lines stay those of the file), *mask one REVIEW_LEX_* per
 * byte. JavaScript strings, template literals and regular expression
 * literals (by the token before the '/') and Python's triple-quoted
 * strings are recognised; a template's ${} is taken as string. Both
 * buffers are the caller's (free), NUL-terminated. Never fails. */
enum { REVIEW_LEX_CODE = 0, REVIEW_LEX_STRING = 1, REVIEW_LEX_COMMENT = 2, REVIEW_LEX_REGEX = 3 };
void review_lex(const char *data, size_t len, unsigned lang, char **code, char **mask);

/* Non-zero when [s, e) contains `needle` (case-sensitive). */
int review_span_has(const char *s, const char *e, const char *needle);

/* Network patterns, shared with the credentials reviewer (flows to the
 * network in the same file). */
extern const review_pattern review_network_patterns[];
extern const size_t review_network_npatterns;
/* Non-zero when `f` makes network calls by those patterns. */
int review_file_uses_network(const unpack_file *f);

/* The popular package list the typosquatting reviewer checks against
 * (registry/popular-packages.txt, embedded at build time): calls fn for
 * each (ecosystem, name). Exposed for its test. */
size_t review_popular_count(void);

#endif
