/* consensus.c: see consensus.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "registry/consensus.h"

#define PER_CODE 3
#define TOTAL 100

static int contextual(const char *who)
{
	return strcmp(who, "install-scripts") && strcmp(who, "typosquat") &&
	       strcmp(who, "malware") && strcmp(who, "archive");
}

/* Test, example, docs or benchmark code: not what an install runs. */
static int peripheral(const char *path)
{
	static const char *const dirs[] = { "test/", "tests/", "__tests__/", "spec/", "example/", "examples/",
	                                    "docs/", "doc/", "benchmark/", "benchmarks/", "bench/", NULL };
	if (!path)
		return 0;
	for (int i = 0; dirs[i]; i++) {
		size_t n = strlen(dirs[i]);
		if (!strncmp(path, dirs[i], n))
			return 1;
		char *slash = sigma_xasprintf("/%s", dirs[i]);
		int hit = strstr(path, slash) != NULL;
		free(slash);
		if (hit)
			return 1;
	}
	return sigma_endswith(path, ".test.js") || sigma_endswith(path, ".spec.js") || sigma_endswith(path, "_test.py");
}

static review_severity adjusted(const review_finding *f)
{
	if (f->severity > SEV_LOW && contextual(f->reviewer) && peripheral(f->file))
		return (review_severity)(f->severity - 1);
	return f->severity;
}

typedef struct ranked {
	const review_finding *f;
	review_severity sev;
	size_t order;
} ranked;

static int rank_cmp(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->sev != y->sev)
		return x->sev > y->sev ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

void consensus_decide(consensus *out, const review_findings *f)
{
	memset(out, 0, sizeof *out);
	ranked *all = sigma_xcalloc(f->n ? f->n : 1, sizeof *all);
	for (size_t i = 0; i < f->n; i++)
		all[i] = (ranked){ &f->items[i], adjusted(&f->items[i]), i };
	qsort(all, f->n, sizeof *all, rank_cmp);

	/* Rule 2 and 3 inputs. */
	const review_finding *critical = NULL, *high = NULL, *corroborated = NULL;
	const char *high_reviewers[16] = { 0 }, *medium_reviewers[16] = { 0 };
	size_t nhigh = 0, nmedium = 0;
	for (size_t i = 0; i < f->n; i++) {
		const review_finding *x = all[i].f;
		if (all[i].sev == SEV_CRITICAL && !critical)
			critical = x;
		if (all[i].sev >= SEV_HIGH) {
			if (!high)
				high = x;
			int seen = 0;
			for (size_t k = 0; k < nhigh; k++)
				seen |= !strcmp(high_reviewers[k], x->reviewer);
			if (!seen && nhigh < 16)
				high_reviewers[nhigh++] = x->reviewer;
			/* Same file, another reviewer, also HIGH? */
			for (size_t j = 0; x->file && j < i && !corroborated; j++)
				if (all[j].sev >= SEV_HIGH && all[j].f->file && !strcmp(all[j].f->file, x->file) &&
				    strcmp(all[j].f->reviewer, x->reviewer))
					corroborated = x;
		}
		if (all[i].sev >= SEV_MEDIUM) {
			int seen = 0;
			for (size_t k = 0; k < nmedium; k++)
				seen |= !strcmp(medium_reviewers[k], x->reviewer);
			if (!seen && nmedium < 16)
				medium_reviewers[nmedium++] = x->reviewer;
		}
	}
	if (critical) {
		snprintf(out->verdict, sizeof out->verdict, "REJECTED");
		out->decisive = critical;
		out->why = sigma_xasprintf("%s (%s, CRITICAL): %s", critical->code, critical->reviewer, critical->message);
	} else if (corroborated || nhigh >= 3) {
		snprintf(out->verdict, sizeof out->verdict, "REJECTED");
		out->decisive = corroborated ? corroborated : high;
		out->why = corroborated
		         ? sigma_xasprintf("HIGH findings from two reviewers in %s, e.g. %s: %s", corroborated->file,
		                           corroborated->code, corroborated->message)
		         : sigma_xasprintf("HIGH findings from %zu reviewers, e.g. %s: %s", nhigh, high->code, high->message);
	} else if (high || nmedium >= 3) {
		snprintf(out->verdict, sizeof out->verdict, "FLAGGED");
		out->decisive = high;
		out->why = high ? sigma_xasprintf("%s (%s, HIGH): %s", high->code, high->reviewer, high->message)
		                : sigma_xasprintf("MEDIUM findings from %zu different reviewers", nmedium);
	} else {
		snprintf(out->verdict, sizeof out->verdict, "APPROVED");
	}

	/* Retained warnings, worst first, capped per (reviewer, code). */
	out->retained = sigma_xcalloc(f->n ? f->n : 1, sizeof *out->retained);
	out->retained_sev = sigma_xcalloc(f->n ? f->n : 1, sizeof *out->retained_sev);
	for (size_t i = 0; i < f->n; i++) {
		if (all[i].sev < SEV_LOW)
			continue;
		size_t same = 0;
		for (size_t k = 0; k < out->nretained; k++)
			same += !strcmp(out->retained[k]->reviewer, all[i].f->reviewer) &&
			        !strcmp(out->retained[k]->code, all[i].f->code);
		if (same >= PER_CODE || out->nretained >= TOTAL) {
			out->suppressed++;
			continue;
		}
		out->retained_sev[out->nretained] = all[i].sev;
		out->retained[out->nretained++] = all[i].f;
		if (all[i].sev > out->level)
			out->level = all[i].sev;
	}
	free(all);
}

void consensus_dispose(consensus *c)
{
	free(c->retained);
	free(c->retained_sev);
	free(c->why);
	memset(c, 0, sizeof *c);
}
