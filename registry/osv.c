/* osv.c: see osv.h. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "registry/cvss.h"
#include "registry/osv.h"
#include "registry/review.h"
#include "registry/unpack.h"
#include "registry/version.h"

#define RECORD_MAX ((size_t)8 << 20)

int osv_looks_like(const char *text, size_t len)
{
	size_t i = 0;
	while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
		i++;
	if (i >= len || text[i] != '{')
		return 0;
	/* Both keys near the top level; a certificate never has "affected". */
	return memmem(text, len, "\"affected\"", 10) && memmem(text, len, "\"id\"", 4);
}

/* "npm" / "pypi" for an OSV ecosystem string, or NULL. */
static const char *our_ecosystem(const char *osv)
{
	if (!osv)
		return NULL;
	if (!strcmp(osv, "npm"))
		return "npm";
	if (!strcmp(osv, "PyPI"))
		return "pypi";
	return NULL;
}

/* The CVSS v3 base score of the first v3 vector in a `severity` array
 * (the record's, or an affected entry's), or -1. */
static double cvss_score_of(const cJSON *severity)
{
	const cJSON *sv;
	cJSON_ArrayForEach(sv, severity) {
		const char *type = json_str(sv, "type"), *vector = json_str(sv, "score");
		if (type && !strcmp(type, "CVSS_V3")) {
			double score = cvss_v3_base_score(vector);
			if (score >= 0)
				return score;
		}
	}
	return -1;
}

/* An advisory's severity: from its CVSS v3 vector when it has one (the
 * score decides, as GitHub's and OSV's tools do), else the record's own
 * word (GHSA's database_specific.severity; "MODERATE" and "MEDIUM" alike),
 * else unknown (""). *score gets the CVSS score or -1. */
static const char *severity_of(const cJSON *record, const cJSON *affected, double *score)
{
	*score = cvss_score_of(cJSON_GetObjectItemCaseSensitive(record, "severity"));
	if (*score < 0)
		*score = cvss_score_of(cJSON_GetObjectItemCaseSensitive(affected, "severity"));
	if (*score >= 0)
		return cvss_rating(*score);
	const char *s = json_str(cJSON_GetObjectItemCaseSensitive(record, "database_specific"), "severity");
	if (!s)
		s = json_str(cJSON_GetObjectItemCaseSensitive(affected, "ecosystem_specific"), "severity");
	if (!s)
		s = json_str(cJSON_GetObjectItemCaseSensitive(affected, "database_specific"), "severity");
	static const char *const words[] = { "", "low", "moderate", "high", "critical" };
	int rank = cvss_rank(s);
	return rank > 0 ? words[rank] : "";
}

/* A range that starts at 0 and never ends: every version. */
static int unbounded(const cJSON *range)
{
	const char *type = json_str(range, "type");
	if (type && !strcmp(type, "GIT"))
		return 0;
	const cJSON *ev;
	int from_zero = 0, ends = 0;
	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(range, "events")) {
		const char *intro = json_str(ev, "introduced");
		if (intro && (!strcmp(intro, "0") || !strcmp(intro, "0.0.0")))
			from_zero = 1;
		if (json_str(ev, "fixed") || json_str(ev, "last_affected") || json_str(ev, "limit"))
			ends = 1;
	}
	return from_zero && !ends;
}

static int block_malware(registry *r, const char *id, const char *eco, const char *name, const char *summary,
                         const cJSON *entries, osv_stats *st)
{
	char *source = sigma_xasprintf("osv:%s", id);
	char *reason = sigma_xstrdup(summary ? summary : "a known malicious package (OSV)");
	int rc = 0, every = 0;
	const cJSON *a, *range, *v;
	cJSON_ArrayForEach(a, entries)
		cJSON_ArrayForEach(range, cJSON_GetObjectItemCaseSensitive(a, "ranges"))
			every |= unbounded(range);
	if (every) {
		rc = registry_block(r, eco, name, "*", reason, source);
		st->blocks += !rc;
	} else {
		cJSON_ArrayForEach(a, entries) {
			cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(a, "versions")) {
				if (!cJSON_IsString(v) || rc)
					continue;
				rc = registry_block(r, eco, name, v->valuestring, reason, source);
				st->blocks += !rc;
			}
		}
	}
	free(source);
	free(reason);
	return rc;
}

/* Seconds since the epoch of an RFC 3339 time in UTC ("...Z" or "+00:00"),
 * with its fraction; -1 when it is not one. */
static double rfc3339_seconds(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *p = s && *s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!p)
		return -1;
	double frac = 0;
	if (*p == '.') {
		char *end = NULL;
		frac = strtod(p, &end);
		p = end;
	}
	if (strcmp(p, "Z") && strcmp(p, "+00:00"))
		return -1;
	return (double)timegm(&tm) + frac;
}

