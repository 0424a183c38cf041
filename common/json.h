/* json.h: JSON helpers over cJSON, and the canonical form certificates are
 * hashed (and later signed) over.
 *
 * Canonical form (RFC 8785, JCS, for the values sigma writes): object keys
 * sorted by UTF-16 code units (for the ASCII keys sigma uses, plain byte
 * order), no insignificant whitespace, strings with only the mandatory
 * escapes, integers without exponent or fraction. sigma's certificates hold
 * no fractional numbers; a non-integer is written with %.17g. */
#ifndef SIGMA_JSON_H
#define SIGMA_JSON_H
#include <cjson/cJSON.h>
#include <stddef.h>

/* Append `s` as a canonical JSON string (quoted, minimal escapes). A byte
 * that is not part of well-formed UTF-8 is written as U+FFFD, so the text
 * is always valid JSON. */
struct sigma_buf;
void json_put_string(struct sigma_buf *b, const char *s);
/* The same, with every byte >= 0x80 copied as it is: for sigma's own
 * caches (hook/graph.c), which cJSON reads back byte for byte, so that a
 * graph loaded from the cache names its packages exactly as the lockfile
 * did. Never for text that leaves sigma. */
void json_put_string_bytes(struct sigma_buf *b, const char *s);

/* The canonical text of `v` into *out (the caller frees it): 0, or
 * SIGMA_ETOOBIG (past the buffer cap) with *out NULL: never a text with a
 * piece missing. */
int json_canonical_text(char **out, const cJSON *v);
/* The same, NULL on failure (the error slot says why). */
char *json_canonical(const cJSON *v);

/* A string member or NULL; never fails. */
const char *json_str(const cJSON *o, const char *key);

/* Lowercase hex SHA-256 of data into out[65]. */
void sigma_sha256_hex(const void *data, size_t len, char out[65]);
/* The same over the concatenation of n byte ranges, without joining them. */
void sigma_sha256_parts_hex(const char *const *parts, const size_t *lens, size_t n, char out[65]);

#endif
