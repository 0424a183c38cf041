/* mirror.c: see mirror.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <git2.h>
#include "common/error.h"
#include "common/util.h"
#include "webhook/mirror.h"

static int git_fail(int code, const char *what)
{
	const git_error *e = git_error_last();
	int rc = sigma_error_set(code, "%s: %s", what, e && e->message ? e->message : "libgit2 error");
	git_error_clear();
	return rc;
}

char *webhook_mirror_path(const webhook_fetch *f)
{
	return sigma_xasprintf("%s/%s/%s.git", f->mirrors, f->forge->name, f->repository);
}

static int has_commit(git_repository *repo, const char *sha)
{
	git_oid oid;
	git_commit *c = NULL;
	if (!sha || git_oid_fromstr(&oid, sha) < 0) {
		git_error_clear();
		return 0;
	}
	int found = git_commit_lookup(&c, repo, &oid) == 0;
	git_commit_free(c);
	git_error_clear();
	return found;
}

typedef struct cred_ctx {
	const webhook_forge *forge;
	int tries;
} cred_ctx;

/* The forge token as HTTP basic credentials, offered once: a refused
 * token must fail the fetch, not loop. */
static int credentials(git_credential **out, const char *url, const char *user_from_url,
                       unsigned int allowed, void *payload)
{
	cred_ctx *c = payload;
	(void)url;
	(void)user_from_url;
	if (c->tries++ > 0 || !c->forge->token || !*c->forge->token || !(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
		return GIT_PASSTHROUGH;
	const char *user = c->forge->type == FORGE_GITLAB ? "oauth2"
	                 : c->forge->type == FORGE_GITHUB ? "x-access-token" : "sigma";
	return git_credential_userpass_plaintext_new(out, user, c->forge->token);
}

static int fetch(git_repository *repo, const webhook_fetch *f, const char **refspecs, size_t n)
{
	git_remote *remote = NULL;
	int rc = 0;
	if (git_remote_create_anonymous(&remote, repo, f->clone_url) < 0)
		return git_fail(SIGMA_EIO, f->clone_url);
	git_fetch_options opts;
	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	cred_ctx cc = { f->forge, 0 };
	opts.callbacks.credentials = credentials;
	opts.callbacks.payload = &cc;
	opts.prune = GIT_FETCH_NO_PRUNE;
	opts.update_fetchhead = 0;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	git_strarray specs = { (char **)refspecs, n };
	if (git_remote_fetch(remote, &specs, &opts, "sigma: fetch") < 0)
		rc = git_fail(SIGMA_EIO, "fetching from the clone URL");
	git_remote_free(remote);
	return rc;
}

int webhook_mirror_fetch(char **gitdir, const webhook_fetch *f)
{
	git_repository *repo = NULL;
	char *path = webhook_mirror_path(f), *one = NULL;
	int rc = 0;
	struct stat st;
	*gitdir = NULL;
	if (!f->clone_url || !*f->clone_url) {
		rc = sigma_error_set(SIGMA_ENOTFOUND, "%s: the event has no clone URL", f->repository);
		goto out;
	}
	if (stat(path, &st) == 0) {
		if (git_repository_open_bare(&repo, path) < 0) {
			rc = git_fail(SIGMA_EIO, path);
			goto out;
		}
	} else {
		char *parent = sigma_xstrdup(path), *slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		rc = sigma_mkdir_p(parent, 0700);
		free(parent);
		if (rc)
			goto out;
		if (git_repository_init(&repo, path, 1) < 0) {
			rc = git_fail(SIGMA_EIO, path);
			goto out;
		}
	}
	if (has_commit(repo, f->sha) && (!f->base_sha || has_commit(repo, f->base_sha)))
		goto found;
	if (f->ref && *f->ref) {
		const char *branch = sigma_startswith(f->ref, "refs/heads/") ? f->ref + 11 : f->ref;
		if (!sigma_startswith(branch, "refs/") && !strstr(branch, "..") && !strpbrk(branch, " ~^:?*[\\")) {
			one = sigma_xasprintf("+refs/heads/%s:refs/sigma/heads/%s", branch, branch);
			const char *specs[] = { one };
			if (fetch(repo, f, specs, 1) != 0)
				git_error_clear(); /* the ref may be gone; the wide fetch below decides */
		}
	}
	if (!has_commit(repo, f->sha)) {
		const char *specs[] = {
			"+refs/heads/*:refs/sigma/heads/*",
			f->forge->type == FORGE_GITLAB ? "+refs/merge-requests/*/head:refs/sigma/merge-requests/*"
			                               : "+refs/pull/*/head:refs/sigma/pull/*",
		};
		if ((rc = fetch(repo, f, specs, 2))) {
			/* A remote without pull refs refuses the second refspec on some
			 * servers: try branches alone before calling it a failure. */
			const char *heads[] = { specs[0] };
			if (fetch(repo, f, heads, 1) == 0)
				rc = 0;
		}
		if (rc)
			goto out;
	}
	if (!has_commit(repo, f->sha)) {
		rc = sigma_error_set(SIGMA_ENOTFOUND, "commit %.12s is not in %s", f->sha, f->clone_url);
		goto out;
	}
found:
	*gitdir = path;
	path = NULL;
out:
	git_repository_free(repo);
	free(path);
	free(one);
	return rc;
}
