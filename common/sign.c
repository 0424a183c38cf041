/* sign.c: see sign.h. OpenSSL types stay in this file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "common/config.h"
#include "common/error.h"
#include "common/json.h"
#include "common/sign.h"
#include "common/util.h"

struct sigma_key {
	EVP_PKEY *pkey;
	char id[65];
};

static int set_id(sigma_key *k)
{
	unsigned char raw[32];
	size_t n = sizeof raw;
	if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &n) != 1 || n != 32)
		return sigma_error_set(SIGMA_EINVALID, "not an Ed25519 key");
	sigma_sha256_hex(raw, n, k->id);
	return 0;
}

static int write_pem(const char *path, EVP_PKEY *pkey, int private_key, long gid)
{
	/* O_EXCL: a signing key is never silently replaced. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, private_key ? 0600 : 0644);
	if (fd < 0)
		return sigma_error_set(errno == EEXIST ? SIGMA_EINVALID : SIGMA_EIO, "%s: %s", path,
		                       errno == EEXIST ? "already exists; not overwriting a key" : strerror(errno));
	/* The mode is set explicitly (the umask may have taken bits the public
	 * key needs); the private key gets its group before it holds a secret. */
	mode_t mode = private_key ? (gid >= 0 ? 0640 : 0600) : 0644;
	if ((private_key && gid >= 0 && fchown(fd, (uid_t)-1, (gid_t)gid) < 0) || fchmod(fd, mode) < 0) {
		int e = errno;
		close(fd);
		unlink(path);
		return sigma_error_set(SIGMA_EIO, "%s: cannot set its group or mode: %s", path, strerror(e));
	}
	FILE *f = fdopen(fd, "w");
	int ok = f && (private_key ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
	                           : PEM_write_PUBKEY(f, pkey));
	if (f)
		ok &= fclose(f) == 0;
	else
		close(fd);
	return ok ? 0 : sigma_error_set(SIGMA_EIO, "%s: cannot write the key", path);
}

int sign_keygen(const char *priv_path, const char *pub_path, char key_id[65], long gid)
{
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	int rc = 0;
	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) {
		rc = sigma_error_set(SIGMA_EIO, "Ed25519 key generation failed");
		goto out;
	}
	sigma_key k = { .pkey = pkey };
	if ((rc = set_id(&k)) || (rc = write_pem(priv_path, pkey, 1, gid)))
		goto out;
	if ((rc = write_pem(pub_path, pkey, 0, -1))) {
		unlink(priv_path);
		goto out;
	}
	memcpy(key_id, k.id, 65);
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static int load(sigma_key **out, const char *path, int private_key)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return sigma_error_set(errno == ENOENT ? SIGMA_ENOTFOUND : SIGMA_EIO, "%s: %s", path, strerror(errno));
	struct stat st;
	if (private_key && fstat(fileno(f), &st) == 0 && (st.st_mode & 0027)) {
		fclose(f);
		return sigma_error_set(SIGMA_EINVALID,
		                       "%s: mode %04o lets others %s this private key; sigma does not sign with it. "
		                       "Fix: chmod %s %s", path, (unsigned)(st.st_mode & 07777),
		                       (st.st_mode & 0004) ? "read" : "replace",
		                       (st.st_mode & 0040) ? "640" : "600", path);
	}
	EVP_PKEY *pkey = private_key ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!pkey || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		return sigma_error_set(SIGMA_EINVALID, "%s: not an Ed25519 %s key in PEM form", path,
		                       private_key ? "private" : "public");
	}
	sigma_key *k = sigma_xcalloc(1, sizeof *k);
	k->pkey = pkey;
	int rc = set_id(k);
	if (rc) {
		sign_key_free(k);
		return rc;
	}
	*out = k;
	return 0;
}

int sign_key_load_private(sigma_key **out, const char *path) { return load(out, path, 1); }
int sign_key_load_public(sigma_key **out, const char *path) { return load(out, path, 0); }

void sign_key_free(sigma_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *sign_key_id(const sigma_key *k) { return k->id; }

int sign_data(char **out, const sigma_key *k, const void *data, size_t len)
{
	unsigned char sig[64];
	size_t siglen = sizeof sig;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
	         EVP_DigestSign(md, sig, &siglen, data, len) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return sigma_error_set(SIGMA_EIO, "signing failed");
	char *b64 = sigma_xmalloc(4 * ((siglen + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
	*out = b64;
	return 0;
}

int sign_verify(const sigma_key *k, const void *data, size_t len, const char *sig_b64)
{
	unsigned char sig[66];
	size_t n = strlen(sig_b64);
	if (n != 88)
		return sigma_error_set(SIGMA_EINVALID, "a signature is 88 base64 characters, this one has %zu", n);
	if (EVP_DecodeBlock(sig, (const unsigned char *)sig_b64, (int)n) != 66)
		return sigma_error_set(SIGMA_EINVALID, "the signature is not valid base64");
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
	         EVP_DigestVerify(md, sig, 64, data, len) == 1;
	EVP_MD_CTX_free(md);
	return ok ? 0 : sigma_error_set(SIGMA_EINVALID, "the signature does not match");
}

char *sign_public_path(const char *priv)
{
	if (sigma_endswith(priv, ".key"))
		return sigma_xasprintf("%.*s.pub", (int)(strlen(priv) - 4), priv);
	return sigma_xasprintf("%s.pub", priv);
}

int sign_public_pem(char **out, const sigma_key *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	long n = 0;
	if (!bio || PEM_write_bio_PUBKEY(bio, k->pkey) != 1 || (n = BIO_get_mem_data(bio, &data)) <= 0) {
		BIO_free(bio);
		return sigma_error_set(SIGMA_EIO, "cannot write the public key");
	}
	*out = sigma_xstrndup(data, (size_t)n);
	BIO_free(bio);
	return 0;
}

int sign_key_load_configured(sigma_key **out, const sigma_config *cfg)
{
	char *path = NULL;
	int explicit = 0;
	*out = NULL;
	int rc = config_signing_key_path(&path, &explicit, cfg);
	if (!rc) {
		rc = sign_key_load_private(out, path);
		if (rc == SIGMA_ENOTFOUND && !explicit)
			rc = 0;
		else if (rc)
			sigma_error_wrap(rc, "sigma.signingKey: ");
	}
	free(path);
	return rc;
}
