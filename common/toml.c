/* toml.c: see toml.h.
 *
 * A recursive-descent reader over the bytes, counting lines as it goes.
 * Tables are arrays of (key, value) with linear lookup: the files it reads
 * have small tables and long arrays of tables, never the reverse. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "common/buf.h"
#include "common/toml.h"
#include "common/util.h"

typedef struct reader {
	const char *path;
	const char *p, *end;
	int line;
	int depth;
} reader;

/* ---------------------------------------------------------------- values */

static toml_value *value_new(toml_type type, int line)
{
	toml_value *v = sigma_xcalloc(1, sizeof *v);
	v->type = type;
	v->line = line;
	return v;
}

void toml_free(toml_value *v)
{
	if (!v)
		return;
	/* Nesting is capped at parse time, so this recursion is bounded. */
	for (uint32_t i = 0; i < v->n; i++) {
		toml_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

static void push_item(toml_value *parent, char *key, toml_value *v)
{
	if (parent->n == parent->cap) {
		parent->cap = parent->cap ? parent->cap * 2 : 4;
		parent->items = sigma_xrealloc(parent->items, parent->cap * sizeof *parent->items);
		if (parent->type == TOML_TABLE)
			parent->keys = sigma_xrealloc(parent->keys, parent->cap * sizeof *parent->keys);
	}
	if (parent->type == TOML_TABLE)
		parent->keys[parent->n] = key;
	parent->items[parent->n++] = v;
}

static toml_value *table_find(const toml_value *t, const char *key)
{
	if (!t || t->type != TOML_TABLE)
		return NULL;
	for (uint32_t i = 0; i < t->n; i++)
		if (strcmp(t->keys[i], key) == 0)
			return t->items[i];
	return NULL;
}

const toml_value *toml_get(const toml_value *t, const char *key) { return table_find(t, key); }

const char *toml_str(const toml_value *v) { return v && v->type == TOML_STRING ? v->str : NULL; }

const char *toml_getstr(const toml_value *t, const char *key) { return toml_str(toml_get(t, key)); }

/* ---------------------------------------------------------------- lexing */

static int fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sigma_error_set(SIGMA_EINVALID, "%s:%d: %s", r->path, r->line, msg);
}

static int peek(const reader *r) { return r->p < r->end ? (unsigned char)*r->p : -1; }

static void skip_ws(reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t'))
		r->p++;
}

/* Skip a comment to the end of the line (not the newline). Control
 * characters other than tab are not allowed in comments. */
static int skip_comment(reader *r)
{
	if (peek(r) != '#')
		return 0;
	while (r->p < r->end && *r->p != '\n') {
		unsigned char c = (unsigned char)*r->p;
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return fail(r, "control character in a comment");
		r->p++;
	}
	return 0;
}

/* Consume a newline (LF or CRLF). 1 if one was there. */
static int eat_newline(reader *r)
{
	if (peek(r) == '\n') {
		r->p++;
		r->line++;
		return 1;
	}
	if (peek(r) == '\r' && r->p + 1 < r->end && r->p[1] == '\n') {
		r->p += 2;
		r->line++;
		return 1;
	}
	return 0;
}

/* Whitespace, comments and newlines, as inside arrays. */
static int skip_blank(reader *r)
{
	for (;;) {
		skip_ws(r);
		if (skip_comment(r))
			return -1;
		if (!eat_newline(r))
			return 0;
	}
}

/* After a key/value pair or a header: only a comment, then a newline or
 * the end. */
static int end_of_line(reader *r)
{
	skip_ws(r);
	if (skip_comment(r))
		return -1;
	if (r->p >= r->end || eat_newline(r))
		return 0;
	return fail(r, "expected the end of the line, found '%c'", *r->p);
}

static void put_utf8(sigma_buf *b, uint32_t cp)
{
	char u[4];
	int n;
	if (cp < 0x80) { u[0] = (char)cp; n = 1; }
	else if (cp < 0x800) { u[0] = (char)(0xc0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
	else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	sigma_buf_put(b, u, (size_t)n);
}

/* A string of any of the four kinds, at r->p (on the opening quote).
 * *out is a new string. */
static int read_string(reader *r, char **out, int allow_multiline)
{
	char q = *r->p;
	int literal = q == '\'';
	int multi = r->end - r->p >= 3 && r->p[1] == q && r->p[2] == q;
	sigma_buf b;
	int start = r->line;
	if (multi && !allow_multiline)
		return fail(r, "a multi-line string cannot be a key");
	sigma_buf_init(&b, 0);
	sigma_buf_puts(&b, "");
	r->p += multi ? 3 : 1;
	if (multi)
		eat_newline(r); /* a newline right after the opening quotes is trimmed */
	for (;;) {
		if (r->p >= r->end) {
			sigma_buf_dispose(&b);
			r->line = start;
			return fail(r, "unterminated string");
		}
		unsigned char c = (unsigned char)*r->p;
		if (c == (unsigned char)q) {
			if (!multi) {
				r->p++;
				break;
			}
			if (r->end - r->p >= 3 && r->p[1] == q && r->p[2] == q) {
				/* Up to two quotes may sit right before the closing three. */
				size_t extra = 0;
				while (extra < 2 && r->end - r->p >= 4 + (long)extra && r->p[3 + extra] == q)
					extra++;
				sigma_buf_put(&b, r->p, extra);
				r->p += 3 + extra;
				break;
			}
			sigma_buf_putc(&b, (char)c);
			r->p++;
			continue;
		}
		if (c == '\n' || (c == '\r' && r->p + 1 < r->end && r->p[1] == '\n')) {
			if (!multi) {
				sigma_buf_dispose(&b);
				return fail(r, "newline in a single-line string");
			}
			if (c == '\r')
				r->p++;
			sigma_buf_putc(&b, '\n');
			r->p++;
			r->line++;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			sigma_buf_dispose(&b);
			return fail(r, "control character in a string");
		}
		if (c == '\\' && !literal) {
			r->p++;
			int e = peek(r);
			uint32_t cp = 0;
			int digits = 0;
			switch (e) {
			case 'b': sigma_buf_putc(&b, '\b'); break;
			case 't': sigma_buf_putc(&b, '\t'); break;
			case 'n': sigma_buf_putc(&b, '\n'); break;
			case 'f': sigma_buf_putc(&b, '\f'); break;
			case 'r': sigma_buf_putc(&b, '\r'); break;
			case '"': sigma_buf_putc(&b, '"'); break;
			case '\\': sigma_buf_putc(&b, '\\'); break;
			case 'u': digits = 4; break;
			case 'U': digits = 8; break;
			default:
				if (multi && (e == ' ' || e == '\t' || e == '\n' || e == '\r')) {
					/* Line-ending backslash: drop whitespace and newlines. */
					const char *save = r->p;
					skip_ws(r);
					if (!eat_newline(r)) {
						r->p = save;
						sigma_buf_dispose(&b);
						return fail(r, "invalid escape in a string");
					}
					for (;;) {
						skip_ws(r);
						if (!eat_newline(r))
							break;
					}
					continue;
				}
				sigma_buf_dispose(&b);
				return fail(r, "invalid escape in a string");
			}
			r->p++;
			if (digits) {
				for (int i = 0; i < digits; i++) {
					int h = peek(r);
					if (h < 0 || !isxdigit(h)) {
						sigma_buf_dispose(&b);
						return fail(r, "invalid unicode escape");
					}
					cp = cp * 16 + (uint32_t)(isdigit(h) ? h - '0' : (tolower(h) - 'a' + 10));
					r->p++;
				}
				if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
					sigma_buf_dispose(&b);
					return fail(r, "invalid unicode scalar value");
				}
				put_utf8(&b, cp);
			}
			continue;
		}
		sigma_buf_putc(&b, (char)c);
		r->p++;
	}
	*out = sigma_buf_steal(&b);
	return 0;
}

static int is_bare(int c) { return c >= 0 && (isalnum(c) || c == '_' || c == '-'); }

/* One key segment: bare, "basic" or 'literal'. */
static int read_key_part(reader *r, char **out)
{
	int c = peek(r);
	if (c == '"' || c == '\'')
		return read_string(r, out, 0);
	const char *b = r->p;
	while (is_bare(peek(r)))
		r->p++;
	if (r->p == b)
		return fail(r, "expected a key");
	*out = sigma_xstrndup(b, (size_t)(r->p - b));
	return 0;
}

static void free_parts(char **parts, int n)
{
	for (int i = 0; i < n; i++)
		free(parts[i]);
}

/* A dotted key into parts[] (at most 32). On failure nothing is left to
 * free. */
static int read_key(reader *r, char **parts, int *n)
{
	*n = 0;
	for (;;) {
		skip_ws(r);
		if (*n == 32 || read_key_part(r, &parts[*n])) {
			if (*n == 32)
				fail(r, "key has too many dotted parts");
			free_parts(parts, *n);
			*n = 0;
			return -1;
		}
		(*n)++;
		skip_ws(r);
		if (peek(r) != '.')
			return 0;
		r->p++;
	}
}


/* ---------------------------------------------------------------- scalars */

static int all_digits_underscored(const char *s, size_t n, int (*digit)(int))
{
	if (n == 0 || !digit((unsigned char)s[0]) || !digit((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '_') {
			if (!digit((unsigned char)s[i + 1]) || !digit((unsigned char)s[i - 1]))
				return 0;
		} else if (!digit((unsigned char)s[i])) {
			return 0;
		}
	return 1;
}

static int isdigit_(int c) { return c >= '0' && c <= '9'; }
static int isodigit_(int c) { return c >= '0' && c <= '7'; }
static int isbdigit_(int c) { return c == '0' || c == '1'; }
static int isxdigit_(int c) { return isxdigit(c); }

static char *strip_underscores(const char *s, size_t n)
{
	char *out = sigma_xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			*o++ = s[i];
	*o = '\0';
	return out;
}

static int looks_like_datetime(const char *s, size_t n)
{
	if (n >= 10 && isdigit_(s[0]) && isdigit_(s[1]) && isdigit_(s[2]) && isdigit_(s[3]) && s[4] == '-')
		return 1;
	return n >= 8 && isdigit_(s[0]) && isdigit_(s[1]) && s[2] == ':';
}

static int valid_datetime(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!(isdigit_(*p) || strchr("-:.TtZz+ ", *p)))
			return 0;
	return 1;
}

/* A number, boolean or date-time: a run of token characters. */
static int read_scalar(reader *r, toml_value **out)
{
	const char *b = r->p;
	while (r->p < r->end && (isalnum((unsigned char)*r->p) || strchr("+-._:", *r->p)))
		r->p++;
	/* "1979-05-27 07:32:00": a space between date and time. */
	if (r->p - b == 10 && looks_like_datetime(b, 10) && r->end - r->p >= 3 && r->p[0] == ' ' &&
	    isdigit_(r->p[1]) && isdigit_(r->p[2])) {
		r->p++;
		while (r->p < r->end && (isalnum((unsigned char)*r->p) || strchr("+-.:", *r->p)))
			r->p++;
	}
	size_t n = (size_t)(r->p - b);
	if (n == 0)
		return fail(r, "expected a value");
	toml_value *v = NULL;
	if (n == 4 && memcmp(b, "true", 4) == 0) {
		v = value_new(TOML_BOOL, r->line);
		v->integer = 1;
	} else if (n == 5 && memcmp(b, "false", 5) == 0) {
		v = value_new(TOML_BOOL, r->line);
	} else if (looks_like_datetime(b, n)) {
		v = value_new(TOML_DATETIME, r->line);
		v->str = sigma_xstrndup(b, n);
		if (!valid_datetime(v->str)) {
			toml_free(v);
			return fail(r, "invalid date-time");
		}
	} else {
		const char *s = b;
		size_t m = n;
		int neg = 0;
		if (*s == '+' || *s == '-') {
			neg = *s == '-';
			s++;
			m--;
		}
		if ((m == 3 && (memcmp(s, "inf", 3) == 0 || memcmp(s, "nan", 3) == 0))) {
			v = value_new(TOML_FLOAT, r->line);
			v->number = s[0] == 'i' ? (neg ? -INFINITY : INFINITY) : NAN;
		} else if (m > 2 && s[0] == '0' && strchr("xob", s[1]) && s == b) {
			int (*dig)(int) = s[1] == 'x' ? isxdigit_ : s[1] == 'o' ? isodigit_ : isbdigit_;
			int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
			if (!all_digits_underscored(s + 2, m - 2, dig))
				return fail(r, "invalid integer");
			char *digits = strip_underscores(s + 2, m - 2);
			errno = 0;
			unsigned long long u = strtoull(digits, NULL, base);
			free(digits);
			if (errno || u > INT64_MAX)
				return fail(r, "integer out of range");
			v = value_new(TOML_INTEGER, r->line);
			v->integer = (int64_t)u;
		} else if (memchr(s, '.', m) || memchr(s, 'e', m) || memchr(s, 'E', m)) {
			/* int part, optional .frac, optional e[+-]exp; each digit run
			 * checked for underscores and leading zeros. */
			size_t i = 0, ib = 0;
			while (i < m && (isdigit_(s[i]) || s[i] == '_'))
				i++;
			if (!all_digits_underscored(s, i, isdigit_) || (i > 1 && s[0] == '0'))
				return fail(r, "invalid float");
			if (i < m && s[i] == '.') {
				ib = ++i;
				while (i < m && (isdigit_(s[i]) || s[i] == '_'))
					i++;
				if (!all_digits_underscored(s + ib, i - ib, isdigit_))
					return fail(r, "invalid float");
			}
			if (i < m && (s[i] == 'e' || s[i] == 'E')) {
				i++;
				if (i < m && (s[i] == '+' || s[i] == '-'))
					i++;
				ib = i;
				while (i < m && (isdigit_(s[i]) || s[i] == '_'))
					i++;
				if (!all_digits_underscored(s + ib, i - ib, isdigit_))
					return fail(r, "invalid float");
			}
			if (i != m)
				return fail(r, "invalid float");
			char *txt = strip_underscores(b, n);
			v = value_new(TOML_FLOAT, r->line);
			v->number = strtod(txt, NULL);
			free(txt);
		} else {
			if (!all_digits_underscored(s, m, isdigit_) || (m > 1 && s[0] == '0'))
				return fail(r, "invalid value");
			char *txt = strip_underscores(b, n);
			errno = 0;
			long long ll = strtoll(txt, NULL, 10);
			free(txt);
			if (errno)
				return fail(r, "integer out of range");
			v = value_new(TOML_INTEGER, r->line);
			v->integer = ll;
		}
	}
	*out = v;
	return 0;
}

/* ---------------------------------------------------------------- structure */

static int read_value(reader *r, toml_value **out);

/* Walk/create the tables of parts[0..n-1) under `t` for a dotted key or
 * header; returns the table that will hold the last part, or NULL. */
static toml_value *descend(reader *r, toml_value *t, char **parts, int n, int from_header)
{
	for (int i = 0; i < n; i++) {
		toml_value *next = table_find(t, parts[i]);
		if (!next) {
			next = value_new(TOML_TABLE, r->line);
			next->dotted = !from_header;
			push_item(t, sigma_xstrdup(parts[i]), next);
		} else if (next->type == TOML_ARRAY && next->aot && from_header) {
			if (!next->n) {
				fail(r, "empty array of tables");
				return NULL;
			}
			next = next->items[next->n - 1];
		} else if (next->type != TOML_TABLE || next->inline_) {
			fail(r, "key \"%s\" is already defined as a value", parts[i]);
			return NULL;
		} else if (!from_header && next->explicit_) {
			fail(r, "dotted key extends table \"%s\" defined elsewhere", parts[i]);
			return NULL;
		}
		t = next;
	}
	return t;
}

/* key = value into table `t`. */
static int read_keyval(reader *r, toml_value *t)
{
	char *parts[32];
	int n, rc = -1;
	if (read_key(r, parts, &n))
		return -1;
	skip_ws(r);
	if (peek(r) != '=') {
		rc = fail(r, "expected '=' after a key");
		goto out;
	}
	r->p++;
	skip_ws(r);
	toml_value *holder = descend(r, t, parts, n - 1, 0);
	if (!holder)
		goto out;
	if (table_find(holder, parts[n - 1])) {
		rc = fail(r, "duplicate key \"%s\"", parts[n - 1]);
		goto out;
	}
	toml_value *v = NULL;
	if (read_value(r, &v))
		goto out;
	push_item(holder, parts[n - 1], v);
	parts[n - 1] = NULL;
	rc = 0;
out:
	free_parts(parts, n);
	return rc;
}

static int read_array(reader *r, toml_value **out)
{
	toml_value *a = value_new(TOML_ARRAY, r->line);
	a->inline_ = 1;
	r->p++; /* '[' */
	for (;;) {
		if (skip_blank(r))
			goto fail;
		if (peek(r) == ']') {
			r->p++;
			break;
		}
		toml_value *v = NULL;
		if (read_value(r, &v))
			goto fail;
		push_item(a, NULL, v);
		if (skip_blank(r))
			goto fail;
		if (peek(r) == ',') {
			r->p++;
			continue;
		}
		if (peek(r) == ']') {
			r->p++;
			break;
		}
		fail(r, r->p >= r->end ? "unterminated array" : "expected ',' or ']' in an array");
		goto fail;
	}
	*out = a;
	return 0;
fail:
	toml_free(a);
	return -1;
}

static int read_inline_table(reader *r, toml_value **out)
{
	toml_value *t = value_new(TOML_TABLE, r->line);
	r->p++; /* '{' */
	skip_ws(r);
	if (peek(r) == '}') {
		r->p++;
	} else {
		for (;;) {
			if (read_keyval(r, t))
				goto fail;
			skip_ws(r);
			if (peek(r) == ',') {
				r->p++;
				continue;
			}
			if (peek(r) == '}') {
				r->p++;
				break;
			}
			fail(r, "expected ',' or '}' in an inline table");
			goto fail;
		}
	}
	/* Freeze it and its dotted sub-tables: nothing may extend them later. */
	t->inline_ = 1;
	for (uint32_t i = 0; i < t->n; i++)
		if (t->items[i]->type == TOML_TABLE)
			t->items[i]->inline_ = 1;
	*out = t;
	return 0;
fail:
	toml_free(t);
	return -1;
}

static int read_value(reader *r, toml_value **out)
{
	int c = peek(r), rc;
	if (c < 0 || c == '\n' || c == '\r' || c == '#')
		return fail(r, "expected a value");
	if (++r->depth > TOML_MAX_DEPTH) {
		r->depth--;
		return fail(r, "values nested too deeply");
	}
	if (c == '"' || c == '\'') {
		int line = r->line;
		char *s = NULL;
		rc = read_string(r, &s, 1);
		if (rc == 0) {
			*out = value_new(TOML_STRING, line);
			(*out)->str = s;
		}
	} else if (c == '[') {
		rc = read_array(r, out);
	} else if (c == '{') {
		rc = read_inline_table(r, out);
	} else {
		rc = read_scalar(r, out);
	}
	r->depth--;
	return rc ? -1 : 0;
}

/* [a.b] or [[a.b]]; *current becomes the table that receives pairs. */
static int read_header(reader *r, toml_value *root, toml_value **current)
{
	int aot = r->end - r->p >= 2 && r->p[1] == '[';
	char *parts[32];
	int n, rc = -1;
	r->p += aot ? 2 : 1;
	if (read_key(r, parts, &n))
		return -1;
	skip_ws(r);
	if (peek(r) != ']' || (aot && (r->end - r->p < 2 || r->p[1] != ']'))) {
		rc = fail(r, "expected '%s' to close a table header", aot ? "]]" : "]");
		goto out;
	}
	r->p += aot ? 2 : 1;
	toml_value *parent = descend(r, root, parts, n - 1, 1);
	if (!parent)
		goto out;
	toml_value *t = table_find(parent, parts[n - 1]);
	if (aot) {
		if (!t) {
			t = value_new(TOML_ARRAY, r->line);
			t->aot = 1;
			push_item(parent, sigma_xstrdup(parts[n - 1]), t);
		} else if (t->type != TOML_ARRAY || !t->aot) {
			rc = fail(r, "\"%s\" is not an array of tables", parts[n - 1]);
			goto out;
		}
		toml_value *elem = value_new(TOML_TABLE, r->line);
		elem->explicit_ = 1;
		push_item(t, NULL, elem);
		*current = elem;
	} else {
		if (!t) {
			t = value_new(TOML_TABLE, r->line);
			push_item(parent, sigma_xstrdup(parts[n - 1]), t);
		} else if (t->type != TOML_TABLE || t->explicit_ || t->inline_ || t->dotted) {
			rc = fail(r, "table \"%s\" is defined twice", parts[n - 1]);
			goto out;
		}
		t->explicit_ = 1;
		t->line = r->line;
		*current = t;
	}
	rc = 0;
out:
	free_parts(parts, n);
	return rc;
}

int toml_parse(toml_value **out, const char *path, const char *data, size_t len)
{
	reader r = { .path = path, .p = data, .end = data + len, .line = 1 };
	toml_value *root = value_new(TOML_TABLE, 1), *current = root;
	*out = NULL;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r.p += 3;
	if (memchr(data, '\0', len)) {
		const char *nul = memchr(data, '\0', len);
		for (const char *q = data; q < nul; q++)
			r.line += *q == '\n';
		fail(&r, "NUL byte in a TOML file");
		goto fail;
	}
	while (r.p < r.end) {
		if (skip_blank(&r))
			goto fail;
		if (r.p >= r.end)
			break;
		if (peek(&r) == '[') {
			if (read_header(&r, root, &current))
				goto fail;
		} else if (read_keyval(&r, current)) {
			goto fail;
		}
		if (end_of_line(&r))
			goto fail;
	}
	*out = root;
	return 0;
fail:
	toml_free(root);
	return SIGMA_EINVALID;
}
