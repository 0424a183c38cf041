/* consensus.h: from the council's findings to one verdict.
 *
 * The policy (docs/COUNCIL.md explains the reasons):
 *   1. Context: a finding in test, example, documentation or benchmark
 *      code drops one level (never below LOW), except from the reviewers
 *      that do not read code by path (install-scripts, typosquat, malware,
 *      archive).
 *   2. REJECTED when any finding is CRITICAL, or when HIGH findings come
 *      from two different reviewers in the same file (corroboration: e.g.
 *      a secret read next to an exfiltration endpoint), or from three
 *      different reviewers anywhere.
 *   3. FLAGGED when any finding is HIGH, or MEDIUM findings come from three
 *      or more different reviewers (a typosquat with an install script and
 *      process execution is more than the sum of its parts).
 *   4. APPROVED otherwise.
 * Retained warnings: every finding at LOW or above, at most 3 per
 * (reviewer, code) plus a count of the rest, at most 100 in all, worst
 * first. The security level is the highest retained severity (CLEAR when
 * nothing is retained). */
#ifndef SIGMA_REGISTRY_CONSENSUS_H
#define SIGMA_REGISTRY_CONSENSUS_H
#include <stddef.h>
#include "registry/review.h"

typedef struct consensus {
	char verdict[16];            /* APPROVED, FLAGGED, REJECTED */
	review_severity level;
	const review_finding **retained; /* borrowed from the findings */
	review_severity *retained_sev;   /* each one's severity after the context rule */
	size_t nretained;
	size_t suppressed;           /* findings over the per-code or total caps */
	const review_finding *decisive;  /* the finding that decided a REJECTED/FLAGGED, or NULL */
	char *why;                   /* one sentence for reasons[] */
} consensus;

/* Decide. `f` must outlive `out`. Never fails. */
void consensus_decide(consensus *out, const review_findings *f);
void consensus_dispose(consensus *c);

#endif
