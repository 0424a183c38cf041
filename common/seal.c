/* seal.c: see seal.h. Each member is written once as canonical text; a
 * raw member's value (what can be a megabyte of packages) is never copied
 * but into the final output. The id hashes the members where they lie. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"
#include "common/seal.h"
#include "common/util.h"

typedef struct member {
	const char *key;
	char *head;        /* "key":value canonical, or "key": for a raw member */
	size_t hlen;
	const char *tail;  /* a raw member's value (borrowed), or NULL */
	size_t tlen;
	int raw;           /* index among the raw members, or -1 */
} member;

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const member *)a)->key, ((const member *)b)->key);
}

/* `"key":` followed by the canonical value, or by nothing when value is
 * NULL. NULL when the value passes the buffer cap (the slot says so): a
 * member is whole or the seal fails, never sealed cut short. */
static char *member_text(const char *key, const cJSON *value, size_t *len)
{
	cJSON *k = cJSON_CreateString(key);
	char *kt = json_canonical(k), *vt = value ? json_canonical(value) : NULL, *t = NULL;
	if (!kt || (value && !vt))
		goto out;
	size_t kl = strlen(kt), vl = vt ? strlen(vt) : 0;
	t = sigma_xmalloc(kl + 1 + vl + 1);
	memcpy(t, kt, kl);
	t[kl] = ':';
	if (vt)
		memcpy(t + kl + 1, vt, vl);
	t[kl + 1 + vl] = '\0';
	*len = kl + 1 + vl;
out:
	cJSON_Delete(k);
	free(kt);
	free(vt);
	return t;
}

/* The object text of the sorted members, as a list of byte ranges: "{",
 * then each member's head and tail with "," between, then "}". */
typedef struct parts {
	const char **p;
	size_t *len;
	size_t n;
} parts;

static void parts_of(parts *out, const member *m, size_t n)
{
	out->p = sigma_xmalloc((3 * n + 2) * sizeof *out->p);
	out->len = sigma_xmalloc((3 * n + 2) * sizeof *out->len);
	out->n = 0;
#define PART(ptr, l) (out->p[out->n] = (ptr), out->len[out->n++] = (l))
	PART("{", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			PART(",", 1);
		PART(m[i].head, m[i].hlen);
		if (m[i].tail)
			PART(m[i].tail, m[i].tlen);
	}
	PART("}", 1);
#undef PART
}

static void parts_dispose(parts *p)
{
	free(p->p);
	free(p->len);
}

/* The text of the sorted members. When `at` is not NULL, at[r] receives
 * the offset of raw member r's value. */
static char *join(const member *m, size_t n, size_t *at)
{
	size_t total = 2;
	for (size_t i = 0; i < n; i++)
		total += m[i].hlen + m[i].tlen + 1;
	char *out = sigma_xmalloc(total + 1), *w = out;
	*w++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*w++ = ',';
		memcpy(w, m[i].head, m[i].hlen);
		w += m[i].hlen;
		if (at && m[i].raw >= 0)
			at[m[i].raw] = (size_t)(w - out);
		if (m[i].tail) {
			memcpy(w, m[i].tail, m[i].tlen);
			w += m[i].tlen;
		}
	}
	*w++ = '}';
	*w = '\0';
	return out;
}

int seal_object(char **out, char id[65], const cJSON *obj, const char *id_field, const sigma_key *key)
{
	return seal_object_raws(out, id, obj, NULL, NULL, 0, id_field, key, NULL);
}

int seal_object_raw(char **out, char id[65], const cJSON *obj, const char *raw_key, const char *raw_value,
                    const char *id_field, const sigma_key *key)
{
	return seal_object_raws(out, id, obj, &raw_key, &raw_value, raw_key ? 1 : 0, id_field, key, NULL);
}

