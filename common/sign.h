/* sign.h: Ed25519 signing keys and signatures (OpenSSL), for submission and
 * package certificates.
 *
 * Keys are PEM files: the private key in PKCS#8 (mode 0600), the public key
 * as SubjectPublicKeyInfo. A key's id is the hex SHA-256 of its raw 32-byte
 * public key, so a verifier can say exactly which key signed. Signatures are
 * base64 (RFC 4648, with padding) over the exact bytes given, which for
 * certificates is their canonical JSON (common/json.h). */
#ifndef SIGMA_SIGN_H
#define SIGMA_SIGN_H
#include <stddef.h>

typedef struct sigma_key sigma_key;

/* Write a new key pair to `priv_path` (refusing to overwrite) and
 * `pub_path` (0644). The private key is 0600, or 0640 and of group `gid`
 * when gid >= 0 (the git user that signs is then in that group).
 * 0, SIGMA_EINVALID (exists) or SIGMA_EIO. */
int sign_keygen(const char *priv_path, const char *pub_path, char key_id[65], long gid);

/* Load a private (for signing) or public (for verifying) key.
 * SIGMA_ENOTFOUND, SIGMA_EINVALID (not an Ed25519 PEM key) or 0.
 * A private key that others may read, or that anyone but its owner may
 * write, is refused with SIGMA_EINVALID and the chmod that fixes it, as ssh
 * refuses such a key: a signature from a key others could have copied or
 * replaced proves nothing. */
int sign_key_load_private(sigma_key **out, const char *path);
int sign_key_load_public(sigma_key **out, const char *path);
void sign_key_free(sigma_key *k);
const char *sign_key_id(const sigma_key *k);

/* Sign `data`; *out is base64 text the caller frees. */
int sign_data(char **out, const sigma_key *k, const void *data, size_t len);
/* 0 when `sig_b64` is k's signature of `data`, SIGMA_EINVALID otherwise. */
int sign_verify(const sigma_key *k, const void *data, size_t len, const char *sig_b64);

/* The signing key the settings name (sigma.signingKey, else the default
 * path): *out is NULL when the default path holds none. A key the settings
 * name but that cannot be loaded is an error, so that certificates never
 * silently lose their signature. */
struct sigma_config;
int sign_key_load_configured(sigma_key **out, const struct sigma_config *cfg);

/* The public key's path for a private key path: "dir/signing.key" ->
 * "dir/signing.pub"; any other name gets ".pub" added. Caller frees. */
char *sign_public_path(const char *private_path);

/* The public key as PEM text (caller frees). */
int sign_public_pem(char **out, const sigma_key *k);

#endif
