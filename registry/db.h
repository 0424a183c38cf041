/* db.h: the Package Trust Registry, a SQLite file.
 *
 * What it keeps:
 *   - package certificates (BRIEF §3), one row per (ecosystem, name,
 *     version, distribution_sha256), the certificate itself as JSON;
 *   - blocks: an admin's (or a malware feed's) word that a version, or
 *     every version ('*'), must not be used;
 *   - the hook's caches: parsed lockfile graphs by blob id, and the
 *     lockfile list of each tree;
 *   - submission certificates, one per (repository, ref, commit); their
 *     packages member (most of a certificate) is kept once per distinct
 *     list in certificate_parts and spliced back by the view
 *     submission_certificates, which is what readers select from.
 *
 * Concurrency: WAL mode, so any number of hook processes read while one
 * writer writes; writers wait up to a busy timeout rather than fail. The
 * schema version is PRAGMA user_version and migrations run in order, each
 * in its own transaction. SQLite types stay inside db.c. */
#ifndef SIGMA_REGISTRY_DB_H
#define SIGMA_REGISTRY_DB_H
#include <stddef.h>
#include <stdint.h>

typedef struct registry registry;

enum {
	REGISTRY_READWRITE = 0,   /* an existing, initialised registry, read-write */
	REGISTRY_READONLY = 1,    /* the same, read-only */
	REGISTRY_CREATE = 2,      /* `sigma registry init`: make the file, its directory and the schema */
	REGISTRY_MIGRATE = 4,     /* `sigma registry migrate`: bring an older schema up to date */
	REGISTRY_READONLY_OK = 8, /* read-write when this user may write it, else read-only (the hook) */
};

/* The schema version this build writes. */
#define REGISTRY_SCHEMA_VERSION 7

/* Why a registry could not be opened: each has its own fix, which the hook
 * and `sigma doctor` name. */
typedef enum registry_problem {
	REGISTRY_PROBLEM_NONE = 0,
	REGISTRY_PROBLEM_MISSING,       /* no such file */
	REGISTRY_PROBLEM_NOT_FILE,      /* a directory, or not a regular file */
	REGISTRY_PROBLEM_EMPTY,         /* 0 bytes */
	REGISTRY_PROBLEM_UNREADABLE,    /* this user may not read it (or reach it) */
	REGISTRY_PROBLEM_NOT_DATABASE,  /* not a SQLite file */
	REGISTRY_PROBLEM_UNINITIALISED, /* a SQLite file without sigma's schema */
	REGISTRY_PROBLEM_OLDER,         /* an older schema: `sigma registry migrate` */
	REGISTRY_PROBLEM_NEWER,         /* a newer schema than this sigma knows */
	REGISTRY_PROBLEM_IO,            /* anything else SQLite or the system said */
} registry_problem;

/* Open the registry at `path`. Only REGISTRY_CREATE makes a file or a
 * schema, and only REGISTRY_CREATE or REGISTRY_MIGRATE migrates: every
 * other open needs an existing registry at exactly this build's schema, so
 * that a wrong path, a lost file or a half-done upgrade refuses pushes
 * instead of judging them against nothing. *out is the caller's
 * (registry_close). 0, or SIGMA_ENOTFOUND (no file), SIGMA_EINVALID (not a
 * usable registry) or SIGMA_EIO, with `*problem` (when not NULL) saying
 * which. */
int registry_open_ex(registry **out, const char *path, int flags, registry_problem *problem);
int registry_open(registry **out, const char *path, int flags);
/* Opened read-only (REGISTRY_READONLY, or READONLY_OK fell back). */
int registry_is_readonly(const registry *r);
/* The schema version found when it was opened (after any migration). */
int registry_schema(const registry *r);
/* A short name for a problem ("missing", "empty", ...). */
const char *registry_problem_name(registry_problem p);
void registry_close(registry *r);
const char *registry_path(const registry *r);

/* The effective status of one package version. */
typedef struct registry_status {
	char status[16];        /* certified | flagged | blocked | uncertified */
	char security_level[16];/* CLEAR..CRITICAL, or "" */
	char *reason_code;      /* first reason's code ("admin", "malware:MAL-...", ...) or NULL */
	char *reason;           /* first reason's message, or NULL */
	char *integrity;        /* the certified registry integrity string, or NULL */
	char *certificate_id;   /* or NULL */
} registry_status;

