/* version.h: ordering of package versions, and package-name normal forms.
 *
 * OSV ranges ("introduced 1.0.0, fixed 1.2.6") are only meaningful with the
 * ecosystem's own ordering: SemVer 2.0 for npm, PEP 440 for PyPI. This
 * module implements both for the forms registries actually publish; a
 * version it cannot read compares by plain string order, so a malformed
 * version never crashes a lookup (and never silently matches a range: see
 * version_in_osv_range). */
#ifndef SIGMA_REGISTRY_VERSION_H
#define SIGMA_REGISTRY_VERSION_H

/* <0, 0 or >0 as a is lower than, equal to or higher than b, by the
 * ordering of `ecosystem` ("npm" or "pypi"). */
int version_cmp(const char *ecosystem, const char *a, const char *b);

/* Non-zero when `version` is affected by one OSV range, given as its
 * `events` array in JSON text order: introduced / fixed / last_affected /
 * limit pairs. `events` is a cJSON array (const void * keeps cJSON out of
 * the callers that do not need it). introduced "0" is the lowest version. */
int version_in_osv_range(const char *ecosystem, const void *events, const char *version);

/* The name as the registry keys it: PEP 503 for PyPI (lowercase, runs of
 * '-', '_' and '.' folded to one '-'), unchanged for npm. Caller frees. */
char *version_name_normalize(const char *ecosystem, const char *name);

#endif
