/* worker.c: see worker.h.
 *
 * Failure policy, per step of a job:
 *   - the forge is no longer configured: the job closes without a status
 *     (there is nowhere to post it), logged;
 *   - the fetch fails (network, forge down): the job goes back to the
 *     queue with backoff, up to FETCH_ATTEMPTS, then ends in an `error`
 *     status;
 *   - the commit is not on the remote, or the scan fails: `error` status;
 *   - the database is busy or failing: the job stays `running` and is put
 *     back at the next start (nothing is acknowledged twice: statuses are
 *     unique per job and phase).
 * Every path that closes a job from a delivery queues exactly one final
 * status, in the transaction that closes it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "common/config.h"
#include "common/error.h"
#include "common/json.h"
#include "common/sign.h"
#include "common/util.h"
#include "hook/certificate.h"
#include "hook/policy.h"
#include "hook/repo.h"
#include "hook/report.h"
#include "hook/scan.h"
#include "common/strmap.h"
#include "registry/certify.h"
#include "registry/db.h"
#include "webhook/mirror.h"
#include "webhook/pages.h"
#include "webhook/worker.h"

#define FETCH_ATTEMPTS 5
#define POST_BATCH 32
/* Failed listings of a post whose outcome is unknown before it is posted
 * again: a forge whose list endpoint keeps failing must not keep a status
 * from ever arriving. Posting twice is harmless (a status with the same
 * context replaces the previous one on all three forges); only the order
 * matters, and webhook_queue_due() keeps it. */
#define SETTLE_CHECKS 3

void webhook_service_wake_jobs(webhook_service *svc)
{
	pthread_mutex_lock(&svc->wake_lock);
	svc->jobs_signalled = 1;
	pthread_cond_broadcast(&svc->wake_jobs);
	pthread_mutex_unlock(&svc->wake_lock);
}

void webhook_service_wake_poster(webhook_service *svc)
{
	pthread_mutex_lock(&svc->wake_lock);
	svc->poster_signalled = 1;
	pthread_cond_broadcast(&svc->wake_poster);
	pthread_mutex_unlock(&svc->wake_lock);
}

/* Sleep until signalled or `ms` passed. */
static void wait_for(webhook_service *svc, pthread_cond_t *cond, int *signalled, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&svc->wake_lock);
	while (!*signalled && !atomic_load(&svc->stopping))
		if (pthread_cond_timedwait(cond, &svc->wake_lock, &ts) != 0)
			break;
	*signalled = 0;
	pthread_mutex_unlock(&svc->wake_lock);
}

void webhook_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	char shown[sizeof line * 4];
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* Callers escape what comes from a request (webhook_log_value); this
	 * is the backstop: no control character, wherever it came from (an
	 * error message quoting a payload's URL), can start a line of its own
	 * or move the terminal's cursor. */
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)line; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			k += (size_t)snprintf(shown + k, sizeof shown - k, "\\x%02x", *p);
		else
			shown[k++] = (char)*p;
	}
	shown[k] = '\0';
	/* One write per line, so lines from threads never interleave. */
	fprintf(stderr, "sigma serve: %s\n", shown);
}

const char *webhook_log_value(char *out, size_t size, const char *value)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	if (!value)
		value = "-";
	for (const unsigned char *p = (const unsigned char *)value; *p && k + 5 < size; p++) {
		if (*p == '\\' || *p == '"') {
			out[k++] = '\\';
			out[k++] = (char)*p;
		} else if (*p <= 0x20 || *p >= 0x7f) {
			out[k++] = '\\';
			out[k++] = 'x';
			out[k++] = hex[*p >> 4];
			out[k++] = hex[*p & 15];
		} else {
			out[k++] = (char)*p;
		}
	}
	out[k] = '\0';
	return out;
}

/* ---------------------------------------------------------------- describing */

static int json_int(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);
	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsNumber(v) ? (int)v->valuedouble : 0;
}

int webhook_worker_describe(webhook_state *state, char *description, size_t size, const char *cert_json)
{
	cJSON *c = cert_json ? cJSON_Parse(cert_json) : NULL;
	const char *decision = json_str(c, "decision");
	if (!c || !decision) {
		cJSON_Delete(c);
		return sigma_error_set(SIGMA_EINVALID, "not a submission certificate");
	}
	int npkgs = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(c, "packages"));
	int rejecting = json_int(c, "summary", "rejecting");
	int warnings = json_int(c, "summary", "warnings");
	int errors = json_int(c, "summary", "lockfile_errors");
	const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(c, "reasons");
	const cJSON *first = cJSON_GetArrayItem(reasons, 0);
	char first_text[96] = "";
	if (first) {
		const char *pkg = json_str(first, "package");
		const cJSON *depth = cJSON_GetObjectItemCaseSensitive(first, "depth");
		const char *code = json_str(first, "code");
		if (pkg)
			snprintf(first_text, sizeof first_text, "%s (%s%s%s)", pkg,
			         cJSON_IsNumber(depth) ? (depth->valuedouble == 0 ? "direct" : "transitive") : "lockfile",
			         code ? ", " : "", code ? code : "");
		else if (json_str(first, "message"))
			snprintf(first_text, sizeof first_text, "%s", json_str(first, "message"));
	}
	if (!strcmp(decision, "rejected")) {
		*state = STATE_FAILURE;
		if (rejecting > 0)
			snprintf(description, size, "sigma: rejected: %d blocked%s%s; %d package%s checked", rejecting,
			         *first_text ? ", first " : "", first_text, npkgs, npkgs == 1 ? "" : "s");
		else
			snprintf(description, size, "sigma: rejected%s%s; %d package%s checked", *first_text ? ": " : "",
			         first_text, npkgs, npkgs == 1 ? "" : "s");
	} else if (json_str(c, "would_decision") && !strcmp(json_str(c, "would_decision"), "rejected")) {
		/* sigma.enforce = testing: nothing fails, but the status says what
		 * enforcement would have done. */
		*state = STATE_SUCCESS;
		snprintf(description, size, "sigma (testing): would fail: %d blocked%s%s; %d package%s checked",
		         rejecting, *first_text ? ", first " : "", first_text, npkgs, npkgs == 1 ? "" : "s");
	} else {
		*state = STATE_SUCCESS;
		snprintf(description, size, "sigma: accepted; %d package%s checked%s%.0d%s%s%.0d%s", npkgs,
		         npkgs == 1 ? "" : "s", warnings ? ", " : "", warnings, warnings ? " warning" : "",
		         warnings > 1 ? "s" : "", errors, errors ? " unreadable lockfile(s)" : "");
	}
	cJSON_Delete(c);
	/* The forge layer cuts to the limit too; cut here so the stored row
	 * is exactly what is sent. */
	if (strlen(description) > WEBHOOK_DESCRIPTION_MAX) {
		size_t cut = WEBHOOK_DESCRIPTION_MAX - 3;
		while (cut > 0 && ((unsigned char)description[cut] & 0xC0) == 0x80)
			cut--;
		memcpy(description + cut, "...", 4);
	}
	return 0;
}

