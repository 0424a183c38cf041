/* seal.c: see seal.h. Each member is written once as canonical text; a
 * raw member's value (what can be a megabyte of packages) is never copied
 * but into the final output. The id hashes the members where they lie. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"
#include "common/seal.h"
#include "common/util.h"

typedef struct seal_member {
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
 * NULL, into *out. 0, or the code json_canonical_text failed with (the
 * slot says why) and *out NULL: a member is whole or the seal fails,
 * never sealed cut short. */
static int member_text(char **out, const char *key, const cJSON *value, size_t *len)
{
	cJSON *k = cJSON_CreateString(key);
	char *kt = NULL, *vt = NULL, *t = NULL;
	int rc = json_canonical_text(&kt, k);
	if (!rc && value)
		rc = json_canonical_text(&vt, value);
	if (rc)
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
	*out = t;
	return rc;
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
		m[k].raw = -1;
		if ((rc = member_text(&m[k].head, c->string, c, &m[k].hlen))) {
			sigma_error_wrap(rc, "member \"%s\": ", c->string);
			goto out;
		}
		k++;
	}
	for (size_t r = 0; r < nraw; r++) {
		m[k].key = raw_keys[r];
		if ((rc = member_text(&m[k].head, raw_keys[r], NULL, &m[k].hlen)))
			goto out;
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
	member_text(&m[k].head, id_field, idv, &m[k].hlen); /* 64 hex digits: cannot fail */
	m[k].raw = -1;
	cJSON_Delete(idv);
	k++;
	if (sig) {
		cJSON *sv = cJSON_CreateObject();
		cJSON_AddStringToObject(sv, "alg", "ed25519");
		cJSON_AddStringToObject(sv, "key_id", sign_key_id(key));
		cJSON_AddStringToObject(sv, "value", sig);
		m[k].key = "signature";
		member_text(&m[k].head, "signature", sv, &m[k].hlen); /* hex and base64: cannot fail */
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
	char *payload = NULL, want[65];
	int crc = json_canonical_text(&payload, obj);
	if (!crc)
		sigma_sha256_hex(payload, strlen(payload), want);
	if (crc) {
		rc = sigma_error_wrap(crc, "cannot recompute the payload: ");
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

/* ---------------------------------------------------------------- one member streamed */

void seal_stream_dispose(seal_stream *st)
{
	for (size_t i = 0; st->m && i < st->n; i++)
		free(st->m[i].head);
	free(st->m);
	free(st->at);
	sigma_buf_dispose(&st->text);
	memset(st, 0, sizeof *st);
}

int seal_stream_begin(seal_stream *st, const cJSON *obj, const char *raw_key, const char *id_field)
{
	memset(st, 0, sizeof *st);
	size_t n = (size_t)cJSON_GetArraySize(obj);
	st->m = sigma_xcalloc(n + 1, sizeof *st->m);
	st->at = sigma_xcalloc(n + 1, sizeof *st->at);
	st->id_field = id_field;
	const cJSON *c;
	int rc = 0;
	cJSON_ArrayForEach(c, obj) {
		if (!strcmp(c->string, id_field) || !strcmp(c->string, "signature") || !strcmp(c->string, raw_key)) {
			rc = sigma_error_set(SIGMA_EINVALID, "already sealed");
			goto out;
		}
		st->m[st->n].key = c->string;
		st->m[st->n].raw = -1;
		if ((rc = member_text(&st->m[st->n].head, c->string, c, &st->m[st->n].hlen))) {
			sigma_error_wrap(rc, "member \"%s\": ", c->string);
			goto out;
		}
		st->n++;
	}
	st->m[st->n].key = raw_key;
	st->m[st->n].raw = 0;
	if ((rc = member_text(&st->m[st->n].head, raw_key, NULL, &st->m[st->n].hlen)))
		goto out;
	st->n++;
	qsort(st->m, st->n, sizeof *st->m, member_cmp);
	/* The text may pass the buffer default (the streamed member has its
	 * own cap, which its writer sets); the whole is bounded by that. */
	sigma_buf_init(&st->text, SIZE_MAX / 4);
	sigma_buf_putc(&st->text, '{');
	for (st->next = 0; st->next < st->n; st->next++) {
		if (st->next)
			sigma_buf_putc(&st->text, ',');
		st->at[st->next] = st->text.len;
		sigma_buf_put(&st->text, st->m[st->next].head, st->m[st->next].hlen);
		if (st->m[st->next].raw == 0)
			break;
	}
	st->next++;
	st->raw_at = st->text.len;
	rc = sigma_buf_error(&st->text);
out:
	if (rc)
		seal_stream_dispose(st);
	return rc;
}

/* `text` (len bytes) as the member "key":value inserted before the first
 * member whose key sorts after `key` (or last): its offset in the payload
 * and the bytes to insert, comma included. */
typedef struct insertion {
	size_t at;
	char *bytes;
	size_t len;
} insertion;

static void insertion_of(insertion *out, const seal_stream *st, const char *head, size_t hlen, size_t payload_len)
{
	const char *key_end = memchr(head + 1, '"', hlen - 1);
	size_t klen = key_end ? (size_t)(key_end - head - 1) : 0;
	size_t i = 0;
	for (; i < st->n; i++) {
		size_t ml = strlen(st->m[i].key);
		int cmp = memcmp(st->m[i].key, head + 1, ml < klen ? ml : klen);
		if (cmp > 0 || (cmp == 0 && ml > klen))
			break;
	}
	out->bytes = sigma_xmalloc(hlen + 2);
	if (i < st->n) {
		out->at = st->at[i];
		memcpy(out->bytes, head, hlen);
		out->bytes[hlen] = ',';
	} else {
		out->at = payload_len - 1; /* before the closing brace */
		out->bytes[0] = ',';
		memcpy(out->bytes + 1, head, hlen);
	}
	out->len = hlen + 1;
}

int seal_stream_finish(char **out, char id[65], size_t *raw_at, seal_stream *st, const sigma_key *key)
{
	int rc = sigma_buf_error(&st->text);
	char *sig = NULL, *id_head = NULL, *sig_head = NULL;
	insertion ins[2];
	size_t nins = 0;
	memset(ins, 0, sizeof ins);
	if (rc)
		goto out;
	for (; st->next < st->n; st->next++) {
		sigma_buf_putc(&st->text, ',');
		st->at[st->next] = st->text.len;
		sigma_buf_put(&st->text, st->m[st->next].head, st->m[st->next].hlen);
	}
	sigma_buf_putc(&st->text, '}');
	if ((rc = sigma_buf_error(&st->text)))
		goto out;
	/* The payload is the text as it stands: hash it, sign it, then put the
	 * id and the signature into the same buffer, in their sorted places. */
	const char *payload = st->text.ptr;
	size_t plen = st->text.len;
	sigma_sha256_hex(payload, plen, id);
	if (key && (rc = sign_data(&sig, key, payload, plen)))
		goto out;
	size_t hlen;
	cJSON *idv = cJSON_CreateString(id);
	member_text(&id_head, st->id_field, idv, &hlen); /* 64 hex digits: cannot fail */
	cJSON_Delete(idv);
	insertion_of(&ins[nins++], st, id_head, hlen, plen);
	if (sig) {
		cJSON *sv = cJSON_CreateObject();
		cJSON_AddStringToObject(sv, "alg", "ed25519");
		cJSON_AddStringToObject(sv, "key_id", sign_key_id(key));
		cJSON_AddStringToObject(sv, "value", sig);
		member_text(&sig_head, "signature", sv, &hlen); /* hex and base64: cannot fail */
		cJSON_Delete(sv);
		insertion_of(&ins[nins++], st, sig_head, hlen, plen);
		if (ins[1].at < ins[0].at) {
			insertion t = ins[0];
			ins[0] = ins[1];
			ins[1] = t;
		}
	}
	size_t grow = 0;
	for (size_t k = 0; k < nins; k++)
		grow += ins[k].len;
	char *t = sigma_xrealloc(st->text.ptr, plen + grow + 1);
	/* From the end: each stretch moves by the insertions before it. */
	size_t end = plen;
	for (size_t k = nins; k-- > 0;) {
		size_t shift = 0;
		for (size_t q = 0; q <= k; q++)
			shift += ins[q].len;
		memmove(t + ins[k].at + shift, t + ins[k].at, end - ins[k].at);
		memcpy(t + ins[k].at + shift - ins[k].len, ins[k].bytes, ins[k].len);
		end = ins[k].at;
	}
	t[plen + grow] = '\0';
	if (raw_at) {
		*raw_at = st->raw_at;
		for (size_t k = 0; k < nins; k++)
			if (ins[k].at < st->raw_at)
				*raw_at += ins[k].len;
	}
	st->text.ptr = NULL;
	st->text.len = st->text.cap = 0;
	*out = t;
out:
	for (size_t k = 0; k < nins; k++)
		free(ins[k].bytes);
	free(id_head);
	free(sig_head);
	free(sig);
	seal_stream_dispose(st);
	return rc;
}
