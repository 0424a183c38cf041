/* json.c: see json.h. */
/* SHA-256 through the low-level interface: OpenSSL 3 deprecates it, but the
 * EVP route fetches a provider and reads openssl.cnf on first use, ~1 ms of
 * every hook run for one digest (measured: first EVP_Digest of 700 KB
 * 1.5 ms, SHA256_Update 0.5 ms). The block function is the same. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/sha.h>
#include "common/buf.h"
#include "common/json.h"
#include "common/util.h"

const char *json_str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	if (c >= 0xc2 && c <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

static void put_string(sigma_buf *b, const char *s, int utf8_only)
{
	sigma_buf_putc(b, '"');
	const unsigned char *p = (const unsigned char *)s, *run = p;
	for (;; p++) {
		unsigned char c = *p;
		if (c >= 0x80 && utf8_only) {
			/* JSON text is UTF-8 (RFC 8259): a byte that is not (a hostile
			 * lockfile's package name, a file name in a tarball) would
			 * make a certificate no strict parser reads. It is written as
			 * U+FFFD, as a decoder would show it, rather than failing:
			 * failing would leave a hostile package uncertified where its
			 * review would have blocked it. */
			size_t n = utf8_len(p);
			if (n) {
				p += n - 1;
				continue;
			}
			sigma_buf_put(b, run, (size_t)(p - run));
			sigma_buf_puts(b, "\xef\xbf\xbd");
			run = p + 1;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\')
			continue; /* a byte >= 0x80 copied as it is (json_put_string_bytes) */
		/* Copy the run of plain characters in one go, then the escape. */
		sigma_buf_put(b, run, (size_t)(p - run));
		run = p + 1;
		switch (c) {
		case '\0': sigma_buf_putc(b, '"'); return;
		case '"': sigma_buf_puts(b, "\\\""); break;
		case '\\': sigma_buf_puts(b, "\\\\"); break;
		case '\b': sigma_buf_puts(b, "\\b"); break;
		case '\f': sigma_buf_puts(b, "\\f"); break;
		case '\n': sigma_buf_puts(b, "\\n"); break;
		case '\r': sigma_buf_puts(b, "\\r"); break;
		case '\t': sigma_buf_puts(b, "\\t"); break;
		default: sigma_buf_printf(b, "\\u%04x", c); break;
		}
	}
}

void json_put_string(sigma_buf *b, const char *s) { put_string(b, s, 1); }
void json_put_string_bytes(sigma_buf *b, const char *s) { put_string(b, s, 0); }

static int key_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

static void put_value(sigma_buf *b, const cJSON *v)
{
	if (cJSON_IsNull(v) || !v) {
		sigma_buf_puts(b, "null");
	} else if (cJSON_IsTrue(v)) {
		sigma_buf_puts(b, "true");
	} else if (cJSON_IsFalse(v)) {
		sigma_buf_puts(b, "false");
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			sigma_buf_printf(b, "%.0f", d);
		else
			sigma_buf_printf(b, "%.17g", d);
	} else if (cJSON_IsString(v)) {
		json_put_string(b, v->valuestring);
	} else if (cJSON_IsArray(v)) {
		const cJSON *e;
		int first = 1;
		sigma_buf_putc(b, '[');
		cJSON_ArrayForEach(e, v) {
			if (!first)
				sigma_buf_putc(b, ',');
			first = 0;
			put_value(b, e);
		}
		sigma_buf_putc(b, ']');
	} else if (cJSON_IsObject(v)) {
		size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
		const cJSON **members = sigma_xmalloc((n ? n : 1) * sizeof *members), *e;
		int sorted = 1;
		cJSON_ArrayForEach(e, v) {
			if (i && strcmp(members[i - 1]->string, e->string) > 0)
				sorted = 0;
			members[i++] = e;
		}
		if (!sorted) /* sigma builds most objects in order already */
			qsort(members, n, sizeof *members, key_cmp);
		sigma_buf_putc(b, '{');
		for (i = 0; i < n; i++) {
			if (i)
				sigma_buf_putc(b, ',');
			json_put_string(b, members[i]->string);
			sigma_buf_putc(b, ':');
			put_value(b, members[i]);
		}
		sigma_buf_putc(b, '}');
		free(members);
	} else {
		sigma_buf_puts(b, "null");
	}
}

int json_canonical_text(char **out, const cJSON *v)
{
	sigma_buf b = SIGMA_BUF_INIT;
	put_value(&b, v);
	int rc = sigma_buf_error(&b);
	*out = rc ? NULL : sigma_buf_steal(&b);
	sigma_buf_dispose(&b);
	return rc;
}

char *json_canonical(const cJSON *v)
{
	char *text;
	json_canonical_text(&text, v);
	return text;
}

static void hex_digest(SHA256_CTX *c, char out[65])
{
	static const char hexdigits[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_Final(md, c);
	for (unsigned i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[2 * i] = hexdigits[md[i] >> 4];
		out[2 * i + 1] = hexdigits[md[i] & 15];
	}
	out[64] = '\0';
}

void sigma_sha256_hex(const void *data, size_t len, char out[65])
{
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, data, len);
	hex_digest(&c, out);
}

void sigma_sha256_parts_hex(const char *const *parts, const size_t *lens, size_t n, char out[65])
{
	SHA256_CTX c;
	SHA256_Init(&c);
	for (size_t i = 0; i < n; i++)
		SHA256_Update(&c, parts[i], lens[i]);
	hex_digest(&c, out);
}
