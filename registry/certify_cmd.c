/* certify_cmd.c: `sigma certify`.
 *
 *   sigma certify ECOSYSTEM NAME VERSION...      certify versions of one package
 *   sigma certify --lockfile PATH [--cap N]      certify what a lockfile resolves to
 *
 * Bulk order (BRIEF §2): the direct packages first, then the transitive
 * ones breadth first (by depth, then lockfile order), up to the transitive
 * audit cap (--cap, else sigma.auditCap, default 200). The rest are
 * disclosed as uncertified with audit "cap". Registry lookups are never
 * capped: a package with a certificate for the lockfile's integrity is
 * answered from the registry without a request.
 *
 * Output: on a terminal a progress bar on stderr (count, current package,
 * rate, ETA) and a summary; on a pipe one line per package on stdout;
 * --json gives one JSON object per package instead. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/cli.h"
#include "registry/cmd.h"
#include "common/error.h"
#include "common/util.h"
#include "hook/graph.h"
#include "hook/lockfile.h"
#include "registry/certify.h"
#include "registry/certify_cmd.h"
#include "registry/db.h"

#define LOCKFILE_MAX ((size_t)64 << 20)

typedef struct opts {
	const char *db;
	const char *lockfile;
	long cap;               /* -1: from the configuration */
	int json;
} opts;

typedef struct item {
	const char *name, *version, *integrity;
	int depth;
	int capped;
} item;

typedef struct tally {
	int certified, flagged, blocked, reused, errors, capped, red_flags;
	size_t done, total;
	int64_t started;
	int tty;
	int json;
	double bytes, review_ms;
} tally;

/* ---------------------------------------------------------------- output */

static void progress(const tally *t, const char *eco, const char *name, const char *version)
{
	if (!t->tty || t->json)
		return;
	double secs = (double)(sigma_now_ms() - t->started) / 1000.0;
	double rate = secs > 0 ? (double)t->done / secs : 0;
	double eta = rate > 0 ? (double)(t->total - t->done) / rate : 0;
	int width = 24, fill = t->total ? (int)((double)width * (double)t->done / (double)t->total) : width;
	char bar[32];
	for (int i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = '\0';
	fprintf(stderr, "\r\033[K[%s] %zu/%zu %s %s@%s  %.1f pkg/s  ETA %dm%02ds", bar, t->done, t->total, eco,
	        name, version, rate, (int)eta / 60, (int)eta % 60);
	fflush(stderr);
}

static void report(tally *t, const char *eco, const char *name, const char *version, int depth,
                   const certify_outcome *o, int rc, const char *audit)
{
	const char *status = rc ? "error" : o ? o->status : "uncertified";
	if (t->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "ecosystem", eco);
		cJSON_AddStringToObject(j, "name", o && o->name ? o->name : name);
		cJSON_AddStringToObject(j, "version", version);
		if (depth >= -1)
			cJSON_AddNumberToObject(j, "depth", depth);
		cJSON_AddStringToObject(j, "status", rc ? "uncertified" : status);
		cJSON_AddStringToObject(j, "audit", audit);
		if (rc)
			cJSON_AddStringToObject(j, "error", sigma_error_last());
		if (!rc && o) {
			if (o->verdict[0])
				cJSON_AddStringToObject(j, "verdict", o->verdict);
			if (o->security_level[0])
				cJSON_AddStringToObject(j, "security_level", o->security_level);
			if (o->certificate_id)
				cJSON_AddStringToObject(j, "certificate_id", o->certificate_id);
			if (o->distribution_sha256)
				cJSON_AddStringToObject(j, "distribution_sha256", o->distribution_sha256);
			cJSON_AddBoolToObject(j, "reused", o->reused);
			if (o->red_flag)
				cJSON_AddBoolToObject(j, "red_flag", 1);
			if (o->reason)
				cJSON_AddStringToObject(j, "reason", o->reason);
		}
		char *text = cJSON_PrintUnformatted(j);
		puts(text);
		free(text);
		cJSON_Delete(j);
		return;
	}
	FILE *out = t->tty ? stderr : stdout;
	if (t->tty)
		fputs("\r\033[K", stderr);
	if (rc) {
		fprintf(out, "error       %s %s %s: %s\n", eco, name, version, sigma_error_last());
	} else if (!strcmp(audit, "cap")) {
		if (!t->tty) /* on a terminal the summary counts them */
			fprintf(out, "uncertified %s %s %s (audit cap)\n", eco, name, version);
	} else if (!t->tty || strcmp(o->status, "certified") || o->red_flag) {
		fprintf(out, "%-11s %s %s %s%s%s%s%s%s\n", o->status, eco, o->name ? o->name : name, version,
		        o->security_level[0] ? " " : "", o->security_level, o->reused ? " (reused)" : "",
		        o->reason ? ": " : "", o->reason ? o->reason : "");
	}
	if (o && o->red_flag)
		fprintf(stderr, "sigma: RED FLAG: %s %s %s: the registry now serves a different artefact than the one "
		                "certified before (%s)\n", eco, name, version, o->reason ? o->reason : "");
}