/* ---------------------------------------------------------------- jobs */

typedef struct worker {
	webhook_service *svc;
	webhook_queue *q;
	registry *reg;
	webhook_http *http;   /* for comments; made on first use */
	int index;
} worker;

/* The certificate's page. A private repository's page opens only with a
 * signed link (serve.c), so the link posted to the forge carries one. */
static char *target_url(const webhook_service *svc, const char *cert_id, int private_repo)
{
	if (!cert_id)
		return NULL;
	if (!private_repo)
		return sigma_xasprintf("%s/certificates/%s", svc->public_url, cert_id);
	char *path = webhook_link_sign(svc, cert_id, (long long)time(NULL) + svc->settings->link_lifetime_s);
	char *url = sigma_xasprintf("%s%s", svc->public_url, path);
	free(path);
	return url;
}

static void fill_row(webhook_status_row *row, int64_t job_id, const webhook_forge *f, const char *repo,
                     const char *sha, webhook_state state, const char *description, const char *url)
{
	memset(row, 0, sizeof *row);
	row->job_id = job_id;
	row->forge = f->name;
	row->repo = (char *)repo;
	row->sha = (char *)sha;
	row->state = (char *)webhook_state_name(state);
	row->description = (char *)description;
	row->target_url = (char *)url;
	row->context = f->context;
}

static metric_job job_metric(webhook_state s)
{
	return s == STATE_SUCCESS ? MJOB_SUCCESS : s == STATE_FAILURE ? MJOB_FAILURE : MJOB_ERROR;
}

/* Close a job with an error status (no certificate). */
static int finish_error(worker *w, const webhook_job *job, const webhook_forge *f, const webhook_event *ev,
                        const char *why)
{
	char desc[WEBHOOK_DESCRIPTION_MAX + 1];
	snprintf(desc, sizeof desc, "sigma: could not judge this commit: %s", why);
	if (strlen(desc) >= WEBHOOK_DESCRIPTION_MAX)
		memcpy(desc + WEBHOOK_DESCRIPTION_MAX - 3, "...", 4);
	webhook_status_row row;
	fill_row(&row, job->id, f, ev->status_repo, ev->sha, STATE_ERROR, desc, NULL);
	webhook_job_result r = { .final = &row, .error = why };
	int rc = webhook_queue_finish(w->q, job->id, &r);
	if (!rc) {
		webhook_metrics_job(&w->svc->metrics, job->kind, MJOB_ERROR, webhook_wall_ms() - job->created_ms);
		webhook_service_wake_poster(w->svc);
	}
	webhook_log("job %lld %s %s@%.12s: error: %s", (long long)job->id, job->kind, ev->repository, ev->sha, why);
	return rc;
}

/* A job has two deadlines. Judging (scan, certification, judgement,
 * certificate) gets the hook's: serve.jobTimeout, else sigma.timeout, from
 * the moment the commit is on this machine, as the hook's clock starts
 * with the objects already received. The fetch before it gets its own,
 * serve.fetchTimeout: a first fetch of a large repository takes minutes,
 * and no judging deadline of seconds could cover it. Either is checked
 * between steps (per certified package, and as a fetch's data arrives);
 * a job found past one closes with an `error` status saying which, never
 * with a verdict: work that overran may have been cut short, and the
 * answer fails closed. */
static int past_deadline(int64_t deadline_ms)
{
	return deadline_ms > 0 && webhook_wall_ms() > deadline_ms;
}

static int finish_late(worker *w, const webhook_job *job, const webhook_forge *f, const webhook_event *ev,
                       const char *what, int limit_ms, const char *key)
{
	char why[96];
	snprintf(why, sizeof why, "%s not finished within %.1f s (%s)", what, limit_ms / 1000.0, key);
	return finish_error(w, job, f, ev, why);
}

static int judging_late(worker *w, const webhook_job *job, const webhook_forge *f, const webhook_event *ev)
{
	return finish_late(w, job, f, ev, "judging", w->svc->settings->job_timeout_ms, "serve.jobTimeout");
}

static unsigned mirror_lock_index(const char *path)
{
	unsigned h = 2166136261u;
	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 16777619u;
	return h % WEBHOOK_MIRROR_LOCKS;
}

/* ---------------------------------------------------------------- certification */

typedef struct candidate {
	const graph_node *node;
	const char *ecosystem;
} candidate;

static int by_depth(const void *a, const void *b)
{
	const candidate *x = a, *y = b;
	return (x->node->depth > y->node->depth) - (x->node->depth < y->node->depth);
}

/* Step 3 of a job: certify what the registry does not know yet, direct
 * packages first, then transitive ones in breadth-first (depth) order, at
 * most cfg->audit_cap of the transitive ones. Returns how many outcomes
 * were stored (so the caller judges again), or SIGMA_ETIMEOUT when the
 * service is stopping (the job is then run again at the next start). */
static void skipped(cJSON *unreviewed, const char *ecosystem, const graph_node *node, const char *reason)
{
	if (!unreviewed)
		return;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ecosystem", ecosystem);
	cJSON_AddStringToObject(o, "name", node->name);
	cJSON_AddStringToObject(o, "version", node->version ? node->version : "");
	cJSON_AddNumberToObject(o, "depth", node->depth);
	cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddItemToArray(unreviewed, o);
}