/* Look (ecosystem, name, version) up. A block on the version or on '*'
 * wins over any certificate. Never fails for an unknown package (status
 * "uncertified"); negative only on a database error. Free with
 * registry_status_dispose. */
int registry_lookup(registry_status *out, registry *r, const char *ecosystem,
                    const char *name, const char *version);
void registry_status_dispose(registry_status *s);

/* Block / unblock a version or '*'. `source` is "admin" or a feed id. */
int registry_block(registry *r, const char *ecosystem, const char *name, const char *version,
                   const char *reason, const char *source);
/* SIGMA_ENOTFOUND when there was no such block. */
int registry_unblock(registry *r, const char *ecosystem, const char *name, const char *version,
                     const char *source);

/* Store a package certificate (a JSON object with the fields of BRIEF §3;
 * ecosystem, name, version and status are required). Replaces the row with
 * the same key. SIGMA_EINVALID with the reason when a field is missing. */
int registry_certificate_put(registry *r, const char *json);

/* Visit package records: certificates and blocks, merged per
 * (ecosystem, name, version), as JSON objects in BRIEF §3 form. `status`
 * filters (NULL for all); `ecosystem`/`name`/`version` narrow (NULL = any).
 * The callback gets a JSON string it does not own; returning non-zero
 * stops the walk with that value. */
typedef int (*registry_visit_fn)(void *ctx, const char *json);
int registry_records(registry *r, const char *status, const char *ecosystem, const char *name,
                     const char *version, registry_visit_fn fn, void *ctx);

/* The record of one (ecosystem, name, version) in the same form, whether or
 * not the registry knows it ('*' blocks included). *out is the caller's. */
int registry_record(char **out, registry *r, const char *ecosystem, const char *name,
                    const char *version);

/* Caches (best effort: a write that fails is not an error for the caller). */
int registry_cache_get(registry *r, const char *table_key, char **deps, char **value);
void registry_cache_put(registry *r, const char *table_key, const char *deps, const char *value);

/* Submission certificates. Their packages are stored apart, in
 * content-addressed certificate_parts: `parts` (nparts of them) are the
 * byte ranges of each lockfile's packages in certificate_json, in order,
 * separated by single commas, together the whole content of the packages
 * array; each part's hash may be given (hex SHA-256 of its bytes) or ""
 * (computed here, and written back). A push that changes one lockfile thus stores one new
 * part plus a small index. With no parts (or parts that do not hold
 * together) the packages array is found here and stored as one part.
 * Small certificates are stored whole. All in one transaction. The view
 * submission_certificates gives every certificate back whole. */
typedef struct registry_part_at {
	size_t start, end; /* the part's bytes in the certificate text */
	char hash[65];     /* hex SHA-256 of those bytes, or "" */
} registry_part_at;
int registry_submission_put(registry *r, const char *repository, const char *ref,
                            const char *commit, const char *id, const char *decision,
                            const char *certificate_json, registry_part_at *parts, size_t nparts);
/* The latest certificate for a commit (any ref), *out the caller's.
 * SIGMA_ENOTFOUND when none. */
int registry_submission_get(char **out, registry *r, const char *commit);

/* The latest judged commit of every (repository, ref), in order. */
typedef int (*registry_head_fn)(void *ctx, const char *repository, const char *ref, const char *commit);
int registry_heads(registry *r, registry_head_fn fn, void *ctx);

/* A read snapshot: every lookup between begin and end sees one consistent
 * state of the registry, and SQLite takes its locks once instead of once
 * per statement (the difference is most of a lookup's cost). */
int registry_snapshot_begin(registry *r);
void registry_snapshot_end(registry *r);

/* A number that changes whenever a block or a certificate is written or
 * removed: everything a lookup can return is the same while it is. */
int registry_generation(registry *r, int64_t *out);

/* Content-addressed certificate parts (hash = hex SHA-256 of the text). */
int registry_part_put(registry *r, char hash[65], const char *text, size_t len);
/* Non-zero when the part is stored (no read of its text). */
int registry_part_has(registry *r, const char *hash);
/* SIGMA_ENOTFOUND when there is no such part. */
int registry_part_get(char **out, registry *r, const char *hash);

/* Run `fn` inside one IMMEDIATE transaction (so bulk imports are atomic and
 * fast); rolls back when fn returns non-zero. */
