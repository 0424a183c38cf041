/* cmd.c: `sigma pre-receive` and `sigma scan`, the two ways to judge a
 * tree. Both run the same pipeline (scan -> policy -> certificate ->
 * report); they differ in where the tree comes from and in who reads the
 * answer.
 *
 * The hook has a deadline (sigma.timeout, 4 s by default, under GitHub
 * Enterprise's 5 s for all hooks together). It is enforced with SIGALRM:
 * when it fires, the handler writes a prepared message and exits with the
 * status sigma.onError asks for. That is the one piece of mutable global
 * state here, and it has to be: a signal handler gets no context. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "common/json.h"
#include "common/buf.h"
#include "common/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/sign.h"
#include "common/util.h"
#include "hook/certificate.h"
#include "hook/cmd.h"
#include "hook/output.h"
#include "hook/policy.h"
#include "hook/report.h"
#include "hook/repo.h"
#include "hook/scan.h"
#include "registry/db.h"
#include "registry/open.h"
#include "webhook/outbox.h"

/* ---------------------------------------------------------------- deadline */

static char deadline_msg[512];
static size_t deadline_len;
static int deadline_status;

static void on_deadline(int sig)
{
	(void)sig;
	(void)!write(STDERR_FILENO, deadline_msg, deadline_len);
	_exit(deadline_status);
}

static void arm_deadline(const sigma_config *cfg)
{
	const char *p = report_hook_prefix();
	int n = snprintf(deadline_msg, sizeof deadline_msg,
	                 "%ssigma: could not finish judging this push within %.1f s (sigma.timeout).\n"
	                 "%s  sigma.onError = %s: the push is %s.\n"
	                 "%s  fix: push again (caches make the next try faster), or ask the admin to raise sigma.timeout\n",
	                 p, cfg->timeout_ms / 1000.0, p, cfg->on_error_accept ? "accept" : "reject",
	                 cfg->on_error_accept ? "accepted unjudged" : "refused", p);
	deadline_len = n > 0 && (size_t)n < sizeof deadline_msg ? (size_t)n : 0;
	deadline_status = cfg->on_error_accept ? 0 : 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_deadline;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it;
	memset(&it, 0, sizeof it);
	it.it_value.tv_sec = cfg->timeout_ms / 1000;
	it.it_value.tv_usec = (cfg->timeout_ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* ---------------------------------------------------------------- shared */

/* The repository's name as its server knows it: GitLab's project path,
 * Gitea's (and Forgejo's) owner/name, GitHub Enterprise's owner/name, else
 * the git directory. The caller owns it. */
static char *repository_name(const char *gitdir)
{
	const char *gitea_owner = getenv("GITEA_REPO_USER_NAME"), *gitea_name = getenv("GITEA_REPO_NAME");
	if (gitea_owner && *gitea_owner && gitea_name && *gitea_name)
		return sigma_xasprintf("%s/%s", gitea_owner, gitea_name);
	const char *names[] = { "GL_PROJECT_PATH", "GITHUB_REPO_NAME" };
	for (size_t i = 0; i < 2; i++) {
		const char *v = getenv(names[i]);
		if (v && *v)
			return sigma_xstrdup(v);
	}
	return sigma_xstrdup(gitdir);
}

/* Who pushed, as the server's hook environment says (Gitea, GitLab, GitHub
 * Enterprise), or NULL: recorded in the certificate, never used to decide. */
static const char *pusher_name(void)
{
	const char *names[] = { "GITEA_PUSHER_NAME", "GL_USERNAME", "GITHUB_USER_LOGIN" };
	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(names[i]);
		if (v && *v)
			return v;
	}
	return NULL;
}

/* Judge one commit: scan, decide, certify, store, report. Returns 0
 * accepted, 1 rejected, or a negative error. */
typedef struct judge_args {
	sigma_repo *repo;
	registry *reg;
	const sigma_config *cfg;
	const char *repository;
	const char *ref;
	const char *commit;
	const char *base_commit; /* may be NULL */
	const sigma_key *key;    /* signs the certificate, or NULL */
	int json;                /* print the certificate instead of the report */
	int scan;                /* `sigma scan` (stdout, "rejected") rather than the hook (stderr) */
	sigma_buf *accepted;     /* the hook: "ref\tcommit\tcertificate id\n" per accepted ref, or NULL */
} judge_args;

/* ---------------------------------------------------------------- reuse
 *
 * A clean judgement (no package blocked, flagged or with a rule finding, no
 * unreadable lockfile) depends only on the lockfiles, the files their
 * resolvers read, the registry's content and the settings: not on the
 * commit, the ref or the old tip. Its certificate members are kept under a
 * key made of exactly those, with the registry's generation number (bumped
 * by every block, unblock and certificate), and reused whole: no graph is
 * loaded and no package looked up. Anything that is not clean is judged
 * afresh every time. */

/* Every setting that can turn a clean judgement into an unclean one, for
 * the keys clean judgements are kept under: a verdict reached with a check
 * off (say sigma.minimumReleaseAge) must not be reused once it is on. */
static void judge_settings(sigma_buf *b, const sigma_config *cfg)
{
	sigma_buf_printf(b, "policy=%d rules=%d depth=%d fail_on=%d age=%ld age_unknown=%d age_exclude=%s unjudged=%d\n",
	                 cfg->policy_all, cfg->rules_reject, cfg->reject_depth, cfg->fail_on_severity,
	                 cfg->min_release_age, cfg->unknown_release_age_refuse,
	                 cfg->release_age_exclude ? cfg->release_age_exclude : "", cfg->unjudged_refuse);
}

static int reuse_key(char out[80], registry *reg, const sigma_config *cfg, const scan_set *s)
{
	int64_t gen;
	if (registry_generation(reg, &gen))
		return SIGMA_ERROR;
	sigma_buf b = SIGMA_BUF_INIT;
	/* judged/3: certificate v3 (a via counts from its lockfile's first
	 * package) kept as one part per lockfile; a v2 packages text must never
	 * be reused inside a v3 certificate. */
	sigma_buf_printf(&b, "judged/3 gen=%lld ", (long long)gen);
	judge_settings(&b, cfg);
	for (size_t i = 0; i < s->nrefs; i++)
		sigma_buf_printf(&b, "%s\t%s\t%s\t%s\n", s->refs[i].format->name, s->refs[i].path, s->refs[i].oid,
		                 s->refs[i].manifest_oid);
	char hex[65];
	sigma_sha256_hex(b.ptr, b.len, hex);
	snprintf(out, 80, "judged:%s", hex);
	sigma_buf_dispose(&b);
	return 0;
}

/* The part hashes a kept judgement names, in order: its packages are
 * those runs, fetched while the certificate is written. */
static int parts_named(cert_reusable *out, registry *reg, const cJSON *hashes)
{
	size_t n = (size_t)cJSON_GetArraySize(hashes), k = 0;
	const cJSON *h;
	out->parts.at = sigma_xcalloc(n ? n : 1, sizeof *out->parts.at);
	cJSON_ArrayForEach(h, hashes) {
		if (!cJSON_IsString(h) || strlen(h->valuestring) != 64 || !registry_part_has(reg, h->valuestring))
			return SIGMA_EINVALID;
		snprintf(out->parts.at[k++].hash, sizeof out->parts.at[0].hash, "%s", h->valuestring);
		out->parts.n = k;
	}
	return 0;
}

static int reuse_load(cert_reusable *out, registry *reg, sigma_repo *repo, const char *tree, const char *key)
{
	char *deps = NULL, *value = NULL;
	int rc = SIGMA_ENOTFOUND;
	cJSON *v = NULL;
	memset(out, 0, sizeof *out);
	if (registry_cache_get(reg, key, &deps, &value))
		goto out;
	v = cJSON_Parse(value);
	const char *lockfiles = json_str(v, "lockfiles"), *summary = json_str(v, "summary");
	const cJSON *parts = cJSON_GetObjectItemCaseSensitive(v, "parts");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "n");
	if (!lockfiles || !summary || !cJSON_IsArray(parts) || !cJSON_IsNumber(n) ||
	    (deps && !scan_deps_hold(repo, tree, deps)))
		goto out;
	if (parts_named(out, reg, parts)) {
		cert_reusable_dispose(out);
		goto out;
	}
	out->lockfiles = sigma_xstrdup(lockfiles);
	out->summary = sigma_xstrdup(summary);
	out->npackages = (size_t)n->valuedouble;
	rc = 0;
out:
	cJSON_Delete(v);
	free(deps);
	free(value);
	return rc;
}

