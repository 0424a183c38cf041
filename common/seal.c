/* seal.c: see seal.h. The payload is written member by member, so that
 * adding the id and signature afterwards is a concatenation rather than a
 * second serialisation of what can be a megabyte of packages. */
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
	char *text;   /* "key":value, canonical */
	size_t len;   /* of text */
	int raw;      /* index among the raw members, or -1 */
	size_t vat;   /* where the value starts in text (raw members) */
} member;

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const member *)a)->key, ((const member *)b)->key);
}

static char *member_text(const char *key, const cJSON *value, size_t *len)
{
	cJSON *k = cJSON_CreateString(key);
	char *kt = json_canonical(k), *vt = json_canonical(value);
	size_t kl = strlen(kt), vl = strlen(vt);
	char *t = sigma_xmalloc(kl + 1 + vl + 1);
	memcpy(t, kt, kl);
	t[kl] = ':';
	memcpy(t + kl + 1, vt, vl + 1);
	*len = kl + 1 + vl;
	cJSON_Delete(k);
	free(kt);
	free(vt);
	return t;
}

/* The object text of the sorted members; *len its length. When `at` is
 * not NULL, at[r] receives the offset of raw member r's value. */
static char *join(const member *m, size_t n, size_t *len, size_t *at)
{
	size_t total = 2;
	for (size_t i = 0; i < n; i++)
		total += m[i].len + 1;
	char *out = sigma_xmalloc(total + 1), *w = out;
	*w++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*w++ = ',';
		if (at && m[i].raw >= 0)
			at[m[i].raw] = (size_t)(w - out) + m[i].vat;
		memcpy(w, m[i].text, m[i].len);
		w += m[i].len;
	}
	*w++ = '}';
	*w = '\0';
	*len = (size_t)(w - out);
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
		m[k].text = member_text(c->string, c, &m[k].len);
		m[k].raw = -1;
		k++;
	}
	for (size_t r = 0; r < nraw; r++) {
		const char *raw_key = raw_keys[r], *raw_value = raw_values[r];
		cJSON *kv = cJSON_CreateString(raw_key);
		char *kt = json_canonical(kv);
		cJSON_Delete(kv);
		m[k].key = raw_key;
		size_t kl = strlen(kt), vl = strlen(raw_value);
		m[k].text = sigma_xmalloc(kl + 1 + vl + 1);
		memcpy(m[k].text, kt, kl);
		m[k].text[kl] = ':';
		memcpy(m[k].text + kl + 1, raw_value, vl + 1);
		m[k].len = kl + 1 + vl;
		m[k].raw = (int)r;
		m[k].vat = kl + 1;
		free(kt);
		k++;
	}
	qsort(m, k, sizeof *m, member_cmp);
	size_t plen;
	char *payload = join(m, k, &plen, NULL);
	sigma_sha256_hex(payload, plen, id);
	cJSON *idv = cJSON_CreateString(id);
	m[k].key = id_field;
	m[k].text = member_text(id_field, idv, &m[k].len);
	m[k].raw = -1;
	cJSON_Delete(idv);
	k++;
	if (key) {
		char *sig = NULL;
		rc = sign_data(&sig, key, payload, plen);
		if (rc) {
			free(payload);
			goto out;
		}
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "alg", "ed25519");
		cJSON_AddStringToObject(s, "key_id", sign_key_id(key));
		cJSON_AddStringToObject(s, "value", sig);
		m[k].key = "signature";
		m[k].text = member_text("signature", s, &m[k].len);
		m[k].raw = -1;
		cJSON_Delete(s);
		free(sig);
		k++;
	}
	free(payload);
	qsort(m, k, sizeof *m, member_cmp);
	size_t olen;
	*out = join(m, k, &olen, raw_at);
out:
	for (size_t i = 0; i < k; i++)
		free(m[i].text);
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
	sigma_sha256_hex(payload, strlen(payload), want);
	if (strcmp(want, id_out) != 0) {
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
