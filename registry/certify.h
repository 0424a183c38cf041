/* certify.h: one package version, from the registry to a certificate.
 *
 *   metadata  GET the version document (npm) or JSON API document (PyPI)
 *             from the configured registry (source.h), over fetch.h;
 *   reuse     if the registry already holds a certificate for the same
 *             (ecosystem, name, version) and the same artefact (npm: the
 *             same published integrity; PyPI: the same file's sha256), it
 *             is the answer: the distribution is never downloaded or
 *             reviewed twice. When a lockfile integrity is given and matches
 *             a certificate, not even the metadata is fetched. A different
 *             artefact for a version already certified is a red flag;
 *   download  the distribution, capped;
 *   verify    every hash the registry published (integrity.h); the file's
 *             SHA-256 is the `distribution_sha256`. A mismatch certifies
 *             nothing: the version is recorded as blocked with the code
 *             "integrity-mismatch" and a reason naming the hash;
 *   unpack    in memory, with caps (unpack.h);
 *   review    the council (review.h) and its consensus (consensus.h), plus
 *             the OSV advisories known for the version (osv.h);
 *   store     the package certificate (BRIEF §3) in the registry.
 * Install scripts are not run yet (sandboxed execution arrives with issue
 * 7): `execution` says "skipped" and why. */
#ifndef SIGMA_REGISTRY_CERTIFY_H
#define SIGMA_REGISTRY_CERTIFY_H
#include <stddef.h>
#include "common/config.h"
#include "registry/db.h"
#include "registry/fetch.h"
#include "registry/unpack.h"

typedef struct certifier certifier;

/* `reg` and `cfg` are borrowed and must outlive the certifier.
 * `project_dir` is where a project .npmrc may live (NULL: cwd). *out is
 * the caller's (certifier_free). 0, SIGMA_EINVALID (bad SIGMA_HTTP_*), or
 * SIGMA_EIO. */
int certifier_new(certifier **out, registry *reg, const sigma_config *cfg, const char *project_dir);
void certifier_free(certifier *c);
/* Change the unpack caps (tests; the defaults are UNPACK_LIMITS_DEFAULT). */
void certifier_set_limits(certifier *c, const unpack_limits *lim);
/* HTTP requests made so far. */
unsigned certifier_requests(const certifier *c);

typedef struct certify_request {
	const char *ecosystem;       /* "npm" or "pypi" */
	const char *name;
	const char *version;
	const char *lock_integrity;  /* the lockfile's integrity value, or NULL */
} certify_request;

typedef struct certify_outcome {
	char status[16];             /* certified, flagged, blocked */
	char verdict[16];            /* APPROVED, FLAGGED, REJECTED, or "" (integrity failure) */
	char security_level[16];
	char analysis_type[16];
	char *name;                  /* as stored (PEP 503 for PyPI) */
	char *reason;                /* one line: why blocked/flagged, or NULL */
	char *certificate_id;
	char *distribution_sha256;
	int reused;                  /* an existing certificate answered: nothing downloaded */
	int red_flag;                /* the registry serves a different artefact than one certified before */
	int integrity_mismatch;
	size_t download_bytes;
	size_t reviewed_bytes;       /* unpacked bytes the council read */
	double fetch_ms, review_ms;
} certify_outcome;

/* Certify one version. 0 when there is an outcome (a blocked package is an
 * outcome); negative when nothing could be decided and nothing was stored:
 * SIGMA_ENOTFOUND (no such package/version, or no registry configured),
 * SIGMA_ETOOBIG, SIGMA_ETIMEOUT, SIGMA_EIO, SIGMA_EINVALID (a registry
 * document sigma cannot use). *out is the caller's either way
 * (certify_outcome_dispose). */
int certify_package(certify_outcome *out, certifier *c, const certify_request *req);
void certify_outcome_dispose(certify_outcome *o);

#endif
