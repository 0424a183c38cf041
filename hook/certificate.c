/* certificate.c: see certificate.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"
#include "common/seal.h"
#include "common/util.h"
#include "hook/certificate.h"

#ifndef SIGMA_VERSION
#define SIGMA_VERSION "0.1.0"
#endif

static cJSON *pkg_ref(const graph_node *n)
{
	size_t a = strlen(n->name), b = strlen(n->version);
	char stack[256], *s = a + b + 2 <= sizeof stack ? stack : sigma_xmalloc(a + b + 2);
	memcpy(s, n->name, a);
	s[a] = '@';
	memcpy(s + a + 1, n->version, b + 1);
	if (!b)
		s[a] = '\0'; /* no version pinned: the bare name */
	cJSON *v = cJSON_CreateString(s);
	if (s != stack)
		free(s);
	return v;
}

static void add_opt_string(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

/* ---------------------------------------------------------------- packages, written directly
 *
 * The packages member is most of a certificate (1,244 entries for a large
 * project), so it is written straight into canonical JSON text rather than
 * built as a cJSON tree and serialised: members in sorted key order, strings
 * through json_put_string, integers with %d. */

static void put_key(sigma_buf *b, const char *key, int *first)
{
	if (!*first)
		sigma_buf_putc(b, ',');
	*first = 0;
	sigma_buf_putc(b, '"');
	sigma_buf_puts(b, key);
	sigma_buf_puts(b, "\":");
}

static void put_str_or_null(sigma_buf *b, const char *v)
{
	if (v)
		json_put_string(b, v);
	else
		sigma_buf_puts(b, "null");
}

/* "name@version", or the bare name when no version is pinned. Names and
 * versions need no escaping in practice, but go through json_put_string
 * all the same; the '@' join is built in a stack buffer. */
static void put_ref(sigma_buf *b, const graph_node *n)
{
	size_t a = strlen(n->name), v = strlen(n->version);
	char stack[256], *s = a + v + 2 <= sizeof stack ? stack : sigma_xmalloc(a + v + 2);
	memcpy(s, n->name, a);
	if (v) {
		s[a] = '@';
		memcpy(s + a + 1, n->version, v + 1);
	} else {
		s[a] = '\0';
	}
	json_put_string(b, s);
	if (s != stack)
		free(s);
}

static void put_warning(sigma_buf *b, const char *code, const char *message, int *first)
{
	if (!*first)
		sigma_buf_putc(b, ',');
	*first = 0;
	sigma_buf_puts(b, "{\"code\":");
	json_put_string(b, code);
	sigma_buf_puts(b, ",\"message\":");
	json_put_string(b, message);
	sigma_buf_putc(b, '}');
}

/* The package URL (purl spec): pkg:npm/%40scope/name@version, or
 * pkg:pypi/name@version with the name in its PEP 503 form. */
void certificate_purl(sigma_buf *b, const char *ecosystem, const char *name, const char *version)
{
	int pypi = !strcmp(ecosystem, "pypi");
	sigma_buf_puts(b, pypi ? "pkg:pypi/" : "pkg:npm/");
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		unsigned char ch = *c;
		if (pypi && (ch == '_' || ch == '.'))
			ch = '-';
		else if (pypi && ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("-._~", ch) || (ch == '/' && !pypi))
			sigma_buf_putc(b, (char)ch);
		else
			sigma_buf_printf(b, "%%%02X", ch);
	}
	if (version && *version) {
		sigma_buf_putc(b, '@');
		for (const unsigned char *c = (const unsigned char *)version; *c; c++) {
			if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			    strchr("-._~+", *c))
				sigma_buf_putc(b, (char)*c);
			else
				sigma_buf_printf(b, "%%%02X", *c);
		}
	}
}

/* The advisories that affect a package, in the certificate: each with its
 * severity, score, aliases, the fix above the version in use, and whether
 * it fails the push or is waived. */
