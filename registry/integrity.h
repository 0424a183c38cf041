/* integrity.h: checking a downloaded distribution against what the
 * registry published.
 *
 * npm publishes `dist.integrity`, a Subresource Integrity string (one or
 * more "alg-base64" tokens, sha512 / sha384 / sha256), and `dist.shasum`
 * (hex sha1); PyPI publishes `digests.sha256` (hex) per file. Every
 * download's SHA-256 is computed as well: it is the artefact's identity in
 * the registry (`distribution_sha256`). All digests come from one pass over
 * the bytes (OpenSSL EVP); OpenSSL types stay in integrity.c. */
#ifndef SIGMA_REGISTRY_INTEGRITY_H
#define SIGMA_REGISTRY_INTEGRITY_H
#include <stddef.h>

typedef struct integrity_digests {
	unsigned char sha512[64], sha384[48], sha256[32], sha1[20];
	char sha256_hex[65];
} integrity_digests;

/* Hash `len` bytes with every supported algorithm. 0 or SIGMA_EIO. */
int integrity_compute(integrity_digests *out, const void *data, size_t len);

/* Check an SRI string. Per the SRI rules the strongest algorithm present
 * decides, and any of its tokens may match (several are allowed); tokens
 * of unknown algorithms are ignored. 0 on a match; SIGMA_EINVALID on a
 * mismatch, with "registry says X, the download has Y" in the error slot;
 * SIGMA_ENOTFOUND when no token uses a supported algorithm. */
int integrity_check_sri(const integrity_digests *d, const char *sri);

/* Check a hex digest ("sha1" or "sha256"): 0, or SIGMA_EINVALID with the
 * two values in the error slot. */
int integrity_check_hex(const integrity_digests *d, const char *alg, const char *hex);

/* An SRI token "alg-base64" for one of the computed digests ("sha1",
 * "sha256", "sha384", "sha512"), or for the hex digest `hex` given by a
 * registry (then `d` may be NULL). Caller frees; NULL for a bad input. */
char *integrity_sri_token(const integrity_digests *d, const char *alg, const char *hex);

/* Compare two integrity strings (SRI tokens "alg-base64" or "alg:hex" /
 * "alg=hex" forms, space-separated) on the algorithms they share: 1 when
 * some shared-algorithm pair is equal, -1 when they share algorithms and
 * none is equal, 0 when they share none. Hex and base64 spellings of the
 * same digest compare equal. */
int integrity_compare(const char *a, const char *b);

#endif