int osv_import_json(registry *r, const char *text, size_t len, const char *origin, osv_stats *st)
{
	cJSON *rec = cJSON_ParseWithLength(text, len);
	int rc = 0;
	const char *id = json_str(rec, "id");
	const cJSON *affected = cJSON_GetObjectItemCaseSensitive(rec, "affected");
	if (!cJSON_IsObject(rec) || !id || !*id || !cJSON_IsArray(affected)) {
		rc = sigma_error_set(SIGMA_EINVALID, "%s: not an OSV record (an object with \"id\" and \"affected\")",
		                     origin);
		goto out;
	}
	st->records++;
	int malicious = !strncmp(id, "MAL-", 4);
	const char *modified = json_str(rec, "modified");
	/* Incremental: a record already stored at this `modified` time or a
	 * newer one is left as it is. Compared as times, not text: fractions
	 * of a second are written with varying precision ("02.85Z" is before
	 * "02.857Z", "02Z" before "02.5Z"), and a newer withdrawal must never
	 * be skipped as "unchanged". A time that cannot be read re-imports. */
	char stored[64] = "";
	if ((rc = registry_advisory_modified(r, id, stored)))
		goto wrap;
	double t_stored = rfc3339_seconds(stored), t_new = modified ? rfc3339_seconds(modified) : -1;
	if (t_stored >= 0 && t_new >= 0 && t_stored >= t_new) {
		st->unchanged++;
		goto out;
	}
	/* Whatever an earlier version of this record blocked is lifted here:
	 * a withdrawn record blocks nothing, and a re-imported one blocks what
	 * it says now, not the union of everything it ever said. */
	char *source = sigma_xasprintf("osv:%s", id);
	int lifted = 0;
	rc = registry_unblock_source(r, source, &lifted);
	free(source);
	if (rc)
		goto wrap;
	const cJSON *withdrawn = cJSON_GetObjectItemCaseSensitive(rec, "withdrawn");
	if (cJSON_IsString(withdrawn) && withdrawn->valuestring[0]) {
		rc = registry_advisory_drop(r, id);
		if (!rc) {
			st->withdrawn++;
			st->lifted += lifted;
		}
		goto wrap;
	}
	/* A newer version replaces the old one whole: rows for packages it no
	 * longer names must not linger. */
	if ((rc = registry_advisory_drop(r, id)))
		goto wrap;
	const char *summary = json_str(rec, "summary");
	const cJSON *aliases = cJSON_GetObjectItemCaseSensitive(rec, "aliases");
	char *aliases_json = cJSON_IsArray(aliases) && cJSON_GetArraySize(aliases) ? cJSON_PrintUnformatted(aliases) : NULL;
	/* Group the affected entries by package: one record may list the same
	 * package twice (GHSA-xvch-5gv4-984h does, one range each). */
	int any = 0;
	int n = cJSON_GetArraySize(affected);
	char *done = sigma_xcalloc((size_t)n + 1, 1);
	for (int i = 0; i < n && !rc; i++) {
		if (done[i])
			continue;
		const cJSON *a = cJSON_GetArrayItem(affected, i), *pkg = cJSON_GetObjectItemCaseSensitive(a, "package");
		const char *eco = our_ecosystem(json_str(pkg, "ecosystem"));
		const char *raw = json_str(pkg, "name");
		if (!eco || !raw || !*raw)
			continue;
		char *name = version_name_normalize(eco, raw);
		cJSON *group = cJSON_CreateArray();
		const char *sev = "";
		double score = -1;
		for (int j = i; j < n; j++) {
			const cJSON *b = cJSON_GetArrayItem(affected, j), *pb = cJSON_GetObjectItemCaseSensitive(b, "package");
			const char *eb = our_ecosystem(json_str(pb, "ecosystem"));
			char *nb = eb && json_str(pb, "name") ? version_name_normalize(eb, json_str(pb, "name")) : NULL;
			if (eb && nb && !strcmp(eb, eco) && !strcmp(nb, name)) {
				done[j] = 1;
				cJSON_AddItemToArray(group, cJSON_Duplicate(b, 1));
				double bs;
				const char *s = severity_of(rec, b, &bs);
				if (cvss_rank(s) > cvss_rank(sev))
					sev = s;
				if (bs > score)
					score = bs;
			}
			free(nb);
		}
		if (malicious)
			sev = "critical";
		char *text_group = cJSON_PrintUnformatted(group);
		registry_advisory adv = { .id = id, .ecosystem = eco, .name = name, .malicious = malicious,
		                          .severity = sev, .score = score, .summary = summary,
		                          .affected_json = text_group, .aliases_json = aliases_json,
		                          .modified = modified };
		rc = registry_advisory_put(r, &adv, NULL);
		if (!rc && malicious)
			rc = block_malware(r, id, eco, name, summary, group, st);
		any = 1;
		free(text_group);
		cJSON_Delete(group);
		free(name);
	}
	free(done);
	free(aliases_json);
	if (!rc) {
		if (!any)
			st->skipped++;
		else if (malicious)
			st->malicious++;
		else
			st->advisories++;
	}
wrap:
	if (rc && rc != SIGMA_EINVALID)
		rc = sigma_error_wrap(rc, "%s: ", origin);
out:
	cJSON_Delete(rec);
	return rc;
}