static void put_advisories(sigma_buf *b, const judged *p)
{
	sigma_buf_putc(b, '[');
	for (size_t a = 0; a < p->nadvisories; a++) {
		const osv_hit *h = &p->advisories[a];
		if (a)
			sigma_buf_putc(b, ',');
		sigma_buf_puts(b, "{\"aliases\":[");
		if (h->aliases) {
			const char *s = h->aliases;
			for (int k = 0; *s; k++) {
				size_t len = strcspn(s, ",");
				char *one = sigma_xstrndup(s, len);
				if (k)
					sigma_buf_putc(b, ',');
				json_put_string(b, one);
				free(one);
				s += len + (s[len] == ',');
			}
		}
		sigma_buf_puts(b, "],\"fails\":");
		sigma_buf_puts(b, h->fails && !h->waived ? "true" : "false");
		sigma_buf_puts(b, ",\"fixed\":");
		put_str_or_null(b, h->fixed);
		sigma_buf_puts(b, ",\"id\":");
		json_put_string(b, h->id);
		sigma_buf_puts(b, ",\"score\":");
		if (h->score >= 0)
			sigma_buf_printf(b, "%.1f", h->score);
		else
			sigma_buf_puts(b, "null");
		sigma_buf_puts(b, ",\"severity\":");
		json_put_string(b, h->severity);
		sigma_buf_puts(b, ",\"summary\":");
		put_str_or_null(b, h->summary);
		sigma_buf_puts(b, ",\"waived\":");
		put_str_or_null(b, h->waived);
		sigma_buf_putc(b, '}');
	}
	sigma_buf_putc(b, ']');
}

/* policy_judge lists every node of a graph, in node order, so node k is
 * the k-th package of its lockfile's run in the packages array, and `via`
 * is written as that k (v3): relative to the run, so the run's bytes do not
 * depend on where it sits and an unchanged lockfile's part is the same
 * bytes in every certificate (registry_submission_put stores it once). */
static void put_package(sigma_buf *b, const judged *p)
{
	const sigma_graph *g = p->g;
	const graph_node *n = &g->nodes[p->node];
	int first = 1;
	sigma_buf_putc(b, '{');
	if (p->nadvisories) {
		put_key(b, "advisories", &first);
		put_advisories(b, p);
	}
	if (n->alias) {
		put_key(b, "alias", &first);
		json_put_string(b, n->alias);
	}
	put_key(b, "audit", &first);
	sigma_buf_puts(b, "\"lookup\"");
	put_key(b, "depth", &first);
	if (n->depth < 0)
		sigma_buf_putc(b, '-');
	sigma_buf_put_uint(b, (unsigned)(n->depth < 0 ? -n->depth : n->depth));
	put_key(b, "dev", &first);
	sigma_buf_puts(b, n->dev ? "true" : "false");
	put_key(b, "direct", &first);
	sigma_buf_puts(b, n->direct ? "true" : "false");
	put_key(b, "ecosystem", &first);
	json_put_string(b, g->ecosystem);
	put_key(b, "effect", &first);
	json_put_string(b, effect_name(p->effect));
	put_key(b, "integrity", &first);
	put_str_or_null(b, n->integrity);
	put_key(b, "introduced", &first);
	sigma_buf_puts(b, p->introduced ? "true" : "false");
	put_key(b, "kind", &first);
	json_put_string(b, graph_kind_name(n->kind));
	put_key(b, "lockfile", &first);
	json_put_string(b, g->lockfile);
	put_key(b, "name", &first);
	json_put_string(b, n->name);
	if (n->optional) {
		put_key(b, "optional", &first);
		sigma_buf_puts(b, "true");
	}
	put_key(b, "parents", &first);
	sigma_buf_putc(b, '[');
	for (uint32_t i = 0; i < n->nparents; i++) {
		if (i)
			sigma_buf_putc(b, ',');
		put_ref(b, &g->nodes[n->parents[i]]);
	}
	sigma_buf_putc(b, ']');
	if (n->peer) {
		put_key(b, "peer", &first);
		sigma_buf_puts(b, "true");
	}
	put_key(b, "purl", &first);
	sigma_buf_putc(b, '"');
	certificate_purl(b, g->ecosystem, n->name, n->version);
	sigma_buf_putc(b, '"');
	put_key(b, "security_level", &first);
	json_put_string(b, p->st.security_level);
	put_key(b, "spec", &first);
	put_str_or_null(b, n->direct ? n->spec : NULL);
	put_key(b, "status", &first);
	json_put_string(b, p->status);
	put_key(b, "version", &first);
	json_put_string(b, n->version);
	/* The next package up its shortest chain, by position: one number per
	 * package, where writing the whole chain made a chain of N packages
	 * cost N^2 (docs/CERTIFICATES.md, "Chains"). */
	put_key(b, "via", &first);
	if (n->via >= 0 && n->depth > 0)
		sigma_buf_put_uint(b, (uint32_t)n->via);
	else
		sigma_buf_puts(b, "null");
	if (p->waiver) {
		put_key(b, "waiver", &first);
		json_put_string(b, p->waiver);
	}
	put_key(b, "warnings", &first);
	sigma_buf_putc(b, '[');
	int wfirst = 1;
	for (uint32_t f = 0; f < n->nfindings; f++)
		put_warning(b, n->findings[f].code, n->findings[f].message, &wfirst);
	if (p->why && p->code && (!n->nfindings || strcmp(p->code, n->findings[0].code) != 0))
		put_warning(b, p->code, p->why, &wfirst);
	sigma_buf_puts(b, "]}");
}

