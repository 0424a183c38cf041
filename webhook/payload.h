/* payload.h: the few fields sigma needs from a forge's delivery, read
 * straight from the raw JSON without building a tree.
 *
 * A GitHub pull_request delivery is ~25 KB of JSON with hundreds of values;
 * sigma reads about a dozen of them. Building a cJSON tree of all of it
 * took thousands of small allocations per delivery, most of the service's
 * time under load. webhook_payload_pick walks the text once instead: it
 * checks that the whole body is one well-formed JSON object (RFC 8259,
 * strictly: no trailing text, no raw control characters in strings, at
 * most WEBHOOK_PAYLOAD_MAX_DEPTH levels) and notes where each wanted value
 * starts and ends. Nothing is allocated.
 *
 * Lookups mean what cJSON_GetObjectItemCaseSensitive chains meant before:
 * a key is compared after its escapes are decoded, as a C string; of two
 * equal keys in one object the first wins (and a path only continues
 * inside that first value); a path only continues inside objects. The
 * fuzz target tests/fuzz/fuzz_payload.c checks exactly that against cJSON. */
#ifndef SIGMA_WEBHOOK_PAYLOAD_H
#define SIGMA_WEBHOOK_PAYLOAD_H
#include <stddef.h>

/* Same as cJSON's CJSON_NESTING_LIMIT, so nothing cJSON took is refused. */
#define WEBHOOK_PAYLOAD_MAX_DEPTH 1000
/* Paths have at most this many keys. */
#define WEBHOOK_PAYLOAD_PATH_MAX 4
/* At most this many fields per pick. */
#define WEBHOOK_PAYLOAD_FIELDS_MAX 32

typedef enum webhook_payload_type {
	PAYLOAD_MISSING = 0,
	PAYLOAD_NULL,
	PAYLOAD_FALSE,
	PAYLOAD_TRUE,
	PAYLOAD_NUMBER,
	PAYLOAD_STRING,
	PAYLOAD_ARRAY,
	PAYLOAD_OBJECT,
} webhook_payload_type;

typedef struct webhook_payload_field {
	/* In: the keys from the root object, NULL after the last. */
	const char *path[WEBHOOK_PAYLOAD_PATH_MAX + 1];
	/* Out: the value's type (PAYLOAD_MISSING when absent) and, for a
	 * number or a string, its text in the body (a string's between its
	 * quotes, escapes still encoded). */
	webhook_payload_type type;
	const char *text;
	size_t len;
} webhook_payload_field;

/* Check that body[0..len) is one JSON object and fill in the `n` fields
 * (at most WEBHOOK_PAYLOAD_FIELDS_MAX). The fields point into `body`.
 * 0, or SIGMA_EINVALID with the byte offset of the first error. */
int webhook_payload_pick(webhook_payload_field *fields, size_t n, const char *body, size_t len);

/* A picked string, decoded, as the C string cJSON would have held (it ends
 * at a decoded \u0000); a picked number as "%.0f" would print it. NULL for
 * anything else, or when the string is empty. The caller frees it. */
char *webhook_payload_text(const webhook_payload_field *f);

/* A picked number's value (what strtod makes of it). 0 when the field is a
 * number, SIGMA_EINVALID otherwise. */
int webhook_payload_number(double *out, const webhook_payload_field *f);

#endif