/* ---------------------------------------------------------------- files */

typedef struct import_run {
	const char *path;
	osv_stats *st;
	size_t skipped_entries;
} import_run;

typedef struct zip_ctx {
	registry *r;
	import_run *run;
} zip_ctx;

static int zip_entry(void *ctx, const char *name, const char *data, size_t len)
{
	zip_ctx *z = ctx;
	if (!sigma_endswith(name, ".json"))
		return 0;
	if (!osv_looks_like(data, len)) {
		z->run->st->skipped++;
		return 0;
	}
	char *origin = sigma_xasprintf("%s:%s", z->run->path, name);
	int rc = osv_import_json(z->r, data, len, origin, z->run->st);
	free(origin);
	return rc;
}

static int import_dir(registry *r, const char *dir, import_run *run, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return sigma_error_set(SIGMA_EIO, "%s: %s", dir, strerror(errno));
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *full = sigma_xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		int known = lstat(full, &st) == 0;
		if (known && S_ISDIR(st.st_mode) && depth < 16) {
			rc = import_dir(r, full, run, depth + 1);
		} else if (known && S_ISREG(st.st_mode) && sigma_endswith(e->d_name, ".json")) {
			sigma_buf b;
			sigma_buf_init(&b, RECORD_MAX);
			rc = sigma_buf_read_file(&b, full);
			if (!rc && osv_looks_like(b.ptr, b.len))
				rc = osv_import_json(r, b.ptr, b.len, full, run->st);
			else if (!rc)
				run->st->skipped++;
			sigma_buf_dispose(&b);
		}
		free(full);
	}
	closedir(d);
	return rc;
}

typedef struct path_ctx {
	const char *path;
	osv_stats *st;
} path_ctx;

static int import_path_tx(registry *r, void *ctx)
{
	path_ctx *p = ctx;
	import_run run = { .path = p->path, .st = p->st };
	struct stat st;
	if (stat(p->path, &st) < 0)
		return sigma_error_set(SIGMA_ENOTFOUND, "%s: %s", p->path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return import_dir(r, p->path, &run, 0);
	sigma_buf head;
	sigma_buf_init(&head, RECORD_MAX);
	int rc = sigma_buf_read_file(&head, p->path);
	if (rc == SIGMA_ETOOBIG || (!rc && head.len >= 4 && !memcmp(head.ptr, "PK\003\004", 4))) {
		/* A zip (or anything too big to be one record): stream it. */
		sigma_error_clear();
		zip_ctx z = { r, &run };
		rc = unpack_visit_file(p->path, RECORD_MAX, zip_entry, &z, &run.skipped_entries);
	} else if (!rc) {
		rc = osv_import_json(r, head.ptr, head.len, p->path, p->st);
	}
	sigma_buf_dispose(&head);
	return rc;
}

int osv_import_path(registry *r, const char *path, osv_stats *st)
{
	memset(st, 0, sizeof *st);
	path_ctx p = { path, st };
	return registry_transaction(r, import_path_tx, &p);
}

/* ---------------------------------------------------------------- matching */

typedef struct match_ctx {
	osv_match *out;
	const char *eco, *version;
	sigma_buf ids;
} match_ctx;

static int entry_affects(const char *eco, const cJSON *a, const char *version)
{
	const cJSON *v, *range;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(a, "versions"))
		if (cJSON_IsString(v) && !strcmp(v->valuestring, version))
			return 1;
	cJSON_ArrayForEach(range, cJSON_GetObjectItemCaseSensitive(a, "ranges")) {
		const char *type = json_str(range, "type");
		if (type && !strcmp(type, "GIT"))
			continue;
		if (version_in_osv_range(eco, cJSON_GetObjectItemCaseSensitive(range, "events"), version))
			return 1;
	}
	return 0;
}