static void count(tally *t, const certify_outcome *o, int rc)
{
	t->done++;
	if (rc) {
		t->errors++;
		return;
	}
	t->reused += o->reused;
	t->red_flags += o->red_flag;
	if (!strcmp(o->status, "certified"))
		t->certified++;
	else if (!strcmp(o->status, "flagged"))
		t->flagged++;
	else
		t->blocked++;
	t->bytes += (double)o->reviewed_bytes;
	t->review_ms += o->review_ms;
}

static void summary(const tally *t, const certifier *c)
{
	if (t->json)
		return;
	double secs = (double)(sigma_now_ms() - t->started) / 1000.0;
	fprintf(t->tty ? stderr : stdout,
	        "%zu package%s: %d certified, %d flagged, %d blocked, %d not certified (errors), "
	        "%d uncertified (audit cap); %d reused; %u HTTP requests; %.2f s\n",
	        t->total, t->total == 1 ? "" : "s", t->certified, t->flagged, t->blocked, t->errors, t->capped,
	        t->reused, certifier_requests(c), secs);
	if (t->review_ms > 0)
		fprintf(t->tty ? stderr : stdout, "review: %.2f MB of source in %.0f ms (%.1f MB/s)\n", t->bytes / 1e6,
		        t->review_ms, t->bytes / 1e6 / (t->review_ms / 1000.0));
}

/* ---------------------------------------------------------------- one package */

static int certify_one(tally *t, certifier *c, const char *eco, const char *name, const char *version,
                       const char *integrity, int depth)
{
	certify_outcome o;
	progress(t, eco, name, version);
	certify_request req = { eco, name, version, integrity };
	int rc = certify_package(&o, c, &req);
	count(t, &o, rc);
	report(t, eco, name, version, depth, &o, rc, o.reused ? "lookup" : "audited");
	certify_outcome_dispose(&o);
	return rc;
}

/* ---------------------------------------------------------------- lockfiles */

