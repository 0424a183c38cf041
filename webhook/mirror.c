/* mirror.c: see mirror.h.
 *
 * The token rule is enforced twice: webhook_mirror_source() decides
 * whether it may be offered at all, and the credential callback checks the
 * URL libgit2 asks for (a redirect can move a fetch to another host). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <git2.h>
#include "common/error.h"
#include "common/util.h"
#include "webhook/mirror.h"
#include "webhook/queue.h"

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

/* A branch name that can go into a refspec as it is. */
static int branch_ok(const char *branch)
{
	return *branch && !sigma_startswith(branch, "refs/") && !strstr(branch, "..") && !strpbrk(branch, " ~^:?*[\\") &&
	       strlen(branch) < 256;
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

int webhook_mirror_source(char **url, int *offer_token, const webhook_forge *forge,
                          const webhook_repository *mapped, const char *clone_url)
{
	char origin[512];
	*url = NULL;
	*offer_token = 0;
	if (mapped && mapped->url && *mapped->url) {
		*url = sigma_xstrdup(mapped->url);
		*offer_token = webhook_url_origin(origin, sizeof origin, mapped->url) == 0 &&
		               !strcmp(origin, forge->origin);
		sigma_error_clear();
		return 0;
	}
	if (!clone_url || !*clone_url)
		return sigma_error_set(SIGMA_EINVALID, "the event has no clone URL");
	if (webhook_url_origin(origin, sizeof origin, clone_url) != 0 || strcmp(origin, forge->origin) != 0)
		return sigma_error_set(SIGMA_EINVALID,
		                       "clone URL %.200s is not on %s (forge %s); map it with [repository] url",
		                       clone_url, forge->origin, forge->name);
	*url = sigma_xstrdup(clone_url);
	*offer_token = 1;
	return 0;
}

typedef struct cred_ctx {
	const webhook_fetch *fetch;
	int tries;
	int late;
} cred_ctx;

/* The forge token as HTTP basic credentials, offered once: a refused
 * token must fail the fetch, not loop. */
static int credentials(git_credential **out, const char *url, const char *user_from_url,
                       unsigned int allowed, void *payload)
{
	cred_ctx *c = payload;
	const webhook_forge *forge = c->fetch->forge;
	char origin[512];
	(void)user_from_url;
	if (c->tries++ > 0 || !c->fetch->offer_token || !forge->token || !*forge->token ||
	    !(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
		return GIT_PASSTHROUGH;
	/* Where libgit2 is about to send it, after any redirect. */
	if (!url || webhook_url_origin(origin, sizeof origin, url) != 0 || strcmp(origin, forge->origin) != 0) {
		sigma_error_clear();
		return GIT_PASSTHROUGH;
	}
	const char *user = forge->type == FORGE_GITLAB ? "oauth2" : forge->type == FORGE_GITHUB ? "x-access-token" : "sigma";
	return git_credential_userpass_plaintext_new(out, user, forge->token);
}

/* Called as objects arrive: a fetch past the job's deadline stops here. */
static int on_progress(const git_indexer_progress *stats, void *payload)
{
	cred_ctx *c = payload;
	(void)stats;
	if (c->fetch->deadline_ms > 0 && webhook_wall_ms() > c->fetch->deadline_ms) {
		c->late = 1;
		return -1;
	}
	return 0;
}

static int on_sideband(const char *str, int len, void *payload)
{
	(void)str;
	(void)len;
	return on_progress(NULL, payload);
}

static int fetch(git_repository *repo, const webhook_fetch *f, const char **refspecs, size_t n)
{
	git_remote *remote = NULL;
	int rc = 0;
	if (git_remote_create_anonymous(&remote, repo, f->clone_url) < 0)
		return git_fail(SIGMA_EIO, f->clone_url);
	git_fetch_options opts;
	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	cred_ctx cc = { f, 0, 0 };
	opts.callbacks.credentials = credentials;
	opts.callbacks.transfer_progress = on_progress;
	opts.callbacks.sideband_progress = on_sideband;
	opts.callbacks.payload = &cc;
	opts.prune = GIT_FETCH_NO_PRUNE;
	opts.update_fetchhead = 0;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	git_strarray specs = { (char **)refspecs, n };
	if (git_remote_fetch(remote, &specs, &opts, "sigma: fetch") < 0) {
		/* Late whether the callbacks stopped it or it failed slowly (a
		 * server that waits before answering never reaches them): the
		 * caller's further attempts would only add to the overrun. */
		if (cc.late || (f->deadline_ms > 0 && webhook_wall_ms() > f->deadline_ms)) {
			git_error_clear();
			rc = sigma_error_set(SIGMA_ETIMEOUT, "the fetch ran past its deadline");
		} else {
			rc = git_fail(SIGMA_EIO, "fetching from the clone URL");
		}
	}
	git_remote_free(remote);
	return rc;
}

int webhook_mirror_fetch(char **gitdir, const webhook_fetch *f)
{
	git_repository *repo = NULL;
	char *path = webhook_mirror_path(f), *one = NULL, *two = NULL;
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
		if (branch_ok(branch)) {
			one = sigma_xasprintf("+refs/heads/%s:refs/sigma/heads/%s", branch, branch);
			/* The target branch in the same fetch: the merge base comes
			 * from it, and one round trip serves both. */
			if (f->base_ref && branch_ok(f->base_ref) && strcmp(f->base_ref, branch))
				two = sigma_xasprintf("+refs/heads/%s:refs/sigma/heads/%s", f->base_ref, f->base_ref);
			const char *specs[] = { one, two };
			if ((rc = fetch(repo, f, specs, two ? 2 : 1)) == SIGMA_ETIMEOUT)
				goto out;
			rc = 0;
			git_error_clear(); /* the ref may be gone; the wide fetch below decides */
		}
	}
	if (!has_commit(repo, f->sha)) {
		const char *specs[] = {
			"+refs/heads/*:refs/sigma/heads/*",
			f->forge->type == FORGE_GITLAB ? "+refs/merge-requests/*/head:refs/sigma/merge-requests/*"
			                               : "+refs/pull/*/head:refs/sigma/pull/*",
		};
		if ((rc = fetch(repo, f, specs, 2)) && rc != SIGMA_ETIMEOUT) {
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
	free(two);
	return rc;
}

int webhook_mirror_merge_base(char out[41], const char *gitdir, const char *sha, const char *branch)
{
	git_repository *repo = NULL;
	git_oid head, target, base;
	int rc = SIGMA_ENOTFOUND;
	out[0] = '\0';
	if (!branch || !branch_ok(branch) || !sha || git_oid_fromstr(&head, sha) < 0)
		goto out;
	if (git_repository_open_bare(&repo, gitdir) < 0) {
		rc = git_fail(SIGMA_EIO, gitdir);
		goto out;
	}
	char ref[300];
	int n = snprintf(ref, sizeof ref, "refs/sigma/heads/%s", branch);
	if (n < 0 || (size_t)n >= sizeof ref)
		goto out;
	if (git_reference_name_to_id(&target, repo, ref) < 0) {
		snprintf(ref, sizeof ref, "refs/heads/%s", branch);
		if (git_reference_name_to_id(&target, repo, ref) < 0)
			goto out;
	}
	if (git_merge_base(&base, repo, &head, &target) < 0)
		goto out;
	git_oid_tostr(out, 41, &base);
	rc = 0;
out:
	git_error_clear();
	git_repository_free(repo);
	return rc == SIGMA_ENOTFOUND ? sigma_error_set(rc, "no merge base of %.12s and %s", sha ? sha : "", branch ? branch : "") : rc;
}
