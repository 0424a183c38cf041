/* repo.h: the git side of the hook, wrapping libgit2.
 *
 * Opens the pushed repository the way git hands it to pre-receive (with
 * the quarantine object directory and its alternates), turns revisions
 * into commits and trees, reads blobs, and finds every lockfile in a tree.
 * No libgit2 type leaves this module. */
#ifndef SIGMA_REPO_H
#define SIGMA_REPO_H
#include <stddef.h>
#include "common/buf.h"
#include "hook/lockfile.h"

typedef struct sigma_repo sigma_repo;

#define SIGMA_OID_HEX 41 /* 40 hex digits + NUL */

/* One lockfile found in a tree, with its companion manifest if any. */
typedef struct lockfile_ref {
	char *path;                            /* relative to the tree root */
	char oid[SIGMA_OID_HEX];               /* its blob */
	char manifest_oid[SIGMA_OID_HEX];      /* the manifest's blob, or "" */
	const lockfile_format *format;
} lockfile_ref;

/* Open from the environment, as a hook must: GIT_DIR, plus
 * GIT_OBJECT_DIRECTORY / GIT_ALTERNATE_OBJECT_DIRECTORIES (quarantine).
 * Falls back to discovering from the current directory. */
int repo_open_env(sigma_repo **out);
/* Open a repository by path (a .git directory, a bare repository or a
 * working tree). */
int repo_open_path(sigma_repo **out, const char *path);
void repo_free(sigma_repo *r);

/* The repository's git directory (for its config). */
const char *repo_gitdir(const sigma_repo *r);

/* Resolve `rev` and peel it to a commit. 0, SIGMA_ENOTFOUND, or
 * SIGMA_EINVALID when it names something that is not a commit. */
int repo_commit(char out[SIGMA_OID_HEX], sigma_repo *r, const char *rev);
/* The tree of a commit. */
int repo_commit_tree(char out[SIGMA_OID_HEX], sigma_repo *r, const char *commit);
/* The commit HEAD points to now, or SIGMA_ENOTFOUND (an empty repository). */
int repo_head_commit(char out[SIGMA_OID_HEX], sigma_repo *r);

/* Read a blob by id / a path in a tree (out gets the blob's id too).
 * repo_read_path: SIGMA_ENOTFOUND when the path is not a file of the tree;
 * SIGMA_EINVALID, naming it, when a symbolic link is on the way or (when
 * `out` is not NULL) is the path itself: links are never read through. */
int repo_read_blob(sigma_buf *out, sigma_repo *r, const char *oid);
int repo_read_path(sigma_buf *out, char oid[SIGMA_OID_HEX], sigma_repo *r,
                   const char *tree, const char *path);
/* The subdirectories of `path` ("" for the root) in `tree`, one name and a
 * newline each, in git's order; SIGMA_ENOTFOUND when it is not a directory. */
int repo_list_dirs(sigma_buf *out, sigma_repo *r, const char *tree, const char *path);

/* Every lockfile in `tree`, never under node_modules/. With `base_tree` and
 * its lockfile list, only what the diff between the two trees touches is
 * looked at (unchanged subtrees are skipped by id). *out is the caller's
 * (lockfile_refs_free). */
int repo_lockfiles(lockfile_ref **out, size_t *n, sigma_repo *r, const char *tree,
                   const char *base_tree, const lockfile_ref *base, size_t nbase);
void lockfile_refs_free(lockfile_ref *refs, size_t n);

/* The manifest path of a lockfile ("dir/package.json"), or NULL; caller frees. */
char *lockfile_manifest_path(const lockfile_ref *ref);

#endif
