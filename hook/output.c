/* output.c: see output.h. The four documents are built as cJSON trees (or,
 * for markdown, text) from the same walk over the judgement: which
 * package refuses or warns, where its lockfile declares it, what it is in
 * the graph. Nothing here decides anything; policy.c has decided.
 *
 * Names and versions come from pushed lockfiles: every one of them is
 * escaped for the format it lands in (JSON by cJSON, markdown by
 * md_escape), and every document stays within the caller's buffer cap. */
#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "hook/certificate.h"
#include "hook/lockfile.h"
#include "hook/output.h"
#include "hook/repo.h"
#include "hook/treepath.h"

#ifndef SIGMA_VERSION
#define SIGMA_VERSION "0.1.0"
#endif

/* Rows spelled out in the markdown table; a PR comment must stay short
 * (the certificate and the SARIF file have every one). */
#define MD_ROWS 30
#define MD_ADVISORIES 50
/* Lockfiles bigger than this are not searched for line numbers (line 1). */
#define TEXT_MAX ((size_t)64 << 20)
/* Bytes all the line searches of one document may scan together (see
 * line_of; about a second), and how far after a hit its version is looked
 * for. */
#define SEARCH_BUDGET ((size_t)8 << 30)
#define WINDOW_MAX 4096

int output_format_parse(output_format *out, const char *name)
{
	static const struct { const char *name; output_format f; } names[] = {
		{ "table", OUTPUT_TABLE },     { "json", OUTPUT_JSON }, { "sarif", OUTPUT_SARIF },
		{ "cyclonedx", OUTPUT_CYCLONEDX }, { "spdx", OUTPUT_SPDX }, { "markdown", OUTPUT_MARKDOWN },
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(name, names[i].name)) {
			*out = names[i].f;
			return 0;
		}
	return sigma_error_set(SIGMA_EUSAGE, "unknown format '%s' (table, json, sarif, cyclonedx, spdx, markdown)",
	                       name);
}

/* ---------------------------------------------------------------- the walk */

/* A lockfile's or manifest's text, with where its lines end, so that a
 * line number costs a binary search, not a count from the start. */
typedef struct lock_text {
	sigma_buf b;
	size_t *nl;            /* offsets of every '\n' */
	size_t nnl;
	size_t cursor;         /* where the last search found its package */
	char state;            /* 0 unread, 1 read, 2 unreadable */
} lock_text;

typedef struct walk {
	const judgement *j;
	const scan_set *s;
	const output_subject *subj;
	const judged ***per;   /* per[graph][node]: its judgement, or NULL */
	lock_text *texts;      /* lockfile texts by graph, read on first use */
	lock_text *mtexts;     /* the same for the manifests */
	size_t budget;         /* bytes the line search may still scan */
} walk;

static void walk_init(walk *w, const judgement *j, const scan_set *s, const output_subject *subj)
{
	memset(w, 0, sizeof *w);
	w->j = j;
	w->s = s;
	w->subj = subj;
	size_t n = s->nrefs ? s->nrefs : 1;
	w->per = sigma_xcalloc(n, sizeof *w->per);
	w->texts = sigma_xcalloc(n, sizeof *w->texts);
	w->mtexts = sigma_xcalloc(n, sizeof *w->mtexts);
	w->budget = SEARCH_BUDGET;
	for (size_t i = 0; i < s->nrefs; i++)
		if (s->graphs[i])
			w->per[i] = sigma_xcalloc(s->graphs[i]->nnodes ? s->graphs[i]->nnodes : 1, sizeof **w->per);
	/* policy_judge writes one judged per node, graph after graph. */
	size_t gi = 0;
	for (size_t k = 0; k < j->n; k++) {
		const judged *p = &j->pkgs[k];
		if (gi >= s->nrefs || s->graphs[gi] != p->g)
			for (gi = 0; gi < s->nrefs && s->graphs[gi] != p->g; gi++)
				;
		if (gi < s->nrefs && p->node < p->g->nnodes)
			w->per[gi][p->node] = p;
	}
}

static void walk_dispose(walk *w)
{
	for (size_t i = 0; i < w->s->nrefs; i++) {
		free(w->per[i]);
		sigma_buf_dispose(&w->texts[i].b);
		sigma_buf_dispose(&w->mtexts[i].b);
		free(w->texts[i].nl);
		free(w->mtexts[i].nl);
	}
	free(w->per);
	free(w->texts);
	free(w->mtexts);
}

static size_t graph_index(const walk *w, const sigma_graph *g)
{
	for (size_t i = 0; i < w->s->nrefs; i++)
		if (w->s->graphs[i] == g)
			return i;
	return SIZE_MAX;
}

/* The text of graph gi's lockfile (manifest = 0) or its manifest, or NULL
 * when it cannot be read: a location is then line 1, never an error.
 * With path_out, the caller gets the file's path (or NULL) to free. */
static lock_text *walk_text(walk *w, size_t gi, int manifest, char **path_out)
{
	lock_text *t = manifest ? &w->mtexts[gi] : &w->texts[gi];
	char *path = manifest ? lockfile_manifest_path(&w->s->refs[gi]) : sigma_xstrdup(w->s->refs[gi].path);
	if (path && w->subj->read_file && !t->state) {
		sigma_buf_init(&t->b, TEXT_MAX);
		t->state = w->subj->read_file(w->subj->ctx, path, &t->b) == 0 && t->b.ptr ? 1 : 2;
		sigma_error_clear();
		if (t->state == 1) {
			size_t cap = 0;
			for (const char *p = t->b.ptr; (p = memchr(p, '\n', t->b.len - (size_t)(p - t->b.ptr))); p++) {
				if (t->nnl == cap) {
					cap = cap ? 2 * cap : 1024;
					t->nl = sigma_xrealloc(t->nl, cap * sizeof *t->nl);
				}
				t->nl[t->nnl++] = (size_t)(p - t->b.ptr);
			}
		}
	}
	if (path_out)
		*path_out = path;
	else
		free(path);
	return t->state == 1 ? t : NULL;
}

