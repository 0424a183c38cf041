/* report.h: what the pusher reads. A few lines per problem: what (the
 * package), where (lockfile, depth, chain), why (the registry's reason or
 * the rule), and how to fix it. Written to be read in a terminal as
 * "remote:" lines; on GitLab the first line of a refusal carries the
 * GL-HOOK-ERR: prefix so its web UI shows it. */
#ifndef SIGMA_REPORT_H
#define SIGMA_REPORT_H
#include <stdio.h>
#include "hook/policy.h"
#include "hook/scan.h"

typedef struct report_ctx {
	const char *ref;        /* refs/heads/main, or a path for `sigma scan` */
	const char *commit;     /* may be NULL */
	const char *cert_id;    /* may be NULL */
	int on_error_accept;
	int gitlab;             /* prefix the headline with GL-HOOK-ERR: */
	int verbose;            /* also print the accepted case's summary line */
	int scan;               /* `sigma scan`, not a push: word the headline so */
	size_t npackages;       /* the package count when the graphs were not loaded */
} report_ctx;

void report_print(FILE *out, const judgement *j, const scan_set *s, const report_ctx *ctx);

#endif