/* The members every certificate has: schema, issued_at, tool, subject. */
static cJSON *certificate_frame(const cert_subject *subject)
{
	cJSON *c = cJSON_CreateObject();
	char now[32];
	sigma_utc_now(now);
	cJSON_AddStringToObject(c, "schema", CERTIFICATE_SCHEMA);
	cJSON_AddStringToObject(c, "issued_at", now);
	cJSON *tool = cJSON_AddObjectToObject(c, "tool");
	cJSON_AddStringToObject(tool, "name", "sigma");
	cJSON_AddStringToObject(tool, "version", SIGMA_VERSION);
	cJSON *subj = cJSON_AddObjectToObject(c, "subject");
	add_opt_string(subj, "repository", subject->repository);
	add_opt_string(subj, "ref", subject->ref);
	add_opt_string(subj, "commit", subject->commit);
	add_opt_string(subj, "tree", subject->tree);
	add_opt_string(subj, "pusher", subject->pusher);
	if (subject->testing)
		cJSON_AddStringToObject(c, "enforcement", "testing");
	return c;
}

void cert_parts_dispose(cert_parts *p)
{
	free(p->at);
	free(p->lockfile);
	memset(p, 0, sizeof *p);
}

void cert_reusable_dispose(cert_reusable *r)
{
	cert_parts_dispose(&r->parts);
	free(r->lockfiles);
	free(r->summary);
	memset(r, 0, sizeof *r);
}

/* `rel` (offsets inside a packages text) moved to where that text sits. */
static void parts_place(cert_parts *out, const cert_parts *rel, size_t at)
{
	out->n = rel->n;
	out->at = sigma_xcalloc(rel->n ? rel->n : 1, sizeof *out->at);
	out->lockfile = sigma_xcalloc(rel->n ? rel->n : 1, sizeof *out->lockfile);
	for (size_t k = 0; k < rel->n; k++) {
		out->at[k] = rel->at[k];
		out->lockfile[k] = rel->lockfile ? rel->lockfile[k] : 0;
		out->at[k].start += at;
		out->at[k].end += at;
	}
}

/* The packages member is capped at the buffer default (256 MiB), which
 * SIGMA_CERT_MAX_BYTES may lower (never raise): a certificate that would
 * not fit fails the judgement rather than being sealed cut short. The knob
 * exists so the tests can reach the cap with a small lockfile. */
static int packages_cap(size_t *out)
{
	*out = SIGMA_BUF_DEFAULT_MAX;
	const char *v = getenv("SIGMA_CERT_MAX_BYTES");
	if (!v || !*v)
		return 0;
	char *end = NULL;
	unsigned long long n = strtoull(v, &end, 10);
	if (end == v || *end || n < 2 || n > SIGMA_BUF_DEFAULT_MAX)
		return sigma_error_set(SIGMA_EINVALID, "SIGMA_CERT_MAX_BYTES: expected bytes from 2 to %zu, got '%s'",
		                       SIGMA_BUF_DEFAULT_MAX, v);
	*out = (size_t)n;
	return 0;
}

/* Start streaming `c`'s packages member: the text so far is the payload up
 * to the value, capped so the value cannot pass packages_cap. */
static int packages_begin(seal_stream *st, const cJSON *c, size_t *cap)
{
	int rc = packages_cap(cap);
	if (!rc && !(rc = seal_stream_begin(st, c, "packages", "id")))
		st->text.max = st->text.len + *cap;
	return rc;
}

/* The buffer's failure, said in terms of the packages member's own cap
 * (the buffer's counts the text before it too). */
static int cap_error(int rc, size_t cap)
{
	if (rc == SIGMA_ETOOBIG)
		sigma_error_set(SIGMA_ETOOBIG, "buffer cap of %zu bytes reached", cap);
	return rc;
}