/* 1-based line of byte offset `off`: one more than the newlines before it. */
static int text_line(const lock_text *t, size_t off)
{
	size_t lo = 0, hi = t->nnl;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->nl[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo >= INT_MAX ? INT_MAX : (int)lo + 1;
}

static int before_char(int c) { return isalnum(c) || c == '.' || c == '_' || c == '-' || c == '/' || c == '@'; }
static int after_char(int c) { return isalnum(c) || c == '.' || c == '_' || c == '-'; }

/* Whether `hit` stands alone as an occurrence of a needle of `nl` bytes:
 * not glued to a longer name before it, nor (when the needle ends in a
 * name character) to a longer name or version after it. */
static int alone(const char *text, const char *hit, const char *needle, size_t nl)
{
	int ok_before = hit == text || !before_char((unsigned char)needle[0]) || !before_char((unsigned char)hit[-1]);
	int ok_after = !after_char((unsigned char)needle[nl - 1]) || !after_char((unsigned char)hit[nl]);
	return ok_before && ok_after;
}

/* Whether `verify` occurs between `hit` and the end of the `lines`-th
 * line after it (0: the hit's own line), looking at most WINDOW_MAX bytes
 * (a lockfile written on one line has no line ends to stop at). */
static int confirmed(const char *hit, const char *text_end, const char *verify, int lines)
{
	const char *limit = text_end - hit > WINDOW_MAX ? hit + WINDOW_MAX : text_end, *end = hit;
	for (int i = 0; i <= lines; i++) {
		const char *nl = memchr(end, '\n', (size_t)(limit - end));
		if (!nl) {
			end = limit;
			break;
		}
		end = i < lines ? nl + 1 : nl;
	}
	return memmem(hit, (size_t)(end - hit), verify, strlen(verify)) != NULL;
}

/* A way to find a package's entry: the needle, and (or NULL) what must
 * follow it within `lines` lines for the hit to be this version's entry,
 * since a lockfile may hold several versions of one name. */
typedef struct needle {
	char *text;
	char *verify;
	int lines;
} needle;

/* 1-based line of the first hit of a needle (in order) that its verify
 * string confirms; else of the first hit of any needle; else 0. PyPI
 * names are tried again ignoring case: the lockfile may spell a name
 * otherwise than its normalised form. Each search costs up to the text's
 * length, so a document with thousands of results in a big lockfile
 * would be quadratic: the searches share `*budget` bytes, and once it is
 * spent every further location is line 1. */
static int line_of(lock_text *t, const needle *nd, size_t n, int pypi, size_t *budget)
{
	if (!t)
		return 0;
	const char *text = t->b.ptr, *text_end = text + t->b.len, *cursor = text + t->cursor;
	const char *first = NULL;
	for (int pass = 0; pass < (pypi ? 2 : 1) && !first; pass++)
		for (size_t i = 0; i < n; i++) {
			size_t nl = strlen(nd[i].text);
			if (!nl)
				continue;
			/* From where the last package was found to the end, then from
			 * the start up to there: packages mostly come in lockfile
			 * order, so the searches of one document mostly read the text
			 * once. */
			for (int round = 0; round < 2 && !(round && cursor == text); round++) {
				const char *p = round ? text : cursor, *stop = round ? cursor + nl - 1 : text_end;
				if (stop > text_end)
					stop = text_end;
				for (;;) {
					if (!*budget)
						return 0;
					const char *hit;
					if (pass)
						hit = strcasestr(p, nd[i].text);
					else
						hit = p < stop ? memmem(p, (size_t)(stop - p), nd[i].text, nl) : NULL;
					size_t spent = (size_t)((hit ? hit + 1 : stop) - p);
					*budget = spent < *budget ? *budget - spent : 0;
					if (!hit || (round && hit >= cursor))
						break;
					p = hit + 1;
					if (!alone(text, hit, nd[i].text, nl))
						continue;
					if (!first)
						first = hit;
					if (!nd[i].verify || confirmed(hit, text_end, nd[i].verify, nd[i].lines)) {
						first = hit;
						t->cursor = (size_t)(hit - text);
						goto found;
					}
				}
			}
		}
	if (!first)
		return 0;
found:
	/* A needle that starts with a newline is at the next line. */
	if (*first == '\n')
		first++;
	return text_line(t, (size_t)(first - text));
}

static void needles_free(needle *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].text);
		free(v[i].verify);
	}
}

static void needle_add(needle *v, size_t *n, char *text, char *verify, int lines)
{
	v[*n].text = text;
	v[*n].verify = verify;
	v[*n].lines = lines;
	(*n)++;
}

/* Where graph gi's lockfile declares node k: its line, or 1 when no
 * entry is found (a robust fallback; the file itself is still right). */
static int lockfile_line(walk *w, size_t gi, uint32_t k)
{
	const sigma_graph *g = w->s->graphs[gi];
	const graph_node *n = &g->nodes[k];
	lock_text *text = walk_text(w, gi, 0, NULL);
	const char *fmt = w->s->refs[gi].format ? w->s->refs[gi].format->name : "";
	const char *name = n->alias ? n->alias : n->name, *v = n->version;
	needle nd[8];
	size_t c = 0;
	if (!strcmp(fmt, "npm")) {
		needle_add(nd, &c, sigma_xasprintf("\"node_modules/%s\"", name), sigma_xasprintf("\"version\": \"%s\"", v), 4);
		needle_add(nd, &c, sigma_xasprintf("/node_modules/%s\"", name), sigma_xasprintf("\"version\": \"%s\"", v), 4);
		needle_add(nd, &c, sigma_xasprintf("\"%s\": {", name), sigma_xasprintf("\"version\": \"%s\"", v), 4);
	} else if (!strcmp(fmt, "yarn")) {
		/* v1 writes `version "1.0.0"`, berry `version: 1.0.0`. */
		const char *heads[] = { "\n%s@", "\n\"%s@", ", %s@", ", \"%s@" };
		for (size_t i = 0; i < 4; i++) {
			needle_add(nd, &c, sigma_xasprintf(heads[i], name), sigma_xasprintf("version \"%s\"", v), 2);
			needle_add(nd, &c, sigma_xasprintf(heads[i], name), sigma_xasprintf("version: %s\n", v), 2);
		}
	} else if (!strcmp(fmt, "pnpm")) {
		needle_add(nd, &c, sigma_xasprintf("/%s@%s", name, v), NULL, 0);
		needle_add(nd, &c, sigma_xasprintf("/%s/%s", name, v), NULL, 0);
		needle_add(nd, &c, sigma_xasprintf("%s@%s", name, v), NULL, 0);
	} else if (!strncmp(fmt, "bun", 3)) {
		needle_add(nd, &c, sigma_xasprintf("[\"%s@%s\"", name, v), NULL, 0);
		needle_add(nd, &c, sigma_xasprintf("/%s\": [", name), sigma_xstrdup(v), 0);
		needle_add(nd, &c, sigma_xasprintf("\"%s\": [", name), sigma_xstrdup(v), 0);
	} else if (!strcmp(fmt, "poetry") || !strcmp(fmt, "uv")) {
		needle_add(nd, &c, sigma_xasprintf("\nname = \"%s\"", name), sigma_xasprintf("version = \"%s\"", v), 2);
		needle_add(nd, &c, sigma_xasprintf("name = \"%s\"", name), sigma_xasprintf("version = \"%s\"", v), 2);
	} else if (!strcmp(fmt, "pipenv")) {
		needle_add(nd, &c, sigma_xasprintf("\"%s\": {", name), NULL, 0);
	} else if (!strcmp(fmt, "requirements")) {
		needle_add(nd, &c, sigma_xasprintf("%s==", name), sigma_xasprintf("==%s", v), 0);
		needle_add(nd, &c, sigma_xasprintf("%s ==", name), NULL, 0);
		needle_add(nd, &c, sigma_xasprintf("%s", name), NULL, 0);
	}
	int line = line_of(text, nd, c, !strcmp(g->ecosystem, "pypi"), &w->budget);
	needles_free(nd, c);
	return line ? line : 1;
}

/* Where the manifest declares direct dependency k: its path (the caller
 * frees it) and line, or NULL when there is no separate manifest or no
 * declaration is found in it. */