static int match_one(void *ctx, const char *id, int malicious, const char *severity, const char *summary,
                     const char *affected_json)
{
	match_ctx *m = ctx;
	cJSON *entries = cJSON_Parse(affected_json);
	const cJSON *a;
	int hit = 0;
	cJSON_ArrayForEach(a, entries)
		hit |= entry_affects(m->eco, a, m->version);
	cJSON_Delete(entries);
	if (!hit)
		return 0;
	if (malicious) {
		if (!m->out->malware_id) {
			m->out->malware_id = sigma_xstrdup(id);
			m->out->malware_summary = summary ? sigma_xstrdup(summary) : NULL;
		}
		return 0;
	}
	m->out->advisories++;
	/* Package certificates rank advisories in the council's words
	 * (MODERATE reads as MEDIUM). */
	int sev = review_severity_parse(severity);
	if (sev > review_severity_parse(m->out->highest))
		snprintf(m->out->highest, sizeof m->out->highest, "%s", review_severity_name((review_severity)sev));
	sigma_buf_printf(&m->ids, "%s%s", m->ids.len ? "," : "", id);
	return 0;
}

int osv_match_version(osv_match *out, registry *r, const char *ecosystem, const char *name, const char *version)
{
	memset(out, 0, sizeof *out);
	char *norm = version_name_normalize(ecosystem, name);
	match_ctx m = { .out = out, .eco = ecosystem, .version = version };
	sigma_buf_init(&m.ids, 1 << 20);
	int rc = registry_advisories_of(r, ecosystem, norm, match_one, &m);
	if (m.ids.len)
		out->ids = sigma_buf_steal(&m.ids);
	sigma_buf_dispose(&m.ids);
	free(norm);
	if (rc)
		osv_match_dispose(out);
	return rc;
}

/* The lowest `fixed` event above `version` in the ranges of an affected
 * entry, or NULL (not fixed, or only `last_affected` known). */
static const char *lowest_fix(const char *eco, const cJSON *a, const char *version, const char *best)
{
	const cJSON *range, *ev;
	cJSON_ArrayForEach(range, cJSON_GetObjectItemCaseSensitive(a, "ranges")) {
		const char *type = json_str(range, "type");
		if (type && !strcmp(type, "GIT"))
			continue;
		cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(range, "events")) {
			const char *fixed = json_str(ev, "fixed");
			if (fixed && version_cmp(eco, fixed, version) > 0 && (!best || version_cmp(eco, fixed, best) < 0))
				best = fixed;
		}
	}
	return best;
}

typedef struct hits_ctx {
	const char *eco, *version;
	osv_hit *items;
	size_t n;
} hits_ctx;

static int collect_hit(void *ctx, const registry_advisory *adv)
{
	hits_ctx *h = ctx;
	if (adv->malicious)
		return 0; /* malware blocks through `blocks`, and its reviewer */
	cJSON *entries = cJSON_Parse(adv->affected_json);
	const cJSON *a;
	int hit = 0;
	const char *fix = NULL;
	cJSON_ArrayForEach(a, entries) {
		if (entry_affects(h->eco, a, h->version)) {
			hit = 1;
			fix = lowest_fix(h->eco, a, h->version, fix);
		}
	}
	if (hit) {
		h->items = sigma_xrealloc(h->items, (h->n + 1) * sizeof *h->items);
		osv_hit *o = &h->items[h->n++];
		memset(o, 0, sizeof *o);
		o->id = sigma_xstrdup(adv->id);
		o->summary = adv->summary ? sigma_xstrdup(adv->summary) : NULL;
		snprintf(o->severity, sizeof o->severity, "%s", adv->severity && *adv->severity ? adv->severity : "unknown");
		o->score = adv->score;
		o->fixed = fix ? sigma_xstrdup(fix) : NULL;
		cJSON *aliases = adv->aliases_json ? cJSON_Parse(adv->aliases_json) : NULL;
		const cJSON *al;
		sigma_buf b = SIGMA_BUF_INIT;
		cJSON_ArrayForEach(al, aliases)
			if (cJSON_IsString(al))
				sigma_buf_printf(&b, "%s%s", b.len ? "," : "", al->valuestring);
		o->aliases = b.len ? sigma_buf_steal(&b) : NULL;
		sigma_buf_dispose(&b);
		cJSON_Delete(aliases);
	}
	cJSON_Delete(entries);
	return 0;
}

int osv_hits(osv_hit **out, size_t *n, registry *r, const char *ecosystem, const char *name, const char *version)
{
	char *norm = version_name_normalize(ecosystem, name);
	hits_ctx h = { .eco = ecosystem, .version = version };
	int rc = registry_advisory_rows(r, ecosystem, norm, collect_hit, &h);
	free(norm);
	if (rc) {
		osv_hits_free(h.items, h.n);
		h.items = NULL;
		h.n = 0;
	}
	*out = h.items;
	*n = h.n;
	return rc;
}

void osv_hits_free(osv_hit *hits, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(hits[i].id);
		free(hits[i].aliases);
		free(hits[i].summary);
		free(hits[i].fixed);
		free(hits[i].waived);
	}
	free(hits);
}

void osv_match_dispose(osv_match *m)
{
	free(m->ids);
	free(m->malware_id);
	free(m->malware_summary);
	memset(m, 0, sizeof *m);
}
