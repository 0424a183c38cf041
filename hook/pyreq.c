/* pyreq.c: see pyreq.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "hook/pyreq.h"

char *pyreq_normalize(const char *name, size_t len)
{
	char *out = sigma_xmalloc(len + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (c == '-' || c == '_' || c == '.') {
			if (o == out || o[-1] != '-')
				*o++ = '-';
		} else {
			*o++ = (char)tolower((unsigned char)c);
		}
	}
	*o = '\0';
	return out;
}

static int name_char(int c) { return isalnum(c) || c == '-' || c == '_' || c == '.'; }

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static char *trimmed(const char *b, const char *e)
{
	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	return sigma_xstrndup(b, (size_t)(e - b));
}

/* "", or clauses "op version" separated by commas, each op one of
 * ~= == != <= >= < > ===, each version made of [A-Za-z0-9.*+!_-]. */
static int valid_specifier(const char *s)
{
	static const char *const ops[] = { "===", "~=", "==", "!=", "<=", ">=", "<", ">" };
	const char *p = skip_space(s);
	if (!*p)
		return 1;
	for (;;) {
		p = skip_space(p);
		size_t ol = 0;
		for (size_t i = 0; i < sizeof ops / sizeof *ops && !ol; i++)
			if (strncmp(p, ops[i], strlen(ops[i])) == 0)
				ol = strlen(ops[i]);
		if (!ol)
			return 0;
		p = skip_space(p + ol);
		const char *v = p;
		while (isalnum((unsigned char)*p) || (*p && strchr(".*+!_-", *p)))
			p++;
		if (p == v || !*v)
			return 0;
		p = skip_space(p);
		if (!*p)
			return 1;
		if (*p != ',')
			return 0;
		p++;
	}
}

void pyreq_dispose(pyreq *r)
{
	free(r->name);
	for (size_t i = 0; i < r->nextras; i++)
		free(r->extras[i]);
	free(r->extras);
	free(r->specifier);
	free(r->url);
	free(r->marker);
	memset(r, 0, sizeof *r);
}

int pyreq_parse(pyreq *out, const char *s)
{
	memset(out, 0, sizeof *out);
	const char *p = skip_space(s), *b = p;
	if (!isalnum((unsigned char)*p))
		return -1;
	while (name_char((unsigned char)*p))
		p++;
	/* A name ends in a letter or digit. */
	const char *ne = p;
	while (ne > b && !isalnum((unsigned char)ne[-1]))
		ne--;
	if (ne != p)
		return -1;
	out->name = pyreq_normalize(b, (size_t)(p - b));
	p = skip_space(p);
	if (*p == '[') {
		p++;
		for (;;) {
			p = skip_space(p);
			if (*p == ']') {
				p++;
				break;
			}
			const char *eb = p;
			while (name_char((unsigned char)*p))
				p++;
			if (p == eb)
				goto bad;
			out->extras = sigma_xrealloc(out->extras, (out->nextras + 1) * sizeof *out->extras);
			out->extras[out->nextras++] = pyreq_normalize(eb, (size_t)(p - eb));
			p = skip_space(p);
			if (*p == ',')
				p++;
			else if (*p != ']')
				goto bad;
		}
		p = skip_space(p);
	}
	const char *semi = strchr(p, ';');
	const char *end = semi ? semi : p + strlen(p);
	if (*p == '@') {
		/* PEP 508: a URL must be followed by whitespace before ';'. */
		const char *u = skip_space(p + 1);
		const char *ue = u;
		while (*ue && !isspace((unsigned char)*ue))
			ue++;
		if (ue == u)
			goto bad;
		out->url = sigma_xstrndup(u, (size_t)(ue - u));
		const char *rest = skip_space(ue);
		if (*rest == ';')
			semi = rest;
		else if (*rest)
			goto bad;
		out->specifier = sigma_xstrdup("");
	} else {
		const char *sb = p, *se = end;
		if (*sb == '(') {
			/* "name (>=1,<2)" as poetry.lock writes it. */
			const char *close = memchr(sb, ')', (size_t)(se - sb));
			if (!close)
				goto bad;
			const char *after = skip_space(close + 1);
			if (after != se && !(after < se && isspace((unsigned char)*after)))
				goto bad;
			out->specifier = trimmed(sb + 1, close);
		} else {
			out->specifier = trimmed(sb, se);
		}
		if (!valid_specifier(out->specifier))
			goto bad;
	}
	if (semi)
		out->marker = trimmed(semi + 1, semi + strlen(semi));
	return 0;
bad:
	pyreq_dispose(out);
	return -1;
}

char *pyreq_pin(const char *specifier)
{
	if (!specifier)
		return NULL;
	const char *p = skip_space(specifier);
	if (strncmp(p, "===", 3) == 0)
		p += 3;
	else if (strncmp(p, "==", 2) == 0)
		p += 2;
	else
		return NULL;
	p = skip_space(p);
	const char *e = p;
	while (*e && !isspace((unsigned char)*e) && *e != ',')
		e++;
	if (e == p || memchr(p, '*', (size_t)(e - p)) || *skip_space(e))
		return NULL;
	return sigma_xstrndup(p, (size_t)(e - p));
}
