/* review_typosquat.c: the typosquatting reviewer.
 *
 * Squatters publish names one slip away from popular ones ("lodahs",
 * "requets", "cross-env.js") or play on npm scopes ("@typse/node", an
 * unscoped "types-node", a popular unscoped name republished under a
 * stranger's scope). The reviewer compares the package name with a list
 * of popular names shipped with sigma, registry/popular-packages.txt.
 *
 * The list is embedded at build time with the assembler's .incbin, so the
 * binary needs no data file at run time and the list cannot drift from
 * the build; the price is that editing the list needs a rebuild of this
 * file (touch it), since make only tracks headers.
 *
 * Rules: a name on the list is itself popular (quiet). Otherwise an edit
 * distance (optimal string alignment: insert, delete, substitute,
 * transpose) of 1 to a popular name of at least 5 characters, or 2 to one
 * of at least 10, is MEDIUM "typosquat"; separators ('-', '_', '.') and
 * case are ignored first for PyPI (PEP 503 already folds them). Scope
 * confusion: a scope one edit from a popular scope is HIGH; an unscoped
 * name equal to a popular scoped one with the '@' and '/' folded away is
 * MEDIUM; a popular unscoped name under an unknown scope is LOW. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "registry/review.h"

#define NAME "typosquat"

__asm__(".pushsection .rodata\n"
        "popular_packages_txt:\n"
        ".incbin \"registry/popular-packages.txt\"\n"
        ".byte 0\n"
        ".popsection\n");
extern const char popular_packages_txt[];

typedef struct entry {
	const char *kind; /* "npm", "pypi", "scope" */
	size_t kind_len;
	const char *name;
	size_t len;
} entry;

/* The next entry from *p, or 0 at the end. */
static int next_entry(const char **p, entry *e)
{
	while (**p) {
		const char *line = *p, *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		*p = line + n + (nl ? 1 : 0);
		if (!n || line[0] == '#')
			continue;
		const char *sp = memchr(line, ' ', n);
		if (!sp)
			continue;
		e->kind = line;
		e->kind_len = (size_t)(sp - line);
		e->name = sp + 1;
		e->len = n - e->kind_len - 1;
		return 1;
	}
	return 0;
}

static int kind_is(const entry *e, const char *k)
{
	return e->kind_len == strlen(k) && !memcmp(e->kind, k, e->kind_len);
}

size_t review_popular_count(void)
{
	const char *p = popular_packages_txt;
	entry e;
	size_t n = 0;
	while (next_entry(&p, &e))
		n++;
	return n;
}

/* Optimal string alignment distance, giving up above `limit`. */
static int distance(const char *a, size_t la, const char *b, size_t lb, int limit)
{
	if ((la > lb ? la - lb : lb - la) > (size_t)limit || la > 128 || lb > 128)
		return limit + 1;
	int rows[3][130];
	int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (int)i;
		int best = cur[0];
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
		int *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

/* Lowercase, separators dropped: "Cross_Env" and "cross-env" compare equal. */
static char *fold(const char *s, size_t n)
{
	char *out = sigma_xmalloc(n + 1), *q = out;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '-' || c == '_' || c == '.')
			continue;
		*q++ = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	*q = '\0';
	return out;
}

/* "cross-env.js", "babel-cli-js", "py-numpy", "node-lodash": a popular
 * name with a language affix that adds nothing. */
static int affixed(const char *name, size_t n, const entry *e)
{
	static const char *const prefixes[] = { "js-", "node-", "py-", "python-", "py", NULL };
	static const char *const suffixes[] = { ".js", "-js", "js", "-node", "-py", "py", "-python", "2", "3", NULL };
	for (int i = 0; prefixes[i]; i++) {
		size_t k = strlen(prefixes[i]);
		if (n == k + e->len && !strncmp(name, prefixes[i], k) && !memcmp(name + k, e->name, e->len))
			return 1;
	}
	for (int i = 0; suffixes[i]; i++) {
		size_t k = strlen(suffixes[i]);
		if (n == e->len + k && !memcmp(name, e->name, e->len) && !strcmp(name + e->len, suffixes[i]))
			return 1;
	}
	return 0;
}

