/* review.c: the council table and the helpers every source reviewer uses.
 *
 * Scanning is substring search (memmem) over each file's bytes, pattern
 * by pattern, with the line number counted only when there is a hit:
 * that is what keeps the council at hundreds of MB/s on real packages.
 * Regular expressions would buy little: the reviewers look for API names
 * and a few shapes, and the consensus weighs the evidence. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/error.h"
#include "common/util.h"
#include "registry/review.h"

static const char *const severities[] = { "CLEAR", "LOW", "MEDIUM", "HIGH", "CRITICAL" };

const char *review_severity_name(review_severity s)
{
	return s >= SEV_CLEAR && s <= SEV_CRITICAL ? severities[s] : "CLEAR";
}

int review_severity_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < 5; i++)
		if (!strcasecmp(s, severities[i]))
			return i;
	if (!strcasecmp(s, "MODERATE"))
		return SEV_MEDIUM;
	return -1;
}

void review_findings_add(review_findings *f, const char *who, const char *code, review_severity sev,
                         const char *file, int line, const char *fmt, ...)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->items = sigma_xrealloc(f->items, f->cap * sizeof *f->items);
	}
	review_finding *x = &f->items[f->n++];
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	x->reviewer = who;
	x->code = sigma_xstrdup(code);
	x->severity = sev;
	x->file = file ? sigma_xstrdup(file) : NULL;
	x->line = line;
	x->message = msg ? msg : sigma_xstrdup(code);
}

void review_findings_dispose(review_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->items[i].code);
		free(f->items[i].file);
		free(f->items[i].message);
	}
	free(f->items);
	memset(f, 0, sizeof *f);
}

/* ---------------------------------------------------------------- council */

static const reviewer *const council[] = {
	&review_install, &review_network, &review_exec, &review_credentials,
	&review_obfuscation, &review_typosquat, &review_malware, &review_archive,
	&review_flow, &review_metadata,
};

const reviewer *const *review_council(size_t *n)
{
	*n = sizeof council / sizeof *council;
	return council;
}

void review_run_council(review_findings *out, const review_package *pkg)
{
	for (size_t i = 0; i < sizeof council / sizeof *council; i++) {
		if (council[i]->review(out, pkg) != 0)
			review_findings_add(out, council[i]->name, "reviewer-error", SEV_MEDIUM, NULL, 0,
			                    "the %s reviewer could not finish: %s", council[i]->name, sigma_error_last());
	}
}

/* ---------------------------------------------------------------- scanning */

unsigned review_lang(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (sigma_endswith(base, ".d.ts") || sigma_endswith(base, ".min.map"))
		return 0;
	static const char *const js[] = { ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts" };
	for (size_t i = 0; i < sizeof js / sizeof *js; i++)
		if (sigma_endswith(base, js[i]))
			return REVIEW_JS;
	if (sigma_endswith(base, ".py") || sigma_endswith(base, ".pyw") || sigma_endswith(base, ".pth"))
		return REVIEW_PY;
	if (sigma_endswith(base, ".sh") || sigma_endswith(base, ".bash"))
		return REVIEW_SH;
	return 0;
}

static int ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}

int review_span_has(const char *s, const char *e, const char *needle)
{
	return s < e && memmem(s, (size_t)(e - s), needle, strlen(needle)) != NULL;
}

static int comment_line(const char *s, const char *e, unsigned lang)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if (s + 1 < e && s[0] == '/' && (s[1] == '/' || s[1] == '*'))
		return 1;
	if (s < e && *s == '*' && lang == REVIEW_JS)
		return 1;
	if (s < e && *s == '#' && lang != REVIEW_JS)
		return 1;
	return 0;
}

void review_scan(const unpack_file *f, const review_pattern *pats, size_t n, int max_hits,
                 review_hit_fn fn, void *ctx)
{
	unsigned lang = review_lang(f->path);
	if (!lang)
		return;
	const char *data = f->data, *end = f->data + f->len;
	for (size_t k = 0; k < n; k++) {
		const review_pattern *p = &pats[k];
		if (!(p->langs & lang))
			continue;
		size_t nl = strlen(p->needle);
		/* A window of a big file (unpack.h) starts at its own line. */
		int hits = 0, line = f->first_line > 1 ? f->first_line : 1;
		const char *counted = data; /* newlines counted up to here */
		for (const char *at = data; at < end && hits < max_hits;) {
			const char *hit = memmem(at, (size_t)(end - at), p->needle, nl);
			if (!hit)
				break;
			at = hit + nl;
			if ((p->flags & (REVIEW_WORD | REVIEW_NODOT)) && hit > data &&
			    (ident_char(hit[-1]) || ((p->flags & REVIEW_NODOT) && hit[-1] == '.')))
				continue;
			for (; counted < hit; counted++)
				if (*counted == '\n')
					line++;
			const char *ls = hit, *le = hit;
			while (ls > data && ls[-1] != '\n')
				ls--;
			while (le < end && *le != '\n')
				le++;
			if (comment_line(ls, le, lang))
				continue;
			hits++;
			fn(ctx, f, p, line, ls, le);
		}
	}
}

/* ---------------------------------------------------------------- lexing */

