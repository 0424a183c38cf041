/* policy.c: see policy.h. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/error.h"
#include "common/strmap.h"
#include "common/util.h"
#include "hook/policy.h"
#include "registry/cvss.h"
#include "registry/version.h"

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

/* ---------------------------------------------------------------- waivers */

typedef struct waiver_list {
	registry_waiver *items; /* strings owned */
	size_t n;
	strmap by_version;      /* "eco\nname\nversion" -> 1 + index of its first item */
	char today[11];         /* YYYY-MM-DD, UTC */
} waiver_list;

static char *dup_or_null(const char *s) { return s ? sigma_xstrdup(s) : NULL; }

static int keep_waiver(void *ctx, const registry_waiver *w)
{
	waiver_list *l = ctx;
	l->items = sigma_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
	registry_waiver *c = &l->items[l->n++];
	c->ecosystem = dup_or_null(w->ecosystem);
	c->name = dup_or_null(w->name);
	c->version = dup_or_null(w->version);
	c->advisory = dup_or_null(w->advisory ? w->advisory : "");
	c->reason = dup_or_null(w->reason);
	c->created_by = dup_or_null(w->created_by);
	c->created_at = dup_or_null(w->created_at);
	c->expires = dup_or_null(w->expires);
	c->override_block = w->override_block;
	return 0;
}

/* Every waiver, read once per judgement: there are few, and a lookup per
 * package would cost a statement per package. Sorted by key, so each
 * version's waivers are adjacent. */
static int waivers_load(waiver_list *l, registry *reg)
{
	memset(l, 0, sizeof *l);
	strmap_init(&l->by_version);
	char now[32];
	sigma_utc_now(now);
	snprintf(l->today, sizeof l->today, "%.10s", now);
	int rc = registry_waivers(reg, keep_waiver, l);
	for (size_t i = 0; !rc && i < l->n; i++) {
		char *key = sigma_xasprintf("%s\n%s\n%s", l->items[i].ecosystem, l->items[i].name, l->items[i].version);
		if (!strmap_get(&l->by_version, key))
			strmap_put(&l->by_version, key, (void *)(uintptr_t)(i + 1));
		free(key);
	}
	return rc;
}

static void waivers_dispose(waiver_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		registry_waiver *w = &l->items[i];
		free((char *)w->ecosystem);
		free((char *)w->name);
		free((char *)w->version);
		free((char *)w->advisory);
		free((char *)w->reason);
		free((char *)w->created_by);
		free((char *)w->created_at);
		free((char *)w->expires);
	}
	free(l->items);
	strmap_dispose(&l->by_version);
}

static int waiver_expired(const waiver_list *l, const registry_waiver *w)
{
	/* `expires` is the last day it holds. */
	return w->expires && *w->expires && strcmp(l->today, w->expires) > 0;
}

/* The waiver for (package, advisory) — advisory "" for the version as a
 * whole — or NULL. *expired gets one that matched but expired. */
static const registry_waiver *waiver_for(const waiver_list *l, const char *eco, const char *name,
                                         const char *version, const char *advisory,
                                         const registry_waiver **expired)
{
	if (!l->n)
		return NULL;
	char *key = sigma_xasprintf("%s\n%s\n%s", eco, name, version);
	uintptr_t first = (uintptr_t)strmap_get(&l->by_version, key);
	free(key);
	for (size_t i = first ? first - 1 : l->n; i < l->n; i++) {
		const registry_waiver *w = &l->items[i];
		if (strcmp(w->ecosystem, eco) || strcmp(w->name, name) || strcmp(w->version, version))
			break;
		if (strcmp(w->advisory, advisory))
			continue;
		if (!waiver_expired(l, w))
			return w;
		if (expired)
			*expired = w;
	}
	return NULL;
}

static char *waiver_text(const registry_waiver *w)
{
	return sigma_xasprintf("%s (by %s on %.10s%s%s)", w->reason, w->created_by, w->created_at,
	                       w->expires ? ", until " : "", w->expires ? w->expires : "");
}

/* ---------------------------------------------------------------- advisories */

/* Mark each advisory failing or not and waived or not; return the first
 * failing one that no waiver covers (or NULL) and count them. */
static const osv_hit *judge_advisories(judged *p, const sigma_config *cfg, const waiver_list *waivers,
                                       const graph_node *n, size_t *nfail)
{
	const osv_hit *first = NULL;
	*nfail = 0;
	for (size_t a = 0; a < p->nadvisories; a++) {
		osv_hit *h = &p->advisories[a];
		/* An unknown severity is not a low one: when advisories refuse at
		 * all, one whose severity nobody stated refuses too. */
		int rank = cvss_rank(h->severity);
		h->fails = cfg->fail_on_severity > 0 && (rank <= 0 || rank >= cfg->fail_on_severity);
		const registry_waiver *w = waiver_for(waivers, p->g->ecosystem, n->name, n->version, h->id, NULL);
		if (!w)
			w = waiver_for(waivers, p->g->ecosystem, n->name, n->version, "", NULL);
		if (w) {
			h->waived = waiver_text(w);
			continue;
		}
		if (h->fails && !(*nfail)++)
			first = h;
	}
	return first;
}