/* Keep a clean judgement's members under `key`. Its parts are already
 * stored (registry_submission_put, which also filled `stored`'s hashes):
 * the cache row names them by hash. */
static void reuse_store(registry *reg, const char *key, const cert_reusable *keep, const cert_parts *stored,
                        const scan_set *s)
{
	if (stored->n != keep->parts.n)
		return;
	sigma_buf deps = SIGMA_BUF_INIT;
	for (size_t i = 0; i < s->nrefs; i++)
		if (s->deps[i])
			sigma_buf_puts(&deps, s->deps[i]);
	cJSON *v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "lockfiles", keep->lockfiles);
	cJSON_AddStringToObject(v, "summary", keep->summary);
	cJSON *parts = cJSON_AddArrayToObject(v, "parts");
	for (size_t k = 0; k < stored->n; k++) {
		if (strlen(stored->at[k].hash) != 64)
			goto out; /* stored whole (a small certificate): nothing to name */
		cJSON_AddItemToArray(parts, cJSON_CreateString(stored->at[k].hash));
	}
	cJSON_AddNumberToObject(v, "n", (double)keep->npackages);
	char *text = cJSON_PrintUnformatted(v);
	registry_cache_put(reg, key, deps.len ? deps.ptr : NULL, text);
	free(text);
out:
	cJSON_Delete(v);
	sigma_buf_dispose(&deps);
}

