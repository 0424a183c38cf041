/* seal.h: how a certificate gets its id and signature.
 *
 * The payload is the certificate's canonical JSON (common/json.h) without
 * its id member and without "signature". The id is the hex SHA-256 of the
 * payload; the signature is Ed25519 over the payload bytes, recorded as
 *   "signature": {"alg": "ed25519", "key_id": "<hex sha256 of the public key>",
 *                 "value": "<base64>"}
 * The sealed certificate is again canonical JSON, so anyone can recompute
 * the payload by deleting those two members and canonicalising.
 * Submission certificates use the member "id", package certificates
 * "certificate_id". */
#ifndef SIGMA_SEAL_H
#define SIGMA_SEAL_H
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/sign.h"

/* Seal `obj` (an object; id_field and "signature" must not be in it yet):
 * *out is the sealed canonical text (caller frees), id the hex id. `key`
 * may be NULL: the certificate is then sealed by id only. `obj` is left
 * unchanged. */
int seal_object(char **out, char id[65], const cJSON *obj, const char *id_field, const sigma_key *key);

/* The same, with one more member whose value is already canonical JSON
 * text (`raw_key`: `raw_value`), for a large member written directly
 * rather than built as a cJSON tree. */
int seal_object_raw(char **out, char id[65], const cJSON *obj, const char *raw_key, const char *raw_value,
                    const char *id_field, const sigma_key *key);
/* The same with `nraw` ready members. When `raw_at` is not NULL, raw_at[r]
 * receives the offset in *out where raw member r's value starts (its
 * length is strlen(raw_values[r])), so that a caller can store that part
 * apart without looking for it again. */
int seal_object_raws(char **out, char id[65], const cJSON *obj, const char *const *raw_keys,
                     const char *const *raw_values, size_t nraw, const char *id_field, const sigma_key *key,
                     size_t *raw_at);

/* Check a sealed certificate. 0 when the id matches and, if signed, the
 * signature verifies with one of `keys` (signer gets its key id; "" when
 * unsigned). SIGMA_EINVALID with the reason otherwise, including a
 * signature by a key not among `keys`. */
/* ---------------------------------------------------------------- one member streamed
 *
 * For a certificate whose largest member (a monorepo's packages: a hundred
 * megabytes) is written by the caller straight into the text: the payload
 * is built once, in one buffer, and the id and signature are then inserted
 * into that same buffer, so the text is in memory once, not as the
 * member's own copy, the payload and the output. The bytes are exactly
 * seal_object_raws's.
 *
 *   seal_stream st;
 *   seal_stream_begin(&st, obj, "packages", "id");  // obj without "packages"
 *   ... append the canonical value to st.text ...
 *   seal_stream_finish(&out, id, &at, &st, key);     // disposes st either way
 *
 * begin: 0 or an error (st disposed). The caller may set st.text.max to
 * cap what it writes and must not touch the text before st.raw_at.
 * finish: 0 with *out (the caller's) and *raw_at, the offset of the
 * streamed value in *out; or the buffer's first failure (SIGMA_ETOOBIG
 * when the value passed its cap) with nothing in *out. */
struct seal_member;
typedef struct seal_stream {
	sigma_buf text;            /* the payload being written */
	size_t raw_at;             /* where the streamed value starts in text */
	struct seal_member *m;     /* the members, sorted */
	size_t *at;                /* at[i]: where member i starts in text */
	size_t n, next;            /* members; the first one after the streamed one */
	const char *id_field;
} seal_stream;

int seal_stream_begin(seal_stream *st, const cJSON *obj, const char *raw_key, const char *id_field);
int seal_stream_finish(char **out, char id[65], size_t *raw_at, seal_stream *st, const sigma_key *key);
void seal_stream_dispose(seal_stream *st);

int seal_check(const char *json, size_t len, const char *id_field, sigma_key *const *keys, size_t nkeys,
               char signer[65], char id_out[65]);

#endif
