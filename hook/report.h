/* report.h: what the pusher reads. A few lines per problem: what (the
 * package), where (lockfile, depth, chain), why (the registry's reason or
 * the rule), and how to fix it. Written to be read in a terminal as
 * "remote:" lines. On GitLab every line carries the GL-HOOK-ERR: prefix:
 * GitLab passes on only the stderr lines that start with it (to the pusher
 * and to its web UI), so an unprefixed line is a lost line. */
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
	int gitlab;             /* prefix every line with GL-HOOK-ERR: */
	const char *public_url; /* serve.publicUrl: the certificate's page is linked, or NULL */
	const char *contact;    /* sigma.contact: whom to ask for an exception, or NULL */
	int testing;            /* sigma.enforce = testing: a refusal is printed as what would happen */
	int verbose;            /* also print the accepted case's summary line */
	int scan;               /* `sigma scan`, not a push: word the headline so */
	size_t npackages;       /* the package count when the graphs were not loaded */
} report_ctx;

void report_print(FILE *out, const judgement *j, const scan_set *s, const report_ctx *ctx);

/* Under GitLab (GL_ID, GL_PROTOCOL or GL_USERNAME set by its hook
 * environment): "GL-HOOK-ERR: ", else "". */
const char *report_hook_prefix(void);
/* Write `text` to `out` with `prefix` at the start of every line. */
void report_lines(FILE *out, const char *prefix, const char *text);

#endif