static char *manifest_line(walk *w, size_t gi, uint32_t k, int *line)
{
	const sigma_graph *g = w->s->graphs[gi];
	const graph_node *n = &g->nodes[k];
	char *path = NULL;
	if (!n->direct)
		return NULL;
	lock_text *text = walk_text(w, gi, 1, &path);
	if (!path || !text) {
		free(path);
		return NULL;
	}
	const char *name = n->alias ? n->alias : n->name;
	needle nd[4];
	size_t c = 0;
	if (!strcmp(g->ecosystem, "npm")) {
		needle_add(nd, &c, sigma_xasprintf("\"%s\":", name), NULL, 0);
		needle_add(nd, &c, sigma_xasprintf("\"%s\" :", name), NULL, 0);
	} else {
		needle_add(nd, &c, sigma_xasprintf("\n%s =", name), NULL, 0);
		needle_add(nd, &c, sigma_xasprintf("\"%s", name), NULL, 0);
		needle_add(nd, &c, sigma_xasprintf("'%s", name), NULL, 0);
	}
	*line = line_of(text, nd, c, !strcmp(g->ecosystem, "pypi"), &w->budget);
	needles_free(nd, c);
	if (!*line) {
		free(path);
		return NULL;
	}
	return path;
}

/* The rule a judged package falls under: a registry block (whatever its
 * reason code) is "blocked"; every other code is its own rule. */
static const char *rule_of(const judged *p)
{
	if (!p->code)
		return "flagged";
	if (!strcmp(p->status, "blocked") && strcmp(p->code, "integrity-mismatch") && strcmp(p->code, "inconsistent") &&
	    strcmp(p->code, "waived"))
		return "blocked";
	return p->code;
}

static const char *rule_text(const char *id)
{
	static const struct { const char *id, *text; } rules[] = {
		{ "blocked", "The Package Trust Registry blocks this package version." },
		{ "advisory", "A published advisory affects this package version." },
		{ "integrity-mismatch", "The lockfile's integrity differs from the certified artefact's." },
		{ "inconsistent", "The lockfile references a package it does not define." },
		{ "flagged", "The certification council flagged this package version for review." },
		{ "lockfile-error", "The lockfile could not be read or resolved." },
		{ "unpinned", "Dependency rule: the version is not pinned." },
		{ "vcs", "Dependency rule: the package comes from a version-control reference." },
		{ "local-path", "Dependency rule: the package comes from a local path." },
		{ "outside-registry", "Dependency rule: the package comes from outside the registry." },
	};
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
		if (!strcmp(rules[i].id, id))
			return rules[i].text;
	return NULL;
}

static char *purl_of(const sigma_graph *g, const graph_node *n)
{
	sigma_buf b = SIGMA_BUF_INIT;
	certificate_purl(&b, g->ecosystem, n->name, n->version);
	return b.ptr ? sigma_buf_steal(&b) : sigma_xstrdup("");
}

static const char *display_name(const graph_node *n, char *buf, size_t cap)
{
	int r = snprintf(buf, cap, n->version[0] ? "%s@%s" : "%s", n->name, n->version);
	if (r < 0 || (size_t)r >= cap)
		snprintf(buf, cap, "%.*s...", (int)(cap > 4 ? cap - 4 : 0), n->name);
	return buf;
}

static void iso_time(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: shortest
 * form, no surrogates, at most U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	size_t n = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
	         : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) || (p[0] == 0xf0 && p[1] < 0x90) ||
	    (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/* Append `s` with every byte that is not part of well-formed UTF-8 as
 * U+FFFD: JSON and markdown are UTF-8 text, and a name in a pushed
 * lockfile may be any bytes. */
static void put_utf8(sigma_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		size_t n = utf8_seq(p);
		if (n && p + n <= end) {
			sigma_buf_put(b, p, n);
			p += n;
		} else {
			sigma_buf_puts(b, "\xef\xbf\xbd");
			p++;
		}
	}
}

/* Make every string of `v` well-formed UTF-8 (cJSON prints bytes as they
 * are). */
static void utf8_fix(cJSON *v)
{
	for (; v; v = v->next) {
		if (cJSON_IsString(v) && v->valuestring) {
			const unsigned char *p = (const unsigned char *)v->valuestring;
			size_t n;
			while (*p && (n = utf8_seq(p)) != 0)
				p += n;
			if (*p) {
				sigma_buf b = SIGMA_BUF_INIT;
				put_utf8(&b, v->valuestring, strlen(v->valuestring));
				char *clean = sigma_buf_steal(&b);
				cJSON_SetValuestring(v, clean);
				free(clean);
			}
		}
		utf8_fix(v->child);
	}
}

/* The document text into `out`: cJSON builds it, the buffer caps it. */
static int put_json(sigma_buf *out, cJSON *doc)
{
	utf8_fix(doc);
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	if (!text)
		return sigma_error_set(SIGMA_ETOOBIG, "output: out of memory");
	int rc = sigma_buf_puts(out, text);
	if (!rc)
		rc = sigma_buf_putc(out, '\n');
	free(text);
	return rc ? sigma_error_set(rc, "output: the document passes its cap") : 0;
}

/* ---------------------------------------------------------------- SARIF */

static cJSON *sarif_location(const char *uri, int line)
{
	cJSON *loc = cJSON_CreateObject(), *phys = cJSON_AddObjectToObject(loc, "physicalLocation");
	cJSON *art = cJSON_AddObjectToObject(phys, "artifactLocation");
	cJSON_AddStringToObject(art, "uri", uri);
	cJSON_AddStringToObject(art, "uriBaseId", "%SRCROOT%");
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(phys, "region"), "startLine", line);
	return loc;
}

/* The index of rule `id` in `rules`, added when new. */
static int sarif_rule(cJSON *rules, const char *id, int error)
{
	int i = 0;
	for (cJSON *r = rules->child; r; r = r->next, i++)
		if (!strcmp(json_str(r, "id"), id))
			return i;
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "name", id);
	const char *text = rule_text(id);
	char *own = text ? NULL : sigma_xasprintf("Dependency rule '%s'.", id);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "shortDescription"), "text", text ? text : own);
	free(own);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "defaultConfiguration"), "level", error ? "error" : "warning");
	cJSON_AddItemToArray(rules, r);
	return i;
}