/* ---------------------------------------------------------------- per-lockfile reuse
 *
 * The same reasoning, one lockfile at a time: a lockfile none of whose
 * packages has anything to say (no block, flag, finding, advisory or
 * waiver: no `why`) is judged the same whatever the commit, the ref and the
 * old tip ("introduced" only matters for packages with a why). Its
 * certificate pieces (its "lockfiles" element, its packages run, stored as
 * a part, and its counts) are kept under a key of its format, path, blob,
 * manifest blob, the settings and the registry generation, with the files
 * its resolver read as deps. A later push, on any branch or repository of
 * the same registry, that carries the same lockfile neither parses nor
 * judges it: the run is copied into the certificate from the part. A
 * lockfile with anything to say is judged afresh every time. */

static int lock_key(char out[80], int64_t gen, const sigma_config *cfg, const lockfile_ref *ref)
{
	sigma_buf b = SIGMA_BUF_INIT;
	sigma_buf_printf(&b, "lockjudged/1 gen=%lld ", (long long)gen);
	judge_settings(&b, cfg);
	sigma_buf_printf(&b, "%s\t%s\t%s\t%s\n", ref->format->name, ref->path, ref->oid, ref->manifest_oid);
	char hex[65];
	sigma_sha256_hex(b.ptr, b.len, hex);
	sigma_buf_dispose(&b);
	snprintf(out, 80, "lockjudged:%s", hex);
	return 0;
}

static void kept_free(cert_kept *k)
{
	if (k)
		free(k->entry);
	free(k);
}

/* Counts in a kept row: an array of `n` non-negative integers. */
static int counts_load(size_t *out, const cJSON *a, size_t n)
{
	if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n)
		return SIGMA_EINVALID;
	for (size_t k = 0; k < n; k++) {
		const cJSON *v = cJSON_GetArrayItem(a, (int)k);
		if (!cJSON_IsNumber(v) || v->valuedouble < 0)
			return SIGMA_EINVALID;
		out[k] = (size_t)v->valuedouble;
	}
	return 0;
}

/* The kept judgement of one lockfile, when there is one and the files its
 * resolver read are unchanged in `tree`; *deps gets those (the caller's). */
static int kept_load(cert_kept **out, char **deps_out, registry *reg, sigma_repo *repo, const char *tree,
                     const char *key)
{
	char *deps = NULL, *value = NULL;
	cJSON *v = NULL;
	cert_kept *k = NULL;
	int rc = SIGMA_ENOTFOUND;
	if (registry_cache_get(reg, key, &deps, &value) || (deps && !scan_deps_hold(repo, tree, deps)))
		goto out;
	v = cJSON_Parse(value);
	const char *entry = json_str(v, "entry"), *part = json_str(v, "part");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "n");
	size_t unreachable[1];
	k = sigma_xcalloc(1, sizeof *k);
	/* A part that is not there (a registry pruned by hand) is no reason
	 * to fail the push: the lockfile is judged again instead. */
	if (!entry || !part || (*part && (strlen(part) != 64 || !registry_part_has(reg, part))) ||
	    !cJSON_IsNumber(n) || n->valuedouble < 0 ||
	    (!*part) != (n->valuedouble == 0) ||
	    counts_load(k->per_depth, cJSON_GetObjectItemCaseSensitive(v, "depth"), 5) ||
	    counts_load(k->per_status, cJSON_GetObjectItemCaseSensitive(v, "status"), 4) ||
	    counts_load(unreachable, cJSON_GetObjectItemCaseSensitive(v, "unreachable"), 1))
		goto out;
	k->entry = sigma_xstrdup(entry);
	snprintf(k->hash, sizeof k->hash, "%s", part);
	k->npackages = (size_t)n->valuedouble;
	k->unreachable = unreachable[0];
	*out = k;
	*deps_out = deps;
	k = NULL;
	deps = NULL;
	rc = 0;
out:
	kept_free(k);
	cJSON_Delete(v);
	free(deps);
	free(value);
	return rc;
}

/* Keep refs[i]'s judgement (pkgs[0..n), its packages in j) if it is clean;
 * `hash` is its stored run's part hash ("" when it has no package). */
static void kept_store(registry *reg, const char *key, const scan_set *s, size_t i, const judged *pkgs, size_t n,
                       const char *hash)
{
	static const char *const statuses[4] = { "certified", "flagged", "blocked", "uncertified" };
	double depth[5] = { 0 }, status[4] = { 0 }, unreachable = 0;
	for (size_t k = 0; k < n; k++) {
		if (pkgs[k].why)
			return; /* something to say: judged afresh every time */
		int d = pkgs[k].g->nodes[pkgs[k].node].depth;
		if (d < 0)
			unreachable++;
		else
			depth[d > 3 ? 4 : d]++;
		for (int st = 0; st < 4; st++)
			if (!strcmp(pkgs[k].status, statuses[st]))
				status[st]++;
	}
	if (n && strlen(hash) != 64)
		return;
	char *entry = certificate_lockfile_entry(s, i);
	cJSON *v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "entry", entry);
	cJSON_AddStringToObject(v, "part", n ? hash : "");
	cJSON_AddNumberToObject(v, "n", (double)n);
	cJSON_AddItemToObject(v, "depth", cJSON_CreateDoubleArray(depth, 5));
	cJSON_AddItemToObject(v, "status", cJSON_CreateDoubleArray(status, 4));
	cJSON_AddItemToObject(v, "unreachable", cJSON_CreateDoubleArray(&unreachable, 1));
	char *text = cJSON_PrintUnformatted(v);
	registry_cache_put(reg, key, s->deps[i], text);
	free(text);
	free(entry);
	cJSON_Delete(v);
}

