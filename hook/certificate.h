/* certificate.h: the submission certificate (BRIEF §3), one per judged
 * commit: schema "sigma.certificate/v3", the decision and its reasons, every
 * lockfile and every package with depth, chain, parents and status, and the
 * counts. A package's chain is stored as `via`, the position of the next
 * package up its shortest chain, counted from the first package of its
 * lockfile (v2 counted from the start of the array), so the certificate
 * grows linearly with the packages (v1 wrote each chain whole: N^2 for a
 * chain of N) and one lockfile's packages are the same bytes wherever they
 * sit; docs/CERTIFICATES.md. `id` is the hex SHA-256 of the canonical JSON
 * (common/json.h) of everything but `id` and `signature`; the signature is
 * Ed25519 over the same bytes (common/seal.h). */
#ifndef SIGMA_CERTIFICATE_H
#define SIGMA_CERTIFICATE_H
#include "common/buf.h"
#include "common/sign.h"
#include "hook/policy.h"
#include "hook/scan.h"

#define CERTIFICATE_SCHEMA "sigma.certificate/v3"
#define CERTIFICATE_SCHEMA_V2 "sigma.certificate/v2"

typedef struct cert_subject {
	const char *repository;
	const char *ref;
	const char *commit;   /* may be NULL for a directory scan */
	const char *tree;     /* may be NULL */
	const char *pusher;   /* who pushed, as the server's hook environment says, or NULL */
	int testing;          /* sigma.enforce = testing: the decision is "accepted", what would have been is kept */
} cert_subject;

/* Where each lockfile's packages sit in a text: at[k] is the k-th run
 * (lockfiles with no package have none), in order, separated by single
 * commas, together the whole content of the packages array; hashes are
 * "" until someone computes them. Offsets into a certificate for
 * registry_submission_put, or into a packages text for cert_reusable. */
typedef struct cert_parts {
	registry_part_at *at;
	size_t *lockfile;  /* lockfile[k]: the index (in the scan_set's refs) of at[k]'s lockfile */
	size_t n;
} cert_parts;

/* A lockfile judged clean before (no package with anything to say), whose
 * certificate pieces are reused as they were: its graph is neither loaded
 * nor judged again. Its run of packages is fetched by hash when the
 * certificate is written, one at a time. */
typedef struct cert_kept {
	char *entry;        /* its "lockfiles" element, canonical JSON */
	char hash[65];      /* its packages run's part hash, "" when it has no package */
	size_t npackages;
	size_t per_depth[5], unreachable, per_status[4];
} cert_kept;

typedef struct cert_kept_set {
	cert_kept **kept;   /* kept[i] for refs[i], or NULL: judged now */
	int (*part_get)(char **out, void *ctx, const char *hash);
	void *ctx;
} cert_kept_set;

/* refs[i]'s element of the "lockfiles" array, canonical JSON; the caller's. */
char *certificate_lockfile_entry(const scan_set *s, size_t i);

void cert_parts_dispose(cert_parts *p);

/* The members of a certificate that depend only on the lockfiles and the
 * registry, not on the commit: for a clean judgement (nothing refused,
 * warned or unreadable) they can be reused as they are. Canonical texts. */
typedef struct cert_reusable {
	char *lockfiles;   /* the "lockfiles" array */
	char *summary;     /* the "summary" object */
	size_t npackages;
	cert_parts parts;  /* each lockfile's run of packages, by part hash once stored */
} cert_reusable;

void cert_reusable_dispose(cert_reusable *r);

/* Build the certificate, sealed (common/seal.h) with `key` when it is not
 * NULL; *out (canonical JSON text) is the caller's. 0, or a negative code
 * with nothing in *out: SIGMA_ETOOBIG when it would pass its cap (see
 * packages_cap), and the caller must then not accept what it judged. When `keep` is not
 * NULL it receives the reusable members (the caller decides whether the
 * judgement was clean enough to reuse them). When `parts` is not NULL it
 * receives where each lockfile's packages sit in *out (the caller disposes
 * it), for registry_submission_put. */
int certificate_build(char **out, char id[65], const judgement *j, const scan_set *s,
                      const cert_subject *subject, const sigma_key *key, cert_reusable *keep,
                      cert_parts *parts);

/* The same where some lockfiles are `kept` (see cert_kept; `j` then judges
 * only the others, whose graphs are in `s`). The certificate is the one
 * certificate_build would write had they all been judged. */
int certificate_build_kept(char **out, char id[65], const judgement *j, const scan_set *s,
                           const cert_kept_set *kept, const cert_subject *subject, const sigma_key *key,
                           cert_reusable *keep, cert_parts *parts);

/* An accepted certificate from reused members, for a new subject: the
 * packages are the runs r->parts names, fetched with src->part_get one at
 * a time. */
int certificate_build_reused(char **out, char id[65], const cert_reusable *r, const cert_kept_set *src,
                             const cert_subject *subject, const sigma_key *key, cert_parts *parts);

/* ---------------------------------------------------------------- reading chains back
 *
 * For whoever reads a stored certificate (sigma verify, the HTML page):
 * the packages array indexed by position, with every `via` link checked,
 * so that walking a chain is bounded by the package's depth. */
typedef struct cert_chains {
	const cJSON **pkgs;  /* pkgs[i] = packages[i] (borrowed from the parsed certificate) */
	size_t *via;         /* via[i] = position of the next package up, or SIZE_MAX */
	int *depth;          /* depth[i], -1 when unreachable */
	size_t n;
} cert_chains;

/* Index `cert`'s packages (a parsed v2 or v3 submission certificate) and check
 * every link: `via` is null exactly for depth 0 and -1, and otherwise names
 * a package of the same lockfile one level up; a reason's `index` names a
 * package. 0, or SIGMA_EINVALID with "packages[i]: what" (the caller
 * disposes *out either way). Linear in the number of packages. */
int certificate_chains_load(cert_chains *out, const cJSON *cert);
void cert_chains_dispose(cert_chains *c);

/* The chain of package i from its direct ancestor down to i, as
 * positions: out[0..return) with at most `cap` entries. When the chain is
 * longer than `cap`, out holds its first cap/2 and last cap - cap/2
 * entries and the return is cap; the full length is depth + 1. */
size_t certificate_chain(const cert_chains *c, size_t i, size_t *out, size_t cap);

/* Append the package URL of (ecosystem, name, version) to `b`, with no
 * quotes: pkg:npm/%40scope/name@1.0.0, pkg:pypi/name@1.0 (PEP 503 name). */
void certificate_purl(sigma_buf *b, const char *ecosystem, const char *name, const char *version);

#endif
