/* policy.c: see policy.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "common/strmap.h"
#include "common/util.h"
#include "hook/policy.h"

static const char *const statuses[4] = { "certified", "flagged", "blocked", "uncertified" };

const char *effect_name(effect e)
{
	return e == EFFECT_REJECT ? "reject" : e == EFFECT_WARN ? "warn" : "none";
}

/* Two integrity strings disagree when they share a hash algorithm and the
 * digests differ. SRI ("sha512-...", several separated by spaces) and
 * "sha256:..." / "sha256=..." forms are understood; different algorithms
 * cannot be compared and do not count as a mismatch. */
/* The next space-separated token of *p as [start, start+len); 0 at the end. */
static int next_token(const char **p, const char **start, size_t *len)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (!**p)
		return 0;
	*start = *p;
	*len = strcspn(*p, " \t");
	*p += *len;
	return 1;
}

static int integrity_mismatch(const char *lock, const char *certified, char *alg_out, size_t alg_n)
{
	if (!lock || !certified)
		return 0;
	int mismatch = 0, match = 0;
	const char *pa = lock, *ta;
	size_t la;
	while (next_token(&pa, &ta, &la)) {
		size_t alen = strcspn(ta, "-:=");
		if (alen >= la)
			continue;
		const char *pb = certified, *tb;
		size_t lb;
		while (next_token(&pb, &tb, &lb)) {
			size_t blen = strcspn(tb, "-:=");
			if (blen >= lb || alen != blen || strncasecmp(ta, tb, alen) != 0)
				continue;
			if (la == lb && memcmp(ta + alen + 1, tb + blen + 1, la - alen - 1) == 0) {
				match = 1;
			} else {
				mismatch = 1;
				snprintf(alg_out, alg_n, "%.*s", (int)alen, ta);
			}
		}
	}
	return mismatch && !match;
}

/* "lockfile\0name\0version" keys of the old tip's packages. */
static void index_before(strmap *m, const scan_set *before)
{
	for (size_t i = 0; before && i < before->nrefs; i++) {
		const sigma_graph *g = before->graphs[i];
		for (uint32_t k = 0; g && k < g->nnodes; k++) {
			char *key = sigma_xasprintf("%s\n%s\n%s", g->lockfile, g->nodes[k].name, g->nodes[k].version);
			strmap_put(m, key, (void *)1);
			free(key);
		}
	}
}

/* The finding a resolver raises for a package the lockfile references
 * but does not define (lockfile_pnpm.c, lockfile_yarn.c, lockfile_npm.c). */
static const graph_finding *inconsistent_finding(const graph_node *n)
{
	for (uint32_t f = 0; f < n->nfindings; f++)
		if (!strcmp(n->findings[f].code, "inconsistent"))
			return &n->findings[f];
	return NULL;
}

static int depth_slot(int depth)
{
	return depth < 0 ? -1 : depth > 3 ? 4 : depth;
}