static int certify_unreviewed(worker *w, const sigma_config *cfg, const judgement *j, int64_t job_id,
                              int64_t deadline_ms, cJSON *unreviewed)
{
	candidate *list = sigma_xcalloc(j->n ? j->n : 1, sizeof *list);
	size_t n = 0;
	strmap seen;
	strmap_init(&seen);
	for (size_t i = 0; i < j->n; i++) {
		const judged *p = &j->pkgs[i];
		const graph_node *node = &p->g->nodes[p->node];
		if (!sigma_streq(p->status, "uncertified") || node->kind != GRAPH_KIND_REGISTRY || !node->version ||
		    !*node->version || node->depth < 0)
			continue;
		char *key = sigma_xasprintf("%s\n%s\n%s", p->g->ecosystem, node->name, node->version);
		if (!strmap_get(&seen, key)) {
			strmap_put(&seen, key, (void *)node);
			list[n].node = node;
			list[n].ecosystem = p->g->ecosystem;
			n++;
		}
		free(key);
	}
	strmap_dispose(&seen);
	qsort(list, n, sizeof *list, by_depth);

	certifier *c = NULL;
	int stored = 0, transitive = 0, failures = 0;
	size_t i = 0;
	/* Why each package is left unreviewed, said once per cause. */
	char why[300] = "";
	if (n && certifier_new(&c, w->reg, cfg, NULL) != 0) {
		webhook_log("job %lld: certification unavailable: %s", (long long)job_id, sigma_error_last());
		snprintf(why, sizeof why, "certification unavailable: %s", sigma_error_last());
		goto rest;
	}
	for (; i < n; i++) {
		if (atomic_load(&w->svc->stopping)) {
			stored = sigma_error_set(SIGMA_ETIMEOUT, "stopping during certification");
			break;
		}
		if (past_deadline(deadline_ms)) {
			snprintf(why, sizeof why, "the judging deadline came first (serve.jobTimeout)");
			break; /* the caller sees the deadline and fails closed */
		}
		const graph_node *node = list[i].node;
		if (node->depth > 0 && transitive++ >= cfg->audit_cap) {
			snprintf(why, sizeof why, "audit cap reached: %d transitive packages per job (sigma.auditCap)",
			         cfg->audit_cap);
			break; /* the rest stay uncertified: the audit cap */
		}
		certify_request req = { list[i].ecosystem, node->name, node->version, node->integrity };
		certify_outcome o;
		memset(&o, 0, sizeof o);
		if (certify_package(&o, c, &req) == 0) {
			stored++;
		} else {
			char failed[300];
			snprintf(failed, sizeof failed, "certification failed: %s", sigma_error_last());
			skipped(unreviewed, list[i].ecosystem, node, failed);
			if (failures++ == 0)
				webhook_log("job %lld: certify %s %s@%s: %s", (long long)job_id, list[i].ecosystem, node->name,
				            node->version, sigma_error_last());
		}
		certify_outcome_dispose(&o);
	}
rest:
	for (; *why && i < n; i++)
		skipped(unreviewed, list[i].ecosystem, list[i].node, why);
	certifier_free(c);
	free(list);
	return stored;
}

/* ---------------------------------------------------------------- findings */

/* What the page and the pull request's comment show beside the
 * certificate, kept in the queue's database under its id:
 *
 *   {"base": SHA or null,
 *    "lockfiles": [{"path", "ecosystem",
 *                   "added":   [{name, version, depth, status, effect}],
 *                   "removed": [{name, version, depth}],
 *                   "changed": [{name, from, to, depth, status, effect}]}],
 *    "unreviewed": [{ecosystem, name, version, depth, reason}],
 *    "report": the hook's report of the problems and their fixes}
 *
 * The diff is per lockfile path and per package name: one version on
 * each side is a change; otherwise versions only in the head are added and
 * versions only in the base removed. Only lockfiles that differ appear. */

typedef struct dep_entry {
	const graph_node *node;
} dep_entry;

static int by_name_version(const void *a, const void *b)
{
	const graph_node *x = ((const dep_entry *)a)->node, *y = ((const dep_entry *)b)->node;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->version ? x->version : "", y->version ? y->version : "");
}

/* The installed packages of a graph (not its workspace members, nor what
 * no chain reaches), sorted by name, then version. */
static dep_entry *entries_of(const sigma_graph *g, size_t *n)
{
	*n = 0;
	if (!g || !g->nnodes)
		return NULL;
	dep_entry *e = sigma_xcalloc(g->nnodes, sizeof *e);
	for (uint32_t i = 0; i < g->nnodes; i++)
		if (g->nodes[i].kind != GRAPH_KIND_WORKSPACE && g->nodes[i].depth >= 0 && g->nodes[i].name)
			e[(*n)++].node = &g->nodes[i];
	qsort(e, *n, sizeof *e, by_name_version);
	return e;
}

static void add_judged(cJSON *o, const strmap *verdicts, const char *lockfile, const graph_node *n)
{
	char *key = sigma_xasprintf("%s\n%s\n%s", lockfile, n->name, n->version ? n->version : "");
	const judged *p = strmap_get(verdicts, key);
	free(key);
	if (!p)
		return;
	cJSON_AddStringToObject(o, "status", p->status ? p->status : "uncertified");
	cJSON_AddStringToObject(o, "effect", effect_name(p->effect));
	if (p->nadvisories)
		cJSON_AddNumberToObject(o, "advisories", (double)p->nadvisories);
}

static cJSON *entry(const graph_node *n, int with_version)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", n->name);
	if (with_version)
		cJSON_AddStringToObject(o, "version", n->version ? n->version : "");
	cJSON_AddNumberToObject(o, "depth", n->depth);
	return o;
}

static int same_versions(const dep_entry *a, size_t na, const dep_entry *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (!sigma_streq(a[i].node->version, b[i].node->version))
			return 0;
	return 1;
}

static int has_version(const dep_entry *e, size_t n, const char *version)
{
	for (size_t i = 0; i < n; i++)
		if (sigma_streq(e[i].node->version, version))
			return 1;
	return 0;
}

