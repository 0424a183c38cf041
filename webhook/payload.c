/* payload.c: see payload.h.
 *
 * One pass over the text with an explicit stack (one byte per open
 * container), so a deeply nested body costs no C stack. Which fields a
 * value may hold is tracked only for the objects on a wanted path, which
 * are at most WEBHOOK_PAYLOAD_PATH_MAX deep: for each of them, `live` is
 * the set of fields whose path led there through first occurrences, and
 * `seen` the set whose next key already appeared once in it (a later
 * duplicate key is then skipped, as cJSON's lookup skipped it).
 *
 * Where cJSON was lenient this reader is not: it refuses trailing text, a
 * byte-order mark, raw control characters in strings, bad hex in \u
 * escapes, and numbers outside the JSON grammar. Where cJSON refused, so
 * does it: lone surrogate escapes, numbers over 63 characters, nesting
 * past 1000. So every body it takes, cJSON took too, with the same values. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "common/util.h"
#include "webhook/payload.h"

/* cJSON copied a number into a 64-byte buffer; a longer one failed. */
#define NUMBER_MAX 63
/* A key longer than every wanted key can match none of them. */
#define KEY_MAX 64

typedef struct reader {
	const char *start, *p, *end;
	webhook_payload_field *fields;
	size_t nfields;
	size_t depth;
	unsigned char object[WEBHOOK_PAYLOAD_MAX_DEPTH]; /* 1 object, 0 array */
	uint32_t live[WEBHOOK_PAYLOAD_PATH_MAX];
	uint32_t seen[WEBHOOK_PAYLOAD_PATH_MAX];
	const char *error;
} reader;

static int fail(reader *r, const char *what)
{
	if (!r->error)
		r->error = what;
	return -1;
}

static void skip_space(reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Past the plain characters of a string (not '"', '\\' nor below 0x20),
 * eight bytes at a time: most of a payload is string text. The word tests
 * are exact for "some byte is zero" and "some byte is below 0x20". */
static const char *skip_plain(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	while (end - p >= 8) {
		uint64_t w, quote, backslash;
		memcpy(&w, p, 8);
		quote = w ^ (ones * '"');
		backslash = w ^ (ones * '\\');
		if (((quote - ones) & ~quote & highs) | ((backslash - ones) & ~backslash & highs) |
		    ((w - ones * 0x20) & ~w & highs))
			break;
		p += 8;
	}
	while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
		p++;
	return p;
}

/* A string whose opening quote is at r->p. On success r->p is past the
 * closing quote, *text and *len give what is between the quotes, and
 * *escaped says whether it holds a backslash. */
static int read_string(reader *r, const char **text, size_t *len, int *escaped)
{
	const char *p = ++r->p;
	*escaped = 0;
	for (;;) {
		p = skip_plain(p, r->end);
		if (p >= r->end)
			return fail(r, "unterminated string");
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(r, "control character in a string");
		*escaped = 1;
		if (r->end - p < 2)
			return fail(r, "unterminated string");
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u': {
			unsigned hi, lo;
			if (r->end - p < 6 || hex4(p + 2, &hi) != 0)
				return fail(r, "bad \\u escape");
			p += 6;
			if (hi >= 0xDC00 && hi <= 0xDFFF)
				return fail(r, "lone low surrogate");
			if (hi >= 0xD800 && hi <= 0xDBFF) {
				if (r->end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) != 0 || lo < 0xDC00 ||
				    lo > 0xDFFF)
					return fail(r, "high surrogate without its low half");
				p += 6;
			}
			break;
		}
		default:
			return fail(r, "bad escape");
		}
	}
	*text = r->p;
	*len = (size_t)(p - r->p);
	r->p = p + 1;
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int read_number(reader *r)
{
	const char *p = r->p;
	if (p < r->end && *p == '-')
		p++;
	if (p >= r->end || !is_digit(*p))
		return fail(r, "bad number");
	if (*p == '0')
		p++;
	else
		while (p < r->end && is_digit(*p))
			p++;
	if (p < r->end && *p == '.') {
		p++;
		if (p >= r->end || !is_digit(*p))
			return fail(r, "bad number");
		while (p < r->end && is_digit(*p))
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= r->end || !is_digit(*p))
			return fail(r, "bad number");
		while (p < r->end && is_digit(*p))
			p++;
	}
	if (p - r->p > NUMBER_MAX)
		return fail(r, "number too long");
	r->p = p;
	return 0;
}

static int read_literal(reader *r, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return fail(r, "unexpected character");
	r->p += n;
	return 0;
}

/* Decode the (valid) string text[0..len) into out, up to its first NUL:
 * what a C string holding cJSON's decoded value would read. Stops with -1
 * when the result would not fit in cap - 1 bytes. Returns the length. */