int seal_object_raws(char **out, char id[65], const cJSON *obj, const char *const *raw_keys,
                     const char *const *raw_values, size_t nraw, const char *id_field, const sigma_key *key,
                     size_t *raw_at)
{
	size_t n = (size_t)cJSON_GetArraySize(obj), k = 0;
	member *m = sigma_xcalloc(n + nraw + 2, sizeof *m);
	const cJSON *c;
	int rc = 0;
	cJSON_ArrayForEach(c, obj) {
		if (!strcmp(c->string, id_field) || !strcmp(c->string, "signature")) {
			rc = sigma_error_set(SIGMA_EINVALID, "already sealed");
			goto out;
		}
		m[k].key = c->string;
		m[k].head = member_text(c->string, c, &m[k].hlen);
		m[k].raw = -1;
		if (!m[k].head) {
			rc = sigma_error_wrap(SIGMA_ETOOBIG, "member \"%s\": ", c->string);
			goto out;
		}
		k++;
	}
	for (size_t r = 0; r < nraw; r++) {
		m[k].key = raw_keys[r];
		m[k].head = member_text(raw_keys[r], NULL, &m[k].hlen);
		m[k].tail = raw_values[r];
		m[k].tlen = strlen(raw_values[r]);
		m[k].raw = (int)r;
		k++;
	}
	qsort(m, k, sizeof *m, member_cmp);
	/* The id is hashed over the parts in place; the payload is assembled
	 * only when a signature needs it whole. */
	parts ps;
	parts_of(&ps, m, k);
	sigma_sha256_parts_hex(ps.p, ps.len, ps.n, id);
	parts_dispose(&ps);
	char *sig = NULL;
	if (key) {
		char *payload = join(m, k, NULL);
		rc = sign_data(&sig, key, payload, strlen(payload));
		free(payload);
		if (rc)
			goto out;
	}
	cJSON *idv = cJSON_CreateString(id);
	m[k].key = id_field;
	m[k].head = member_text(id_field, idv, &m[k].hlen); /* 64 hex digits: cannot fail */
	m[k].raw = -1;
	cJSON_Delete(idv);
	k++;
	if (sig) {
		cJSON *sv = cJSON_CreateObject();
		cJSON_AddStringToObject(sv, "alg", "ed25519");
		cJSON_AddStringToObject(sv, "key_id", sign_key_id(key));
		cJSON_AddStringToObject(sv, "value", sig);
		m[k].key = "signature";
		m[k].head = member_text("signature", sv, &m[k].hlen);
		m[k].raw = -1;
		cJSON_Delete(sv);
		free(sig);
		k++;
	}
	qsort(m, k, sizeof *m, member_cmp);
	*out = join(m, k, raw_at);
out:
	for (size_t i = 0; i < k; i++)
		free(m[i].head);
	free(m);
	return rc;
}

int seal_check(const char *json, size_t len, const char *id_field, sigma_key *const *keys, size_t nkeys,
               char signer[65], char id_out[65])
{
	int rc = 0;
	signer[0] = '\0';
	cJSON *obj = cJSON_ParseWithLength(json, len);
	if (!cJSON_IsObject(obj)) {
		rc = sigma_error_set(SIGMA_EINVALID, "not a JSON object");
		goto out;
	}
	const char *id = json_str(obj, id_field);
	if (!id || strlen(id) != 64) {
		rc = sigma_error_set(SIGMA_EINVALID, "no \"%s\" to check", id_field);
		goto out;
	}
	snprintf(id_out, 65, "%s", id);
	cJSON *sig = cJSON_DetachItemFromObjectCaseSensitive(obj, "signature");
	cJSON_DeleteItemFromObjectCaseSensitive(obj, id_field);
	char *payload = json_canonical(obj);
	char want[65];
	if (payload)
		sigma_sha256_hex(payload, strlen(payload), want);
	if (!payload) {
		rc = sigma_error_wrap(SIGMA_ETOOBIG, "cannot recompute the payload: ");
	} else if (strcmp(want, id_out) != 0) {
		rc = sigma_error_set(SIGMA_EINVALID, "the id does not match the content (content hashes to %.16s...)", want);
	} else if (sig) {
		const char *alg = json_str(sig, "alg"), *key_id = json_str(sig, "key_id"), *value = json_str(sig, "value");
		if (!alg || strcmp(alg, "ed25519") || !key_id || !value) {
			rc = sigma_error_set(SIGMA_EINVALID, "the signature member is malformed");
		} else {
			rc = sigma_error_set(SIGMA_EINVALID, "signed by key %.16s..., which is not among the keys given", key_id);
			for (size_t i = 0; i < nkeys; i++) {
				if (strcmp(sign_key_id(keys[i]), key_id) != 0)
					continue;
				rc = sign_verify(keys[i], payload, strlen(payload), value);
				if (!rc)
					snprintf(signer, 65, "%s", key_id);
				break;
			}
		}
	}
	free(payload);
	cJSON_Delete(sig);
out:
	cJSON_Delete(obj);
	return rc;
}