/* requirements' ${NAME}: the operator's environment, as pip would read it. */
static const char *env_here(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

static int read_beside(void *ctx, const char *path, sigma_buf *out)
{
	const char *root = ctx;
	if (path[0] == '/' || strstr(path, ".."))
		return sigma_error_set(SIGMA_ENOTFOUND, "%s: outside the project", path);
	char *full = sigma_xasprintf("%s/%s", root, path);
	int rc = sigma_buf_read_file(out, full);
	free(full);
	return rc;
}

static int by_depth(const void *a, const void *b)
{
	const item *x = a, *y = b;
	int dx = x->depth < 0 ? 1 << 30 : x->depth, dy = y->depth < 0 ? 1 << 30 : y->depth;
	if (dx != dy)
		return dx < dy ? -1 : 1;
	return x < y ? -1 : x > y; /* stable: qsort input is in lockfile order */
}

static int certify_lockfile(tally *t, certifier *c, const char *path, long cap)
{
	char *dir = sigma_xstrdup(path), *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : path;
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, strlen(dir) + 1, ".");
	const lockfile_format *fmt = lockfile_detect(base);
	sigma_buf lock, man;
	sigma_buf_init(&lock, LOCKFILE_MAX);
	sigma_buf_init(&man, LOCKFILE_MAX);
	sigma_graph *g = NULL;
	item *items = NULL;
	int rc = 0;
	if (!fmt) {
		rc = sigma_error_set(SIGMA_EINVALID, "%s: not a lockfile sigma knows (package-lock.json, yarn.lock, "
		                     "pnpm-lock.yaml, bun.lock, requirements*.txt, poetry.lock, uv.lock, Pipfile.lock)", path);
		goto out;
	}
	if ((rc = sigma_buf_read_file(&lock, path)))
		goto out;
	char *mpath = fmt->manifest ? sigma_xasprintf("%s/%s", dir, fmt->manifest) : NULL;
	int have_manifest = mpath && sigma_buf_read_file(&man, mpath) == 0;
	sigma_error_clear();
	free(mpath);
	lockfile_input in = {
		.path = base, .data = lock.ptr, .len = lock.len,
		.manifest_path = fmt->manifest, .manifest = have_manifest ? man.ptr : NULL,
		.manifest_len = have_manifest ? man.len : 0, .read_file = read_beside, .getenv = env_here,
		.ctx = dir,
	};
	if ((rc = lockfile_resolve(&g, fmt, &in))) {
		rc = sigma_error_wrap(rc, "%s: ", dir);
		goto out;
	}
	/* Registry artefacts only: a git or file: dependency has nothing to
	 * fetch from a registry (the hook's dependency rules speak for those). */
	size_t n = 0;
	items = sigma_xcalloc(g->nnodes ? g->nnodes : 1, sizeof *items);
	for (uint32_t i = 0; i < g->nnodes; i++) {
		const graph_node *node = &g->nodes[i];
		if (node->kind != GRAPH_KIND_REGISTRY || !node->version || !*node->version)
			continue;
		items[n++] = (item){ node->name, node->version, node->integrity, node->depth, 0 };
	}
	qsort(items, n, sizeof *items, by_depth);
	long transitive = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].depth != 0 && transitive++ >= cap)
			items[i].capped = 1;
	t->total = n;
	int failures = 0;
	for (size_t i = 0; i < n; i++) {
		if (items[i].capped) {
			t->capped++;
			t->done++;
			report(t, g->ecosystem, items[i].name, items[i].version, items[i].depth, NULL, 0, "cap");
			continue;
		}
		if (certify_one(t, c, g->ecosystem, items[i].name, items[i].version, items[i].integrity, items[i].depth))
			failures++;
	}
	rc = failures ? SIGMA_ERROR : 0;
out:
	free(items);
	graph_free(g);
	sigma_buf_dispose(&lock);
	sigma_buf_dispose(&man);
	free(dir);
	return rc;
}

/* ---------------------------------------------------------------- command */