static int part_from_registry(char **out, void *ctx, const char *hash)
{
	return registry_part_get(out, ctx, hash);
}

static int judge_commit(const judge_args *a)
{
	int64_t started = sigma_now_ms();
	char tree[SIGMA_OID_HEX], base_tree[SIGMA_OID_HEX];
	int rc = repo_commit_tree(tree, a->repo, a->commit);
	if (rc)
		return rc;
	int have_base = a->base_commit && repo_commit_tree(base_tree, a->repo, a->base_commit) == 0;
	scan_set now;
	if ((rc = scan_tree_list(&now, a->repo, a->reg, tree, have_base ? base_tree : NULL)))
		return rc;
	scan_lazy before = { .repo = a->repo, .reg = a->reg, .tree = have_base ? base_tree : NULL };
	judgement j;
	memset(&j, 0, sizeof j);
	char *cert = NULL, id[65] = "", key[80] = "";
	cert_reusable keep;
	memset(&keep, 0, sizeof keep);
	int testing = a->cfg->enforce == CONFIG_ENFORCE_TESTING;
	cert_subject subj = { a->repository, a->ref, a->commit, tree, a->scan ? NULL : pusher_name(), testing };
	int have_key = reuse_key(key, a->reg, a->cfg, &now) == 0;
	int reused = have_key && reuse_load(&keep, a->reg, a->repo, tree, key) == 0;
	cert_parts parts = { .n = 0 };
	int keepable = 0;
	size_t nkept = 0, total = 0;
	cert_kept **kept = sigma_xcalloc(now.nrefs + 1, sizeof *kept);
	unsigned char *skip = sigma_xcalloc(now.nrefs + 1, 1);
	char (*lkeys)[80] = sigma_xcalloc(now.nrefs + 1, sizeof *lkeys);
	int64_t gen;
	int have_gen = !reused && registry_generation(a->reg, &gen) == 0;
	for (size_t i = 0; have_gen && i < now.nrefs; i++) {
		lock_key(lkeys[i], gen, a->cfg, &now.refs[i]);
		if (kept_load(&kept[i], &now.deps[i], a->reg, a->repo, tree, lkeys[i]) == 0) {
			skip[i] = 1;
			nkept++;
		}
	}
	if (reused) {
		cert_kept_set src = { NULL, part_from_registry, a->reg };
		rc = certificate_build_reused(&cert, id, &keep, &src, &subj, a->key, &parts);
	} else {
		scan_tree_resolve(&now, a->repo, a->reg, tree, skip);
		rc = policy_judge(&j, a->cfg, a->reg, &now, scan_lazy_get, &before);
		cert_kept_set ks = { kept, part_from_registry, a->reg };
		int clean = !rc && !j.candidates && !now.nerrors && !j.rejected;
		int uncertifiable = 0;
		if (!rc)
			uncertifiable = (rc = certificate_build_kept(&cert, id, &j, &now, &ks, &subj, a->key,
			                                             clean && have_key ? &keep : NULL, &parts)) < 0;
		if (uncertifiable) {
			/* What was pushed cannot be certified (its certificate would
			 * pass the cap): that is the input's doing, so it is refused
			 * whatever sigma.onError says. Nothing is accepted without a
			 * certificate, and nothing is stored. */
			fprintf(a->scan ? stdout : stderr, "%ssigma: %s %s: no certificate can be issued: %s\n",
			        a->scan ? "" : report_hook_prefix(), a->scan ? "rejected:" : "push refused for",
			        a->ref, sigma_error_last());
			rc = 1;
			goto out;
		}
		keepable = !rc && clean && have_key;
		for (size_t i = 0; i < now.nrefs; i++)
			total += kept[i] ? kept[i]->npackages : now.graphs[i] ? now.graphs[i]->nnodes : 0;
	}
	if (!rc && !registry_is_readonly(a->reg)) {
		/* The certificate is part of the answer: failing to keep it is an
		 * error. A read-only registry cannot keep it; that was said once
		 * when it was opened (registry_opened). */
		rc = registry_submission_put(a->reg, a->repository, a->ref, a->commit, id,
		                             j.rejected && !testing ? "rejected" : "accepted", cert, parts.at, parts.n);
		if (!rc && keepable)
			reuse_store(a->reg, key, &keep, &parts, &now);
		/* Each lockfile judged now and clean is kept for the next push. */
		for (size_t i = 0, jpos = 0, k = 0; !rc && have_gen && i < now.nrefs; i++) {
			if (kept[i] || !now.graphs[i])
				continue;
			size_t m = now.graphs[i]->nnodes;
			while (k < parts.n && parts.lockfile[k] < i)
				k++;
			const char *hash = k < parts.n && parts.lockfile[k] == i ? parts.at[k].hash : "";
			if (jpos + m <= j.n)
				kept_store(a->reg, lkeys[i], &now, i, &j.pkgs[jpos], m, hash);
			jpos += m;
		}
		/* An accepted ref is remembered; its status is queued only once the
		 * whole push is known to be accepted (outbox_accepted): git updates
		 * no ref when any is refused, and a status must never say "passed"
		 * for a commit the repository did not take. */
		if (!rc && a->accepted && (!j.rejected || testing))
			sigma_buf_printf(a->accepted, "%s\t%s\t%s\n", a->ref, a->commit, id);
	}
	if (!rc) {
		if (a->json) {
			puts(cert);
		} else {
			report_ctx rctx = { .ref = a->ref, .commit = a->commit, .cert_id = id,
			                    .on_error_accept = a->cfg->on_error_accept,
			                    .gitlab = !a->scan && *report_hook_prefix(), .verbose = 1,
			                    .public_url = a->cfg->public_url, .contact = a->cfg->contact,
			                    .scan = a->scan, .npackages = reused ? keep.npackages : total,
			                    .testing = testing };
			report_print(a->scan ? stdout : stderr, &j, &now, &rctx);
		}
		/* Testing mode runs everything and refuses nothing. */
		rc = j.rejected && !testing ? 1 : 0;
	}
out:
	if (getenv("SIGMA_TRACE"))
		fprintf(stderr, "sigma: trace: %s lockfiles=%zu parsed=%zu cached=%d kept=%zu old_tip_scanned=%d judgement=%s ms=%lld\n",
		        a->ref, now.nrefs, reused ? 0 : now.nrefs - (size_t)now.cache_hits - now.nerrors - nkept,
		        now.cache_hits, nkept, before.loaded, reused ? "reused" : "computed",
		        (long long)(sigma_now_ms() - started));
	for (size_t i = 0; i < now.nrefs; i++)
		kept_free(kept[i]);
	free(kept);
	free(skip);
	free(lkeys);
	free(cert);
	cert_parts_dispose(&parts);
	cert_reusable_dispose(&keep);
	judgement_dispose(&j);
	scan_set_dispose(&now);
	scan_set_dispose(&before.set);
	return rc;
}