static int write_sarif(sigma_buf *out, walk *w)
{
	const judgement *j = w->j;
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
	cJSON_AddStringToObject(doc, "version", "2.1.0");
	cJSON *run = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "runs"), run);
	cJSON *driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
	cJSON_AddStringToObject(driver, "name", "sigma");
	cJSON_AddStringToObject(driver, "version", SIGMA_VERSION);
	cJSON *rules = cJSON_AddArrayToObject(driver, "rules");
	cJSON *results = cJSON_AddArrayToObject(run, "results");
	for (size_t k = 0; k < j->n; k++) {
		const judged *p = &j->pkgs[k];
		if (p->effect == EFFECT_NONE)
			continue;
		size_t gi = graph_index(w, p->g);
		if (gi == SIZE_MAX)
			continue;
		const graph_node *n = &p->g->nodes[p->node];
		const char *rule = rule_of(p);
		int err = p->effect == EFFECT_REJECT;
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "ruleId", rule);
		cJSON_AddNumberToObject(r, "ruleIndex", sarif_rule(rules, rule, err));
		cJSON_AddStringToObject(r, "level", err ? "error" : "warning");
		char pkg[512];
		char *msg = sigma_xasprintf("%s %s (%s, depth %d%s): %s", display_name(n, pkg, sizeof pkg),
		                            err ? "refuses" : "warns", p->g->ecosystem, n->depth, n->dev ? ", dev" : "",
		                            p->why ? p->why : p->status);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "message"), "text", msg);
		free(msg);
		cJSON *locs = cJSON_AddArrayToObject(r, "locations");
		cJSON_AddItemToArray(locs, sarif_location(p->g->lockfile, lockfile_line(w, gi, p->node)));
		int mline = 0;
		char *mpath = manifest_line(w, gi, p->node, &mline);
		if (mpath) {
			cJSON *rel = sarif_location(mpath, mline);
			cJSON_AddNumberToObject(rel, "id", 1);
			cJSON_AddStringToObject(cJSON_AddObjectToObject(rel, "message"), "text", "declared here");
			cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "relatedLocations"), rel);
			free(mpath);
		}
		/* Code-scanning views match a result across runs by fingerprint:
		 * the package and its lockfile, not the line, which moves. */
		char *fp = sigma_xasprintf("%s\n%s\n%s\n%s", p->g->lockfile, n->name, n->version, rule);
		char hex[65];
		sigma_sha256_hex(fp, strlen(fp), hex);
		free(fp);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "partialFingerprints"), "sigmaPackage/v1", hex);
		cJSON *props = cJSON_AddObjectToObject(r, "properties");
		char *purl = purl_of(p->g, n);
		cJSON_AddStringToObject(props, "purl", purl);
		free(purl);
		cJSON_AddStringToObject(props, "status", p->status);
		cJSON_AddStringToObject(props, "code", p->code ? p->code : "");
		cJSON_AddNumberToObject(props, "depth", n->depth);
		cJSON_AddBoolToObject(props, "introduced", p->introduced);
		if (p->fixed)
			cJSON_AddStringToObject(props, "fixed", p->fixed);
		if (p->nadvisories) {
			cJSON *ids = cJSON_AddArrayToObject(props, "advisories");
			for (size_t a = 0; a < p->nadvisories; a++)
				cJSON_AddItemToArray(ids, cJSON_CreateString(p->advisories[a].id));
		}
		cJSON_AddItemToArray(results, r);
	}
	/* A lockfile that cannot be read is a finding too, at the line its
	 * message names ("path:line: what"). */
	for (size_t e = 0; e < w->s->nerrors; e++) {
		const scan_error *se = &w->s->errors[e];
		int err = policy_error_rejects(j, se);
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "ruleId", "lockfile-error");
		cJSON_AddNumberToObject(r, "ruleIndex", sarif_rule(rules, "lockfile-error", err));
		cJSON_AddStringToObject(r, "level", err ? "error" : "warning");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "message"), "text", se->message);
		long line = 1;
		size_t pl = strlen(se->path);
		if (!strncmp(se->message, se->path, pl) && se->message[pl] == ':') {
			char *end;
			line = strtol(se->message + pl + 1, &end, 10);
			if (end == se->message + pl + 1 || *end != ':' || line < 1 || line > 100000000)
				line = 1;
		}
		cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "locations"), sarif_location(se->path, (int)line));
		cJSON_AddItemToArray(results, r);
	}
	return put_json(out, doc);
}

/* ---------------------------------------------------------------- hashes */

static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

/* Base64 (SRI) text of `len` chars to lowercase hex in `hex` (capacity
 * `cap`): the digest length in bytes, or -1 when it is not base64. */
static int b64_to_hex(const char *s, size_t len, char *hex, size_t cap)
{
	unsigned acc = 0;
	int bits = 0, bytes = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '=')
			break;
		int v = b64_value((unsigned char)s[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if ((size_t)bytes * 2 + 3 > cap)
				return -1;
			snprintf(hex + bytes * 2, 3, "%02x", (acc >> bits) & 0xff);
			bytes++;
		}
	}
	return bytes;
}

typedef struct digest {
	const char *alg;   /* CycloneDX: SHA-512, SHA-1, SHA-256 */
	const char *spdx;  /* SPDX: SHA512, SHA1, SHA256 */
	char hex[129];
} digest;

/* The digests a lockfile's integrity value names: SRI ("sha512-B64",
 * several separated by spaces), or "sha256:HEX" (PyPI, several separated
 * by commas or spaces). A value of the wrong length is left out: a hash
 * that cannot be what it says is no hash to publish. */
static size_t digests_of(const char *integrity, digest *out, size_t cap)
{
	size_t n = 0;
	if (!integrity)
		return 0;
	const char *p = integrity;
	while (*p && n < cap) {
		p += strspn(p, " ,\t");
		size_t len = strcspn(p, " ,\t");
		if (!len)
			break;
		static const struct { const char *pre, *alg, *spdx; int bytes; } kinds[] = {
			{ "sha512-", "SHA-512", "SHA512", 64 }, { "sha1-", "SHA-1", "SHA1", 20 },
			{ "sha256-", "SHA-256", "SHA256", 32 }, { "sha256:", "SHA-256", "SHA256", 32 },
			{ "sha512:", "SHA-512", "SHA512", 64 },
		};
		for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
			size_t pl = strlen(kinds[k].pre);
			if (len <= pl || strncmp(p, kinds[k].pre, pl))
				continue;
			digest *d = &out[n];
			int ok;
			if (kinds[k].pre[pl - 1] == ':') {
				ok = len - pl == (size_t)kinds[k].bytes * 2 && strspn(p + pl, "0123456789abcdefABCDEF") >= len - pl;
				if (ok) {
					for (size_t c = 0; c < len - pl; c++)
						d->hex[c] = (char)tolower((unsigned char)p[pl + c]);
					d->hex[len - pl] = '\0';
				}
			} else {
				ok = b64_to_hex(p + pl, len - pl, d->hex, sizeof d->hex) == kinds[k].bytes;
			}
			if (ok) {
				d->alg = kinds[k].alg;
				d->spdx = kinds[k].spdx;
				n++;
			}
			break;
		}
		p += len;
	}
	return n;
}

/* ---------------------------------------------------------------- unique packages
 *
 * A package in two lockfiles is one component (one bom-ref, one SPDX
 * package): the list is every (graph, node) sorted by purl, and the first
 * of each purl stands for the rest. */

typedef struct pkg_ref {
	char *purl;
	size_t gi;
	uint32_t node;
	size_t uniq;   /* index of the unique package */
} pkg_ref;

static int pkg_ref_cmp(const void *a, const void *b)
{
	const pkg_ref *x = a, *y = b;
	int c = strcmp(x->purl, y->purl);
	if (c)
		return c;
	return x->gi != y->gi ? (x->gi < y->gi ? -1 : 1) : (x->node < y->node ? -1 : x->node > y->node);
}

typedef struct pkg_index {
	pkg_ref *refs;     /* sorted */
	size_t n;
	size_t *first;     /* first[u]: position in refs of unique package u */
	size_t nuniq;
	size_t **of;       /* of[gi][node]: unique index */
	size_t ngraphs;
} pkg_index;

static void pkg_index_build(pkg_index *x, const scan_set *s)
{
	memset(x, 0, sizeof *x);
	size_t total = 0;
	for (size_t i = 0; i < s->nrefs; i++)
		total += s->graphs[i] ? s->graphs[i]->nnodes : 0;
	x->refs = sigma_xcalloc(total ? total : 1, sizeof *x->refs);
	x->first = sigma_xcalloc(total ? total : 1, sizeof *x->first);
	x->of = sigma_xcalloc(s->nrefs ? s->nrefs : 1, sizeof *x->of);
	for (size_t i = 0; i < s->nrefs; i++) {
		const sigma_graph *g = s->graphs[i];
		if (!g)
			continue;
		x->of[i] = sigma_xcalloc(g->nnodes ? g->nnodes : 1, sizeof **x->of);
		for (uint32_t k = 0; k < g->nnodes; k++)
			x->refs[x->n++] = (pkg_ref){ purl_of(g, &g->nodes[k]), i, k, 0 };
	}
	qsort(x->refs, x->n, sizeof *x->refs, pkg_ref_cmp);
	for (size_t r = 0; r < x->n; r++) {
		if (!r || strcmp(x->refs[r].purl, x->refs[r - 1].purl))
			x->first[x->nuniq++] = r;
		x->refs[r].uniq = x->nuniq - 1;
		x->of[x->refs[r].gi][x->refs[r].node] = x->nuniq - 1;
	}
	x->ngraphs = s->nrefs;
}