int registry_transaction(registry *r, int (*fn)(registry *r, void *ctx), void *ctx);

/* How many OSV records are stored and when the latest was imported
 * (UTC, "" when never). */
int registry_advisories_summary(registry *r, long *count, char last[32]);
/* Distinct MAL- records, other records, blocks they wrote, last import. */
int registry_advisories_counts(registry *r, long *malicious, long *other, long *blocks, char last[32]);

/* OSV records (schema 2, aliases and score since 5), one row per
 * (ecosystem, name, record id): `affected_json` is the JSON array of the
 * record's `affected` entries for that package. */
typedef struct registry_advisory {
	const char *id, *ecosystem, *name;
	int malicious;
	const char *severity;     /* low | moderate | high | critical, or "" (unknown) */
	double score;             /* CVSS base score, or -1 */
	const char *summary;
	const char *affected_json;
	const char *aliases_json; /* JSON array of strings, or NULL */
	const char *modified;     /* RFC 3339, or NULL */
} registry_advisory;
/* Store a record's row for one package, replacing one with the same key.
 * *changed (when not NULL) says whether a row was written. */
int registry_advisory_put(registry *r, const registry_advisory *a, int *changed);
/* The newest `modified` stored for record `id`, or "" when none. */
int registry_advisory_modified(registry *r, const char *id, char out[64]);
/* Visit one package's records (strings borrowed for the call). */
typedef int (*registry_advisory_row_fn)(void *ctx, const registry_advisory *a);
int registry_advisory_rows(registry *r, const char *ecosystem, const char *name, registry_advisory_row_fn fn,
                           void *ctx);

/* Releases (schema 6): when a version was published (RFC 3339, UTC) and
 * by whom (NULL when the registry does not say), as certification read it
 * from the registry. */
int registry_release_put(registry *r, const char *ecosystem, const char *name, const char *version,
                         const char *published_at, const char *publisher);
/* When one version was published (copied into `out`), or SIGMA_ENOTFOUND. */
int registry_release_get(registry *r, const char *ecosystem, const char *name, const char *version, char out[40]);
/* Every known release of one package (strings borrowed for the call). */
typedef int (*registry_release_fn)(void *ctx, const char *version, const char *published_at,
                                   const char *publisher);
int registry_releases_of(registry *r, const char *ecosystem, const char *name, registry_release_fn fn, void *ctx);

/* Waivers (schema 5): an admin's reviewed exception for one package version,
 * for one advisory on it (`advisory` non-empty) or for everything that
 * would refuse it but a block, unless `override_block`. */
typedef struct registry_waiver {
	const char *ecosystem, *name, *version;
	const char *advisory;   /* "" for the whole version */
	const char *reason, *created_by, *created_at;
	const char *expires;    /* YYYY-MM-DD (the last day it holds), or NULL */
	int override_block;
} registry_waiver;
int registry_waiver_put(registry *r, const registry_waiver *w);
/* SIGMA_ENOTFOUND when there is no such waiver. */
int registry_waiver_remove(registry *r, const char *ecosystem, const char *name, const char *version,
                           const char *advisory);
typedef int (*registry_waiver_fn)(void *ctx, const registry_waiver *w);
int registry_waivers(registry *r, registry_waiver_fn fn, void *ctx);

/* Forget the OSV record `id` (every package's row): a withdrawn record
 * says nothing any more. 0 or a database error. */
int registry_advisory_drop(registry *r, const char *id);

/* Remove every block with this source (e.g. "osv:MAL-2025-1"), whatever
 * the package; blocks from other sources stay. *lifted (may be NULL) gets
 * how many were removed. 0 or a database error. */
int registry_unblock_source(registry *r, const char *source, int *lifted);

/* Visit the stored records of one package (strings borrowed for the call);
 * a non-zero return stops the walk with that value. A read-only database
 * from before schema 2 has none. */
typedef int (*registry_advisory_fn)(void *ctx, const char *id, int malicious, const char *severity,
                                    const char *summary, const char *affected_json);
int registry_advisories_of(registry *r, const char *ecosystem, const char *name, registry_advisory_fn fn,
                           void *ctx);

/* Visit every stored certificate body of (ecosystem, name, version), one
 * per distribution hash, oldest first. */
int registry_certificates_of(registry *r, const char *ecosystem, const char *name, const char *version,
                             registry_visit_fn fn, void *ctx);

#endif