static int is_zero_oid(const char *s)
{
	for (; *s; s++)
		if (*s != '0')
			return 0;
	return 1;
}

static int is_hex_oid(const char *s)
{
	size_t n = strlen(s);
	if (n != 40 && n != 64)
		return 0;
	return strspn(s, "0123456789abcdef") == n;
}

/* An internal failure: tell the pusher, then do what sigma.onError says. */
static int internal_error(const sigma_config *cfg)
{
	char *text = sigma_xasprintf("sigma: internal error: %s\n"
	                             "  sigma.onError = %s: the push is %s. Tell your git server admin.\n",
	                             sigma_error_last(), cfg->on_error_accept ? "accept" : "reject",
	                             cfg->on_error_accept ? "accepted unjudged" : "refused");
	report_lines(stderr, report_hook_prefix(), text);
	free(text);
	return cfg->on_error_accept ? 0 : 1;
}

/* A registry that cannot be used refuses the push, whatever sigma.onError
 * says: onError is for sigma's own failures while judging, and a gate
 * with nothing to judge against would wave every package through (a wrong
 * path, a lost file, a hook running as a user who cannot read it). */
static int registry_unusable(void)
{
	char *text = sigma_xasprintf("sigma: cannot judge this push: %s\n"
	                             "  The push is refused (whatever sigma.onError says): without its registry "
	                             "sigma cannot tell a blocked package from a clean one.\n", sigma_error_last());
	report_lines(stderr, report_hook_prefix(), text);
	free(text);
	return 1;
}

/* Say once that a read-only registry is judged without its cache and
 * without keeping this push's certificate (a read-only mount, or a hook
 * user allowed to read but not write: both are fine). */
static void registry_opened(registry *reg)
{
	if (registry_is_readonly(reg))
		fprintf(stderr, "%ssigma: note: %s is read-only for this user: judging without its cache; "
		                "this push's certificate is not stored\n", report_hook_prefix(), registry_path(reg));
}

/* Every ref of an accepted push leaves an outbox row for `sigma serve` to
 * post its status, when a forge is configured to post to. Best effort: a
 * failure here never refuses the push. `accepted` is judge_args.accepted. */
static void outbox_accepted(const sigma_config *cfg, registry *reg, const char *repository, sigma_buf *accepted)
{
	if (!cfg->has_forges || !reg || registry_is_readonly(reg) || !accepted->len)
		return;
	char *line = accepted->ptr, *end;
	while ((end = strchr(line, '\n'))) {
		*end = '\0';
		char *commit = strchr(line, '\t'), *id = commit ? strchr(commit + 1, '\t') : NULL;
		if (id) {
			*commit++ = '\0';
			*id++ = '\0';
			if (webhook_outbox_add_push(registry_path(reg), repository, line, commit, id, "accepted") != 0)
				sigma_error_clear();
		}
		line = end + 1;
	}
}

/* ---------------------------------------------------------------- pre-receive */