static void pkg_index_dispose(pkg_index *x)
{
	for (size_t r = 0; r < x->n; r++)
		free(x->refs[r].purl);
	for (size_t i = 0; i < x->ngraphs; i++)
		free(x->of[i]);
	free(x->refs);
	free(x->first);
	free(x->of);
}

/* Every edge between unique packages, sorted and without repeats, as
 * pairs (from, to) in `*out` (2 * *n entries; the caller frees it). */
static int edge_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

static void edges_build(size_t **out, size_t *n, const pkg_index *x, const scan_set *s)
{
	size_t total = 0, m = 0;
	for (size_t i = 0; i < s->nrefs; i++)
		for (uint32_t k = 0; s->graphs[i] && k < s->graphs[i]->nnodes; k++)
			total += s->graphs[i]->nodes[k].ndeps;
	size_t *e = sigma_xcalloc(total ? 2 * total : 2, sizeof *e);
	for (size_t i = 0; i < s->nrefs; i++)
		for (uint32_t k = 0; s->graphs[i] && k < s->graphs[i]->nnodes; k++) {
			const graph_node *nd = &s->graphs[i]->nodes[k];
			for (uint32_t d = 0; d < nd->ndeps; d++) {
				e[2 * m] = x->of[i][k];
				e[2 * m + 1] = x->of[i][nd->deps[d]];
				if (e[2 * m] != e[2 * m + 1])
					m++;
			}
		}
	qsort(e, m, 2 * sizeof *e, edge_cmp);
	size_t u = 0;
	for (size_t r = 0; r < m; r++)
		if (!u || edge_cmp(&e[2 * r], &e[2 * (u - 1)])) {
			e[2 * u] = e[2 * r];
			e[2 * u + 1] = e[2 * r + 1];
			u++;
		}
	*out = e;
	*n = u;
}

/* The unique packages some root declares directly, sorted, unique. */
static int size_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;
	return *x < *y ? -1 : *x > *y;
}

static size_t directs_build(size_t **out, const pkg_index *x, const scan_set *s)
{
	size_t n = 0;
	size_t *d = sigma_xcalloc(x->n ? x->n : 1, sizeof *d);
	for (size_t i = 0; i < s->nrefs; i++)
		for (uint32_t k = 0; s->graphs[i] && k < s->graphs[i]->nnodes; k++)
			if (s->graphs[i]->nodes[k].direct)
				d[n++] = x->of[i][k];
	qsort(d, n, sizeof *d, size_cmp);
	size_t u = 0;
	for (size_t r = 0; r < n; r++)
		if (!u || d[r] != d[u - 1])
			d[u++] = d[r];
	*out = d;
	return u;
}

static const char *subject_name(const output_subject *subj)
{
	return subj->name && *subj->name ? subj->name : ".";
}

/* ---------------------------------------------------------------- CycloneDX */

static void cdx_property(cJSON *props, const char *name, const char *value)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddStringToObject(p, "value", value);
	cJSON_AddItemToArray(props, p);
}

/* CycloneDX's severities: OSV's "moderate" is its "medium". */
static const char *cdx_severity(const char *s)
{
	if (!strcmp(s, "moderate"))
		return "medium";
	if (!strcmp(s, "low") || !strcmp(s, "high") || !strcmp(s, "critical"))
		return s;
	return "unknown";
}

static cJSON *cdx_component(walk *w, const pkg_index *x, size_t u)
{
	const pkg_ref *r = &x->refs[x->first[u]];
	const sigma_graph *g = w->s->graphs[r->gi];
	const graph_node *n = &g->nodes[r->node];
	const judged *p = w->per[r->gi][r->node];
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", "library");
	cJSON_AddStringToObject(c, "bom-ref", r->purl);
	const char *slash = n->name[0] == '@' ? strchr(n->name, '/') : NULL;
	if (slash && !strcmp(g->ecosystem, "npm")) {
		char *group = sigma_xasprintf("%.*s", (int)(slash - n->name), n->name);
		cJSON_AddStringToObject(c, "group", group);
		free(group);
		cJSON_AddStringToObject(c, "name", slash + 1);
	} else {
		cJSON_AddStringToObject(c, "name", n->name);
	}
	if (n->version[0])
		cJSON_AddStringToObject(c, "version", n->version);
	/* A package is required when some lockfile needs it outside dev. */
	int dev = 1, optional = 1;
	for (size_t k = x->first[u]; k < x->n && x->refs[k].uniq == u; k++) {
		const graph_node *o = &w->s->graphs[x->refs[k].gi]->nodes[x->refs[k].node];
		dev &= o->dev;
		optional &= o->optional;
	}
	cJSON_AddStringToObject(c, "scope", dev ? "excluded" : optional ? "optional" : "required");
	digest d[4];
	size_t nd = digests_of(n->integrity, d, 4);
	if (nd) {
		cJSON *hashes = cJSON_AddArrayToObject(c, "hashes");
		for (size_t i = 0; i < nd; i++) {
			cJSON *h = cJSON_CreateObject();
			cJSON_AddStringToObject(h, "alg", d[i].alg);
			cJSON_AddStringToObject(h, "content", d[i].hex);
			cJSON_AddItemToArray(hashes, h);
		}
	}
	cJSON_AddStringToObject(c, "purl", r->purl);
	cJSON *props = cJSON_AddArrayToObject(c, "properties");
	char depth[24];
	snprintf(depth, sizeof depth, "%d", n->depth);
	cdx_property(props, "sigma:lockfile", g->lockfile);
	cdx_property(props, "sigma:depth", depth);
	if (p) {
		cdx_property(props, "sigma:status", p->status);
		cdx_property(props, "sigma:effect", effect_name(p->effect));
		if (p->code)
			cdx_property(props, "sigma:code", p->code);
		if (p->st.certificate_id)
			cdx_property(props, "sigma:certificate", p->st.certificate_id);
		if (p->waiver)
			cdx_property(props, "sigma:waiver", p->waiver);
	}
	return c;
}

