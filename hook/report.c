/* report.c: see report.h. At most MAX_SHOWN problems are spelled out per
 * kind; the rest are counted, and the certificate has them all. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "hook/lockfile.h"
#include "hook/report.h"

#define MAX_SHOWN 10

static const char *depth_words(int depth)
{
	static const char *const words[] = { "direct dependency", "L1 (dependency of a direct dependency)",
	                                     "L2 transitive", "L3 transitive" };
	if (depth < 0)
		return "not reachable from any root of the lockfile";
	return depth <= 3 ? words[depth] : "transitive, deeper than L3";
}

/* "name@version", or the bare name when the lockfile pins no version. */
static void print_pkg(FILE *out, const graph_node *n)
{
	fprintf(out, n->version[0] ? "%s@%s" : "%s", n->name, n->version);
}

/* A chain longer than CHAIN_SHOWN prints its two ends around the count of
 * what is left out, so that the report stays short for a chain of 100,000
 * (the certificate has every link). */
#define CHAIN_SHOWN 24

static void print_chain(FILE *out, const sigma_graph *g, uint32_t node)
{
	const graph_node *n = &g->nodes[node];
	if (n->depth < 0) {
		print_pkg(out, n);
		return;
	}
	uint32_t *path = sigma_xmalloc(((size_t)n->depth + 1) * sizeof *path), len = 0;
	graph_chain(g, node, path, &len);
	for (uint32_t i = 0; i < len; i++) {
		if (len > CHAIN_SHOWN && i == CHAIN_SHOWN / 2) {
			fprintf(out, " > ... %u more ...", len - CHAIN_SHOWN);
			i = len - CHAIN_SHOWN / 2;
		}
		if (i)
			fputs(" > ", out);
		print_pkg(out, &g->nodes[path[i]]);
	}
	free(path);
}

/* Where a direct dependency is declared, for each lockfile format. */
static const char *manifest_of(const sigma_graph *g)
{
	const lockfile_format *f = lockfile_detect_path(g->lockfile);
	if (f && f->manifest)
		return f->manifest;
	return "the requirements file";
}

/* How each package manager pins a transitive dependency to a safe version. */
static const char *pin_advice(const sigma_graph *g)
{
	if (sigma_startswith(g->format, "package-lock"))
		return "or pin a safe version with \"overrides\" in package.json";
	if (sigma_startswith(g->format, "yarn"))
		return "or pin a safe version with \"resolutions\" in package.json";
	if (sigma_startswith(g->format, "pnpm"))
		return "or pin a safe version with \"pnpm.overrides\" in package.json";
	if (!strcmp(g->ecosystem, "pypi"))
		return "or pin a safe version with a constraint (name==version)";
	return "or pin a safe version";
}

static void print_fix(FILE *out, const judged *p)
{
	const sigma_graph *g = p->g;
	const graph_node *n = &g->nodes[p->node];
	if (p->code && !strcmp(p->code, "integrity-mismatch")) {
		fprintf(out, "    fix:     regenerate %s from the registry (delete the entry, reinstall)\n"
		             "             so it points at the certified artefact\n", g->lockfile);
	} else if (p->code && !strcmp(p->code, "inconsistent")) {
		/* The package itself may be fine: what is wrong is the lockfile
		 * (a bad merge or a hand edit), so the fix is to rewrite it. */
		fprintf(out, "    fix:     regenerate %s with its package manager (the why says which\n"
		             "             command), commit it and push again\n", g->lockfile);
	} else if (p->release_refuses && p->acceptable_from) {
		fprintf(out, "    fix:     wait until %s, or use %s%s%s%s, or ask for a reviewed exception\n"
		             "             (see exceptions below), then push again\n",
		        p->acceptable_from, p->old_enough ? "" : "an older version of ", p->old_enough ? n->name : n->name,
		        p->old_enough ? "@" : "", p->old_enough ? p->old_enough : " that is old enough");
	} else if (p->release_refuses) {
		fprintf(out, "    fix:     the admin certifies %s@%s (sigma certify), which records when it was\n"
		             "             published, or grants an exception; then push again\n", n->name, n->version);
	} else if (p->advisory_fails && p->fixed && n->depth == 0) {
		fprintf(out, "    fix:     upgrade %s to %s or later in %s%s%s%s,\n"
		             "             then update %s, commit and push again\n",
		        n->name, p->fixed, manifest_of(g), n->spec ? " (declared \"" : "", n->spec ? n->spec : "",
		        n->spec ? "\")" : "", g->lockfile);
	} else if (p->advisory_fails && p->fixed) {
		uint32_t top[64], len = 0;
		if (n->depth < 64)
			graph_chain(g, p->node, top, &len);
		const graph_node *d = len ? &g->nodes[top[0]] : n;
		fprintf(out, "    fix:     %s %s is fixed in %s: upgrade ", n->name, n->version, p->fixed);
		print_pkg(out, d);
		fprintf(out, " to a release that depends on it,\n             %s;\n"
		             "             then update %s, commit and push again\n", pin_advice(g), g->lockfile);
	} else if (n->depth == 0) {
		fprintf(out, "    fix:     remove %s from %s or move to an allowed version%s%s%s,\n"
		             "             then update %s, commit and push again\n",
		        n->name, manifest_of(g), n->spec ? " (declared \"" : "", n->spec ? n->spec : "",
		        n->spec ? "\")" : "", g->lockfile);
	} else {
		uint32_t top[64], len = 0;
		if (n->depth < 64)
			graph_chain(g, p->node, top, &len);
		const graph_node *d = len ? &g->nodes[top[0]] : n;
		fprintf(out, "    fix:     it comes in through ");
		print_pkg(out, d);
		fprintf(out, ": upgrade or replace %s,\n             %s;\n"
		             "             then update %s, commit and push again\n",
		        d->name, pin_advice(g), g->lockfile);
	}
}

