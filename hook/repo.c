/* repo.c: see repo.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include "common/error.h"
#include "common/util.h"
#include "hook/repo.h"

struct sigma_repo {
	git_repository *repo;
	char *gitdir;
};

static int git_fail(int code, const char *what)
{
	const git_error *e = git_error_last();
	int rc = sigma_error_set(code == GIT_ENOTFOUND ? SIGMA_ENOTFOUND : SIGMA_EIO, "%s: %s", what,
	                         e && e->message ? e->message : "libgit2 error");
	git_error_clear();
	return rc;
}

static int wrap(sigma_repo **out, git_repository *repo)
{
	sigma_repo *r = sigma_xcalloc(1, sizeof *r);
	r->repo = repo;
	const char *p = git_repository_path(repo);
	r->gitdir = sigma_xstrdup(p ? p : ".");
	size_t n = strlen(r->gitdir);
	if (n > 1 && r->gitdir[n - 1] == '/')
		r->gitdir[n - 1] = '\0';
	*out = r;
	return 0;
}

int repo_open_env(sigma_repo **out)
{
	git_repository *repo = NULL;
	/* GIT_REPOSITORY_OPEN_FROM_ENV makes libgit2 honour GIT_DIR,
	 * GIT_OBJECT_DIRECTORY and GIT_ALTERNATE_OBJECT_DIRECTORIES, which is how
	 * git points a pre-receive hook at the quarantined new objects. */
	if (git_repository_open_ext(&repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL) < 0)
		return git_fail(-1, "opening the pushed repository");
	return wrap(out, repo);
}