static void cdx_vulnerabilities(cJSON *vulns, walk *w, const pkg_index *x)
{
	for (size_t k = 0; k < w->j->n; k++) {
		const judged *p = &w->j->pkgs[k];
		size_t gi = graph_index(w, p->g);
		if (gi == SIZE_MAX)
			continue;
		const char *ref = x->refs[x->first[x->of[gi][p->node]]].purl;
		for (size_t a = 0; a < p->nadvisories; a++) {
			const osv_hit *h = &p->advisories[a];
			cJSON *v = cJSON_CreateObject();
			cJSON_AddStringToObject(v, "id", h->id);
			cJSON *src = cJSON_AddObjectToObject(v, "source");
			cJSON_AddStringToObject(src, "name", !strncmp(h->id, "GHSA-", 5) ? "GitHub" : "OSV");
			cJSON *rating = cJSON_CreateObject();
			if (h->score >= 0)
				cJSON_AddNumberToObject(rating, "score", h->score);
			cJSON_AddStringToObject(rating, "severity", cdx_severity(h->severity));
			cJSON_AddItemToArray(cJSON_AddArrayToObject(v, "ratings"), rating);
			if (h->summary)
				cJSON_AddStringToObject(v, "description", h->summary);
			if (h->fixed) {
				char *rec = sigma_xasprintf("upgrade to %s", h->fixed);
				cJSON_AddStringToObject(v, "recommendation", rec);
				free(rec);
			}
			if (h->waived) {
				/* A waiver is the admin accepting the risk for now: no
				 * claim that the package is not affected. */
				cJSON *an = cJSON_AddObjectToObject(v, "analysis");
				cJSON_AddItemToArray(cJSON_AddArrayToObject(an, "response"), cJSON_CreateString("will_not_fix"));
				char *detail = sigma_xasprintf("waived in sigma's registry: %s", h->waived);
				cJSON_AddStringToObject(an, "detail", detail);
				free(detail);
			}
			cJSON *aff = cJSON_CreateObject();
			cJSON_AddStringToObject(aff, "ref", ref);
			cJSON_AddItemToArray(cJSON_AddArrayToObject(v, "affects"), aff);
			cJSON *props = cJSON_AddArrayToObject(v, "properties");
			cdx_property(props, "sigma:lockfile", p->g->lockfile);
			cdx_property(props, "sigma:fails", h->fails ? "true" : "false");
			if (h->waived)
				cdx_property(props, "sigma:waived", h->waived);
			if (h->aliases)
				cdx_property(props, "sigma:aliases", h->aliases);
			cJSON_AddItemToArray(vulns, v);
		}
	}
}

static int write_cyclonedx(sigma_buf *out, walk *w)
{
	pkg_index x;
	pkg_index_build(&x, w->s);
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json");
	cJSON_AddStringToObject(doc, "bomFormat", "CycloneDX");
	cJSON_AddStringToObject(doc, "specVersion", "1.5");
	/* A serial number per document, as SPDX's namespace below: the
	 * subject, the commit and the time, hashed, in the UUID form the
	 * schema asks for (version 4 and variant bits set). */
	char *seed = sigma_xasprintf("cyclonedx\n%s\n%s\n%lld", subject_name(w->subj),
	                             w->subj->commit ? w->subj->commit : "", w->subj->now);
	char h[65], serial[64];
	sigma_sha256_hex(seed, strlen(seed), h);
	free(seed);
	h[12] = '4';
	int nibble = h[16] <= '9' ? h[16] - '0' : h[16] - 'a' + 10;
	h[16] = "89ab"[nibble & 3];
	snprintf(serial, sizeof serial, "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
	cJSON_AddStringToObject(doc, "serialNumber", serial);
	cJSON_AddNumberToObject(doc, "version", 1);
	cJSON *meta = cJSON_AddObjectToObject(doc, "metadata");
	char ts[32];
	iso_time(ts, w->subj->now);
	cJSON_AddStringToObject(meta, "timestamp", ts);
	cJSON *tool = cJSON_CreateObject();
	cJSON_AddStringToObject(tool, "type", "application");
	cJSON_AddStringToObject(tool, "name", "sigma");
	cJSON_AddStringToObject(tool, "version", SIGMA_VERSION);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(meta, "tools"), "components"), tool);
	/* The root is the project judged; its bom-ref cannot clash with a
	 * package's, which is a purl ("pkg:..."). */
	cJSON *root = cJSON_AddObjectToObject(meta, "component");
	cJSON_AddStringToObject(root, "type", "application");
	cJSON_AddStringToObject(root, "bom-ref", "sigma:root");
	cJSON_AddStringToObject(root, "name", subject_name(w->subj));
	if (w->subj->commit)
		cJSON_AddStringToObject(root, "version", w->subj->commit);
	cJSON *rprops = cJSON_AddArrayToObject(meta, "properties");
	cdx_property(rprops, "sigma:decision", w->j->rejected ? "rejected" : "accepted");
	for (size_t i = 0; i < w->s->nrefs; i++)
		cdx_property(rprops, "sigma:lockfile", w->s->refs[i].path);
	cJSON *comps = cJSON_AddArrayToObject(doc, "components");
	for (size_t u = 0; u < x.nuniq; u++)
		cJSON_AddItemToArray(comps, cdx_component(w, &x, u));
	cJSON *deps = cJSON_AddArrayToObject(doc, "dependencies");
	size_t *direct = NULL, nedges = 0, *edges = NULL;
	size_t ndirect = directs_build(&direct, &x, w->s);
	cJSON *rd = cJSON_CreateObject();
	cJSON_AddStringToObject(rd, "ref", "sigma:root");
	cJSON *ron = cJSON_AddArrayToObject(rd, "dependsOn");
	for (size_t i = 0; i < ndirect; i++)
		cJSON_AddItemToArray(ron, cJSON_CreateString(x.refs[x.first[direct[i]]].purl));
	cJSON_AddItemToArray(deps, rd);
	edges_build(&edges, &nedges, &x, w->s);
	size_t e = 0;
	for (size_t u = 0; u < x.nuniq; u++) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "ref", x.refs[x.first[u]].purl);
		cJSON *on = cJSON_AddArrayToObject(d, "dependsOn");
		for (; e < nedges && edges[2 * e] == u; e++)
			cJSON_AddItemToArray(on, cJSON_CreateString(x.refs[x.first[edges[2 * e + 1]]].purl));
		cJSON_AddItemToArray(deps, d);
	}
	cJSON *vulns = cJSON_AddArrayToObject(doc, "vulnerabilities");
	cdx_vulnerabilities(vulns, w, &x);
	free(direct);
	free(edges);
	pkg_index_dispose(&x);
	return put_json(out, doc);
}

/* ---------------------------------------------------------------- SPDX */

static char *spdx_id(size_t u) { return sigma_xasprintf("SPDXRef-Package-%zu", u + 1); }

static void spdx_relationship(cJSON *rels, const char *from, const char *type, const char *to)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "spdxElementId", from);
	cJSON_AddStringToObject(r, "relationshipType", type);
	cJSON_AddStringToObject(r, "relatedSpdxElement", to);
	cJSON_AddItemToArray(rels, r);
}

/* A download location SPDX accepts as it is: an http(s) URL without
 * spaces; anything else is NOASSERTION rather than a guess. */