static void print_problem(FILE *out, const judged *p)
{
	const sigma_graph *g = p->g;
	const graph_node *n = &g->nodes[p->node];
	fprintf(out, "  %s ", p->effect == EFFECT_REJECT ? "x" : "!");
	print_pkg(out, n);
	fprintf(out, " (%s%s%s), %s\n", g->ecosystem, n->dev ? ", dev" : "", n->alias ? ", installed as an alias" : "",
	        depth_words(n->depth));
	fprintf(out, "    lockfile: %s\n", g->lockfile);
	if (n->depth > 0) {
		fprintf(out, "    chain:   ");
		print_chain(out, g, p->node);
		fputc('\n', out);
	}
	fprintf(out, "    why:     %s\n", p->why ? p->why : p->status);
}

const char *report_hook_prefix(void)
{
	static const char *const vars[] = { "GL_ID", "GL_PROTOCOL", "GL_USERNAME" };
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
		if (getenv(vars[i]))
			return "GL-HOOK-ERR: ";
	return "";
}

void report_lines(FILE *out, const char *prefix, const char *text)
{
	int bol = 1;
	for (const char *p = text; *p; p++) {
		if (bol)
			fputs(prefix, out);
		fputc(*p, out);
		bol = *p == '\n';
	}
	if (!bol)
		fputc('\n', out);
}

static void print_report(FILE *out, const judgement *j, const scan_set *s, const report_ctx *ctx);

void report_print(FILE *out, const judgement *j, const scan_set *s, const report_ctx *ctx)
{
	/* Testing mode: every line of what would have refused says so, so
	 * that nobody reads it as a refusal (or misses it as noise). */
	int testing = ctx->testing && j->rejected;
	if (!ctx->gitlab && !testing) {
		print_report(out, j, s, ctx);
		return;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem) {
		print_report(out, j, s, ctx);
		return;
	}
	print_report(mem, j, s, ctx);
	fclose(mem);
	char prefix[40];
	snprintf(prefix, sizeof prefix, "%s%s", ctx->gitlab ? "GL-HOOK-ERR: " : "", testing ? "testing: " : "");
	report_lines(out, prefix, text);
	if (testing)
		fprintf(out, "%ssigma: sigma.enforce = testing: the push is accepted; the above would refuse it\n",
		        ctx->gitlab ? "GL-HOOK-ERR: " : "");
	free(text);
}

/* "N packages" / "1 package". */
static const char *plural(size_t n, const char *one, const char *many) { return n == 1 ? one : many; }