/* "uuidd", "expresss": the popular name with one letter doubled. */
static int doubled(const char *name, size_t n, const entry *e)
{
	if (n != e->len + 1)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (name[i] == name[i - 1] && !memcmp(name, e->name, i) && !memcmp(name + i + 1, e->name + i, n - i - 1))
			return 1;
	return 0;
}

static int review(review_findings *out, const review_package *pkg)
{
	const char *eco = pkg->ecosystem, *name = pkg->name;
	size_t nlen = strlen(name);
	const char *p = popular_packages_txt;
	entry e;
	/* Pass 1: popular itself? */
	while (next_entry(&p, &e))
		if (kind_is(&e, eco) && e.len == nlen && !memcmp(e.name, name, nlen))
			return 0;

	const char *slash = name[0] == '@' ? strchr(name, '/') : NULL;
	char *folded = fold(name, nlen);
	int reported = 0;
	p = popular_packages_txt;
	while (next_entry(&p, &e) && reported < 3) {
		if (slash && kind_is(&e, "scope")) {
			size_t slen = (size_t)(slash - name);
			if (!(e.len == slen && !memcmp(e.name, name, slen)) && e.len >= 4 &&
			    distance(name, slen, e.name, e.len, 1) <= 1) {
				review_findings_add(out, NAME, "scope-confusion", SEV_HIGH, NULL, 0,
				                    "the scope %.*s is one edit from the popular scope %.*s", (int)slen, name,
				                    (int)e.len, e.name);
				reported++;
			}
			continue;
		}
		if (!kind_is(&e, eco))
			continue;
		/* An unscoped name that is a popular scoped one, folded. */
		if (!slash && e.name[0] == '@') {
			char *pf = fold(e.name + 1, e.len - 1);
			char *pf2 = sigma_xstrdup(pf);
			/* "@types/node" folds to "types/node"; compare without the '/'. */
			char *s = strchr(pf2, '/');
			if (s)
				memmove(s, s + 1, strlen(s));
			if (!strcmp(folded, pf2)) {
				review_findings_add(out, NAME, "scope-confusion", SEV_HIGH, NULL, 0,
				                    "\"%s\" looks like the popular scoped package %.*s", name, (int)e.len, e.name);
				reported++;
			}
			free(pf);
			free(pf2);
			continue;
		}
		if (slash && e.name[0] != '@') {
			/* A popular unscoped name under a scope nobody knows. */
			if (strlen(slash + 1) == e.len && !memcmp(slash + 1, e.name, e.len) && strncmp(name, "@types/", 7)) {
				review_findings_add(out, NAME, "scope-confusion", SEV_LOW, NULL, 0,
				                    "%s republishes the popular name %.*s under a scope", name, (int)e.len, e.name);
				reported++;
			}
			continue;
		}
		if (!slash && e.len >= 3 && e.len < 64 && (affixed(name, nlen, &e) || doubled(name, nlen, &e))) {
			review_findings_add(out, NAME, "typosquat", SEV_HIGH, NULL, 0,
			                    "\"%s\" is the popular package \"%.*s\" with an affix or a doubled letter", name,
			                    (int)e.len, e.name);
			reported++;
			continue;
		}
		if (e.len < 5)
			continue;
		int limit = e.len >= 10 ? 2 : 1;
		char *pf = fold(e.name, e.len);
		int d = distance(name, nlen, e.name, e.len, limit);
		int same_folded = !strcmp(pf, folded);
		free(pf);
		if (d <= limit || same_folded) {
			review_findings_add(out, NAME, "typosquat", SEV_HIGH, NULL, 0,
			                    "\"%s\" is %s the popular package \"%.*s\"", name,
			                    same_folded ? "a respelling of" : d == 1 ? "one edit from" : "two edits from",
			                    (int)e.len, e.name);
			reported++;
		}
	}
	free(folded);
	return 0;
}

const reviewer review_typosquat = { NAME, review };
