/* report.c: see report.h. At most MAX_SHOWN problems are spelled out per
 * kind; the rest are counted, and the certificate has them all. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
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

static void print_chain(FILE *out, const sigma_graph *g, uint32_t node)
{
	const graph_node *n = &g->nodes[node];
	if (n->depth < 0) {
		fprintf(out, "%s@%s", n->name, n->version);
		return;
	}
	uint32_t *path = sigma_xmalloc(((size_t)n->depth + 1) * sizeof *path), len = 0;
	graph_chain(g, node, path, &len);
	for (uint32_t i = 0; i < len; i++)
		fprintf(out, "%s%s@%s", i ? " > " : "", g->nodes[path[i]].name, g->nodes[path[i]].version);
	free(path);
}

static const char *manifest_of(const sigma_graph *g)
{
	return !strcmp(g->ecosystem, "npm") ? "package.json" : "your requirements";
}

static void print_fix(FILE *out, const judged *p)
{
	const sigma_graph *g = p->g;
	const graph_node *n = &g->nodes[p->node];
	int npm = !strcmp(g->ecosystem, "npm");
	if (p->code && !strcmp(p->code, "integrity-mismatch")) {
		fprintf(out, "    fix:     regenerate %s from the registry (delete the entry, reinstall)\n"
		             "             so it points at the certified artefact\n", g->lockfile);
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
		fprintf(out, "    fix:     it comes in through %s@%s: upgrade or replace %s%s%s;\n"
		             "             then update %s, commit and push again\n",
		        d->name, d->version, d->name,
		        npm ? ",\n             or pin a safe " : "", npm ? "version with \"overrides\" in package.json" : "",
		        g->lockfile);
	}
	if (!strcmp(p->status, "blocked") && p->st.reason_code && !strcmp(p->st.reason_code, "admin"))
		fprintf(out, "             (`sigma registry show %s %s %s` on the server shows the block)\n",
		        g->ecosystem, n->name, n->version);
}

static void print_problem(FILE *out, const judged *p)
{
	const sigma_graph *g = p->g;
	const graph_node *n = &g->nodes[p->node];
	fprintf(out, "  %s %s@%s (%s%s%s), %s\n", p->effect == EFFECT_REJECT ? "x" : "!", n->name, n->version,
	        g->ecosystem, n->dev ? ", dev" : "", n->alias ? ", installed as an alias" : "",
	        depth_words(n->depth));
	fprintf(out, "    lockfile: %s\n", g->lockfile);
	if (n->depth > 0) {
		fprintf(out, "    chain:   ");
		print_chain(out, g, p->node);
		fputc('\n', out);
	}
	fprintf(out, "    why:     %s\n", p->why ? p->why : p->status);
}

void report_print(FILE *out, const judgement *j, const scan_set *s, const report_ctx *ctx)
{
	char shortc[24] = "";
	if (ctx->commit)
		snprintf(shortc, sizeof shortc, " (%.10s)", ctx->commit);
	if (j->rejected) {
		fprintf(out, "%ssigma: %s %s%s: ", ctx->gitlab ? "GL-HOOK-ERR: " : "",
		        ctx->scan ? "rejected:" : "push refused for", ctx->ref, shortc);
		if (j->n_reject)
			fprintf(out, "%zu blocked dependenc%s", j->n_reject, j->n_reject == 1 ? "y" : "ies");
		if (j->n_reject && j->error_rejects)
			fputs(" and ", out);
		if (j->error_rejects)
			fprintf(out, "%zu lockfile%s sigma could not read", j->n_errors, j->n_errors == 1 ? "" : "s");
		fputc('\n', out);
	} else if (j->n_warn || j->n_errors || ctx->verbose) {
		size_t total = 0;
		for (size_t i = 0; i < s->nrefs; i++)
			total += s->graphs[i] ? s->graphs[i]->nnodes : 0;
		fprintf(out, "sigma: %s%s accepted: %zu lockfile%s, %zu packages%s%zu warning%s\n", ctx->ref, shortc,
		        s->nrefs, s->nrefs == 1 ? "" : "s", total, ", ", j->n_warn + j->n_errors,
		        j->n_warn + j->n_errors == 1 ? "" : "s");
	}
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
		fprintf(out, "  %s %s could not be read\n", j->error_rejects ? "x" : "!", s->errors[i].path);
		fprintf(out, "    why:     %s\n", s->errors[i].message);
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
		fprintf(out, "  ! warning: %s@%s (%s), %s%s, in %s\n", n->name, n->version, p->g->ecosystem,
		        depth_words(n->depth), p->introduced ? "" : ", already there before this push",
		        p->g->lockfile);
		if (n->depth > 0) {
			fprintf(out, "    chain:   ");
			print_chain(out, p->g, p->node);
			fputc('\n', out);
		}
		fprintf(out, "    why:     %s\n", p->why ? p->why : p->status);
	}
	if (more)
		fprintf(out, "  ... and %zu more warnings (see the certificate)\n", more);
	if (ctx->cert_id && (j->rejected || j->n_warn || j->n_errors))
		fprintf(out, "  certificate: %s\n", ctx->cert_id);
}