int hook_prereceive_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL;
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (ch == 'd')
			db = optarg;
		else if (ch == 'h') {
			hook_prereceive_help(stdout);
			return 0;
		} else
			return cli_usage_error("pre-receive", "pre-receive: unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc)
		return cli_usage_error("pre-receive", "pre-receive takes no arguments (ref updates come on stdin)");

	sigma_config cfg;
	sigma_repo *repo = NULL;
	registry *reg = NULL;
	sigma_key *key = NULL;
	char *dbpath = NULL, *repository = NULL;
	sigma_buf accepted = SIGMA_BUF_INIT;
	int status = 0, rc;
	/* Until the repository's own config is read, fail closed. */
	memset(&cfg, 0, sizeof cfg);
	if ((rc = repo_open_env(&repo)) || (rc = config_load(&cfg, repo_gitdir(repo)))) {
		sigma_config sys;
		if (config_load(&sys, NULL) == 0) {
			cfg.on_error_accept = sys.on_error_accept;
			config_dispose(&sys);
		}
		status = internal_error(&cfg);
		goto out;
	}
	if (cfg.enforce == CONFIG_ENFORCE_OFF) {
		/* Said on every push, so that nobody mistakes it for a clean one. */
		fprintf(stderr, "%ssigma: not judged: sigma.enforce = off for this repository\n", report_hook_prefix());
		goto out;
	}
	arm_deadline(&cfg);
	cfg.paths = CONFIG_PATHS_HOOK;
	repository = repository_name(repo_gitdir(repo));
	char head[SIGMA_OID_HEX];
	int have_head = repo_head_commit(head, repo) == 0;

	char line[1024];
	int lineno = 0;
	while (fgets(line, sizeof line, stdin)) {
		lineno++;
		char old[80], new[80], ref[900];
		if (sscanf(line, "%79s %79s %899s", old, new, ref) != 3 || !is_hex_oid(old) || !is_hex_oid(new)) {
			sigma_error_set(SIGMA_EINVALID, "stdin:%d: not a ref update ('<old> <new> <ref>')", lineno);
			status = internal_error(&cfg);
			goto out;
		}
		if (is_zero_oid(new))
			continue; /* a deletion adds no dependency */
		/* The registry and the key are opened for the first ref to judge, so
		 * a push of deletions alone needs neither. */
		if (!reg) {
			if (registry_open_configured(&reg, &dbpath, db, &cfg, REGISTRY_READONLY_OK)) {
				status = registry_unusable();
				goto out;
			}
			registry_opened(reg);
			if ((rc = sign_key_load_configured(&key, &cfg))) {
				status = internal_error(&cfg);
				goto out;
			}
		}
		char commit[SIGMA_OID_HEX], base[SIGMA_OID_HEX];
		rc = repo_commit(commit, repo, new);
		if (rc == SIGMA_EINVALID) {
			fprintf(stderr, "sigma: %s points at %.12s, which is not a commit; nothing to judge\n", ref, new);
			continue;
		}
		if (rc) {
			status = internal_error(&cfg);
			goto out;
		}
		/* What the push introduces is measured against the old tip; a new
		 * ref is measured against HEAD (the default branch) when there is one. */
		const char *base_commit = NULL;
		if (!is_zero_oid(old) && repo_commit(base, repo, old) == 0)
			base_commit = base;
		else if (have_head)
			base_commit = head;
		judge_args a = { repo, reg, &cfg, repository, ref, commit, base_commit, key, 0, 0, &accepted };
		rc = judge_commit(&a);
		if (rc < 0) {
			status = internal_error(&cfg);
			goto out;
		}
		if (rc > 0)
			status = 1;
	}
	if (status == 0) {
		/* Judged and accepted: the deadline has nothing left to guard, and
		 * must not refuse the push between two outbox rows. */
		struct itimerval off;
		memset(&off, 0, sizeof off);
		setitimer(ITIMER_REAL, &off, NULL);
		outbox_accepted(&cfg, reg, repository, &accepted);
	}
out:
	sign_key_free(key);
	registry_close(reg);
	repo_free(repo);
	free(dbpath);
	sigma_buf_dispose(&accepted);
	free(repository);
	config_dispose(&cfg);
	return status;
}

void hook_prereceive_help(FILE *out)
{
	fputs("usage: sigma pre-receive [--db PATH]\n"
	      "\n"
	      "The git pre-receive hook. Reads '<old> <new> <ref>' lines on stdin, judges\n"
	      "the new tip of every updated ref and exits non-zero to refuse the push.\n"
	      "Install it as hooks/pre-receive (a symlink named pre-receive works too).\n"
	      "\n"
	      "Settings (git config syntax, /etc/sigma/config or $SIGMA_CONFIG, then the\n"
	      "repository's own config):\n"
	      "  sigma.database     the registry (also --db, $SIGMA_DB; default\n"
	      "                     " SIGMA_STATE_DIR "/registry.db); never created here\n"
	      "  sigma.policy       introduced (default) | all\n"
	      "  sigma.timeout      seconds before giving up (default 4)\n"
	      "  sigma.onError      reject (default) | accept\n"
	      "  sigma.rules        warn (default) | reject, for dependency-rule findings\n"
	      "  sigma.rejectDepth  blocked packages at this depth or shallower reject (default 1)\n", out);
}

