/* certificate.c: see certificate.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
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

/* One package. Members are added in canonical (sorted) order so that the
 * canonical writer need not sort 20 keys for every package. */
static cJSON *package_entry(const judged *p)
{
	const sigma_graph *g = p->g;
	const graph_node *n = &g->nodes[p->node];
	cJSON *o = cJSON_CreateObject();
	if (n->alias)
		cJSON_AddStringToObject(o, "alias", n->alias);
	cJSON_AddStringToObject(o, "audit", "lookup");
	cJSON_AddItemToObject(o, "chain", chain_of(g, p->node));
	cJSON_AddNumberToObject(o, "depth", n->depth);
	cJSON_AddBoolToObject(o, "dev", n->dev);
	cJSON_AddBoolToObject(o, "direct", n->direct);
	cJSON_AddStringToObject(o, "ecosystem", g->ecosystem);
	cJSON_AddStringToObject(o, "effect", effect_name(p->effect));
	add_opt_string(o, "integrity", n->integrity);
	cJSON_AddBoolToObject(o, "introduced", p->introduced);
	cJSON_AddStringToObject(o, "kind", graph_kind_name(n->kind));
	cJSON_AddStringToObject(o, "lockfile", g->lockfile);
	cJSON_AddStringToObject(o, "name", n->name);
	if (n->optional)
		cJSON_AddBoolToObject(o, "optional", 1);
	cJSON *parents = cJSON_AddArrayToObject(o, "parents");
	for (uint32_t i = 0; i < n->nparents; i++)
		cJSON_AddItemToArray(parents, pkg_ref(&g->nodes[n->parents[i]]));
	if (n->peer)
		cJSON_AddBoolToObject(o, "peer", 1);
	cJSON_AddStringToObject(o, "security_level", p->st.security_level[0] ? p->st.security_level : "");
	add_opt_string(o, "spec", n->direct ? n->spec : NULL);
	cJSON_AddStringToObject(o, "status", p->status);
	cJSON_AddStringToObject(o, "version", n->version);
	cJSON *warnings = cJSON_AddArrayToObject(o, "warnings");
	for (uint32_t f = 0; f < n->nfindings; f++) {
		cJSON *w = cJSON_CreateObject();
		cJSON_AddStringToObject(w, "code", n->findings[f].code);
		cJSON_AddStringToObject(w, "message", n->findings[f].message);
		cJSON_AddItemToArray(warnings, w);
	}
	if (p->why && p->code && (!n->nfindings || strcmp(p->code, n->findings[0].code) != 0)) {
		cJSON *w = cJSON_CreateObject();
		cJSON_AddStringToObject(w, "code", p->code);
		cJSON_AddStringToObject(w, "message", p->why);
		cJSON_AddItemToArray(warnings, w);
	}
	return o;
}

int certificate_build(char **out, char id[65], const judgement *j, const scan_set *s,
                      const cert_subject *subject, const sigma_key *key)
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
	cJSON *packages = cJSON_AddArrayToObject(c, "packages");
	for (size_t i = 0; i < j->n; i++)
		cJSON_AddItemToArray(packages, package_entry(&j->pkgs[i]));

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

	int rc = seal_object(out, id, c, "id", key);
	cJSON_Delete(c);
	return rc;
}