/* One lockfile's diff into `lock` (its arrays); 1 when anything differs. */
static int diff_graphs(cJSON *lock, const sigma_graph *head, const sigma_graph *base, const strmap *verdicts)
{
	size_t nh, nb;
	dep_entry *h = entries_of(head, &nh), *b = entries_of(base, &nb);
	cJSON *added = cJSON_AddArrayToObject(lock, "added"), *removed = cJSON_AddArrayToObject(lock, "removed"),
	      *changed = cJSON_AddArrayToObject(lock, "changed");
	int any = 0;
	const char *path = head ? head->lockfile : base->lockfile;
	size_t i = 0, k = 0;
	while (i < nh || k < nb) {
		const char *name = i < nh && (k >= nb || strcmp(h[i].node->name, b[k].node->name) <= 0) ? h[i].node->name
		                                                                                       : b[k].node->name;
		size_t i2 = i, k2 = k;
		while (i2 < nh && !strcmp(h[i2].node->name, name))
			i2++;
		while (k2 < nb && !strcmp(b[k2].node->name, name))
			k2++;
		if (!same_versions(h + i, i2 - i, b + k, k2 - k)) {
			any = 1;
			if (i2 - i == 1 && k2 - k == 1) {
				cJSON *o = entry(h[i].node, 0);
				cJSON_AddStringToObject(o, "from", b[k].node->version ? b[k].node->version : "");
				cJSON_AddStringToObject(o, "to", h[i].node->version ? h[i].node->version : "");
				add_judged(o, verdicts, path, h[i].node);
				cJSON_AddItemToArray(changed, o);
			} else {
				for (size_t x = i; x < i2; x++)
					if (!has_version(b + k, k2 - k, h[x].node->version)) {
						cJSON *o = entry(h[x].node, 1);
						add_judged(o, verdicts, path, h[x].node);
						cJSON_AddItemToArray(added, o);
					}
				for (size_t x = k; x < k2; x++)
					if (!has_version(h + i, i2 - i, b[x].node->version))
						cJSON_AddItemToArray(removed, entry(b[x].node, 1));
			}
		}
		i = i2;
		k = k2;
	}
	free(h);
	free(b);
	return any;
}

static const sigma_graph *graph_at(const scan_set *s, const char *path)
{
	for (size_t i = 0; s && i < s->nrefs; i++)
		if (s->graphs[i] && sigma_streq(s->graphs[i]->lockfile, path))
			return s->graphs[i];
	return NULL;
}

static void dependency_diff(cJSON *findings, const scan_set *now, const scan_set *base, const judgement *j)
{
	strmap verdicts;
	strmap_init(&verdicts);
	for (size_t i = 0; i < j->n; i++) {
		const graph_node *n = &j->pkgs[i].g->nodes[j->pkgs[i].node];
		char *key = sigma_xasprintf("%s\n%s\n%s", j->pkgs[i].g->lockfile, n->name, n->version ? n->version : "");
		strmap_put(&verdicts, key, &j->pkgs[i]); /* the map keeps a copy */
		free(key);
	}
	cJSON *locks = cJSON_AddArrayToObject(findings, "lockfiles");
	for (int side = 0; side < 2; side++) {
		const scan_set *s = side ? base : now;
		for (size_t i = 0; s && i < s->nrefs; i++) {
			const sigma_graph *g = s->graphs[i];
			if (!g || (side && graph_at(now, g->lockfile)))
				continue; /* unreadable, or compared already */
			const sigma_graph *head = side ? NULL : g, *old = side ? g : graph_at(base, g->lockfile);
			cJSON *lock = cJSON_CreateObject();
			cJSON_AddStringToObject(lock, "path", g->lockfile);
			cJSON_AddStringToObject(lock, "ecosystem", g->ecosystem);
			if (diff_graphs(lock, head, old, &verdicts))
				cJSON_AddItemToArray(locks, lock);
			else
				cJSON_Delete(lock);
		}
	}
	strmap_dispose(&verdicts);
}

/* Packages left uncertified that certify_unreviewed never tried: what
 * the certifier cannot take (not from a registry, no version). */
static void unreviewed_rest(cJSON *unreviewed, const judgement *j)
{
	strmap seen;
	strmap_init(&seen);
	const cJSON *u;
	cJSON_ArrayForEach(u, unreviewed) {
		char *key = sigma_xasprintf("%s\n%s\n%s", json_str(u, "ecosystem"), json_str(u, "name"),
		                            json_str(u, "version"));
		strmap_put(&seen, key, (void *)u);
		free(key);
	}
	for (size_t i = 0; i < j->n; i++) {
		const judged *p = &j->pkgs[i];
		const graph_node *n = &p->g->nodes[p->node];
		if (!sigma_streq(p->status, "uncertified") || n->depth < 0 || n->kind == GRAPH_KIND_WORKSPACE)
			continue;
		char *key = sigma_xasprintf("%s\n%s\n%s", p->g->ecosystem, n->name, n->version ? n->version : "");
		int known = strmap_get(&seen, key) != NULL;
		if (!known)
			strmap_put(&seen, key, (void *)p);
		free(key);
		if (known)
			continue;
		char why[160];
		if (n->kind != GRAPH_KIND_REGISTRY)
			snprintf(why, sizeof why, "not from a registry (%s): nothing to certify", graph_kind_name(n->kind));
		else if (!n->version || !*n->version)
			snprintf(why, sizeof why, "the lockfile gives no version");
		else
			snprintf(why, sizeof why, "certified, but the registry still has no verdict for it");
		skipped(unreviewed, p->g->ecosystem, n, why);
	}
	strmap_dispose(&seen);
}

/* The hook's own report (what, where, why and the fix), as the pusher
 * would read it. */
static void add_report(cJSON *findings, const judgement *j, const scan_set *now, const char *ref,
                       const char *commit)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	/* Worded as a judgement, not as a refused push: nothing was pushed
	 * to sigma here. */
	report_ctx ctx = { .ref = ref, .commit = commit, .npackages = j->n, .scan = 1 };
	report_print(f, j, now, &ctx);
	if (fclose(f) == 0 && text)
		cJSON_AddStringToObject(findings, "report", text);
	free(text);
}

/* The subject ref of a pull request: the forge's own ref for its head. */
static char *subject_ref(const webhook_forge *f, const webhook_event *ev)
{
	if (ev->kind == EVENT_PULL_REQUEST && ev->number > 0)
		return f->type == FORGE_GITLAB ? sigma_xasprintf("refs/merge-requests/%ld/head", ev->number)
		                               : sigma_xasprintf("refs/pull/%ld/head", ev->number);
	if (ev->ref && !sigma_startswith(ev->ref, "refs/"))
		return sigma_xasprintf("refs/heads/%s", ev->ref);
	return sigma_xstrdup(ev->ref ? ev->ref : "HEAD");
}

/* Create or edit sigma's comment on the pull request. Failures are
 * logged, never retried: the next delivery for the pull request edits
 * the comment again with what is then true. */
