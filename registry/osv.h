/* osv.h: OSV records (https://ossf.github.io/osv-schema/) in the Package
 * Trust Registry.
 *
 * Import reads one JSON record, a directory of them, or a zip of them
 * (OSV's per-ecosystem exports), keeping the `affected` entries for npm
 * and PyPI (other ecosystems are counted and skipped; PyPI names are
 * stored in PEP 503 form). Every record is kept in the `advisories` table.
 *
 * MAL- records (malicious packages) also block, so the hook refuses them
 * without knowing about OSV: a listed version is blocked as itself; a
 * range `introduced: 0` with no end blocks every version ('*'). A bounded
 * range without a version list cannot be turned into blocks ahead of
 * time: it is matched when the version is looked at (osv_match, used by
 * the malware reviewer), and the certificate of an affected version is
 * REJECTED. Blocks carry source "osv:<id>" and the record's summary.
 *
 * A record with `withdrawn` set (OSV's way of retracting it) blocks
 * nothing and is not stored: importing it removes the rows of its id and
 * lifts every block with source "osv:<id>" that an earlier version of it
 * made (blocks from other sources stay). Re-importing a MAL- record first
 * lifts its own earlier blocks, so a version it no longer lists is no
 * longer blocked.
 *
 * Other advisories (GHSA-, PYSEC-, CVE-) are stored and matched the same
 * way; certificates show how many affect the version and the highest
 * severity (database_specific.severity, else the affected entry's
 * ecosystem_specific.severity; MODERATE reads as MEDIUM). */
#ifndef SIGMA_REGISTRY_OSV_H
#define SIGMA_REGISTRY_OSV_H
#include <stddef.h>
#include "registry/db.h"

typedef struct osv_stats {
	int records;       /* records read */
	int malicious;     /* MAL- records for npm/PyPI */
	int advisories;    /* other records for npm/PyPI */
	int blocks;        /* blocks written */
	int skipped;       /* records with no npm/PyPI package */
	int withdrawn;     /* withdrawn records (stored nothing, blocked nothing) */
	int lifted;        /* blocks the withdrawn records lifted */
	int unchanged;     /* records already stored at this `modified` or newer: skipped */
} osv_stats;

/* Non-zero when the text looks like one OSV record (an object with "id"
 * and "affected"). Cheap: used to tell OSV from certificate JSON lines. */
int osv_looks_like(const char *text, size_t len);

/* Import one record's text. `origin` names it in messages. The caller
 * holds a transaction for bulk imports. 0, SIGMA_EINVALID ("origin: why"),
 * or a database error. */
int osv_import_json(registry *r, const char *text, size_t len, const char *origin, osv_stats *st);

/* Import a file (one record, or a zip of records) or a directory of
 * records (*.json, recursively), in one transaction. */
int osv_import_path(registry *r, const char *path, osv_stats *st);

/* What the stored records say about one version. */
typedef struct osv_match {
	int advisories;            /* non-malware records affecting it */
	char highest[16];          /* their highest severity, or "" */
	char *ids;                 /* their ids, comma-separated, or NULL */
	char *malware_id;          /* the first MAL- record affecting it, or NULL */
	char *malware_summary;
} osv_match;

/* 0 or a database error; *out is the caller's (osv_match_dispose). */
int osv_match_version(osv_match *out, registry *r, const char *ecosystem, const char *name, const char *version);
void osv_match_dispose(osv_match *m);

/* The advisories (not MAL- records) that affect one version, for the hook
 * and the certificate: each with its severity ("unknown" when the record
 * gives none), CVSS score (-1 when none) and the lowest fixed version above
 * this one (NULL when no fix is known). *out is the caller's
 * (osv_hits_free); 0 or a database error. */
typedef struct osv_hit {
	char *id;
	char *aliases;      /* comma-separated, or NULL */
	char *summary;      /* or NULL */
	char severity[16];  /* low | moderate | high | critical | unknown */
	double score;
	char *fixed;        /* or NULL */
	int fails;          /* at or above sigma.failOnSeverity (set by the policy) */
	char *waived;       /* the waiver's reason when one covers it (set by the policy), or NULL */
} osv_hit;
int osv_hits(osv_hit **out, size_t *n, registry *r, const char *ecosystem, const char *name, const char *version);
void osv_hits_free(osv_hit *hits, size_t n);

#endif
