/* certificate.h: the submission certificate (BRIEF §3), one per judged
 * commit: schema "sigma.certificate/v1", the decision and its reasons, every
 * lockfile and every package with depth, chain, parents and status, and the
 * counts. `id` is the hex SHA-256 of the canonical JSON (common/json.h) of
 * everything but `id` and `signature`; the signature is Ed25519 over the
 * same bytes (common/seal.h). */
#ifndef SIGMA_CERTIFICATE_H
#define SIGMA_CERTIFICATE_H
#include "common/sign.h"
#include "hook/policy.h"
#include "hook/scan.h"

typedef struct cert_subject {
	const char *repository;
	const char *ref;
	const char *commit;   /* may be NULL for a directory scan */
	const char *tree;     /* may be NULL */
} cert_subject;

/* The members of a certificate that depend only on the lockfiles and the
 * registry, not on the commit: for a clean judgement (nothing refused,
 * warned or unreadable) they can be reused as they are. Canonical texts. */
typedef struct cert_reusable {
	char *lockfiles;   /* the "lockfiles" array */
	char *packages;    /* the "packages" array */
	char *summary;     /* the "summary" object */
	size_t npackages;
	char packages_hash[65]; /* hex SHA-256 of packages, once known, or "" */
} cert_reusable;

void cert_reusable_dispose(cert_reusable *r);

/* Build the certificate, sealed (common/seal.h) with `key` when it is not
 * NULL; *out (canonical JSON text) is the caller's. When `keep` is not
 * NULL it receives the reusable members (the caller decides whether the
 * judgement was clean enough to reuse them). When `packages_at` is not
 * NULL it receives where the packages array sits in *out (start and end
 * offsets), for registry_submission_put. */
int certificate_build(char **out, char id[65], const judgement *j, const scan_set *s,
                      const cert_subject *subject, const sigma_key *key, cert_reusable *keep,
                      size_t packages_at[2]);

/* An accepted certificate from reused members, for a new subject. */
int certificate_build_reused(char **out, char id[65], const cert_reusable *r, const cert_subject *subject,
                             const sigma_key *key, size_t packages_at[2]);

#endif