static void post_comment(worker *w, const webhook_forge *f, const webhook_event *ev, const char *cert,
                         const char *findings, const char *url)
{
	sigma_buf body;
	char *known = NULL;
	sigma_buf_init(&body, WEBHOOK_COMMENT_MAX);
	if (webhook_pages_comment(&body, cert, findings, url) != 0) {
		webhook_log("comment %s#%ld: cannot render: %s", ev->comment_repo, ev->number, sigma_error_last());
		goto out;
	}
	if (!w->http && webhook_http_new(&w->http) != 0) {
		webhook_log("comment %s#%ld: %s", ev->comment_repo, ev->number, sigma_error_last());
		goto out;
	}
	if (webhook_queue_comment_get(&known, w->q, f->name, ev->comment_repo, ev->number) == SIGMA_ENOTFOUND)
		sigma_error_clear();
	webhook_comment_result cr;
	if (webhook_forge_comment_upsert(&cr, w->http, f, ev->comment_repo, ev->number, known, body.ptr) != 0) {
		webhook_log("comment %s %s#%ld: not posted: %s", f->name, ev->comment_repo, ev->number, sigma_error_last());
		goto out;
	}
	if (!sigma_streq(known, cr.id) && webhook_queue_comment_put(w->q, f->name, ev->comment_repo, ev->number, cr.id))
		webhook_log("comment %s %s#%ld: id %s not recorded: %s", f->name, ev->comment_repo, ev->number, cr.id,
		            sigma_error_last());
	webhook_log("comment %s %s#%ld: %s %s", f->name, ev->comment_repo, ev->number,
	            cr.action == COMMENT_CREATED ? "created" : "edited", cr.id);
out:
	free(known);
	sigma_buf_dispose(&body);
}