static int plain_url(const char *s)
{
	if (!s || (strncmp(s, "https://", 8) && strncmp(s, "http://", 7)))
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s == '"' || *s == '\\' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int write_spdx(sigma_buf *out, walk *w)
{
	pkg_index x;
	pkg_index_build(&x, w->s);
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "spdxVersion", "SPDX-2.3");
	cJSON_AddStringToObject(doc, "dataLicense", "CC0-1.0");
	cJSON_AddStringToObject(doc, "SPDXID", "SPDXRef-DOCUMENT");
	const char *name = subject_name(w->subj);
	cJSON_AddStringToObject(doc, "name", name);
	/* The namespace must be unique per document: the subject, the commit
	 * and the time, hashed, under a name no one else uses. */
	char *seed = sigma_xasprintf("%s\n%s\n%lld", name, w->subj->commit ? w->subj->commit : "", w->subj->now);
	char hex[65];
	sigma_sha256_hex(seed, strlen(seed), hex);
	free(seed);
	char *ns = sigma_xasprintf("https://sigma.invalid/spdx/%s", hex);
	cJSON_AddStringToObject(doc, "documentNamespace", ns);
	free(ns);
	cJSON *ci = cJSON_AddObjectToObject(doc, "creationInfo");
	char ts[32];
	iso_time(ts, w->subj->now);
	cJSON_AddStringToObject(ci, "created", ts);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(ci, "creators"), cJSON_CreateString("Tool: sigma-" SIGMA_VERSION));
	cJSON *pkgs = cJSON_AddArrayToObject(doc, "packages");
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "SPDXID", "SPDXRef-Root");
	cJSON_AddStringToObject(root, "name", name);
	if (w->subj->commit)
		cJSON_AddStringToObject(root, "versionInfo", w->subj->commit);
	cJSON_AddStringToObject(root, "downloadLocation", "NOASSERTION");
	cJSON_AddBoolToObject(root, "filesAnalyzed", 0);
	cJSON_AddStringToObject(root, "primaryPackagePurpose", "APPLICATION");
	cJSON_AddItemToArray(pkgs, root);
	for (size_t u = 0; u < x.nuniq; u++) {
		const pkg_ref *r = &x.refs[x.first[u]];
		const sigma_graph *g = w->s->graphs[r->gi];
		const graph_node *n = &g->nodes[r->node];
		const judged *p = w->per[r->gi][r->node];
		cJSON *o = cJSON_CreateObject();
		char *id = spdx_id(u);
		cJSON_AddStringToObject(o, "SPDXID", id);
		free(id);
		cJSON_AddStringToObject(o, "name", n->name);
		if (n->version[0])
			cJSON_AddStringToObject(o, "versionInfo", n->version);
		cJSON_AddStringToObject(o, "downloadLocation", plain_url(n->resolved) ? n->resolved : "NOASSERTION");
		cJSON_AddBoolToObject(o, "filesAnalyzed", 0);
		cJSON_AddStringToObject(o, "primaryPackagePurpose", "LIBRARY");
		digest d[4];
		size_t nd = digests_of(n->integrity, d, 4);
		if (nd) {
			cJSON *sums = cJSON_AddArrayToObject(o, "checksums");
			for (size_t i = 0; i < nd; i++) {
				cJSON *c = cJSON_CreateObject();
				cJSON_AddStringToObject(c, "algorithm", d[i].spdx);
				cJSON_AddStringToObject(c, "checksumValue", d[i].hex);
				cJSON_AddItemToArray(sums, c);
			}
		}
		cJSON *ext = cJSON_CreateObject();
		cJSON_AddStringToObject(ext, "referenceCategory", "PACKAGE-MANAGER");
		cJSON_AddStringToObject(ext, "referenceType", "purl");
		cJSON_AddStringToObject(ext, "referenceLocator", r->purl);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "externalRefs"), ext);
		if (p) {
			char *c = sigma_xasprintf("sigma: status %s, effect %s, depth %d, lockfile %s%s%s", p->status,
			                          effect_name(p->effect), n->depth, g->lockfile, p->why ? ": " : "",
			                          p->why ? p->why : "");
			cJSON_AddStringToObject(o, "comment", c);
			free(c);
		}
		cJSON_AddItemToArray(pkgs, o);
	}
	cJSON *rels = cJSON_AddArrayToObject(doc, "relationships");
	spdx_relationship(rels, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Root");
	size_t *direct = NULL, nedges = 0, *edges = NULL;
	size_t ndirect = directs_build(&direct, &x, w->s);
	for (size_t i = 0; i < ndirect; i++) {
		char *to = spdx_id(direct[i]);
		spdx_relationship(rels, "SPDXRef-Root", "DEPENDS_ON", to);
		free(to);
	}
	edges_build(&edges, &nedges, &x, w->s);
	for (size_t e = 0; e < nedges; e++) {
		char *from = spdx_id(edges[2 * e]), *to = spdx_id(edges[2 * e + 1]);
		spdx_relationship(rels, from, "DEPENDS_ON", to);
		free(from);
		free(to);
	}
	free(direct);
	free(edges);
	pkg_index_dispose(&x);
	return put_json(out, doc);
}

/* ---------------------------------------------------------------- markdown */

/* `s` as markdown text inside a table cell or after a list marker: every
 * character that means something there is backslash-escaped, '|' included
 * (it would end the cell), and line breaks become spaces (they would end
 * the row). Characters that only mean something at the start of a line
 * ('#', '-', '+', '.') are left alone: nothing escaped here starts one. */
static void md_escape(sigma_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\n' || *s == '\r' || *s == '\t')
			sigma_buf_putc(b, ' ');
		else if (strchr("\\`*_[]<>|~&", *s)) {
			sigma_buf_putc(b, '\\');
			sigma_buf_putc(b, *s);
		} else if ((unsigned char)*s < 0x80) {
			sigma_buf_putc(b, *s);
		} else {
			size_t n = utf8_seq((const unsigned char *)s);
			put_utf8(b, s, n ? n : 1);
			s += n ? n - 1 : 0;
		}
	}
}

static void md_fix(sigma_buf *b, const judged *p)
{
	const sigma_graph *g = p->g;
	const graph_node *n = &g->nodes[p->node];
	const lockfile_format *f = lockfile_detect_path(g->lockfile);
	const char *manifest = f && f->manifest ? f->manifest : g->lockfile;
	if (p->code && (!strcmp(p->code, "integrity-mismatch") || !strcmp(p->code, "inconsistent"))) {
		sigma_buf_puts(b, "regenerate ");
		md_escape(b, g->lockfile);
	} else if (p->fixed) {
		sigma_buf_puts(b, "upgrade to ");
		md_escape(b, p->fixed);
		sigma_buf_puts(b, " or later");
	} else if (n->depth == 0) {
		sigma_buf_puts(b, "remove it from ");
		md_escape(b, manifest);
		sigma_buf_puts(b, " or move to an allowed version");
	} else if (n->depth > 0) {
		uint32_t top[64], len = 0;
		if (n->depth < 64)
			graph_chain(g, p->node, top, &len);
		sigma_buf_puts(b, "upgrade or replace ");
		md_escape(b, len ? g->nodes[top[0]].name : n->name);
	} else {
		sigma_buf_puts(b, "regenerate ");
		md_escape(b, g->lockfile);
	}
}

static void md_rows(sigma_buf *b, const judgement *j, effect which, size_t *shown)
{
	for (size_t k = 0; k < j->n; k++) {
		const judged *p = &j->pkgs[k];
		if (p->effect != which)
			continue;
		if ((*shown)++ >= MD_ROWS)
			continue;
		const graph_node *n = &p->g->nodes[p->node];
		char pkg[512], depth[24];
		if (n->depth < 0)
			snprintf(depth, sizeof depth, "unreachable");
		else if (n->depth == 0)
			snprintf(depth, sizeof depth, "direct");
		else
			snprintf(depth, sizeof depth, "L%d", n->depth);
		sigma_buf_puts(b, which == EFFECT_REJECT ? "| ❌ | " : "| ⚠️ | ");
		md_escape(b, display_name(n, pkg, sizeof pkg));
		sigma_buf_puts(b, n->dev ? " (dev) | " : " | ");
		sigma_buf_puts(b, depth);
		sigma_buf_puts(b, " | ");
		md_escape(b, p->g->lockfile);
		sigma_buf_puts(b, " | ");
		md_escape(b, p->why ? p->why : p->status);
		sigma_buf_puts(b, " | ");
		md_fix(b, p);
		sigma_buf_puts(b, " |\n");
	}
}