/* The lowest version fixing every advisory that fails (else every one), or
 * NULL when one of them has no fix: then no version number is advice. */
static const char *fix_for(const judged *p, const char *eco)
{
	const char *best = NULL;
	int any_failing = 0;
	for (size_t a = 0; a < p->nadvisories; a++)
		any_failing |= p->advisories[a].fails && !p->advisories[a].waived;
	for (size_t a = 0; a < p->nadvisories; a++) {
		const osv_hit *h = &p->advisories[a];
		if (h->waived || (any_failing && !h->fails))
			continue;
		if (!h->fixed)
			return NULL;
		if (!best || version_cmp(eco, h->fixed, best) > 0)
			best = h->fixed;
	}
	return best;
}

static char *advisory_why(const osv_hit *h, size_t more)
{
	char score[16] = "";
	if (h->score >= 0)
		snprintf(score, sizeof score, " %.1f", h->score);
	return sigma_xasprintf("advisory %s (%s%s%s%s)%s%s%s", h->id, h->severity, score, h->aliases ? "; " : "",
	                       h->aliases ? h->aliases : "", h->summary ? ": " : "", h->summary ? h->summary : "",
	                       more ? " (and more, see the certificate)" : "");
}

/* ---------------------------------------------------------------- release age */

typedef struct release_seen {
	const char *eco, *version;
	time_t cutoff;        /* now - minimum age */
	time_t published;     /* this version's, or -1 */
	char *old_enough;     /* newest older version published by the cutoff */
} release_seen;

/* RFC 3339 UTC ("2026-12-05T10:00:00.000Z") to seconds, or -1. */
static time_t parse_utc(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	return end ? timegm(&tm) : (time_t)-1;
}

static int see_release(void *ctx, const char *version, const char *published_at, const char *publisher)
{
	(void)publisher;
	release_seen *r = ctx;
	time_t t = parse_utc(published_at);
	if (!strcmp(version, r->version)) {
		r->published = t;
		return 0;
	}
	if (t < 0 || t > r->cutoff || version_cmp(r->eco, version, r->version) >= 0)
		return 0;
	if (!r->old_enough || version_cmp(r->eco, version, r->old_enough) > 0) {
		free(r->old_enough);
		r->old_enough = sigma_xstrdup(version);
	}
	return 0;
}

static int release_age_excluded(const sigma_config *cfg, const char *name)
{
	const char *p = cfg->release_age_exclude;
	while (p && *p) {
		size_t len = strcspn(p, ", \t");
		if (len) {
			char *pattern = sigma_xstrndup(p, len);
			int hit = fnmatch(pattern, name, 0) == 0;
			free(pattern);
			if (hit)
				return 1;
		}
		p += len + (p[len] != '\0');
	}
	return 0;
}

static void say_age(char *out, size_t n, long seconds)
{
	if (seconds < 3600)
		snprintf(out, n, "%ld min", seconds / 60);
	else if (seconds < 2 * 86400)
		snprintf(out, n, "%ld h", seconds / 3600);
	else
		snprintf(out, n, "%ld days", seconds / 86400);
}

/* The release-age check of one package: 0, or a reason it counts (code and
 * why set on p). Only called when sigma.minimumReleaseAge is set. */