static int run_event_job(worker *w, const webhook_job *job)
{
	webhook_service *svc = w->svc;
	webhook_event ev;
	sigma_repo *repo = NULL;
	sigma_config cfg;
	sigma_key *key = NULL;
	char *gitdir = NULL, *cert = NULL, *url = NULL, *ref = NULL, *source = NULL, *findings_text = NULL, id[65] = "";
	cJSON *findings = NULL;
	int rc, have_judgement = 0, have_scan = 0;
	int64_t deadline = 0;
	judgement j;
	scan_set now;
	scan_lazy before;
	memset(&cfg, 0, sizeof cfg);
	memset(&before, 0, sizeof before);
	memset(&j, 0, sizeof j);
	memset(&now, 0, sizeof now);

	if ((rc = webhook_event_from_json(&ev, job->spec))) {
		webhook_log("job %lld: unreadable spec, dropped: %s", (long long)job->id, sigma_error_last());
		webhook_job_result r = { .error = "unreadable job spec" };
		return webhook_queue_finish(w->q, job->id, &r);
	}
	const webhook_forge *f = webhook_settings_forge(svc->settings, job->forge);
	if (!f) {
		webhook_log("job %lld: forge '%s' is no longer configured; no status posted", (long long)job->id,
		         job->forge ? job->forge : "");
		webhook_job_result r = { .error = "forge not configured" };
		rc = webhook_queue_finish(w->q, job->id, &r);
		goto out;
	}

	/* 1. The commit: in place, or fetched into the mirror. */
	const webhook_repository *mapped = webhook_settings_repository(svc->settings, f->name, ev.repository);
	if (mapped && mapped->path) {
		gitdir = sigma_xstrdup(mapped->path);
	} else {
		int64_t fetch_deadline = webhook_wall_ms() + svc->settings->fetch_timeout_ms;
		webhook_fetch fx = { .mirrors = svc->settings->mirrors, .forge = f, .repository = ev.repository,
		                     .deadline_ms = fetch_deadline, .ref = ev.ref, .sha = ev.sha, .base_sha = ev.base_sha,
		                     .base_ref = ev.base_ref };
		if ((rc = webhook_mirror_source(&source, &fx.offer_token, f, mapped, ev.clone_url))) {
			rc = finish_error(w, job, f, &ev, sigma_error_last());
			goto out;
		}
		fx.clone_url = source;
		char *mpath = webhook_mirror_path(&fx);
		pthread_mutex_t *lock = &svc->mirror_locks[mirror_lock_index(mpath)];
		free(mpath);
		pthread_mutex_lock(lock);
		rc = webhook_mirror_fetch(&gitdir, &fx);
		pthread_mutex_unlock(lock);
		/* Past its deadline a failed fetch is not retried either: the
		 * attempts would each wait as long again. */
		/* A fetch that succeeded a little late is used: the objects are here. */
		if (rc == SIGMA_ETIMEOUT || (rc && past_deadline(fetch_deadline))) {
			rc = finish_late(w, job, f, &ev, "fetch", svc->settings->fetch_timeout_ms, "serve.fetchTimeout");
			goto out;
		}
		if (rc == SIGMA_EIO && job->attempts < FETCH_ATTEMPTS) {
			int64_t delay = webhook_backoff_ms(job->attempts, svc->settings->retry_base_ms,
			                                   svc->settings->retry_max_ms, -1, (uint64_t)job->id ^ (uint64_t)time(NULL));
			webhook_log("job %lld %s@%.12s: fetch failed (attempt %d, again in %lld ms): %s", (long long)job->id,
			         ev.repository, ev.sha, job->attempts, (long long)delay, sigma_error_last());
			webhook_metrics_job(&svc->metrics, job->kind, MJOB_RETRY, 0);
			rc = webhook_queue_defer(w->q, job->id, delay, sigma_error_last());
			goto out;
		}
		if (rc) {
			rc = finish_error(w, job, f, &ev, sigma_error_last());
			goto out;
		}
	}

	/* 2. Scan and judge, with the hook's own pipeline, on the hook's clock. */
	deadline = webhook_wall_ms() + svc->settings->job_timeout_ms;
	char commit[SIGMA_OID_HEX], tree[SIGMA_OID_HEX], base[SIGMA_OID_HEX], base_tree[SIGMA_OID_HEX];
	if ((rc = repo_open_path(&repo, gitdir)) || (rc = repo_commit(commit, repo, ev.sha)) ||
	    (rc = repo_commit_tree(tree, repo, commit)) ||
	    (rc = config_load(&cfg, mapped && mapped->path ? repo_gitdir(repo) : NULL)) ||
	    (rc = sign_key_load_configured(&key, &cfg))) {
		rc = finish_error(w, job, f, &ev, sigma_error_last());
		goto out;
	}
	/* A GitLab merge request names its target branch, not a base commit:
	 * the merge base with it is what the request's diff is against. */
	char merge_base[41] = "";
	/* From a fork (source project != target project) the target branch was
	 * fetched from the fork, whose owner can point it anywhere: what the
	 * base "already had" would only warn. Such a request is judged with no
	 * base, everything in it introduced. */
	int from_fork = f->type == FORGE_GITLAB && ev.status_repo && ev.comment_repo &&
	                strcmp(ev.status_repo, ev.comment_repo) != 0;
	if (!ev.base_sha && ev.base_ref && ev.kind == EVENT_PULL_REQUEST && !from_fork &&
	    webhook_mirror_merge_base(merge_base, gitdir, commit, ev.base_ref) == 0)
		ev.base_sha = sigma_xstrdup(merge_base);
	int have_base = ev.base_sha && repo_commit(base, repo, ev.base_sha) == 0 &&
	                repo_commit_tree(base_tree, repo, base) == 0;
	sigma_error_clear();
	if ((rc = scan_tree(&now, repo, w->reg, tree, have_base ? base_tree : NULL))) {
		rc = finish_error(w, job, f, &ev, sigma_error_last());
		goto out;
	}
	have_scan = 1;
	before.repo = repo;
	before.reg = w->reg;
	before.tree = have_base ? base_tree : NULL;
	if ((rc = policy_judge(&j, &cfg, w->reg, &now, scan_lazy_get, &before))) {
		rc = finish_error(w, job, f, &ev, sigma_error_last());
		goto out;
	}
	have_judgement = 1;
	if (past_deadline(deadline)) {
		rc = judging_late(w, job, f, &ev);
		goto out;
	}

	/* 3. pending, now that the number of packages is known. */
	char desc[WEBHOOK_DESCRIPTION_MAX + 1];
	snprintf(desc, sizeof desc, "sigma: checking %zu package%s in %zu lockfile%s", j.n, j.n == 1 ? "" : "s",
	         now.nrefs, now.nrefs == 1 ? "" : "s");
	webhook_status_row row;
	fill_row(&row, job->id, f, ev.status_repo, ev.sha, STATE_PENDING, desc, NULL);
	if ((rc = webhook_queue_add_status(w->q, &row)))
		goto out;
	webhook_service_wake_poster(svc);

	/* 4. Certify the unreviewed packages, then judge again with what the
	 * registry now knows. */
	findings = cJSON_CreateObject();
	cJSON *unreviewed = cJSON_AddArrayToObject(findings, "unreviewed");
	int certified = certify_unreviewed(w, &cfg, &j, job->id, deadline, unreviewed);
	if (certified == SIGMA_ETIMEOUT) {
		rc = certified;
		goto out;
	}
	if (certified > 0) {
		judgement_dispose(&j);
		have_judgement = 0;
		if ((rc = policy_judge(&j, &cfg, w->reg, &now, scan_lazy_get, &before))) {
			rc = finish_error(w, job, f, &ev, sigma_error_last());
			goto out;
		}
		have_judgement = 1;
	}
	if (past_deadline(deadline)) {
		rc = judging_late(w, job, f, &ev);
		goto out;
	}

	/* 5. The certificate, stored as the hook stores it. */
	ref = subject_ref(f, &ev);
	cert_subject subj = { ev.repository, ref, commit, tree, NULL, cfg.enforce == CONFIG_ENFORCE_TESTING };
	cert_parts parts = { .n = 0 };
	if ((rc = certificate_build(&cert, id, &j, &now, &subj, key, NULL, &parts)) ||
	    (rc = registry_submission_put(w->reg, ev.repository, ref, commit, id,
	                                  j.rejected && cfg.enforce != CONFIG_ENFORCE_TESTING ? "rejected" : "accepted",
	                                  cert, parts.at, parts.n))) {
		cert_parts_dispose(&parts);
		rc = finish_error(w, job, f, &ev, sigma_error_last());
		goto out;
	}
	cert_parts_dispose(&parts);

	/* 6. What the page and the comment show beside the certificate: the
	 * dependency diff against the base, what was left unreviewed and why,
	 * and the hook's report with its fixes. */
	cJSON_AddItemToObject(findings, "base", have_base ? cJSON_CreateString(base) : cJSON_CreateNull());
	if (have_base && scan_lazy_get(&before))
		dependency_diff(findings, &now, &before.set, &j);
	unreviewed_rest(cJSON_GetObjectItemCaseSensitive(findings, "unreviewed"), &j);
	add_report(findings, &j, &now, ref, commit);
	findings_text = cJSON_PrintUnformatted(findings);

	/* 7. The final status, in the transaction that closes the job. */
	webhook_state state;
	webhook_worker_describe(&state, desc, sizeof desc, cert);
	url = target_url(svc, id, ev.private_repo);
	fill_row(&row, job->id, f, ev.status_repo, ev.sha, state, desc, url);
	int refuses = j.rejected && cfg.enforce != CONFIG_ENFORCE_TESTING;
	webhook_job_result r = { &row, id, ev.repository, ref, commit, refuses ? "rejected" : "accepted", NULL,
	                         findings_text, have_base ? base : NULL, ev.private_repo };
	if ((rc = webhook_queue_finish(w->q, job->id, &r)))
		goto out;
	webhook_metrics_job(&svc->metrics, job->kind, job_metric(state), webhook_wall_ms() - job->created_ms);
	webhook_service_wake_poster(svc);
	webhook_log("job %lld %s %s@%.12s: %s, %zu packages, certificate %.16s", (long long)job->id, job->kind,
	         ev.repository, ev.sha, j.rejected ? "rejected" : "accepted", j.n, id);

	/* 8. The pull request's comment, after the status is safe in the
	 * queue: a comment that cannot be posted never holds up the verdict. */
	if (ev.kind == EVENT_PULL_REQUEST && ev.number > 0 && ev.comment_repo && !f->no_comment)
		post_comment(w, f, &ev, cert, findings_text, url);
out:
	if (have_judgement)
		judgement_dispose(&j);
	if (have_scan)
		scan_set_dispose(&now);
	scan_set_dispose(&before.set);
	repo_free(repo);
	sign_key_free(key);
	config_dispose(&cfg);
	webhook_event_dispose(&ev);
	free(gitdir);
	free(cert);
	free(url);
	free(ref);
	free(source);
	free(findings_text);
	cJSON_Delete(findings);
	return rc;
}

