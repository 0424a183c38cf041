/* policy.h: the decision (BRIEF §3). Given the graphs of the pushed tree,
 * the registry, and (when needed) the graphs of the tree it replaces,
 * decide what each package means for the push:
 *
 *   - blocked (by the registry, or because the lockfile's integrity differs
 *     from the certified artefact's) at depth <= sigma.rejectDepth (default
 *     1: direct and L1) and introduced by this push: reject;
 *   - a package the lockfile references but does not define (finding
 *     "inconsistent": no integrity) is judged as blocked;
 *   - blocked deeper, or already present before the push: warn;
 *   - a dependency-rule finding introduced by this push: warn, or reject
 *     at depth <= rejectDepth when sigma.rules = reject;
 *   - flagged and introduced: warn;
 *   - an advisory at or above sigma.failOnSeverity (unknown severities
 *     count as at it), introduced: like a block; other advisories
 *     introduced: warn; advisories already there: recorded only;
 *   - with sigma.minimumReleaseAge: a version published more recently,
 *     introduced at any depth, refuses (a cooldown: most malicious versions
 *     are found and pulled within days); one whose publish time is unknown
 *     warns or refuses by sigma.unknownReleaseAge; names matching
 *     sigma.minimumReleaseAgeExclude are not checked;
 *   - a waiver (sigma registry allow) that has not expired takes away what
 *     it covers: one advisory, or the whole version but a block (unless it
 *     overrides blocks); never an integrity mismatch or an inconsistent
 *     lockfile, which say the lockfile is wrong, not the package;
 *   - a lockfile that cannot be read: sigma.onError decides.
 * "Introduced" means absent from the same lockfile path in the old tip;
 * sigma.policy = all treats everything as introduced. */
#ifndef SIGMA_POLICY_H
#define SIGMA_POLICY_H
#include <stddef.h>
#include "common/config.h"
#include "hook/scan.h"
#include "registry/db.h"
#include "registry/osv.h"

typedef enum effect { EFFECT_NONE = 0, EFFECT_WARN, EFFECT_REJECT } effect;

typedef struct judged {
	const sigma_graph *g;
	uint32_t node;
	registry_status st;   /* what the registry says */
	const char *status;   /* effective: st.status, or "blocked" on an integrity mismatch */
	int introduced;
	effect effect;
	char *code;           /* why it matters: "blocked", "integrity-mismatch", "advisory", "waived", a rule code... */
	char *why;            /* a sentence for the pusher */
	osv_hit *advisories;  /* the advisories that affect this version */
	size_t nadvisories;
	int advisory_fails;   /* one of them is at or above sigma.failOnSeverity, not waived: judged like a block */
	const char *fixed;    /* the lowest version that fixes every failing (else every) advisory, or NULL */
	char *waiver;         /* the waiver that applies: "REASON (by WHO on DATE[, until DAY])", or NULL */
	char *waiver_expired; /* a waiver that would apply but expired: its day, or NULL */
	int release_refuses;  /* younger than sigma.minimumReleaseAge (or of unknown age, under refuse) */
	char *acceptable_from;/* when it is old enough: "YYYY-MM-DD HH:MM UTC", or NULL */
	char *old_enough;     /* the newest older version that is old enough, or NULL */
} judged;

typedef struct judgement {
	int rejected;
	judged *pkgs;         /* one per (lockfile, package) */
	size_t n;
	size_t n_reject, n_warn;
	size_t candidates;    /* packages blocked, flagged or with findings, whatever their effect */
	size_t n_errors;      /* lockfiles that could not be resolved */
	int error_rejects;    /* the errors alone reject (sigma.onError = reject, or sigma.unjudged = refuse) */
	int unreadable_rejects; /* a lockfile that cannot be read refuses (sigma.onError = reject) */
	int unjudged_rejects; /* a lockfile of a format sigma does not read refuses (sigma.unjudged = refuse) */
	size_t per_depth[5];  /* 0, 1, 2, 3, deeper */
	size_t unreachable;
	size_t per_status[4]; /* certified, flagged, blocked, uncertified */
} judgement;

/* Supplies the old tip's scan only when a judgement needs it (it costs a
 * tree diff and maybe parses). Returns NULL when there is no old tip. */
typedef const scan_set *(*policy_before_fn)(void *ctx);

int policy_judge(judgement *out, const sigma_config *cfg, registry *reg, const scan_set *now,
                 policy_before_fn before, void *before_ctx);
void judgement_dispose(judgement *j);

const char *effect_name(effect e);

/* Does this scan error refuse the push: an unreadable lockfile by
 * sigma.onError, one of a format sigma does not read by sigma.unjudged. */
int policy_error_rejects(const judgement *j, const scan_error *e);

#endif