static int check_release_age(judged *p, const sigma_config *cfg, registry *reg, const graph_node *n, time_t now,
                             const char *cutoff_text)
{
	if (!n->version[0] || release_age_excluded(cfg, n->name))
		return 0;
	char *norm = version_name_normalize(p->g->ecosystem, n->name);
	char published[40];
	int rc = registry_release_get(reg, p->g->ecosystem, norm, n->version, published);
	/* The common case costs one lookup and one comparison: RFC 3339 UTC
	 * times sort as text, so no parsing unless the version is too new. */
	if (rc == 0 && strncmp(published, cutoff_text, 19) <= 0) {
		free(norm);
		return 0;
	}
	if (rc && rc != SIGMA_ENOTFOUND) {
		free(norm);
		return rc;
	}
	if (rc == SIGMA_ENOTFOUND) {
		free(norm);
		sigma_error_clear();
		p->code = sigma_xstrdup("release-age-unknown");
		p->why = sigma_xasprintf("release-age-unknown: when %s@%s was published is not known to the registry "
		                         "(certify it, or sigma.unknownReleaseAge decides: %s)", n->name, n->version,
		                         cfg->unknown_release_age_refuse ? "refuse" : "warn");
		p->release_refuses = cfg->unknown_release_age_refuse;
		return 1;
	}
	/* Too new: which older version is old enough, for the advice. */
	release_seen r = { p->g->ecosystem, n->version, now - cfg->min_release_age, -1, NULL };
	rc = registry_releases_of(reg, p->g->ecosystem, norm, see_release, &r);
	free(norm);
	if (rc) {
		free(r.old_enough);
		return rc;
	}
	time_t at = parse_utc(published);
	char limit[32], ago[32], when[32], from[32];
	say_age(limit, sizeof limit, cfg->min_release_age);
	say_age(ago, sizeof ago, (long)(now - at));
	time_t ok_at = at + cfg->min_release_age;
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&at));
	strftime(from, sizeof from, "%Y-%m-%d %H:%M UTC", gmtime(&ok_at));
	p->code = sigma_xstrdup("release-age");
	p->why = sigma_xasprintf("release-age: published %s ago (%s); acceptable from %s "
	                         "(sigma.minimumReleaseAge = %s)", ago, when, from, limit);
	p->release_refuses = 1;
	p->acceptable_from = sigma_xstrdup(from);
	p->old_enough = r.old_enough;
	return 1;
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
	time_t now_s = time(NULL);
	/* The release-age cutoff as RFC 3339 text, compared with stored times. */
	char cutoff_text[32] = "";
	time_t cutoff = now_s - cfg->min_release_age;
	strftime(cutoff_text, sizeof cutoff_text, "%Y-%m-%dT%H:%M:%S", gmtime(&cutoff));
	waiver_list waivers;
	if ((rc = waivers_load(&waivers, reg))) {
		waivers_dispose(&waivers);
		registry_snapshot_end(reg);
		return rc;
	}
	for (size_t i = 0; i < now->nrefs; i++) {
		const sigma_graph *g = now->graphs[i];
		for (uint32_t k = 0; g && k < g->nnodes; k++) {
			judged *p = &out->pkgs[out->n++];
			const graph_node *n = &g->nodes[k];
			p->g = g;
			p->node = k;
			rc = registry_lookup(&p->st, reg, g->ecosystem, n->name, n->version);
			if (!rc && n->version[0])
				rc = osv_hits(&p->advisories, &p->nadvisories, reg, g->ecosystem, n->name, n->version);
			if (rc) {
				waivers_dispose(&waivers);
				registry_snapshot_end(reg);
				return rc;
			}
			p->status = p->st.status;
			size_t nfail = 0;
			const osv_hit *failing = judge_advisories(p, cfg, &waivers, n, &nfail);
			const registry_waiver *expired = NULL;
			const registry_waiver *whole = waiver_for(&waivers, g->ecosystem, n->name, n->version, "", &expired);
			char alg[16] = "";
			/* Release age first, so that a version too new is said as such;
			 * an unknown age that only warns waits until nothing else counts. */
			int age_result = cfg->min_release_age > 0 ? check_release_age(p, cfg, reg, n, now_s, cutoff_text) : 0;
			if (age_result < 0) {
				waivers_dispose(&waivers);
				registry_snapshot_end(reg);
				return age_result;
			}
			char *age_code = NULL, *age_why = NULL;
			if (age_result > 0 && !p->release_refuses) {
				age_code = p->code;
				age_why = p->why;
				p->code = p->why = NULL;
			}
			if (age_result > 0 && p->release_refuses &&
			    (!strcmp(p->status, "blocked") || inconsistent_finding(n) ||
			     integrity_mismatch(n->integrity, p->st.integrity, alg, sizeof alg))) {
				/* A block says more than an age: let the chain below say it. */
				free(p->code);
				free(p->why);
				p->code = p->why = NULL;
				p->release_refuses = 0;
				age_result = 0;
			}
			if (!strcmp(p->status, "blocked") && whole && whole->override_block) {
				p->code = sigma_xstrdup("waived");
				p->waiver = waiver_text(whole);
				p->why = sigma_xasprintf("waived, block overridden: %s (was: %s%s%s)", p->waiver,
				                         p->st.reason_code ? p->st.reason_code : "blocked",
				                         p->st.reason ? ": " : "", p->st.reason ? p->st.reason : "");
			} else if (!strcmp(p->status, "blocked")) {
				p->code = sigma_xstrdup(p->st.reason_code ? p->st.reason_code : "blocked");
				p->why = sigma_xasprintf("blocked: %s%s%s%s", p->st.reason_code ? p->st.reason_code : "registry",
				                         p->st.reason && *p->st.reason ? ": " : "",
				                         p->st.reason ? p->st.reason : "",
				                         whole ? " (a waiver exists for this version, but it does not override blocks)"
				                               : "");
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
			} else if (age_result > 0 && p->release_refuses) {
				if (whole) {
					/* A reviewed exception for an urgent release. */
					char *was = p->why;
					p->waiver = waiver_text(whole);
					p->why = sigma_xasprintf("waived: %s (was: %s)", p->waiver, was);
					free(was);
					free(p->code);
					p->code = sigma_xstrdup("waived");
					p->release_refuses = 0;
				}
			} else if (failing) {
				p->code = sigma_xstrdup("advisory");
				p->advisory_fails = 1;
				p->why = advisory_why(failing, nfail - 1);
			} else if (whole && (n->nfindings || !strcmp(p->status, "flagged"))) {
				p->code = sigma_xstrdup("waived");
				p->waiver = waiver_text(whole);
				p->why = sigma_xasprintf("waived: %s", p->waiver);
			} else if (n->nfindings) {
				p->code = sigma_xstrdup(n->findings[0].code);
				p->why = sigma_xasprintf("%s: %s", n->findings[0].code, n->findings[0].message);
			} else if (!strcmp(p->status, "flagged")) {
				p->code = sigma_xstrdup("flagged");
				p->why = sigma_xasprintf("flagged by the council (%s)%s%s",
				                         p->st.security_level[0] ? p->st.security_level : "warnings",
				                         p->st.reason ? ": " : "", p->st.reason ? p->st.reason : "");
			} else if (p->nadvisories) {
				size_t live = 0;
				const osv_hit *first = NULL;
				for (size_t a = 0; a < p->nadvisories; a++)
					if (!p->advisories[a].waived && !live++)
						first = &p->advisories[a];
				if (first) {
					p->code = sigma_xstrdup("advisory");
					p->why = advisory_why(first, live - 1);
				} else {
					p->code = sigma_xstrdup("waived");
					p->why = sigma_xasprintf("waived: %s", p->advisories[0].waived);
				}
			}
			if (!p->why && age_why) {
				p->code = age_code;
				p->why = age_why;
			} else {
				free(age_code);
				free(age_why);
			}
			if (expired && !p->waiver)
				p->waiver_expired = sigma_xstrdup(expired->expires);
			if (p->nadvisories)
				p->fixed = fix_for(p, g->ecosystem);
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

	waivers_dispose(&waivers);
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
		int waived = !strcmp(p->code, "waived");
		int blocked = !waived && (!strcmp(p->status, "blocked") || !strcmp(p->code, "inconsistent") ||
		                          p->advisory_fails);
		/* A version too new is refused at any depth: a cooldown that let
		 * transitive bumps through would not be one. */
		int too_new = !waived && p->release_refuses;
		int finding = !blocked && !waived && n->nfindings;
		if (waived)
			p->effect = EFFECT_NONE;
		else if (too_new)
			p->effect = p->introduced ? EFFECT_REJECT : EFFECT_NONE;
		else if (blocked)
			p->effect = shallow && p->introduced ? EFFECT_REJECT : EFFECT_WARN;
		else if (finding)
			p->effect = !p->introduced ? EFFECT_NONE
			          : cfg->rules_reject && shallow ? EFFECT_REJECT : EFFECT_WARN;
		else
			p->effect = p->introduced ? EFFECT_WARN : EFFECT_NONE;
		if (p->effect != EFFECT_NONE && p->waiver_expired && !strstr(p->why, "waiver expired")) {
			char *why = sigma_xasprintf("%s (its waiver expired on %s)", p->why, p->waiver_expired);
			free(p->why);
			p->why = why;
		}
		if (p->effect == EFFECT_REJECT)
			out->n_reject++;
		else if (p->effect == EFFECT_WARN)
			out->n_warn++;
	}
	strmap_dispose(&had);

	out->n_errors = now->nerrors;
	out->unreadable_rejects = !cfg->on_error_accept;
	out->unjudged_rejects = cfg->unjudged_refuse;
	out->error_rejects = 0;
	for (size_t i = 0; i < now->nerrors; i++)
		out->error_rejects |= policy_error_rejects(out, &now->errors[i]);
	out->rejected = out->n_reject > 0 || out->error_rejects;
	return 0;
}

int policy_error_rejects(const judgement *j, const scan_error *e)
{
	return e->unjudged ? j->unjudged_rejects : j->unreadable_rejects;
}

void judgement_dispose(judgement *j)
{
	for (size_t i = 0; i < j->n; i++) {
		registry_status_dispose(&j->pkgs[i].st);
		free(j->pkgs[i].code);
		free(j->pkgs[i].why);
		osv_hits_free(j->pkgs[i].advisories, j->pkgs[i].nadvisories);
		free(j->pkgs[i].waiver);
		free(j->pkgs[i].waiver_expired);
		free(j->pkgs[i].acceptable_from);
		free(j->pkgs[i].old_enough);
	}
	free(j->pkgs);
	memset(j, 0, sizeof *j);
}