static long decode(char *out, size_t cap, const char *text, size_t len)
{
	size_t k = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		unsigned cp;
		char one;
		if (*p != '\\') {
			one = *p++;
			goto single;
		}
		switch (p[1]) {
		case 'b': one = '\b'; break;
		case 'f': one = '\f'; break;
		case 'n': one = '\n'; break;
		case 'r': one = '\r'; break;
		case 't': one = '\t'; break;
		case 'u': goto unicode;
		default: one = p[1]; break; /* " \ / */
		}
		p += 2;
single:
		if (k + 1 >= cap)
			return -1;
		out[k++] = one;
		continue;
unicode:
		hex4(p + 2, &cp);
		p += 6;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			unsigned lo;
			hex4(p + 2, &lo);
			p += 6;
			cp = 0x10000 + (((cp & 0x3FF) << 10) | (lo & 0x3FF));
		}
		if (cp == 0)
			break;
		unsigned char u[4];
		size_t n;
		if (cp < 0x80) {
			u[0] = (unsigned char)cp;
			n = 1;
		} else if (cp < 0x800) {
			u[0] = (unsigned char)(0xC0 | (cp >> 6));
			u[1] = (unsigned char)(0x80 | (cp & 0x3F));
			n = 2;
		} else if (cp < 0x10000) {
			u[0] = (unsigned char)(0xE0 | (cp >> 12));
			u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			u[2] = (unsigned char)(0x80 | (cp & 0x3F));
			n = 3;
		} else {
			u[0] = (unsigned char)(0xF0 | (cp >> 18));
			u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
			u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			u[3] = (unsigned char)(0x80 | (cp & 0x3F));
			n = 4;
		}
		if (k + n >= cap)
			return -1;
		memcpy(out + k, u, n);
		k += n;
	}
	out[k] = '\0';
	return (long)k;
}

/* The fields whose key at this depth is the string text[0..len): the
 * match, with duplicates of an earlier key dropped. */
static uint32_t match_key(reader *r, size_t level, const char *text, size_t len, int escaped)
{
	uint32_t live = r->live[level], found = 0;
	char key[KEY_MAX];
	if (escaped) {
		long n = decode(key, sizeof key, text, len);
		if (n < 0)
			return 0;
		text = key;
		len = (size_t)n;
	}
	for (size_t i = 0; live >> i; i++) {
		if (!(live >> i & 1))
			continue;
		const char *want = r->fields[i].path[level];
		/* text holds no NUL: a shorter `want` differs at its end. */
		if (strncmp(want, text, len) == 0 && want[len] == '\0')
			found |= (uint32_t)1 << i;
	}
	if (found & r->seen[level])
		return 0;
	r->seen[level] |= found;
	return found;
}

static void note(reader *r, uint32_t fields, webhook_payload_type type, const char *text, size_t len)
{
	for (size_t i = 0; fields >> i; i++) {
		if (!(fields >> i & 1))
			continue;
		r->fields[i].type = type;
		r->fields[i].text = text;
		r->fields[i].len = len;
	}
}

/* Open a container; `live` is which fields continue inside it. */
static int push(reader *r, int object, uint32_t live)
{
	if (r->depth >= WEBHOOK_PAYLOAD_MAX_DEPTH)
		return fail(r, "nested too deeply");
	if (r->depth < WEBHOOK_PAYLOAD_PATH_MAX) {
		r->live[r->depth] = object ? live : 0;
		r->seen[r->depth] = 0;
	}
	r->object[r->depth++] = (unsigned char)object;
	r->p++;
	return 0;
}

enum { WANT_VALUE, WANT_KEY, AFTER_VALUE };