int policy_judge(judgement *out, const sigma_config *cfg, registry *reg, const scan_set *now,
                 policy_before_fn before, void *before_ctx)
{
	memset(out, 0, sizeof *out);
	size_t total = 0;
	for (size_t i = 0; i < now->nrefs; i++)
		total += now->graphs[i] ? now->graphs[i]->nnodes : 0;
	out->pkgs = sigma_xcalloc(total ? total : 1, sizeof *out->pkgs);

	/* Pass 1: look every package up and find the candidates. */
	size_t candidates = 0;
	int rc = registry_snapshot_begin(reg);
	if (rc)
		return rc;
	for (size_t i = 0; i < now->nrefs; i++) {
		const sigma_graph *g = now->graphs[i];
		for (uint32_t k = 0; g && k < g->nnodes; k++) {
			judged *p = &out->pkgs[out->n++];
			const graph_node *n = &g->nodes[k];
			p->g = g;
			p->node = k;
			rc = registry_lookup(&p->st, reg, g->ecosystem, n->name, n->version);
			if (rc) {
				registry_snapshot_end(reg);
				return rc;
			}
			p->status = p->st.status;
			char alg[16] = "";
			if (!strcmp(p->status, "blocked")) {
				p->code = sigma_xstrdup(p->st.reason_code ? p->st.reason_code : "blocked");
				p->why = sigma_xasprintf("blocked: %s%s%s", p->st.reason_code ? p->st.reason_code : "registry",
				                         p->st.reason && *p->st.reason ? ": " : "",
				                         p->st.reason ? p->st.reason : "");
			} else if (integrity_mismatch(n->integrity, p->st.integrity, alg, sizeof alg)) {
				/* The lockfile points at a different artefact than the one
				 * that was certified: treat it as blocked. */
				p->status = "blocked";
				p->code = sigma_xstrdup("integrity-mismatch");
				p->why = sigma_xasprintf("integrity-mismatch: the lockfile's %s differs from the certified artefact's",
				                         alg);
			} else if (inconsistent_finding(n)) {
				p->code = sigma_xstrdup("inconsistent");
				p->why = sigma_xasprintf("inconsistent: %s", inconsistent_finding(n)->message);
			} else if (n->nfindings) {
				p->code = sigma_xstrdup(n->findings[0].code);
				p->why = sigma_xasprintf("%s: %s", n->findings[0].code, n->findings[0].message);
			} else if (!strcmp(p->status, "flagged")) {
				p->code = sigma_xstrdup("flagged");
				p->why = sigma_xasprintf("flagged by the council (%s)%s%s",
				                         p->st.security_level[0] ? p->st.security_level : "warnings",
				                         p->st.reason ? ": " : "", p->st.reason ? p->st.reason : "");
			}
			if (p->why)
				candidates++;
			int slot = depth_slot(n->depth);
			if (slot < 0)
				out->unreachable++;
			else
				out->per_depth[slot]++;
			for (int s = 0; s < 4; s++)
				if (!strcmp(p->status, statuses[s]))
					out->per_status[s]++;
		}
	}

	registry_snapshot_end(reg);
	out->candidates = candidates;

	/* Pass 2: only now, and only if something matters, ask what the old tip had. */
	strmap had;
	strmap_init(&had);
	const scan_set *old = candidates && !cfg->policy_all && before ? before(before_ctx) : NULL;
	index_before(&had, old);
	for (size_t i = 0; i < out->n; i++) {
		judged *p = &out->pkgs[i];
		p->introduced = 1;
		if (!p->why)
			continue;
		const graph_node *n = &p->g->nodes[p->node];
		if (old) {
			char *key = sigma_xasprintf("%s\n%s\n%s", p->g->lockfile, n->name, n->version);
			p->introduced = strmap_get(&had, key) == NULL;
			free(key);
		}
		int shallow = n->depth >= 0 && n->depth <= cfg->reject_depth;
		/* A package the lockfile does not define has no integrity: what
		 * gets installed is whatever the registry serves that day, which is
		 * judged like a blocked artefact, not like a rule finding. */
		int blocked = !strcmp(p->status, "blocked") || !strcmp(p->code, "inconsistent");
		int finding = !blocked && n->nfindings;
		if (blocked)
			p->effect = shallow && p->introduced ? EFFECT_REJECT : EFFECT_WARN;
		else if (finding)
			p->effect = !p->introduced ? EFFECT_NONE
			          : cfg->rules_reject && shallow ? EFFECT_REJECT : EFFECT_WARN;
		else
			p->effect = p->introduced ? EFFECT_WARN : EFFECT_NONE;
		if (p->effect == EFFECT_REJECT)
			out->n_reject++;
		else if (p->effect == EFFECT_WARN)
			out->n_warn++;
	}
	strmap_dispose(&had);

	out->n_errors = now->nerrors;
	out->error_rejects = now->nerrors && !cfg->on_error_accept;
	out->rejected = out->n_reject > 0 || out->error_rejects;
	return 0;
}

void judgement_dispose(judgement *j)
{
	for (size_t i = 0; i < j->n; i++) {
		registry_status_dispose(&j->pkgs[i].st);
		free(j->pkgs[i].code);
		free(j->pkgs[i].why);
	}
	free(j->pkgs);
	memset(j, 0, sizeof *j);
}