int repo_open_path(sigma_repo **out, const char *path)
{
	git_repository *repo = NULL;
	if (git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return git_fail(-1, path);
	return wrap(out, repo);
}

void repo_free(sigma_repo *r)
{
	if (!r)
		return;
	git_repository_free(r->repo);
	free(r->gitdir);
	free(r);
}

const char *repo_gitdir(const sigma_repo *r) { return r->gitdir; }

static void hex(char out[SIGMA_OID_HEX], const git_oid *oid)
{
	git_oid_tostr(out, SIGMA_OID_HEX, oid);
}

int repo_commit(char out[SIGMA_OID_HEX], sigma_repo *r, const char *rev)
{
	git_object *obj = NULL, *peeled = NULL;
	int rc = 0;
	if (git_revparse_single(&obj, r->repo, rev) < 0)
		return git_fail(GIT_ENOTFOUND, rev);
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		git_error_clear();
		rc = sigma_error_set(SIGMA_EINVALID, "%s does not name a commit", rev);
	} else {
		hex(out, git_object_id(peeled));
	}
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

int repo_commit_tree(char out[SIGMA_OID_HEX], sigma_repo *r, const char *commit)
{
	git_oid oid;
	git_commit *c = NULL;
	if (git_oid_fromstr(&oid, commit) < 0 || git_commit_lookup(&c, r->repo, &oid) < 0)
		return git_fail(GIT_ENOTFOUND, commit);
	hex(out, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

int repo_head_commit(char out[SIGMA_OID_HEX], sigma_repo *r)
{
	git_reference *head = NULL;
	git_object *obj = NULL;
	if (git_repository_head(&head, r->repo) < 0) {
		git_error_clear();
		return SIGMA_ENOTFOUND;
	}
	int rc = git_reference_peel(&obj, head, GIT_OBJECT_COMMIT);
	if (rc == 0)
		hex(out, git_object_id(obj));
	else
		git_error_clear();
	git_object_free(obj);
	git_reference_free(head);
	return rc == 0 ? 0 : SIGMA_ENOTFOUND;
}

int repo_read_blob(sigma_buf *out, sigma_repo *r, const char *oidstr)
{
	git_oid oid;
	git_blob *blob = NULL;
	if (git_oid_fromstr(&oid, oidstr) < 0 || git_blob_lookup(&blob, r->repo, &oid) < 0)
		return git_fail(GIT_ENOTFOUND, oidstr);
	int rc = sigma_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return rc;
}

/* Why `path` is not in tree t: a symbolic link on the way (SIGMA_EINVALID,
 * naming it, as treepath_open says for a directory scan), or simply
 * absent (SIGMA_ENOTFOUND). Asked only once the path was not found. */
static int absent_why(git_tree *t, const char *path)
{
	for (const char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		char *prefix = sigma_xstrndup(path, (size_t)(slash - path));
		git_tree_entry *e = NULL;
		int link = git_tree_entry_bypath(&e, t, prefix) == 0 && git_tree_entry_filemode(e) == GIT_FILEMODE_LINK;
		git_tree_entry_free(e);
		git_error_clear();
		if (link) {
			int rc = sigma_error_set(SIGMA_EINVALID, "%s is a symbolic link; sigma follows none", prefix);
			free(prefix);
			return rc;
		}
		free(prefix);
	}
	return sigma_error_set(SIGMA_ENOTFOUND, "%s: not in the tree", path);
}

int repo_read_path(sigma_buf *out, char oid[SIGMA_OID_HEX], sigma_repo *r, const char *tree,
                   const char *path)
{
	git_oid toid;
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	int rc;
	if (git_oid_fromstr(&toid, tree) < 0 || git_tree_lookup(&t, r->repo, &toid) < 0)
		return git_fail(GIT_ENOTFOUND, tree);
	if (git_tree_entry_bypath(&e, t, path) < 0) {
		git_error_clear();
		rc = absent_why(t, path);
	} else if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		rc = sigma_error_set(SIGMA_ENOTFOUND, "%s: not a file", path);
	} else if (out && git_tree_entry_filemode(e) == GIT_FILEMODE_LINK) {
		/* A link's blob is its target's name, not the file: reading it as
		 * the file judged "sub/more.txt" as a requirement. (Its id alone,
		 * out == NULL, is still given: manifests and cache checks.) */
		rc = sigma_error_set(SIGMA_EINVALID, "%s is a symbolic link; sigma follows none", path);
	} else {
		char h[SIGMA_OID_HEX];
		hex(h, git_tree_entry_id(e));
		if (oid)
			memcpy(oid, h, SIGMA_OID_HEX);
		rc = out ? repo_read_blob(out, r, h) : 0;
	}
	git_tree_entry_free(e);
	git_tree_free(t);
	return rc;
}

int repo_list_dirs(sigma_buf *out, sigma_repo *r, const char *tree, const char *path)
{
	git_oid toid;
	git_tree *t = NULL, *sub = NULL;
	git_tree_entry *e = NULL;
	if (git_oid_fromstr(&toid, tree) < 0 || git_tree_lookup(&t, r->repo, &toid) < 0)
		return git_fail(GIT_ENOTFOUND, tree);
	int rc = 0;
	const git_tree *dir = t;
	if (*path) {
		if (git_tree_entry_bypath(&e, t, path) < 0 || git_tree_entry_type(e) != GIT_OBJECT_TREE ||
		    git_tree_lookup(&sub, r->repo, git_tree_entry_id(e)) < 0) {
			git_error_clear();
			rc = sigma_error_set(SIGMA_ENOTFOUND, "%s: not a directory in the tree", path);
			goto out;
		}
		dir = sub;
	}
	for (size_t i = 0, n = git_tree_entrycount(dir); i < n; i++) {
		const git_tree_entry *k = git_tree_entry_byindex(dir, i);
		if (git_tree_entry_type(k) != GIT_OBJECT_TREE)
			continue;
		sigma_buf_puts(out, git_tree_entry_name(k));
		sigma_buf_putc(out, '\n');
	}
out:
	git_tree_entry_free(e);
	git_tree_free(sub);
	git_tree_free(t);
	return rc;
}

/* ---------------------------------------------------------------- lockfiles */

typedef struct found {
	lockfile_ref *refs;
	size_t n, cap;
	sigma_repo *r;
	const char *tree;
} found;

static void found_add(found *f, const char *path, const char *oid, const lockfile_format *fmt)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->refs = sigma_xrealloc(f->refs, f->cap * sizeof *f->refs);
	}
	lockfile_ref *ref = &f->refs[f->n++];
	memset(ref, 0, sizeof *ref);
	ref->path = sigma_xstrdup(path);
	snprintf(ref->oid, sizeof ref->oid, "%s", oid);
	ref->format = fmt;
}

char *lockfile_manifest_path(const lockfile_ref *ref)
{
	if (!ref->format->manifest)
		return NULL;
	const char *slash = strrchr(ref->path, '/');
	if (!slash)
		return sigma_xstrdup(ref->format->manifest);
	return sigma_xasprintf("%.*s/%s", (int)(slash - ref->path), ref->path, ref->format->manifest);
}

/* Fill each lockfile's manifest blob id from the tree. */
static void find_manifests(found *f)
{
	for (size_t i = 0; i < f->n; i++) {
		char *mp = lockfile_manifest_path(&f->refs[i]);
		f->refs[i].manifest_oid[0] = '\0';
		if (mp && repo_read_path(NULL, f->refs[i].manifest_oid, f->r, f->tree, mp) != 0)
			f->refs[i].manifest_oid[0] = '\0';
		free(mp);
	}
}