/* The forge for an outbox row: the repository's configured forge, else
 * the only forge of the hook's type (or the only forge at all). */
static const webhook_forge *outbox_forge(const webhook_settings *s, const char *repository, const char *forge_repo,
                                         const char *type, const char **status_repo)
{
	const webhook_repository *m = webhook_settings_repository(s, NULL, repository);
	if (!m && forge_repo)
		m = webhook_settings_repository(s, NULL, forge_repo);
	*status_repo = m && m->name ? m->name : forge_repo ? forge_repo : repository;
	if (m && m->forge)
		return webhook_settings_forge(s, m->forge);
	const webhook_forge *only = NULL;
	size_t matches = 0;
	for (size_t i = 0; i < s->nforges; i++)
		if (!type || !strcmp(type, webhook_forge_type_name(s->forges[i].type))) {
			only = &s->forges[i];
			matches++;
		}
	return matches == 1 ? only : NULL;
}

static int run_outbox_job(worker *w, const webhook_job *job)
{
	webhook_service *svc = w->svc;
	cJSON *spec = cJSON_Parse(job->spec);
	char *cert = NULL, *url = NULL;
	int rc = 0;
	const char *repository = json_str(spec, "repository"), *sha = json_str(spec, "sha"),
	           *cert_id = json_str(spec, "certificate_id"), *status_repo = NULL;
	if (!repository || !sha || !cert_id) {
		webhook_log("outbox job %lld: unreadable row, dropped", (long long)job->id);
		webhook_job_result r = { .error = "unreadable outbox row" };
		rc = webhook_queue_finish(w->q, job->id, &r);
		goto out;
	}
	const webhook_forge *f = outbox_forge(svc->settings, repository, json_str(spec, "forge_repository"),
	                                      json_str(spec, "forge_type"), &status_repo);
	if (!f) {
		webhook_log("outbox job %lld: no forge configured for repository '%s' (add [repository \"%s\"] forge = NAME)",
		         (long long)job->id, repository, repository);
		webhook_job_result r = { .error = "no forge for this repository" };
		rc = webhook_queue_finish(w->q, job->id, &r);
		goto out;
	}
	/* A repository on this machine can prove the push landed: a refused
	 * push (another ref refused) leaves the commit unreachable. */
	const webhook_repository *mapped = webhook_settings_repository(svc->settings, f->name, repository);
	if (mapped && mapped->path) {
		sigma_repo *repo = NULL;
		char oid[SIGMA_OID_HEX];
		int present = repo_open_path(&repo, mapped->path) == 0 && repo_commit(oid, repo, sha) == 0;
		repo_free(repo);
		if (!present) {
			webhook_log("outbox job %lld: %.12s is not in %s (push refused?), no status", (long long)job->id, sha,
			         mapped->path);
			webhook_job_result r = { .error = "commit not in the repository" };
			rc = webhook_queue_finish(w->q, job->id, &r);
			goto out;
		}
	}
	if (registry_submission_get(&cert, w->reg, sha) == 0) {
		cJSON *c = cJSON_Parse(cert);
		int same = sigma_streq(json_str(c, "id"), cert_id);
		cJSON_Delete(c);
		if (!same) {
			free(cert);
			cert = NULL;
		}
	}
	if (!cert)
		webhook_queue_certificate(&cert, w->q, cert_id);
	webhook_state state = STATE_ERROR;
	char desc[WEBHOOK_DESCRIPTION_MAX + 1];
	if (!cert || webhook_worker_describe(&state, desc, sizeof desc, cert) != 0) {
		state = STATE_ERROR;
		snprintf(desc, sizeof desc, "sigma: the push's certificate %.12s is missing", cert_id);
	}
	/* A hook push's repository may be private, and its page then asks
	 * for a signed link (serve.c): the link is always signed. */
	url = cert ? target_url(svc, cert_id, 1) : NULL;
	webhook_status_row row;
	fill_row(&row, job->id, f, status_repo, sha, state, desc, url);
	webhook_job_result r = { &row, cert ? cert_id : NULL, repository, json_str(spec, "ref"), sha,
	                         json_str(spec, "decision"), NULL, NULL, NULL, 0 };
	if ((rc = webhook_queue_finish(w->q, job->id, &r)))
		goto out;
	webhook_metrics_job(&svc->metrics, "outbox", job_metric(state), webhook_wall_ms() - job->created_ms);
	webhook_service_wake_poster(svc);
	webhook_log("outbox job %lld %s@%.12s: %s", (long long)job->id, status_repo, sha, webhook_state_name(state));
out:
	cJSON_Delete(spec);
	free(cert);
	free(url);
	return rc;
}

void *webhook_worker_main(void *arg)
{
	worker w = { .svc = arg };
	webhook_service *svc = w.svc;
	if (webhook_queue_open(&w.q, svc->db_path, 0, 10000) || registry_open(&w.reg, svc->db_path, REGISTRY_READWRITE)) {
		webhook_log("worker: cannot open %s: %s", svc->db_path, sigma_error_last());
		webhook_queue_close(w.q);
		return NULL;
	}
	while (!atomic_load(&svc->stopping)) {
		webhook_job job;
		int rc = webhook_queue_claim(&job, w.q, svc->settings->outbox_delay_ms);
		if (rc == SIGMA_ENOTFOUND) {
			wait_for(svc, &svc->wake_jobs, &svc->jobs_signalled, 500);
			continue;
		}
		if (rc) {
			webhook_log("worker: %s", sigma_error_last());
			wait_for(svc, &svc->wake_jobs, &svc->jobs_signalled, 1000);
			continue;
		}
		if (!strcmp(job.kind, "outbox"))
			rc = run_outbox_job(&w, &job);
		else
			rc = run_event_job(&w, &job);
		if (rc)
			webhook_log("job %lld: left for the next start: %s", (long long)job.id, sigma_error_last());
		webhook_job_dispose(&job);
	}
	webhook_http_free(w.http);
	registry_close(w.reg);
	webhook_queue_close(w.q);
	return NULL;
}

/* ---------------------------------------------------------------- poster */

