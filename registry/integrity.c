/* integrity.c: see integrity.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "common/error.h"
#include "common/util.h"
#include "registry/integrity.h"

typedef struct alg {
	const char *name;
	size_t len;
	int strength;
} alg;

static const alg algs[] = {
	{ "sha1", 20, 0 }, { "sha256", 32, 1 }, { "sha384", 48, 2 }, { "sha512", 64, 3 },
};

static const unsigned char *digest_of(const integrity_digests *d, const char *name)
{
	if (!strcmp(name, "sha1")) return d->sha1;
	if (!strcmp(name, "sha256")) return d->sha256;
	if (!strcmp(name, "sha384")) return d->sha384;
	if (!strcmp(name, "sha512")) return d->sha512;
	return NULL;
}

static const alg *alg_named(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof algs / sizeof *algs; i++)
		if (strlen(algs[i].name) == n && !strncasecmp(algs[i].name, name, n))
			return &algs[i];
	return NULL;
}

int integrity_compute(integrity_digests *out, const void *data, size_t len)
{
	const EVP_MD *mds[4] = { EVP_sha512(), EVP_sha384(), EVP_sha256(), EVP_sha1() };
	unsigned char *outs[4] = { out->sha512, out->sha384, out->sha256, out->sha1 };
	EVP_MD_CTX *ctx[4] = { NULL };
	int rc = 0;
	for (int i = 0; i < 4; i++) {
		ctx[i] = EVP_MD_CTX_new();
		if (!ctx[i] || EVP_DigestInit_ex(ctx[i], mds[i], NULL) != 1) {
			rc = sigma_error_set(SIGMA_EIO, "OpenSSL: cannot start a digest");
			goto out;
		}
	}
	/* One pass in chunks, so the bytes stay in cache for all four. */
	const unsigned char *p = data;
	for (size_t off = 0; off < len; off += 65536) {
		size_t n = len - off < 65536 ? len - off : 65536;
		for (int i = 0; i < 4; i++)
			EVP_DigestUpdate(ctx[i], p + off, n);
	}
	for (int i = 0; i < 4; i++) {
		unsigned int n = 0;
		if (EVP_DigestFinal_ex(ctx[i], outs[i], &n) != 1) {
			rc = sigma_error_set(SIGMA_EIO, "OpenSSL: digest failed");
			goto out;
		}
	}
	for (int i = 0; i < 32; i++)
		snprintf(out->sha256_hex + 2 * i, 3, "%02x", out->sha256[i]);
out:
	for (int i = 0; i < 4; i++)
		EVP_MD_CTX_free(ctx[i]);
	return rc;
}

static char *b64(const unsigned char *md, size_t n)
{
	char *out = sigma_xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, md, (int)n);
	return out;
}

static char *hex(const unsigned char *md, size_t n)
{
	char *out = sigma_xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return out;
}

/* Decode a hex digest of exactly n bytes; 0 or -1. */
static int unhex(unsigned char *out, size_t n, const char *s)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

int integrity_check_sri(const integrity_digests *d, const char *sri)
{
	const alg *best = NULL;
	const char *p = sri;
	/* First pass: the strongest supported algorithm present. */
	while (p && *p) {
		p += strspn(p, " \t\r\n");
		size_t tok = strcspn(p, " \t\r\n"), an = strcspn(p, "-");
		const alg *a = an < tok ? alg_named(p, an) : NULL;
		if (a && (!best || a->strength > best->strength))
			best = a;
		p += tok;
	}
	if (!best)
		return sigma_error_set(SIGMA_ENOTFOUND, "integrity \"%s\" uses no supported algorithm", sri);
	char *have = b64(digest_of(d, best->name), best->len);
	int rc = SIGMA_EINVALID;
	char *first = NULL;
	for (p = sri; *p;) {
		p += strspn(p, " \t\r\n");
		size_t tok = strcspn(p, " \t\r\n"), an = strcspn(p, "-");
		if (an < tok && alg_named(p, an) == best) {
			/* The value ends at an optional "?options" suffix. */
			const char *v = p + an + 1;
			size_t vn = strcspn(v, "? \t\r\n");
			if (vn == strlen(have) && !memcmp(v, have, vn))
				rc = 0;
			else if (!first)
				first = sigma_xstrndup(v, vn);
		}
		p += tok;
	}
	if (rc)
		sigma_error_set(SIGMA_EINVALID, "%s: registry says %s-%s, the download has %s-%s", best->name,
		                best->name, first ? first : "?", best->name, have);
	free(first);
	free(have);
	return rc;
}

int integrity_check_hex(const integrity_digests *d, const char *alg_name, const char *want)
{
	const alg *a = alg_named(alg_name, strlen(alg_name));
	if (!a)
		return sigma_error_set(SIGMA_ENOTFOUND, "unsupported digest %s", alg_name);
	char *have = hex(digest_of(d, a->name), a->len);
	int rc = 0;
	if (strcasecmp(have, want))
		rc = sigma_error_set(SIGMA_EINVALID, "%s: registry says %s, the download has %s", a->name, want, have);
	free(have);
	return rc;
}

char *integrity_sri_token(const integrity_digests *d, const char *alg_name, const char *hexval)
{
	const alg *a = alg_named(alg_name, strlen(alg_name));
	if (!a)
		return NULL;
	unsigned char md[64];
	const unsigned char *src;
	if (hexval) {
		if (unhex(md, a->len, hexval))
			return NULL;
		src = md;
	} else {
		src = digest_of(d, a->name);
	}
	char *v = b64(src, a->len);
	char *out = sigma_xasprintf("%s-%s", a->name, v);
	free(v);
	return out;
}

/* One token as (algorithm, raw digest); 0 or -1. */
static int token_digest(const char *tok, size_t n, const alg **a, unsigned char md[64])
{
	size_t an = strcspn(tok, "-:=");
	if (an >= n || !(*a = alg_named(tok, an)))
		return -1;
	char *v = sigma_xstrndup(tok + an + 1, n - an - 1);
	v[strcspn(v, "?")] = '\0';
	int rc = -1;
	if (strlen(v) == 2 * (*a)->len) {
		rc = unhex(md, (*a)->len, v);
	} else {
		unsigned char buf[96];
		int got = EVP_DecodeBlock(buf, (const unsigned char *)v, (int)strlen(v));
		/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
		if (got >= (int)(*a)->len && got <= (int)(*a)->len + 2) {
			memcpy(md, buf, (*a)->len);
			rc = 0;
		}
	}
	free(v);
	return rc;
}

int integrity_compare(const char *x, const char *y)
{
	if (!x || !y)
		return 0;
	int shared = 0;
	for (const char *p = x; *p;) {
		p += strspn(p, " \t\r\n");
		size_t n = strcspn(p, " \t\r\n");
		const alg *a;
		unsigned char ma[64];
		if (n && token_digest(p, n, &a, ma) == 0) {
			for (const char *q = y; *q;) {
				q += strspn(q, " \t\r\n");
				size_t m = strcspn(q, " \t\r\n");
				const alg *b;
				unsigned char mb[64];
				if (m && token_digest(q, m, &b, mb) == 0 && a == b) {
					shared = 1;
					if (!memcmp(ma, mb, a->len))
						return 1;
				}
				q += m;
			}
		}
		p += n;
	}
	return shared ? -1 : 0;
}