static int is_vendored(const char *path)
{
	/* node_modules/ holds installed packages, never the project's lockfiles. */
	return sigma_startswith(path, "node_modules/") || strstr(path, "/node_modules/") != NULL ||
	       strcmp(path, "node_modules") == 0 || sigma_endswith(path, "/node_modules");
}

static int walk_cb(const char *root, const git_tree_entry *e, void *payload)
{
	found *f = payload;
	const char *name = git_tree_entry_name(e);
	git_object_t type = git_tree_entry_type(e);
	if (type == GIT_OBJECT_TREE)
		return strcmp(name, "node_modules") == 0 ? 1 : 0; /* 1 = skip the subtree */
	if (type != GIT_OBJECT_BLOB)
		return 0;
	/* Symlinks are blobs too; a symlinked "lockfile" is not one. */
	if (git_tree_entry_filemode(e) == GIT_FILEMODE_LINK)
		return 0;
	char *path = sigma_xasprintf("%s%s", root, name);
	const lockfile_format *fmt = lockfile_detect_path(path);
	if (!fmt) {
		free(path);
		return 0;
	}
	char h[SIGMA_OID_HEX];
	hex(h, git_tree_entry_id(e));
	found_add(f, path, h, fmt);
	free(path);
	return 0;
}

static int ref_cmp(const void *a, const void *b)
{
	return strcmp(((const lockfile_ref *)a)->path, ((const lockfile_ref *)b)->path);
}

static void delta_seen(const git_diff_delta *d, found *f)
{
	const char *path = d->new_file.path ? d->new_file.path : d->old_file.path;
	if (is_vendored(path))
		return;
	const lockfile_format *fmt = lockfile_detect_path(path);
	if (!fmt)
		return;
	/* Drop the old entry for this path, then add the new one if it exists. */
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->refs[i].path, path) == 0) {
			free(f->refs[i].path);
			f->refs[i] = f->refs[--f->n];
			break;
		}
	if (d->status != GIT_DELTA_DELETED && d->new_file.mode != GIT_FILEMODE_LINK &&
	    d->new_file.mode != GIT_FILEMODE_COMMIT) {
		char h[SIGMA_OID_HEX];
		hex(h, &d->new_file.id);
		found_add(f, path, h, fmt);
	}
}

int repo_lockfiles(lockfile_ref **out, size_t *n, sigma_repo *r, const char *tree,
                   const char *base_tree, const lockfile_ref *base, size_t nbase)
{
	git_oid toid, boid;
	git_tree *t = NULL, *bt = NULL;
	git_diff *diff = NULL;
	found f = { .r = r, .tree = tree };
	int rc = 0;
	if (git_oid_fromstr(&toid, tree) < 0 || git_tree_lookup(&t, r->repo, &toid) < 0) {
		rc = git_fail(GIT_ENOTFOUND, tree);
		goto out;
	}
	if (base_tree && git_oid_fromstr(&boid, base_tree) == 0 && git_tree_lookup(&bt, r->repo, &boid) == 0) {
		for (size_t i = 0; i < nbase; i++)
			found_add(&f, base[i].path, base[i].oid, base[i].format);
		git_diff_options opts;
		git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
		/* Only paths and ids are needed: no content, no rename detection. */
		opts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
		if (git_diff_tree_to_tree(&diff, r->repo, bt, t, &opts) < 0) {
			rc = git_fail(-1, "comparing trees");
			goto out;
		}
		/* The deltas alone: git_diff_foreach would build a patch for each
		 * one, reading and hashing both blobs (20% of a cold push). */
		for (size_t i = 0, nd = git_diff_num_deltas(diff); i < nd; i++)
			delta_seen(git_diff_get_delta(diff, i), &f);
	} else {
		git_error_clear();
		if (git_tree_walk(t, GIT_TREEWALK_PRE, walk_cb, &f) < 0) {
			rc = git_fail(-1, "reading the tree");
			goto out;
		}
	}
	if (f.n)
		qsort(f.refs, f.n, sizeof *f.refs, ref_cmp);
	find_manifests(&f);
	*out = f.refs;
	*n = f.n;
	f.refs = NULL;
	f.n = 0;
out:
	lockfile_refs_free(f.refs, f.n);
	git_diff_free(diff);
	git_tree_free(bt);
	git_tree_free(t);
	return rc;
}

void lockfile_refs_free(lockfile_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(refs[i].path);
	free(refs);
}