static void print_report(FILE *out, const judgement *j, const scan_set *s, const report_ctx *ctx)
{
	char shortc[24] = "";
	if (ctx->commit)
		snprintf(shortc, sizeof shortc, " (%.10s)", ctx->commit);
	if (j->rejected) {
		fprintf(out, "sigma: %s %s%s: ", ctx->scan ? "rejected:" : "push refused for", ctx->ref, shortc);
		if (j->n_reject)
			fprintf(out, "%zu blocked dependenc%s", j->n_reject, j->n_reject == 1 ? "y" : "ies");
		if (j->n_reject && j->error_rejects)
			fputs(" and ", out);
		if (j->error_rejects)
			fprintf(out, "%zu lockfile%s sigma could not read or judge", j->n_errors, j->n_errors == 1 ? "" : "s");
		fputc('\n', out);
	} else if (j->n_warn || j->n_errors || ctx->verbose) {
		/* Every lockfile's packages (a reused judgement knows the total). */
		size_t total = ctx->npackages;
		if (!total)
			for (size_t i = 0; i < s->nrefs; i++)
				total += s->graphs[i] ? s->graphs[i]->nnodes : 0;
		size_t warnings = j->n_warn + j->n_errors;
		fprintf(out, "sigma: %s%s accepted: %zu %s, %zu %s, %zu %s\n", ctx->ref, shortc, s->nrefs,
		        plural(s->nrefs, "lockfile", "lockfiles"), total, plural(total, "package", "packages"), warnings,
		        plural(warnings, "warning", "warnings"));
	}
	for (size_t i = 0; i < s->nignored; i++)
		fprintf(out, "  - %s: %s\n", s->ignored[i].path, s->ignored[i].message);
	size_t shown = 0, more = 0;
	for (size_t i = 0; i < j->n; i++) {
		const judged *p = &j->pkgs[i];
		if (p->effect != EFFECT_REJECT)
			continue;
		if (shown++ >= MAX_SHOWN) {
			more++;
			continue;
		}
		print_problem(out, p);
		print_fix(out, p);
	}
	if (more)
		fprintf(out, "  ... and %zu more blocked (see the certificate)\n", more);
	for (size_t i = 0; i < s->nerrors; i++) {
		const scan_error *e = &s->errors[i];
		int rejects = policy_error_rejects(j, e);
		if (e->unjudged) {
			/* Not broken: a format sigma does not read. Never silent. */
			fprintf(out, "  %s %s is not judged\n", rejects ? "x" : "!", e->path);
			fprintf(out, "    why:     %s\n", e->message);
			fprintf(out, "             (sigma.unjudged = %s)\n", rejects ? "refuse: refused until sigma can judge it"
			                                                              : "warn: accepted, but nothing in it was judged");
			continue;
		}
		fprintf(out, "  %s %s could not be read\n", rejects ? "x" : "!", e->path);
		fprintf(out, "    why:     %s\n", e->message);
		fprintf(out, "    fix:     repair or regenerate the lockfile with its package manager\n");
		fprintf(out, "             (sigma.onError = %s: %s)\n", ctx->on_error_accept ? "accept" : "reject",
		        ctx->on_error_accept ? "accepted without judging it" : "refused until it can be judged");
	}
	shown = more = 0;
	for (size_t i = 0; i < j->n; i++) {
		const judged *p = &j->pkgs[i];
		if (p->effect != EFFECT_WARN)
			continue;
		if (shown++ >= MAX_SHOWN) {
			more++;
			continue;
		}
		const graph_node *n = &p->g->nodes[p->node];
		fputs("  ! warning: ", out);
		print_pkg(out, n);
		fprintf(out, " (%s), %s%s, in %s\n", p->g->ecosystem, depth_words(n->depth),
		        p->introduced ? "" : ", already there before this push", p->g->lockfile);
		if (n->depth > 0) {
			fprintf(out, "    chain:   ");
			print_chain(out, p->g, p->node);
			fputc('\n', out);
		}
		fprintf(out, "    why:     %s\n", p->why ? p->why : p->status);
		if (p->fixed && p->code && !strcmp(p->code, "advisory"))
			fprintf(out, "    fix:     %s is fixed in %s\n", n->name, p->fixed);
	}
	if (more)
		fprintf(out, "  ... and %zu more %s (see the certificate)\n", more, plural(more, "warning", "warnings"));
	if (j->rejected)
		fprintf(out, "  exceptions: %s\n",
		        ctx->contact && *ctx->contact ? ctx->contact : "ask your git server's admin");
	if (ctx->cert_id && (j->rejected || j->n_warn || j->n_errors)) {
		if (ctx->public_url && *ctx->public_url)
			fprintf(out, "  certificate: %s/certificates/%s\n", ctx->public_url, ctx->cert_id);
		else
			fprintf(out, "  certificate: %s\n", ctx->cert_id);
	}
}