/* One lockfile's run, fetched from storage by hash, appended to `b`. */
static int put_stored_run(sigma_buf *b, const cert_kept_set *src, const char *hash, const char *what)
{
	char *body = NULL;
	int rc = src->part_get(&body, src->ctx, hash);
	if (rc)
		return sigma_error_wrap(rc, "certificate: %s: the kept packages: ", what);
	sigma_buf_puts(b, body);
	free(body);
	return 0;
}

/* End the packages member and seal; where each run sits goes to `parts`. */
static int packages_finish(char **out, char id[65], seal_stream *st, const cert_parts *rel, size_t npackages,
                           size_t cap, const sigma_key *key, cert_parts *parts)
{
	int rc = cap_error(sigma_buf_putc(&st->text, ']'), cap);
	if (rc) {
		seal_stream_dispose(st);
		return sigma_error_wrap(rc, "certificate: %zu packages: ", npackages);
	}
	st->text.max = SIZE_MAX / 4; /* the packages' cap is passed; the rest is small */
	size_t at = 0;
	if ((rc = seal_stream_finish(out, id, &at, st, key)))
		return sigma_error_wrap(rc, "certificate: ");
	if (parts)
		parts_place(parts, rel, at);
	return 0;
}

int certificate_build_reused(char **out, char id[65], const cert_reusable *r, const cert_kept_set *src,
                             const cert_subject *subject, const sigma_key *key, cert_parts *parts)
{
	cJSON *c = certificate_frame(subject);
	cJSON_AddStringToObject(c, "decision", "accepted");
	cJSON_AddArrayToObject(c, "reasons");
	cJSON *lockfiles = cJSON_Parse(r->lockfiles), *summary = cJSON_Parse(r->summary);
	cert_parts rel = { .n = 0 };
	seal_stream st;
	int rc = 0;
	if (!lockfiles || !summary) {
		cJSON_Delete(lockfiles);
		cJSON_Delete(summary);
		rc = sigma_error_set(SIGMA_EINVALID, "certificate: a kept judgement is not JSON");
		goto out;
	}
	cJSON_AddItemToObject(c, "lockfiles", lockfiles);
	cJSON_AddItemToObject(c, "summary", summary);
	size_t cap;
	if ((rc = packages_begin(&st, c, &cap)))
		goto out;
	size_t raw = st.raw_at;
	rel.at = sigma_xcalloc(r->parts.n + 1, sizeof *rel.at);
	sigma_buf_putc(&st.text, '[');
	for (size_t k = 0; k < r->parts.n; k++) {
		if (k)
			sigma_buf_putc(&st.text, ',');
		rel.at[k].start = st.text.len - raw;
		if ((rc = put_stored_run(&st.text, src, r->parts.at[k].hash, "reused"))) {
			seal_stream_dispose(&st);
			goto out;
		}
		rel.at[k].end = st.text.len - raw;
		memcpy(rel.at[k].hash, r->parts.at[k].hash, sizeof rel.at[k].hash);
		rel.n = k + 1;
	}
	rc = packages_finish(out, id, &st, &rel, r->npackages, cap, key, parts);
out:
	cert_parts_dispose(&rel);
	cJSON_Delete(c);
	return rc;
}

static cJSON *lockfile_entry(const scan_set *s, size_t i)
{
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "path", s->refs[i].path);
	cJSON_AddStringToObject(l, "ecosystem", s->refs[i].format->ecosystem);
	cJSON_AddStringToObject(l, "format", s->graphs[i] ? s->graphs[i]->format : s->refs[i].format->name);
	add_opt_string(l, "blob", s->refs[i].oid[0] ? s->refs[i].oid : NULL);
	cJSON_AddNumberToObject(l, "packages", s->graphs[i] ? s->graphs[i]->nnodes : 0);
	cJSON_AddBoolToObject(l, "resolved", s->graphs[i] != NULL);
	return l;
}

char *certificate_lockfile_entry(const scan_set *s, size_t i)
{
	cJSON *l = lockfile_entry(s, i);
	char *text = json_canonical(l);
	cJSON_Delete(l);
	return text;
}

int certificate_build(char **out, char id[65], const judgement *j, const scan_set *s,
                      const cert_subject *subject, const sigma_key *key, cert_reusable *keep,
                      cert_parts *parts)
{
	return certificate_build_kept(out, id, j, s, NULL, subject, key, keep, parts);
}