int certify_cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "lockfile", required_argument, NULL, 'l' },
		{ "cap", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	opts o = { .cap = -1 };
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o.db = optarg; break;
		case 'l': o.lockfile = optarg; break;
		case 'j': o.json = 1; break;
		case 'c': {
			char *end = NULL;
			o.cap = strtol(optarg, &end, 10);
			if (!*optarg || *end || o.cap < 0)
				return cli_usage_error("certify", "--cap needs a whole number, got '%s'", optarg);
			break;
		}
		case 'h': certify_cmd_help(stdout); return 0;
		default:
			return cli_usage_error("certify", "certify: unknown option '%s'", argv[optind - 1]);
		}
	}
	char **args = argv + optind;
	int nargs = argc - optind;
	if (o.lockfile ? nargs != 0 : nargs < 3)
		return cli_usage_error("certify", "usage: sigma certify ECOSYSTEM NAME VERSION... | sigma certify --lockfile PATH [--cap N]");
	if (!o.lockfile && strcmp(args[0], "npm") && strcmp(args[0], "pypi"))
		return cli_usage_error("certify", "unknown ecosystem '%s' (npm or pypi)", args[0]);
	if (!o.lockfile && o.cap >= 0)
		return cli_usage_error("certify", "--cap goes with --lockfile");

	sigma_config cfg;
	registry *reg = NULL;
	certifier *c = NULL;
	int status = 0, rc;
	if ((rc = config_load(&cfg, NULL)))
		return cli_fail(2);
	if ((rc = registry_open_for_cli(&reg, o.db, 0))) {
		config_dispose(&cfg);
		return cli_fail(rc == SIGMA_EINVALID ? 2 : 1);
	}
	char *project = NULL;
	if (o.lockfile) {
		project = sigma_xstrdup(o.lockfile);
		char *slash = strrchr(project, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(project, 2, ".");
	}
	if ((rc = certifier_new(&c, reg, &cfg, project))) {
		status = cli_fail(rc == SIGMA_EINVALID ? 2 : 1);
		goto out;
	}
	tally t = { .started = sigma_now_ms(), .tty = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO), .json = o.json };
	if (o.lockfile) {
		long cap = o.cap >= 0 ? o.cap : cfg.audit_cap;
		rc = certify_lockfile(&t, c, o.lockfile, cap);
		if (rc && rc != SIGMA_ERROR) {
			status = cli_fail(rc == SIGMA_EINVALID ? 2 : 1);
			goto out;
		}
	} else {
		t.total = (size_t)(nargs - 2);
		for (int i = 2; i < nargs; i++) {
			rc = certify_one(&t, c, args[0], args[1], args[i], NULL, -2);
			/* No registry configured: the same answer for every version. */
			if (rc == SIGMA_ENOTFOUND && strstr(sigma_error_last(), "configured"))
				break;
		}
	}
	if (t.tty)
		fputs("\r\033[K", stderr);
	summary(&t, c);
	status = t.errors || t.blocked ? 1 : 0;
	if (t.errors && !t.certified && !t.flagged && !t.blocked && strstr(sigma_error_last(), "configured"))
		status = 2;
out:
	certifier_free(c);
	registry_close(reg);
	config_dispose(&cfg);
	free(project);
	return status;
}

void certify_cmd_help(FILE *out)
{
	fputs("usage: sigma certify ECOSYSTEM NAME VERSION... [--db PATH] [--json]\n"
	      "       sigma certify --lockfile PATH [--cap N] [--db PATH] [--json]\n"
	      "\n"
	      "Fetch each package from its registry, verify the registry's integrity\n"
	      "hashes, unpack it safely, have the council review it, and store the\n"
	      "package certificate in the registry. A version already certified for the\n"
	      "same artefact is never downloaded again.\n"
	      "\n"
	      "  --lockfile PATH   certify what the lockfile resolves to: direct packages\n"
	      "                    first, then transitive ones breadth first\n"
	      "  --cap N           at most N transitive certifications (default: the\n"
	      "                    sigma.auditCap setting, 200); the rest stay uncertified\n"
	      "  --json            one JSON object per package on stdout\n"
	      "\n"
	      "Registries: SIGMA_NPM_REGISTRY / sigma.npmRegistry, else npm's own\n"
	      "'registry' (.npmrc, NPM_CONFIG_REGISTRY); SIGMA_PYPI_INDEX /\n"
	      "sigma.pypiIndex, else pip's 'index-url' (pip.conf, PIP_INDEX_URL).\n"
	      "Downloads and redirects go only to the registry's own host:port and to\n"
	      "sigma.allowedHosts ('host' or 'host:port', comma separated).\n"
	      "HTTP: SIGMA_HTTP_TIMEOUT (s per attempt, 120), SIGMA_HTTP_RETRIES (3),\n"
	      "SIGMA_HTTP_BACKOFF (s, 0.25), SIGMA_HTTP_MAX_BYTES (256 MiB); proxies\n"
	      "from http_proxy/https_proxy/no_proxy; CA bundle from SSL_CERT_FILE or\n"
	      "CURL_CA_BUNDLE.\n"
	      "\n"
	      "Exit status: 0 all certified or flagged, 1 something blocked or not\n"
	      "certified, 2 usage or configuration error.\n", out);
}
