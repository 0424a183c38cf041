/* mirror.h: local bare mirrors of forge repositories, kept with libgit2.
 *
 * A job's commit is fetched from the payload's clone URL into
 * <mirrors>/<forge>/<owner>/<repo>.git: first the one ref the event names,
 * then, if the commit is still missing, every branch and the forge's pull
 * or merge request heads. A mirror only grows; a commit already present is
 * not fetched again. Callers serialise fetches into the same mirror.
 * libgit2 types stay inside mirror.c. */
#ifndef SIGMA_WEBHOOK_MIRROR_H
#define SIGMA_WEBHOOK_MIRROR_H
#include <stdint.h>
#include "webhook/settings.h"

typedef struct webhook_fetch {
	const char *mirrors;      /* the mirrors directory */
	const webhook_forge *forge;
	const char *repository;   /* "owner/repo" (checked safe by the event parser) */
	const char *clone_url;    /* from webhook_mirror_source() */
	int offer_token;          /* from webhook_mirror_source() */
	int64_t deadline_ms;      /* wall clock; a fetch still running then is cut, or 0 */
	const char *ref;          /* "refs/heads/x", or a bare branch name, or NULL */
	const char *sha;          /* the commit that must be present afterwards */
	const char *base_sha;     /* fetched too when possible, or NULL */
	const char *base_ref;     /* a branch fetched along with `ref` (a merge
	                           * request's target), or NULL */
} webhook_fetch;

/* Where a job's commit may be fetched from, and whether the forge's token
 * may go along. A payload is written by whoever can send a signed
 * delivery, and its clone URL could name any server, a file:// URL or a
 * path on this machine; so:
 *   - a [repository] section with `url` (`mapped`) decides, whatever the
 *     payload says: that URL (any host, file://, a local path) is trusted
 *     because the administrator wrote it;
 *   - otherwise the payload's clone URL must be http(s) on the forge's own
 *     origin (forge->origin: scheme, host and port);
 *   - the token goes only to the forge's origin, never to a mapped URL
 *     elsewhere.
 * *url is the caller's. 0, or SIGMA_EINVALID saying why the URL is refused. */
int webhook_mirror_source(char **url, int *offer_token, const webhook_forge *forge,
                          const webhook_repository *mapped, const char *clone_url);

/* The mirror's path for a fetch (the caller's); used to pick a lock. */
char *webhook_mirror_path(const webhook_fetch *f);

/* Make sure f->sha is in the mirror, fetching as needed; *gitdir (the
 * caller's) is the mirror's path. 0, SIGMA_ENOTFOUND when the commit is
 * not on the remote, SIGMA_EIO when the fetch failed (worth retrying),
 * SIGMA_ETIMEOUT when f->deadline_ms passed during it. */
int webhook_mirror_fetch(char **gitdir, const webhook_fetch *f);

/* The merge base of `sha` and branch `branch` (its mirrored ref
 * refs/sigma/heads/BRANCH, else refs/heads/BRANCH in a repository used in
 * place) in the repository at `gitdir`, as 40 hex digits: what a merge
 * request's diff is against. 0, SIGMA_ENOTFOUND, or SIGMA_EIO. */
int webhook_mirror_merge_base(char out[41], const char *gitdir, const char *sha, const char *branch);

#endif