/* ---------------------------------------------------------------- scan */

int hook_scan_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "repo", required_argument, NULL, 'r' },
		{ "rev", required_argument, NULL, 'v' },
		{ "base", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *repo_path = NULL, *rev = NULL, *base_rev = NULL, *out_path = NULL;
	output_format format = OUTPUT_TABLE;
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 'j': format = OUTPUT_JSON; break;
		case 'f':
			if (output_format_parse(&format, optarg)) {
				sigma_error_clear();
				return cli_usage_error("scan", "scan: unknown --format '%s' (table, json, sarif, cyclonedx, "
				                       "spdx, markdown)", optarg);
			}
			break;
		case 'o': out_path = optarg; break;
		case 'r': repo_path = optarg; break;
		case 'v': rev = optarg; break;
		case 'b': base_rev = optarg; break;
		case 'h': hook_scan_help(stdout); return 0;
		default:
			/* getopt reports a missing argument as '?' too, with optopt
			 * set to the option ('f' alone is no short option). */
			if (optopt == 'o' || (optopt == 'f' && !strncmp(argv[optind - 1], "--", 2)))
				return cli_usage_error("scan", "scan: %s needs an argument", argv[optind - 1]);
			return cli_usage_error("scan", "scan: unknown option '%s'", argv[optind - 1]);
		}
	}
	const char *path = optind < argc ? argv[optind] : NULL;
	if (optind + (path ? 1 : 0) != argc)
		return cli_usage_error("scan", "scan: too many arguments");
	if (!!repo_path != !!rev)
		return cli_usage_error("scan", "scan: --repo and --rev go together");
	if (path && repo_path)
		return cli_usage_error("scan", "scan: give a PATH or --repo/--rev, not both");
	if (!path && !repo_path)
		path = ".";
	if (base_rev && !repo_path)
		return cli_usage_error("scan", "scan: --base needs --repo/--rev");
	if (out_path && !*out_path)
		return cli_usage_error("scan", "scan: -o needs a file name");

	sigma_config cfg;
	sigma_repo *repo = NULL;
	registry *reg = NULL;
	sigma_key *key = NULL;
	char *dbpath = NULL, *text = NULL;
	size_t text_len = 0;
	sigma_buf doc = SIGMA_BUF_INIT;
	output_file file = { NULL, NULL, -1 };
	scan_set now, before_set;
	judgement j;
	output_tree tree_reader = { NULL, NULL, -1 };
	int status = 2, rc, judged_here = 0, saved_stdout = -1;
	memset(&cfg, 0, sizeof cfg);
	memset(&now, 0, sizeof now);
	memset(&before_set, 0, sizeof before_set);
	memset(&j, 0, sizeof j);
	if (repo_path && (rc = repo_open_path(&repo, repo_path)))
		goto fail;
	if ((rc = config_load(&cfg, repo ? repo_gitdir(repo) : NULL)) ||
	    (rc = registry_open_configured(&reg, &dbpath, db, &cfg, REGISTRY_READONLY_OK)) ||
	    (rc = sign_key_load_configured(&key, &cfg)))
		goto fail;
	registry_opened(reg);
	/* -o: everything goes to a temporary beside FILE, renamed over it
	 * only once the whole answer is there (output.h). */
	if (out_path && (rc = output_file_open(&file, out_path)))
		goto fail;
	char commit[SIGMA_OID_HEX], base[SIGMA_OID_HEX], tree[SIGMA_OID_HEX], base_tree[SIGMA_OID_HEX];
	if (repo) {
		if ((rc = repo_commit(commit, repo, rev)) || (base_rev && (rc = repo_commit(base, repo, base_rev))))
			goto fail;
	}
	if (repo && (format == OUTPUT_TABLE || format == OUTPUT_JSON)) {
		/* The report and the certificate of a commit are the hook's own
		 * (judge_commit stores the submission); -o sends its stdout to
		 * the temporary. */
		char *name = repository_name(repo_gitdir(repo));
		judge_args a = { repo, reg, &cfg, name, rev, commit, base_rev ? base : NULL, key,
		                 format == OUTPUT_JSON, 1, NULL };
		if (out_path) {
			fflush(stdout);
			if ((saved_stdout = dup(STDOUT_FILENO)) < 0 || dup2(file.fd, STDOUT_FILENO) < 0) {
				rc = sigma_error_set(SIGMA_EIO, "%s: cannot write: %s", out_path, strerror(errno));
				free(name);
				goto fail;
			}
		}
		rc = judge_commit(&a);
		free(name);
		if (saved_stdout >= 0) {
			fflush(stdout);
			dup2(saved_stdout, STDOUT_FILENO);
			close(saved_stdout);
			saved_stdout = -1;
		}
		if (rc < 0)
			goto fail;
		status = rc;
	} else {
		judged_here = 1;
		if (repo) {
			/* The same scan and judgement as judge_commit, without its
			 * reuse shortcut: these formats need every package. */
			if ((rc = repo_commit_tree(tree, repo, commit)))
				goto fail;
			int have_base = base_rev && repo_commit_tree(base_tree, repo, base) == 0;
			if ((rc = scan_tree(&now, repo, reg, tree, have_base ? base_tree : NULL)))
				goto fail;
			scan_lazy lazy = { .repo = repo, .reg = reg, .tree = have_base ? base_tree : NULL };
			rc = policy_judge(&j, &cfg, reg, &now, scan_lazy_get, &lazy);
			before_set = lazy.set;
			tree_reader.repo = repo;
			tree_reader.tree = tree;
		} else {
			if ((rc = scan_dir(&now, path)))
				goto fail;
			rc = policy_judge(&j, &cfg, reg, &now, NULL, NULL);
			tree_reader.rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		}
		if (rc)
			goto fail;
		if (format == OUTPUT_TABLE || format == OUTPUT_JSON) {
			char *cert = NULL, id[65];
			cert_subject subj = { path, NULL, NULL, NULL, NULL, cfg.enforce == CONFIG_ENFORCE_TESTING };
			if ((rc = certificate_build(&cert, id, &j, &now, &subj, key, NULL, NULL)))
				goto fail;
			if (format == OUTPUT_JSON) {
				sigma_buf_puts(&doc, cert);
				sigma_buf_putc(&doc, '\n');
			} else {
				FILE *mem = open_memstream(&text, &text_len);
				if (!mem) {
					free(cert);
					rc = sigma_error_set(SIGMA_EIO, "scan: %s", strerror(errno));
					goto fail;
				}
				report_ctx rctx = { .ref = path, .cert_id = NULL, .on_error_accept = cfg.on_error_accept,
				                    .verbose = 1, .scan = 1, .testing = cfg.enforce == CONFIG_ENFORCE_TESTING };
				report_print(mem, &j, &now, &rctx);
				fclose(mem);
				sigma_buf_put(&doc, text, text_len);
			}
			free(cert);
		} else {
			output_subject subj = { .name = repo ? repo_path : path, .rev = rev, .commit = repo ? commit : NULL,
			                        .now = (long long)time(NULL),
			                        .read_file = output_read_file, .ctx = &tree_reader };
			/* SOURCE_DATE_EPOCH: a reproducible document (the timestamps
			 * are its only moving part). */
			const char *sde = getenv("SOURCE_DATE_EPOCH");
			if (sde && *sde && strspn(sde, "0123456789") == strlen(sde) && strlen(sde) < 12)
				subj.now = atoll(sde);
			if ((rc = output_write(&doc, format, &j, &now, &subj)))
				goto fail;
		}
		if ((rc = sigma_buf_error(&doc))) {
			sigma_error_set(rc, "scan: the output passes its cap");
			goto fail;
		}
		if (out_path) {
			if (doc.len && (rc = output_file_write(&file, doc.ptr, doc.len)))
				goto fail;
		} else if (doc.len && (fwrite(doc.ptr, 1, doc.len, stdout) != doc.len || fflush(stdout) != 0)) {
			rc = sigma_error_set(SIGMA_EIO, "stdout: %s", strerror(errno));
			goto fail;
		}
		status = j.rejected && cfg.enforce != CONFIG_ENFORCE_TESTING ? 1 : 0;
	}
	if (out_path && (rc = output_file_commit(&file)))
		goto fail;
	goto out;