static int read_document(reader *r)
{
	/* What the next value is for: fields it completes, fields it leads to. */
	uint32_t complete = 0, lead = 0;
	for (size_t i = 0; i < r->nfields; i++)
		if (r->fields[i].path[0])
			lead |= (uint32_t)1 << i;
	skip_space(r);
	if (r->p >= r->end || *r->p != '{')
		return fail(r, "not a JSON object");
	int state = WANT_VALUE;
	for (;;) {
		skip_space(r);
		if (state == AFTER_VALUE && r->depth == 0)
			return r->p == r->end ? 0 : fail(r, "text after the object");
		if (r->p >= r->end)
			return fail(r, "unexpected end");
		char c = *r->p;
		if (state == WANT_VALUE) {
			uint32_t fields = complete, inside = lead;
			complete = lead = 0;
			const char *text = r->p;
			size_t len = 0;
			webhook_payload_type type;
			int escaped;
			state = AFTER_VALUE;
			if (c == '{') {
				type = PAYLOAD_OBJECT;
				if (push(r, 1, inside))
					return -1;
				skip_space(r);
				if (r->p < r->end && *r->p == '}') {
					r->p++;
					r->depth--;
				} else {
					state = WANT_KEY;
				}
			} else if (c == '[') {
				type = PAYLOAD_ARRAY;
				if (push(r, 0, 0))
					return -1;
				skip_space(r);
				if (r->p < r->end && *r->p == ']') {
					r->p++;
					r->depth--;
				} else {
					state = WANT_VALUE;
				}
			} else if (c == '"') {
				type = PAYLOAD_STRING;
				if (read_string(r, &text, &len, &escaped))
					return -1;
			} else if (c == '-' || is_digit(c)) {
				type = PAYLOAD_NUMBER;
				if (read_number(r))
					return -1;
				len = (size_t)(r->p - text);
			} else if (c == 't') {
				type = PAYLOAD_TRUE;
				if (read_literal(r, "true"))
					return -1;
			} else if (c == 'f') {
				type = PAYLOAD_FALSE;
				if (read_literal(r, "false"))
					return -1;
			} else if (c == 'n') {
				type = PAYLOAD_NULL;
				if (read_literal(r, "null"))
					return -1;
			} else {
				return fail(r, "unexpected character");
			}
			if (fields)
				note(r, fields, type, text, len);
		} else if (state == WANT_KEY) {
			const char *text;
			size_t len;
			int escaped;
			if (c != '"')
				return fail(r, "expected a key");
			if (read_string(r, &text, &len, &escaped))
				return -1;
			skip_space(r);
			if (r->p >= r->end || *r->p != ':')
				return fail(r, "expected ':'");
			r->p++;
			size_t level = r->depth - 1;
			if (level < WEBHOOK_PAYLOAD_PATH_MAX && r->live[level]) {
				uint32_t found = match_key(r, level, text, len, escaped);
				for (size_t i = 0; found >> i; i++) {
					if (!(found >> i & 1))
						continue;
					if (r->fields[i].path[level + 1])
						lead |= (uint32_t)1 << i;
					else
						complete |= (uint32_t)1 << i;
				}
			}
			state = WANT_VALUE;
		} else {
			int object = r->object[r->depth - 1];
			if (c == ',') {
				r->p++;
				state = object ? WANT_KEY : WANT_VALUE;
			} else if (c == (object ? '}' : ']')) {
				r->p++;
				r->depth--;
			} else {
				return fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
			}
		}
	}
}

int webhook_payload_pick(webhook_payload_field *fields, size_t n, const char *body, size_t len)
{
	if (n > WEBHOOK_PAYLOAD_FIELDS_MAX)
		return sigma_error_set(SIGMA_EINVALID, "payload: %zu fields asked, at most %d", n,
		                       WEBHOOK_PAYLOAD_FIELDS_MAX);
	for (size_t i = 0; i < n; i++) {
		fields[i].type = PAYLOAD_MISSING;
		fields[i].text = NULL;
		fields[i].len = 0;
	}
	/* About 1 KB: on the stack, nothing to allocate. */
	reader r;
	r.start = r.p = body;
	r.end = body + len;
	r.fields = fields;
	r.nfields = n;
	r.depth = 0;
	r.error = NULL;
	memset(r.live, 0, sizeof r.live);
	memset(r.seen, 0, sizeof r.seen);
	if (read_document(&r) != 0) {
		for (size_t i = 0; i < n; i++)
			fields[i].type = PAYLOAD_MISSING;
		return sigma_error_set(SIGMA_EINVALID, "body is not a JSON object (%s at byte %zu)", r.error,
		                       (size_t)(r.p - r.start));
	}
	return 0;
}

char *webhook_payload_text(const webhook_payload_field *f)
{
	if (f->type == PAYLOAD_NUMBER) {
		double v;
		webhook_payload_number(&v, f);
		return sigma_xasprintf("%.0f", v);
	}
	if (f->type != PAYLOAD_STRING)
		return NULL;
	char *s = sigma_xmalloc(f->len + 1);
	if (decode(s, f->len + 1, f->text, f->len) <= 0) {
		free(s);
		return NULL;
	}
	return s;
}

int webhook_payload_number(double *out, const webhook_payload_field *f)
{
	char text[NUMBER_MAX + 1];
	*out = 0;
	if (f->type != PAYLOAD_NUMBER || f->len > NUMBER_MAX)
		return sigma_error_set(SIGMA_EINVALID, "not a number");
	memcpy(text, f->text, f->len);
	text[f->len] = '\0';
	*out = strtod(text, NULL);
	return 0;
}
