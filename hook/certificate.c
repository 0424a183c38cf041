/* certificate.c: see certificate.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
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

static cJSON *chain_of(const sigma_graph *g, uint32_t node)
{
	cJSON *chain = cJSON_CreateArray();
	int depth = g->nodes[node].depth;
	if (depth < 0) {
		cJSON_AddItemToArray(chain, pkg_ref(&g->nodes[node]));
		return chain;
	}
	uint32_t *path = sigma_xmalloc(((size_t)depth + 1) * sizeof *path), len = 0;
	graph_chain(g, node, path, &len);
	for (uint32_t i = 0; i < len; i++)
		cJSON_AddItemToArray(chain, pkg_ref(&g->nodes[path[i]]));
	free(path);
	return chain;
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

static void put_chain(sigma_buf *b, const sigma_graph *g, uint32_t node)
{
	sigma_buf_putc(b, '[');
	int depth = g->nodes[node].depth;
	if (depth < 0) {
		put_ref(b, &g->nodes[node]);
	} else {
		uint32_t *path = sigma_xmalloc(((size_t)depth + 1) * sizeof *path), len = 0;
		graph_chain(g, node, path, &len);
		for (uint32_t i = 0; i < len; i++) {
			if (i)
				sigma_buf_putc(b, ',');
			put_ref(b, &g->nodes[path[i]]);
		}
		free(path);
	}
	sigma_buf_putc(b, ']');
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

static void put_package(sigma_buf *b, const judged *p)
{
	const sigma_graph *g = p->g;
	const graph_node *n = &g->nodes[p->node];
	int first = 1;
	sigma_buf_putc(b, '{');
	if (n->alias) {
		put_key(b, "alias", &first);
		json_put_string(b, n->alias);
	}
	put_key(b, "audit", &first);
	sigma_buf_puts(b, "\"lookup\"");
	put_key(b, "chain", &first);
	put_chain(b, g, p->node);
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
	put_key(b, "security_level", &first);
	json_put_string(b, p->st.security_level);
	put_key(b, "spec", &first);
	put_str_or_null(b, n->direct ? n->spec : NULL);
	put_key(b, "status", &first);
	json_put_string(b, p->status);
	put_key(b, "version", &first);
	json_put_string(b, n->version);
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
	cJSON_AddStringToObject(c, "schema", "sigma.certificate/v1");
	cJSON_AddStringToObject(c, "issued_at", now);
	cJSON *tool = cJSON_AddObjectToObject(c, "tool");
	cJSON_AddStringToObject(tool, "name", "sigma");
	cJSON_AddStringToObject(tool, "version", SIGMA_VERSION);
	cJSON *subj = cJSON_AddObjectToObject(c, "subject");
	add_opt_string(subj, "repository", subject->repository);
	add_opt_string(subj, "ref", subject->ref);
	add_opt_string(subj, "commit", subject->commit);
	add_opt_string(subj, "tree", subject->tree);
	return c;
}

void cert_reusable_dispose(cert_reusable *r)
{
	free(r->lockfiles);
	free(r->packages);
	free(r->summary);
	memset(r, 0, sizeof *r);
}

int certificate_build_reused(char **out, char id[65], const cert_reusable *r, const cert_subject *subject,
                             const sigma_key *key, size_t packages_at[2])
{
	cJSON *c = certificate_frame(subject);
	cJSON_AddStringToObject(c, "decision", "accepted");
	cJSON_AddArrayToObject(c, "reasons");
	const char *keys[] = { "lockfiles", "packages", "summary" };
	const char *values[] = { r->lockfiles, r->packages, r->summary };
	size_t at[3];
	int rc = seal_object_raws(out, id, c, keys, values, 3, "id", key, at);
	if (!rc && packages_at) {
		packages_at[0] = at[1];
		packages_at[1] = at[1] + strlen(r->packages);
	}
	cJSON_Delete(c);
	return rc;
}

int certificate_build(char **out, char id[65], const judgement *j, const scan_set *s,
                      const cert_subject *subject, const sigma_key *key, cert_reusable *keep,
                      size_t packages_at[2])
{
	cJSON *c = certificate_frame(subject);

	cJSON_AddStringToObject(c, "decision", j->rejected ? "rejected" : "accepted");
	cJSON *reasons = cJSON_AddArrayToObject(c, "reasons");
	for (size_t i = 0; i < j->n; i++) {
		const judged *p = &j->pkgs[i];
		if (p->effect != EFFECT_REJECT)
			continue;
		const graph_node *n = &p->g->nodes[p->node];
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "code", p->code ? p->code : "blocked");
		cJSON_AddItemToObject(r, "package", pkg_ref(n));
		cJSON_AddStringToObject(r, "ecosystem", p->g->ecosystem);
		cJSON_AddNumberToObject(r, "depth", n->depth);
		cJSON_AddStringToObject(r, "lockfile", p->g->lockfile);
		cJSON_AddItemToObject(r, "chain", chain_of(p->g, p->node));
		cJSON_AddStringToObject(r, "message", p->why ? p->why : "");
		cJSON_AddItemToArray(reasons, r);
	}
	for (size_t i = 0; i < s->nerrors; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "code", "lockfile-error");
		cJSON_AddStringToObject(r, "lockfile", s->errors[i].path);
		cJSON_AddStringToObject(r, "message", s->errors[i].message);
		cJSON_AddStringToObject(r, "effect", j->error_rejects ? "reject" : "warn");
		cJSON_AddItemToArray(reasons, r);
	}

	cJSON *lockfiles = cJSON_AddArrayToObject(c, "lockfiles");
	for (size_t i = 0; i < s->nrefs; i++) {
		cJSON *l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "path", s->refs[i].path);
		cJSON_AddStringToObject(l, "ecosystem", s->refs[i].format->ecosystem);
		cJSON_AddStringToObject(l, "format", s->graphs[i] ? s->graphs[i]->format : s->refs[i].format->name);
		add_opt_string(l, "blob", s->refs[i].oid[0] ? s->refs[i].oid : NULL);
		cJSON_AddNumberToObject(l, "packages", s->graphs[i] ? s->graphs[i]->nnodes : 0);
		cJSON_AddBoolToObject(l, "resolved", s->graphs[i] != NULL);
		cJSON_AddItemToArray(lockfiles, l);
	}
	sigma_buf packages = SIGMA_BUF_INIT;
	sigma_buf_putc(&packages, '[');
	for (size_t i = 0; i < j->n; i++) {
		if (i)
			sigma_buf_putc(&packages, ',');
		put_package(&packages, &j->pkgs[i]);
	}
	sigma_buf_putc(&packages, ']');

	cJSON *summary = cJSON_AddObjectToObject(c, "summary");
	cJSON *depth = cJSON_AddObjectToObject(summary, "depth");
	static const char *const dnames[5] = { "0", "1", "2", "3", "deeper" };
	for (int d = 0; d < 5; d++)
		cJSON_AddNumberToObject(depth, dnames[d], (double)j->per_depth[d]);
	cJSON_AddNumberToObject(depth, "unreachable", (double)j->unreachable);
	cJSON *status = cJSON_AddObjectToObject(summary, "status");
	static const char *const snames[4] = { "certified", "flagged", "blocked", "uncertified" };
	for (int k = 0; k < 4; k++)
		cJSON_AddNumberToObject(status, snames[k], (double)j->per_status[k]);
	cJSON_AddNumberToObject(summary, "rejecting", (double)j->n_reject);
	cJSON_AddNumberToObject(summary, "warnings", (double)j->n_warn);
	cJSON_AddNumberToObject(summary, "lockfile_errors", (double)j->n_errors);
	/* The hook only looks packages up; certification (and its cap) is the
	 * webhook service's job, so nothing is left out by the cap here. */
	cJSON_AddNumberToObject(summary, "uncertified_cap", 0);

	if (keep) {
		memset(keep, 0, sizeof *keep);
		keep->lockfiles = json_canonical(lockfiles);
		keep->summary = json_canonical(summary);
		keep->packages = sigma_xstrdup(packages.ptr);
		keep->npackages = j->n;
	}
	const char *pkey = "packages", *pval = packages.ptr;
	size_t at = 0;
	int rc = seal_object_raws(out, id, c, &pkey, &pval, 1, "id", key, &at);
	if (!rc && packages_at) {
		packages_at[0] = at;
		packages_at[1] = at + packages.len;
	}
	sigma_buf_dispose(&packages);
	cJSON_Delete(c);
	return rc;
}