int certificate_build_kept(char **out, char id[65], const judgement *j, const scan_set *s,
                           const cert_kept_set *ks, const cert_subject *subject, const sigma_key *key,
                           cert_reusable *keep, cert_parts *parts)
{
	cJSON *c = certificate_frame(subject);
	cert_parts rel = { .n = 0 }; /* each lockfile's run, inside the packages text */
	cert_kept *const *kept = ks ? ks->kept : NULL;
	/* Where each lockfile's packages start: in the packages array (first)
	 * and in j (judged_at; a kept lockfile has none in j). */
	size_t *first = sigma_xcalloc(s->nrefs + 1, sizeof *first);
	size_t *judged_at = sigma_xcalloc(s->nrefs + 1, sizeof *judged_at);
	size_t total = 0; /* packages in all */
	for (size_t i = 0, jpos = 0; i < s->nrefs; i++) {
		size_t m = kept && kept[i] ? kept[i]->npackages : s->graphs[i] ? s->graphs[i]->nnodes : 0;
		first[i] = total;
		judged_at[i] = jpos;
		total += m;
		if (!(kept && kept[i]) && s->graphs[i])
			jpos += s->graphs[i]->nnodes;
	}

	/* In testing mode nothing is refused: the decision is what happened to
	 * the push, and what enforcement would have done is kept beside it. */
	cJSON_AddStringToObject(c, "decision", j->rejected && !subject->testing ? "rejected" : "accepted");
	if (subject->testing)
		cJSON_AddStringToObject(c, "would_decision", j->rejected ? "rejected" : "accepted");
	cJSON *reasons = cJSON_AddArrayToObject(c, "reasons");
	for (size_t i = 0, ref = 0; i < j->n; i++) {
		const judged *p = &j->pkgs[i];
		while (ref < s->nrefs && s->graphs[ref] != p->g)
			ref++;
		if (p->effect != EFFECT_REJECT)
			continue;
		const graph_node *n = &p->g->nodes[p->node];
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "code", p->code ? p->code : "blocked");
		cJSON_AddItemToObject(r, "package", pkg_ref(n));
		cJSON_AddStringToObject(r, "ecosystem", p->g->ecosystem);
		cJSON_AddNumberToObject(r, "depth", n->depth);
		cJSON_AddStringToObject(r, "lockfile", p->g->lockfile);
		/* in packages, whose "via" give the chain */
		cJSON_AddNumberToObject(r, "index", (double)(ref < s->nrefs ? first[ref] + p->node : i));
		cJSON_AddStringToObject(r, "message", p->why ? p->why : "");
		cJSON_AddItemToArray(reasons, r);
	}
	for (size_t i = 0; i < s->nerrors; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "code", s->errors[i].unjudged ? "lockfile-unjudged" : "lockfile-error");
		cJSON_AddStringToObject(r, "lockfile", s->errors[i].path);
		cJSON_AddStringToObject(r, "message", s->errors[i].message);
		cJSON_AddStringToObject(r, "effect", policy_error_rejects(j, &s->errors[i]) ? "reject" : "warn");
		cJSON_AddItemToArray(reasons, r);
	}

	cJSON *lockfiles = cJSON_AddArrayToObject(c, "lockfiles");
	for (size_t i = 0; i < s->nrefs; i++) {
		cJSON *l = kept && kept[i] ? cJSON_Parse(kept[i]->entry) : lockfile_entry(s, i);
		cJSON_AddItemToArray(lockfiles, l ? l : cJSON_CreateNull());
	}
	size_t per_depth[5], unreachable = j->unreachable, per_status[4];
	memcpy(per_depth, j->per_depth, sizeof per_depth);
	memcpy(per_status, j->per_status, sizeof per_status);
	for (size_t i = 0; kept && i < s->nrefs; i++) {
		if (!kept[i])
			continue;
		for (int d = 0; d < 5; d++)
			per_depth[d] += kept[i]->per_depth[d];
		for (int k = 0; k < 4; k++)
			per_status[k] += kept[i]->per_status[k];
		unreachable += kept[i]->unreachable;
	}

	cJSON *summary = cJSON_AddObjectToObject(c, "summary");
	cJSON *depth = cJSON_AddObjectToObject(summary, "depth");
	static const char *const dnames[5] = { "0", "1", "2", "3", "deeper" };
	for (int d = 0; d < 5; d++)
		cJSON_AddNumberToObject(depth, dnames[d], (double)per_depth[d]);
	cJSON_AddNumberToObject(depth, "unreachable", (double)unreachable);
	cJSON *status = cJSON_AddObjectToObject(summary, "status");
	static const char *const snames[4] = { "certified", "flagged", "blocked", "uncertified" };
	for (int k = 0; k < 4; k++)
		cJSON_AddNumberToObject(status, snames[k], (double)per_status[k]);
	cJSON_AddNumberToObject(summary, "rejecting", (double)j->n_reject);
	cJSON_AddNumberToObject(summary, "warnings", (double)j->n_warn);
	cJSON_AddNumberToObject(summary, "lockfile_errors", (double)j->n_errors);
	/* The hook only looks packages up; certification (and its cap) is the
	 * webhook service's job, so nothing is left out by the cap here. */
	cJSON_AddNumberToObject(summary, "uncertified_cap", 0);

	/* The packages go straight into the sealed text, one lockfile after
	 * another (a kept one's run fetched from storage): the certificate is
	 * in memory once, whatever the number of lockfiles. */
	seal_stream st;
	size_t cap;
	int rc = packages_begin(&st, c, &cap), streaming = !rc;
	if (rc)
		goto out;
	sigma_buf *b = &st.text;
	size_t raw = st.raw_at;
	sigma_buf_putc(b, '[');
	for (size_t i = 0; i < s->nrefs; i++) {
		size_t m = kept && kept[i] ? kept[i]->npackages : s->graphs[i] ? s->graphs[i]->nnodes : 0;
		if (!m)
			continue;
		if (first[i])
			sigma_buf_putc(b, ',');
		rel.at = sigma_xrealloc(rel.at, (rel.n + 1) * sizeof *rel.at);
		rel.lockfile = sigma_xrealloc(rel.lockfile, (rel.n + 1) * sizeof *rel.lockfile);
		memset(&rel.at[rel.n], 0, sizeof *rel.at);
		rel.lockfile[rel.n] = i;
		rel.at[rel.n++].start = b->len - raw;
		if (kept && kept[i]) {
			if ((rc = put_stored_run(b, ks, kept[i]->hash, s->refs[i].path)))
				goto out;
			memcpy(rel.at[rel.n - 1].hash, kept[i]->hash, sizeof rel.at[rel.n - 1].hash);
		} else {
			for (size_t k = 0; k < m; k++) {
				const judged *p = &j->pkgs[judged_at[i] + k];
				if (judged_at[i] + k >= j->n || p->g != s->graphs[i] || p->node != k) {
					rc = sigma_error_set(SIGMA_ERROR, "certificate: packages not in graph order at %zu",
					                     first[i] + k);
					goto out;
				}
				if (k)
					sigma_buf_putc(b, ',');
				put_package(b, p);
				/* The pieces of a package are written unchecked; the buffer
				 * keeps its first failure (common/buf.h), so one check
				 * covers them. */
				if ((rc = cap_error(sigma_buf_error(b), cap))) {
					sigma_error_wrap(rc, "certificate: %s, package %u of %zu: ", p->g->lockfile, p->node, j->n);
					goto out;
				}
			}
		}
		rel.at[rel.n - 1].end = b->len - raw;
		if ((rc = cap_error(sigma_buf_error(b), cap))) {
			sigma_error_wrap(rc, "certificate: %s: ", s->refs[i].path);
			goto out;
		}
	}
	streaming = 0; /* packages_finish disposes the stream either way */
	if ((rc = packages_finish(out, id, &st, &rel, total, cap, key, parts)))
		goto out;
	if (keep) {
		memset(keep, 0, sizeof *keep);
		keep->lockfiles = json_canonical(lockfiles);
		keep->summary = json_canonical(summary);
		keep->npackages = total;
		keep->parts = rel;
		memset(&rel, 0, sizeof rel);
	}