static void post_one(webhook_service *svc, webhook_http *http, const webhook_status_row *row,
                     webhook_status_update *u)
{
	const webhook_settings *s = svc->settings;
	memset(u, 0, sizeof *u);
	u->id = row->id;
	const webhook_forge *f = webhook_settings_forge(s, row->forge);
	webhook_status st = { STATE_ERROR, row->description, row->target_url, row->context };
	if (!f || webhook_state_parse(&st.state, row->state)) {
		u->done = STATUS_FAILED;
		u->result = "forge not configured";
		webhook_metrics_post(&svc->metrics, MPOST_FINAL);
		webhook_log("status %lld: forge '%s' not configured, dropped", (long long)row->id, row->forge);
		return;
	}
	int attempt = row->attempts + 1;
	/* uncertain: 1 + the checks that could not tell so far. */
	if (row->uncertain > SETTLE_CHECKS) {
		webhook_log("status %lld %s %s@%.12s: still unconfirmed after %d checks: posting again", (long long)row->id,
		            f->name, row->repo, row->sha, SETTLE_CHECKS);
	} else if (row->uncertain) {
		int seen = webhook_forge_status_exists(http, f, row->repo, row->sha, &st);
		if (seen == 1) {
			u->done = STATUS_POSTED;
			u->result = "already on the forge";
			webhook_metrics_post(&svc->metrics, MPOST_RECONCILED);
			webhook_log("status %lld %s %s@%.12s %s: already posted (settled)", (long long)row->id, f->name, row->repo,
			         row->sha, row->state);
			return;
		}
		if (seen < 0) {
			u->done = STATUS_WAITING;
			u->uncertain = row->uncertain + 1;
			u->next_at_ms = webhook_wall_ms() + webhook_backoff_ms(attempt, s->retry_base_ms, s->retry_max_ms, -1,
			                                                       (uint64_t)row->id * 7919u + (uint64_t)clock());
			u->result = "cannot tell whether posted";
			webhook_metrics_post(&svc->metrics, MPOST_UNCERTAIN);
			webhook_log("status %lld %s %s@%.12s: cannot list statuses (check %d of %d): %s", (long long)row->id,
			         f->name, row->repo, row->sha, row->uncertain, SETTLE_CHECKS, sigma_error_last());
			return;
		}
	}
	webhook_post_result pr;
	if (webhook_forge_post_status(&pr, http, f, row->repo, row->sha, &st) != 0) {
		u->done = STATUS_FAILED;
		u->result = "cannot build the request";
		webhook_metrics_post(&svc->metrics, MPOST_FINAL);
		webhook_log("status %lld: %s", (long long)row->id, sigma_error_last());
		return;
	}
	u->http_status = pr.http_status;
	switch (pr.outcome) {
	case POST_OK:
		u->done = STATUS_POSTED;
		u->result = "posted";
		webhook_metrics_post(&svc->metrics, MPOST_OK);
		webhook_log("status %lld %s %s@%.12s %s: posted (HTTP %ld, attempt %d)", (long long)row->id, f->name,
		         row->repo, row->sha, row->state, pr.http_status, attempt);
		return;
	case POST_FINAL:
		u->done = STATUS_FAILED;
		u->result = "refused";
		webhook_metrics_post(&svc->metrics, MPOST_FINAL);
		webhook_log("status %lld %s %s@%.12s %s: refused, not retried: %s", (long long)row->id, f->name, row->repo,
		         row->sha, row->state, pr.message);
		return;
	case POST_RETRY:
	case POST_UNCERTAIN:
		break;
	}
	if (attempt >= s->max_attempts) {
		u->done = STATUS_FAILED;
		u->result = "gave up";
		webhook_metrics_post(&svc->metrics, MPOST_GAVE_UP);
		webhook_log("status %lld %s %s@%.12s: gave up after %d attempts: %s", (long long)row->id, f->name, row->repo,
		         row->sha, attempt, pr.message);
		return;
	}
	int64_t delay = webhook_backoff_ms(attempt, s->retry_base_ms, s->retry_max_ms, pr.retry_after_ms,
	                                   (uint64_t)row->id * 7919u + (uint64_t)webhook_wall_ms());
	u->done = STATUS_WAITING;
	u->uncertain = pr.outcome == POST_UNCERTAIN;
	u->next_at_ms = webhook_wall_ms() + delay;
	u->result = pr.outcome == POST_UNCERTAIN ? "uncertain" : "retry";
	webhook_metrics_post(&svc->metrics, pr.outcome == POST_UNCERTAIN ? MPOST_UNCERTAIN : MPOST_RETRY);
	webhook_log("status %lld %s %s@%.12s: %s, again in %lld ms (attempt %d)", (long long)row->id, f->name, row->repo,
	         row->sha, pr.message, (long long)delay, attempt);
}

void *webhook_poster_main(void *arg)
{
	webhook_service *svc = arg;
	webhook_queue *q = NULL;
	webhook_http *http = NULL;
	if (webhook_queue_open(&q, svc->db_path, 0, 10000) || webhook_http_new(&http)) {
		webhook_log("poster: %s", sigma_error_last());
		webhook_queue_close(q);
		return NULL;
	}
	while (!atomic_load(&svc->stopping)) {
		webhook_status_row *rows = NULL;
		size_t n = 0;
		if (webhook_queue_due(&rows, &n, q, POST_BATCH) || n == 0) {
			free(rows);
			int64_t next = webhook_queue_next_due(q), wait = 1000;
			if (next >= 0) {
				wait = next - webhook_wall_ms();
				wait = wait < 1 ? 1 : wait > 1000 ? 1000 : wait;
			}
			wait_for(svc, &svc->wake_poster, &svc->poster_signalled, wait);
			continue;
		}
		webhook_status_update *u = sigma_xcalloc(n, sizeof *u);
		size_t done = 0;
		if (webhook_queue_sending(q, rows, n) == 0) {
			for (; done < n && !atomic_load(&svc->stopping); done++)
				post_one(svc, http, &rows[done], &u[done]);
			if (webhook_queue_status_updates(q, u, done) != 0)
				webhook_log("poster: %s", sigma_error_last());
		} else {
			webhook_log("poster: %s", sigma_error_last());
		}
		for (size_t i = 0; i < n; i++)
			webhook_status_row_dispose(&rows[i]);
		free(rows);
		free(u);
	}
	webhook_http_free(http);
	webhook_queue_close(q);
	return NULL;
}