/* Can a '/' after this character start a regular expression literal?
 * After an operator or an opening bracket it can; after a name, a number
 * or a closing bracket it is a division. */
static int regex_may_follow(char prev)
{
	return !prev || strchr("(,=:[!&|?{};+-*%<>~^\n", prev) != NULL;
}

/* "return /re/": after these words a '/' starts a regex. */
static int keyword_before(const char *data, size_t at, char prev)
{
	static const char *const words[] = { "return", "typeof", "case", "void", "delete", "in", "of", NULL };
	if (!isalpha((unsigned char)prev))
		return 0;
	size_t start = at + 1;
	while (start > 0 && (isalnum((unsigned char)data[start - 1]) || data[start - 1] == '_' || data[start - 1] == '$'))
		start--;
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) == at + 1 - start && !memcmp(data + start, words[i], at + 1 - start))
			return 1;
	return 0;
}

void review_lex(const char *data, size_t len, unsigned lang, char **code_out, char **mask_out)
{
	char *code = sigma_xcalloc(1, len + 1), *mask = sigma_xcalloc(1, len + 1);
	memcpy(code, data, len);
	char prev = 0; /* the last code character that is not blank */
	size_t prev_at = 0;
	size_t i = 0;
	while (i < len) {
		char c = data[i];
		size_t start = i;
		int kind = -1;
		if (lang == REVIEW_JS && c == '/' && i + 1 < len && data[i + 1] == '/') {
			while (i < len && data[i] != '\n')
				i++;
			kind = REVIEW_LEX_COMMENT;
		} else if (lang == REVIEW_JS && c == '/' && i + 1 < len && data[i + 1] == '*') {
			const char *close = memmem(data + i + 2, len - i - 2, "*/", 2);
			i = close ? (size_t)(close - data) + 2 : len;
			kind = REVIEW_LEX_COMMENT;
		} else if (lang != REVIEW_JS && c == '#' && (lang == REVIEW_PY || i == 0 || isspace((unsigned char)data[i - 1]))) {
			while (i < len && data[i] != '\n')
				i++;
			kind = REVIEW_LEX_COMMENT;
		} else if (lang == REVIEW_PY && (c == '\'' || c == '"') && i + 2 < len && data[i + 1] == c && data[i + 2] == c) {
			char q[4] = { c, c, c, 0 };
			const char *close = i + 3 < len ? memmem(data + i + 3, len - i - 3, q, 3) : NULL;
			i = close ? (size_t)(close - data) + 3 : len;
			kind = REVIEW_LEX_STRING;
		} else if (c == '`' && lang == REVIEW_JS) {
			/* A template literal; its ${} may hold braces and templates of
			 * its own (one level deep is tracked), all taken as string. */
			int depth = 0;
			i++;
			while (i < len && (depth > 0 || data[i] != '`')) {
				if (data[i] == '\\')
					i++;
				else if (depth == 0 && data[i] == '$' && i + 1 < len && data[i + 1] == '{')
					depth = 1, i++;
				else if (depth > 0 && data[i] == '{')
					depth++;
				else if (depth > 0 && data[i] == '}')
					depth--;
				else if (depth > 0 && data[i] == '`') {
					i++;
					while (i < len && data[i] != '`')
						i += data[i] == '\\' ? 2 : 1;
				}
				i++;
			}
			i = i < len ? i + 1 : len;
			kind = REVIEW_LEX_STRING;
		} else if (c == '\'' || c == '"') {
			i++;
			while (i < len && data[i] != c && data[i] != '\n') {
				if (data[i] == '\\')
					i++;
				i++;
			}
			i = i < len ? i + 1 : len;
			kind = REVIEW_LEX_STRING;
		} else if (lang == REVIEW_JS && c == '/' && (regex_may_follow(prev) || keyword_before(data, prev_at, prev))) {
			int in_class = 0;
			i++;
			while (i < len && data[i] != '\n' && (in_class || data[i] != '/')) {
				if (data[i] == '\\')
					i++;
				else if (data[i] == '[')
					in_class = 1;
				else if (data[i] == ']')
					in_class = 0;
				i++;
			}
			i = i < len ? i + 1 : len;
			kind = REVIEW_LEX_REGEX;
		}
		if (kind < 0) {
			if (!isspace((unsigned char)c))
				prev = c, prev_at = i;
			i++;
			continue;
		}
		if (i > len)
			i = len;
		memset(mask + start, kind, i - start);
		if (kind == REVIEW_LEX_COMMENT) {
			for (size_t k = start; k < i; k++)
				if (code[k] != '\n')
					code[k] = ' ';
		} else {
			prev = 'a'; /* a literal is a value: a '/' after it divides */
		}
	}
	*code_out = code;
	*mask_out = mask;
}

/* ---------------------------------------------------------------- network, shared */

typedef struct any_hit {
	int hit;
} any_hit;

static void note_hit(void *ctx, const unpack_file *f, const review_pattern *p, int line, const char *ls,
                     const char *le)
{
	((any_hit *)ctx)->hit = 1;
}

int review_file_uses_network(const unpack_file *f)
{
	any_hit h = { 0 };
	review_scan(f, review_network_patterns, review_network_npatterns, 1, note_hit, &h);
	return h.hit;
}
