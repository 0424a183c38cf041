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
#include "webhook/settings.h"

typedef struct webhook_fetch {
	const char *mirrors;      /* the mirrors directory */
	const webhook_forge *forge;
	const char *repository;   /* "owner/repo" (checked safe by the event parser) */
	const char *clone_url;
	const char *ref;          /* "refs/heads/x", or a bare branch name, or NULL */
	const char *sha;          /* the commit that must be present afterwards */
	const char *base_sha;     /* fetched too when possible, or NULL */
} webhook_fetch;

/* The mirror's path for a fetch (the caller's); used to pick a lock. */
char *webhook_mirror_path(const webhook_fetch *f);

/* Make sure f->sha is in the mirror, fetching as needed; *gitdir (the
 * caller's) is the mirror's path. 0, SIGMA_ENOTFOUND when the commit is
 * not on the remote, SIGMA_EIO when the fetch failed (worth retrying). */
int webhook_mirror_fetch(char **gitdir, const webhook_fetch *f);

#endif