static int write_markdown(sigma_buf *b, walk *w)
{
	const judgement *j = w->j;
	const scan_set *s = w->s;
	size_t total = 0, nadv = 0;
	for (size_t i = 0; i < s->nrefs; i++)
		total += s->graphs[i] ? s->graphs[i]->nnodes : 0;
	for (size_t k = 0; k < j->n; k++)
		nadv += j->pkgs[k].nadvisories;
	sigma_buf_puts(b, j->rejected ? "### ❌ sigma: rejected" : "### ✅ sigma: accepted");
	sigma_buf_puts(b, " — ");
	md_escape(b, subject_name(w->subj));
	if (w->subj->rev) {
		sigma_buf_puts(b, " at ");
		md_escape(b, w->subj->rev);
	}
	if (w->subj->commit)
		sigma_buf_printf(b, " (`%.12s`)", w->subj->commit);
	sigma_buf_puts(b, "\n\n");
	sigma_buf_printf(b, "%zu lockfile%s, %zu package%s: %zu refused, %zu warning%s, %zu unreadable lockfile%s, "
	                    "%zu advisor%s.\n\n",
	                 s->nrefs, s->nrefs == 1 ? "" : "s", total, total == 1 ? "" : "s", j->n_reject, j->n_warn,
	                 j->n_warn == 1 ? "" : "s", s->nerrors, s->nerrors == 1 ? "" : "s", nadv, nadv == 1 ? "y" : "ies");
	if (j->n_reject || j->n_warn) {
		size_t shown = 0;
		sigma_buf_puts(b, "| | Package | Depth | Lockfile | Why | Fix |\n|---|---|---|---|---|---|\n");
		md_rows(b, j, EFFECT_REJECT, &shown);
		md_rows(b, j, EFFECT_WARN, &shown);
		if (shown > MD_ROWS)
			sigma_buf_printf(b, "\n… and %zu more (see the certificate).\n", shown - MD_ROWS);
		sigma_buf_putc(b, '\n');
	}
	for (size_t e = 0; e < s->nerrors; e++) {
		sigma_buf_puts(b, policy_error_rejects(j, &s->errors[e]) ? "- ❌ " : "- ⚠️ ");
		md_escape(b, s->errors[e].message);
		sigma_buf_puts(b, "\n");
	}
	if (s->nerrors)
		sigma_buf_putc(b, '\n');
	if (nadv) {
		size_t shown = 0;
		sigma_buf_printf(b, "<details><summary>Advisories (%zu)</summary>\n\n", nadv);
		for (size_t k = 0; k < j->n; k++) {
			const judged *p = &j->pkgs[k];
			for (size_t a = 0; a < p->nadvisories; a++) {
				if (shown++ >= MD_ADVISORIES)
					continue;
				const osv_hit *h = &p->advisories[a];
				char pkg[512];
				sigma_buf_puts(b, "- ");
				md_escape(b, h->id);
				sigma_buf_puts(b, " (");
				md_escape(b, h->severity);
				sigma_buf_puts(b, ") in ");
				md_escape(b, display_name(&p->g->nodes[p->node], pkg, sizeof pkg));
				if (h->summary) {
					sigma_buf_puts(b, ": ");
					md_escape(b, h->summary);
				}
				if (h->fixed) {
					sigma_buf_puts(b, "; fixed in ");
					md_escape(b, h->fixed);
				}
				if (h->waived) {
					sigma_buf_puts(b, "; waived: ");
					md_escape(b, h->waived);
				} else if (h->fails) {
					sigma_buf_puts(b, "; **fails the gate**");
				}
				sigma_buf_putc(b, '\n');
			}
		}
		if (shown > MD_ADVISORIES)
			sigma_buf_printf(b, "- … and %zu more\n", shown - MD_ADVISORIES);
		sigma_buf_puts(b, "\n</details>\n");
	}
	return sigma_buf_error(b) ? sigma_error_set(sigma_buf_error(b), "output: the document passes its cap") : 0;
}

/* ---------------------------------------------------------------- entry */

int output_write(sigma_buf *out, output_format f, const judgement *j, const scan_set *s,
                 const output_subject *subj)
{
	walk w;
	int rc;
	if (f == OUTPUT_TABLE || f == OUTPUT_JSON)
		return sigma_error_set(SIGMA_EINVALID, "output: table and json are written by report.c and certificate.c");
	walk_init(&w, j, s, subj);
	switch (f) {
	case OUTPUT_SARIF: rc = write_sarif(out, &w); break;
	case OUTPUT_CYCLONEDX: rc = write_cyclonedx(out, &w); break;
	case OUTPUT_SPDX: rc = write_spdx(out, &w); break;
	default: rc = write_markdown(out, &w); break;
	}
	walk_dispose(&w);
	return rc;
}

/* ---------------------------------------------------------------- files */

int output_read_file(void *ctx, const char *path, sigma_buf *out)
{
	const output_tree *t = ctx;
	if (t->repo) {
		char oid[SIGMA_OID_HEX];
		return repo_read_path(out, oid, t->repo, t->tree, path);
	}
	int fd = -1;
	int rc = treepath_open(&fd, t->rootfd, path, 0);
	if (rc)
		return rc;
	rc = sigma_buf_read_fd(out, fd);
	close(fd);
	return rc;
}

int output_file_open(output_file *f, const char *path)
{
	memset(f, 0, sizeof *f);
	f->fd = -1;
	/* Beside the destination, so that the rename stays on one filesystem
	 * and is atomic. */
	const char *slash = strrchr(path, '/');
	f->tmp = slash ? sigma_xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1)
	               : sigma_xasprintf(".%s.XXXXXX", path);
	f->fd = mkstemp(f->tmp);
	if (f->fd < 0) {
		int rc = sigma_error_set(SIGMA_EIO, "%s: cannot write: %s", path, strerror(errno));
		free(f->tmp);
		f->tmp = NULL;
		return rc;
	}
	/* mkstemp makes it 0600; a report is as readable as any file the user
	 * creates. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(f->fd, 0666 & ~mask) != 0) {
		int rc = sigma_error_set(SIGMA_EIO, "%s: %s", f->tmp, strerror(errno));
		output_file_abort(f);
		return rc;
	}
	f->path = sigma_xstrdup(path);
	return 0;
}

int output_file_write(output_file *f, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(f->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sigma_error_set(SIGMA_EIO, "%s: cannot write: %s", f->path, n < 0 ? strerror(errno) : "short write");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int output_file_commit(output_file *f)
{
	int rc = 0;
	if (fsync(f->fd) != 0)
		rc = sigma_error_set(SIGMA_EIO, "%s: cannot write: %s", f->path, strerror(errno));
	if (close(f->fd) != 0 && !rc)
		rc = sigma_error_set(SIGMA_EIO, "%s: cannot write: %s", f->path, strerror(errno));
	f->fd = -1;
	if (!rc && rename(f->tmp, f->path) != 0)
		rc = sigma_error_set(SIGMA_EIO, "%s: cannot write: %s", f->path, strerror(errno));
	if (rc)
		unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	f->tmp = f->path = NULL;
	return rc;
}

void output_file_abort(output_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	if (f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	f->tmp = f->path = NULL;
	f->fd = -1;
}
