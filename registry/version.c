/* version.c: see version.h.
 *
 * SemVer: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]; a pre-release sorts
 * before its release; identifiers compare numerically when both are
 * numeric, else by ASCII; build metadata is ignored. A leading 'v' or '='
 * is accepted (npm's own tolerance).
 *
 * PEP 440: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]. Release segments
 * compare numerically with trailing zeros ignored; dev < pre < release <
 * post. Spellings PEP 440 normalises (alpha, beta, c, pre, preview, rev,
 * r, '-', '_') are folded first. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/util.h"
#include "registry/version.h"

/* ---------------------------------------------------------------- semver */

static int cmp_num_str(const char *a, size_t la, const char *b, size_t lb)
{
	while (la > 1 && *a == '0')
		a++, la--;
	while (lb > 1 && *b == '0')
		b++, lb--;
	if (la != lb)
		return la < lb ? -1 : 1;
	int c = memcmp(a, b, la);
	return c < 0 ? -1 : c > 0;
}

static int all_digits(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Compare dot-separated pre-release identifier lists. */
static int cmp_prerelease(const char *a, size_t la, const char *b, size_t lb)
{
	while (la && lb) {
		size_t ia = strcspn(a, ".+"), ib = strcspn(b, ".+");
		if (ia > la) ia = la;
		if (ib > lb) ib = lb;
		int na = all_digits(a, ia), nb = all_digits(b, ib), c;
		if (na && nb)
			c = cmp_num_str(a, ia, b, ib);
		else if (na != nb)
			c = na ? -1 : 1; /* numeric identifiers sort first */
		else {
			size_t m = ia < ib ? ia : ib;
			c = memcmp(a, b, m);
			c = c ? (c < 0 ? -1 : 1) : ia == ib ? 0 : ia < ib ? -1 : 1;
		}
		if (c)
			return c;
		a += ia, la -= ia, b += ib, lb -= ib;
		if (la && *a == '.')
			a++, la--;
		if (lb && *b == '.')
			b++, lb--;
	}
	return la ? 1 : lb ? -1 : 0;
}

static int semver_cmp(const char *a, const char *b)
{
	while (*a == 'v' || *a == '=' || *a == ' ')
		a++;
	while (*b == 'v' || *b == '=' || *b == ' ')
		b++;
	for (int part = 0; part < 3; part++) {
		size_t ia = strspn(a, "0123456789"), ib = strspn(b, "0123456789");
		int c = cmp_num_str(ia ? a : "0", ia ? ia : 1, ib ? b : "0", ib ? ib : 1);
		if (c)
			return c;
		a += ia, b += ib;
		if (part < 2) {
			if (*a == '.')
				a++;
			if (*b == '.')
				b++;
		}
	}
	/* What is left: "-pre+build", "+build" or "". */
	size_t la = strcspn(a, "+"), lb = strcspn(b, "+");
	int pa = la && *a == '-', pb = lb && *b == '-';
	if (!pa && !pb) {
		if (la || lb) { /* not semver at all: fall back to bytes */
			int c = strcmp(a, b);
			return c < 0 ? -1 : c > 0;
		}
		return 0;
	}
	if (pa != pb)
		return pa ? -1 : 1; /* a pre-release is lower than the release */
	return cmp_prerelease(a + 1, la - 1, b + 1, lb - 1);
}

/* ---------------------------------------------------------------- PEP 440 */

typedef struct pep440 {
	long epoch;
	long release[16];
	int nrelease;
	int pre_kind;   /* -1 none; 0 a, 1 b, 2 rc */
	long pre;
	long post;      /* -1 none */
	long dev;       /* -1 none */
	int ok;
} pep440;

static long read_num(const char **p)
{
	long n = 0;
	while (isdigit((unsigned char)**p)) {
		if (n < 100000000000L)
			n = n * 10 + (**p - '0');
		(*p)++;
	}
	return n;
}

static int take_word(const char **p, const char *w)
{
	size_t n = strlen(w);
	if (strncasecmp(*p, w, n) == 0) {
		*p += n;
		return 1;
	}
	return 0;
}

static void skip_sep(const char **p)
{
	if (**p == '.' || **p == '-' || **p == '_')
		(*p)++;
}

static void pep440_parse(pep440 *v, const char *s)
{
	memset(v, 0, sizeof *v);
	v->pre_kind = -1;
	v->post = v->dev = -1;
	const char *p = s;
	while (*p == ' ' || *p == 'v' || *p == 'V')
		p++;
	if (!isdigit((unsigned char)*p))
		return;
	long first = read_num(&p);
	if (*p == '!') {
		v->epoch = first;
		p++;
		if (!isdigit((unsigned char)*p))
			return;
		first = read_num(&p);
	}
	v->release[v->nrelease++] = first;
	while (*p == '.' && isdigit((unsigned char)p[1])) {
		p++;
		long n = read_num(&p);
		if (v->nrelease < 16)
			v->release[v->nrelease++] = n;
	}
	const char *save = p;
	skip_sep(&p);
	if (take_word(&p, "alpha") || take_word(&p, "a"))
		v->pre_kind = 0;
	else if (take_word(&p, "beta") || take_word(&p, "b"))
		v->pre_kind = 1;
	else if (take_word(&p, "rc") || take_word(&p, "c") || take_word(&p, "preview") || take_word(&p, "pre"))
		v->pre_kind = 2;
	else
		p = save;
	if (v->pre_kind >= 0) {
		skip_sep(&p);
		v->pre = read_num(&p);
	}
	save = p;
	if (*p == '-' && isdigit((unsigned char)p[1])) {
		p++;
		v->post = read_num(&p);
	} else {
		skip_sep(&p);
		if (take_word(&p, "post") || take_word(&p, "rev") || take_word(&p, "r")) {
			skip_sep(&p);
			v->post = read_num(&p);
		} else {
			p = save;
		}
	}
	save = p;
	skip_sep(&p);
	if (take_word(&p, "dev")) {
		skip_sep(&p);
		v->dev = read_num(&p);
	} else {
		p = save;
	}
	v->ok = *p == '\0' || *p == '+';
}

static int lcmp(long a, long b) { return a < b ? -1 : a > b; }

static int pep440_cmp(const char *sa, const char *sb)
{
	pep440 a, b;
	pep440_parse(&a, sa);
	pep440_parse(&b, sb);
	if (!a.ok || !b.ok) {
		int c = strcmp(sa, sb);
		return c < 0 ? -1 : c > 0;
	}
	int c = lcmp(a.epoch, b.epoch);
	if (c)
		return c;
	int n = a.nrelease > b.nrelease ? a.nrelease : b.nrelease;
	for (int i = 0; i < n; i++) {
		c = lcmp(i < a.nrelease ? a.release[i] : 0, i < b.nrelease ? b.release[i] : 0);
		if (c)
			return c;
	}
	/* A dev release with no pre/post sorts before any pre-release. */
	int ka = a.pre_kind >= 0 ? a.pre_kind : (a.dev >= 0 && a.post < 0) ? -2 : 3;
	int kb = b.pre_kind >= 0 ? b.pre_kind : (b.dev >= 0 && b.post < 0) ? -2 : 3;
	if ((c = lcmp(ka, kb)))
		return c;
	if (ka >= 0 && ka < 3 && (c = lcmp(a.pre, b.pre)))
		return c;
	if ((c = lcmp(a.post, b.post)))
		return c;
	/* No dev segment sorts after any dev segment. */
	return lcmp(a.dev < 0 ? 1L << 40 : a.dev, b.dev < 0 ? 1L << 40 : b.dev);
}

/* ---------------------------------------------------------------- public */

int version_cmp(const char *ecosystem, const char *a, const char *b)
{
	if (sigma_streq(ecosystem, "pypi"))
		return pep440_cmp(a, b);
	return semver_cmp(a, b);
}

typedef struct osv_event {
	int kind;          /* 0 introduced, 1 fixed, 2 last_affected, 3 limit */
	const char *v;
} osv_event;

static int event_cmp(const char *ecosystem, const osv_event *a, const osv_event *b)
{
	int za = a->kind == 0 && !strcmp(a->v, "0"), zb = b->kind == 0 && !strcmp(b->v, "0");
	if (za || zb)
		return zb - za;
	return version_cmp(ecosystem, a->v, b->v);
}

int version_in_osv_range(const char *ecosystem, const void *events_json, const char *version)
{
	static const char *const kinds[] = { "introduced", "fixed", "last_affected", "limit" };
	const cJSON *events = events_json, *ev;
	osv_event list[64];
	int n = 0, affected = 0;
	cJSON_ArrayForEach(ev, events) {
		const cJSON *f = ev->child;
		if (!f || !cJSON_IsString(f) || n == 64)
			continue;
		for (int k = 0; k < 4; k++)
			if (!strcmp(f->string, kinds[k]))
				list[n++] = (osv_event){ k, f->valuestring };
	}
	/* OSV's evaluation: sort the events by version (introduced "0" first),
	 * then walk them: at or after `introduced` the version is affected
	 * until a `fixed` or `limit` at or below it, or a `last_affected`
	 * strictly below it. Insertion sort: ranges have a handful of events. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && event_cmp(ecosystem, &list[j - 1], &list[j]) > 0; j--) {
			osv_event t = list[j];
			list[j] = list[j - 1];
			list[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		const char *v = list[i].v;
		int c = list[i].kind == 0 && !strcmp(v, "0") ? -1 : version_cmp(ecosystem, v, version);
		if (c > 0)
			break;
		if (list[i].kind == 0)
			affected = 1;
		else if (list[i].kind == 2 ? c < 0 : 1)
			affected = 0;
	}
	return affected;
}

char *version_name_normalize(const char *ecosystem, const char *name)
{
	if (!sigma_streq(ecosystem, "pypi"))
		return sigma_xstrdup(name);
	char *out = sigma_xmalloc(strlen(name) + 1), *q = out;
	for (const char *p = name; *p; p++) {
		if (*p == '-' || *p == '_' || *p == '.') {
			if (q == out || q[-1] != '-')
				*q++ = '-';
		} else {
			*q++ = (char)tolower((unsigned char)*p);
		}
	}
	*q = '\0';
	return out;
}