fail:
	cli_fail(2);
	status = 2;
	output_file_abort(&file);
out:
	if (judged_here) {
		judgement_dispose(&j);
		scan_set_dispose(&now);
		scan_set_dispose(&before_set);
	}
	if (tree_reader.rootfd >= 0)
		close(tree_reader.rootfd);
	free(text);
	sigma_buf_dispose(&doc);
	sign_key_free(key);
	registry_close(reg);
	repo_free(repo);
	free(dbpath);
	config_dispose(&cfg);
	return status;
}

void hook_scan_help(FILE *out)
{
	fputs("usage: sigma scan [--format FORMAT | --json] [-o FILE] [--db PATH]\n"
	      "                  [PATH | --repo GITDIR --rev REV [--base REV]]\n"
	      "\n"
	      "Judge a directory (default '.') or a commit the way the pre-receive hook\n"
	      "would. With --base, only what REV introduces relative to the base is\n"
	      "judged (as in a push).\n"
	      "\n"
	      "  --format table      the report a pusher reads (the default)\n"
	      "  --format json       the submission certificate (--json is the same)\n"
	      "  --format sarif      SARIF 2.1.0: a result per refusing or warning package,\n"
	      "                      at its lockfile line\n"
	      "  --format cyclonedx  CycloneDX 1.5 JSON: packages, hashes, graph, advisories\n"
	      "  --format spdx       SPDX 2.3 JSON: packages and their DEPENDS_ON graph\n"
	      "  --format markdown   the short summary for a pull-request comment\n"
	      "  -o, --output FILE   write to FILE (atomically: a temporary renamed over it)\n"
	      "\n"
	      "Exit status: 0 accepted, 1 rejected, 2 error (a file that cannot be written\n"
	      "included).\n", out);
}