out:
	if (streaming)
		seal_stream_dispose(&st);
	free(first);
	free(judged_at);
	cert_parts_dispose(&rel);
	cJSON_Delete(c);
	return rc;
}

/* ---------------------------------------------------------------- reading chains back */

void cert_chains_dispose(cert_chains *c)
{
	free(c->pkgs);
	free(c->via);
	free(c->depth);
	memset(c, 0, sizeof *c);
}

/* An integer member within [lo, hi], or SIGMA_EINVALID. */
static int int_member(long long *out, const cJSON *o, const char *key, long long lo, long long hi)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble ||
	    v->valuedouble < (double)lo || v->valuedouble > (double)hi)
		return SIGMA_EINVALID;
	*out = (long long)v->valuedouble;
	return 0;
}

int certificate_chains_load(cert_chains *out, const cJSON *cert)
{
	memset(out, 0, sizeof *out);
	const cJSON *packages = cJSON_GetObjectItemCaseSensitive(cert, "packages"), *p;
	if (!cJSON_IsArray(packages))
		return sigma_error_set(SIGMA_EINVALID, "no packages array");
	size_t n = (size_t)cJSON_GetArraySize(packages), i = 0;
	out->pkgs = sigma_xcalloc(n ? n : 1, sizeof *out->pkgs);
	out->via = sigma_xcalloc(n ? n : 1, sizeof *out->via);
	out->depth = sigma_xcalloc(n ? n : 1, sizeof *out->depth);
	out->n = n;
	/* v3 counts a via from the first package of its lockfile's run; v2
	 * counted from the start of the array. */
	int relative = !sigma_streq(json_str(cert, "schema"), CERTIFICATE_SCHEMA_V2);
	/* Two passes: depths first, since a via may point forward. */
	cJSON_ArrayForEach(p, packages) {
		long long d;
		if (int_member(&d, p, "depth", -1, INT32_MAX))
			return sigma_error_set(SIGMA_EINVALID, "packages[%zu]: no valid depth", i);
		out->pkgs[i] = p;
		out->depth[i++] = (int)d;
	}
	size_t run = 0, run_end = 0; /* the current lockfile's run: [run, run_end) */
	for (i = 0; i < n; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(out->pkgs[i], "via");
		long long up;
		if (i == run_end) {
			const char *lf = json_str(out->pkgs[i], "lockfile");
			run = i;
			for (run_end = i + 1; run_end < n && sigma_streq(json_str(out->pkgs[run_end], "lockfile"), lf);)
				run_end++;
		}
		out->via[i] = SIZE_MAX;
		if (out->depth[i] <= 0) {
			if (!cJSON_IsNull(v))
				return sigma_error_set(SIGMA_EINVALID, "packages[%zu]: depth %d but a via", i, out->depth[i]);
			continue;
		}
		if (relative) {
			if (int_member(&up, out->pkgs[i], "via", 0, (long long)(run_end - run) - 1))
				return sigma_error_set(SIGMA_EINVALID, "packages[%zu]: via is not a package of its lockfile", i);
			up += (long long)run;
		} else if (int_member(&up, out->pkgs[i], "via", 0, (long long)n - 1)) {
			return sigma_error_set(SIGMA_EINVALID, "packages[%zu]: via is not a package position", i);
		}
		/* One level up, in the same lockfile: then every walk up ends at a
		 * direct dependency after exactly depth steps, whatever the input. */
		if (out->depth[up] != out->depth[i] - 1 ||
		    !sigma_streq(json_str(out->pkgs[up], "lockfile"), json_str(out->pkgs[i], "lockfile")))
			return sigma_error_set(SIGMA_EINVALID, "packages[%zu]: via %lld is not one level up in the same lockfile",
			                       i, up);
		out->via[i] = (size_t)up;
	}
	const cJSON *r;
	i = 0;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(cert, "reasons")) {
		long long at;
		if (cJSON_GetObjectItemCaseSensitive(r, "index") &&
		    (int_member(&at, r, "index", 0, (long long)n - 1) ||
		     !sigma_streq(json_str(out->pkgs[at], "lockfile"), json_str(r, "lockfile"))))
			return sigma_error_set(SIGMA_EINVALID, "reasons[%zu]: index is not a package of its lockfile", i);
		i++;
	}
	return 0;
}

size_t certificate_chain(const cert_chains *c, size_t i, size_t *out, size_t cap)
{
	if (!cap)
		return 0;
	size_t len = c->depth[i] > 0 ? (size_t)c->depth[i] + 1 : 1, head = cap / 2, tail = cap - head;
	size_t at = i;
	for (size_t pos = len; pos-- > 0; at = c->via[at]) {
		if (len <= cap)
			out[pos] = at;
		else if (pos < head)
			out[pos] = at;
		else if (pos >= len - tail)
			out[cap - (len - pos)] = at;
		if (c->via[at] == SIZE_MAX)
			break;
	}
	return len <= cap ? len : cap;
}
