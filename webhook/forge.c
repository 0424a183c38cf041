/* forge.c: the three forges' wire formats (see forge.h).
 *
 * Everything here is a pure function of its input except the two calls
 * that talk to a forge (post a status, list statuses), which go through
 * one libcurl easy handle per thread so that connections are reused.
 *
 * Security notes:
 *   - A signature is recomputed and compared with CRYPTO_memcmp, after
 *     checking only its public shape (prefix and length). A GitLab token is
 *     compared through SHA-256 digests so that not even its length leaks.
 *   - The API token goes into one request header, built here and wiped
 *     (together with libcurl's copy of the header list) right after use.
 *   - Names that end up in a URL path (owner/repo, sha) are checked against
 *     a strict character set, so a payload cannot steer a post elsewhere. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "webhook/forge.h"
#include "webhook/payload.h"

/* ---------------------------------------------------------------- signatures */

const char *webhook_forge_signature_header(webhook_forge_type t)
{
	switch (t) {
	case FORGE_GITHUB: return "X-Hub-Signature-256";
	case FORGE_GITEA: return "X-Gitea-Signature";
	case FORGE_GITLAB: return "X-Gitlab-Token";
	}
	return "X-Hub-Signature-256";
}

void webhook_hmac_sha256_hex(const char *key, const void *data, size_t len, char out[65])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	static const char hex[] = "0123456789abcdef";
	HMAC(EVP_sha256(), key, (int)strlen(key), data, len, mac, &maclen);
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[64] = '\0';
	explicit_bzero(mac, sizeof mac);
}

int webhook_forge_proof_shape(webhook_forge_type t, const char *proof)
{
	if (!proof || !*proof)
		return sigma_error_set(SIGMA_EINVALID, "no %s header", webhook_forge_signature_header(t));
	if (t == FORGE_GITLAB)
		return 0;
	const char *hexpart = proof;
	if (sigma_startswith(proof, "sha256="))
		hexpart = proof + 7;
	else if (t == FORGE_GITHUB)
		return sigma_error_set(SIGMA_EINVALID, "X-Hub-Signature-256 is not 'sha256=<hex>'");
	if (strlen(hexpart) != 64 || strspn(hexpart, "0123456789abcdefABCDEF") != 64)
		return sigma_error_set(SIGMA_EINVALID, "%s: not a SHA-256 hex digest", webhook_forge_signature_header(t));
	return 0;
}

struct webhook_mac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
};

void webhook_mac_free(webhook_mac *m)
{
	if (!m)
		return;
	EVP_MAC_CTX_free(m->ctx); /* cleanses the key schedule */
	EVP_MAC_free(m->mac);
	free(m);
}

int webhook_mac_new(webhook_mac **out, const char *secret)
{
	webhook_mac *m = sigma_xcalloc(1, sizeof *m);
	char digest[] = "SHA256";
	OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end() };
	*out = NULL;
	if (!(m->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) || !(m->ctx = EVP_MAC_CTX_new(m->mac)) ||
	    !EVP_MAC_init(m->ctx, (const unsigned char *)secret, strlen(secret), params)) {
		webhook_mac_free(m);
		return sigma_error_set(SIGMA_EIO, "OpenSSL: cannot set up HMAC-SHA256");
	}
	*out = m;
	return 0;
}

void webhook_mac_update(webhook_mac *m, const void *data, size_t len)
{
	if (m && len)
		EVP_MAC_update(m->ctx, data, len);
}

int webhook_mac_verify(webhook_mac *m, webhook_forge_type t, const char *proof)
{
	int rc = webhook_forge_proof_shape(t, proof);
	if (rc)
		return rc;
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0;
	if (!m || !EVP_MAC_final(m->ctx, mac, &maclen, sizeof mac) || maclen != 32)
		return sigma_error_set(SIGMA_EINVALID, "%s: cannot compute the HMAC", webhook_forge_signature_header(t));
	static const char hex[] = "0123456789abcdef";
	const char *hexpart = sigma_startswith(proof, "sha256=") ? proof + 7 : proof;
	char want[65], got[65];
	for (int i = 0; i < 32; i++) {
		want[2 * i] = hex[mac[i] >> 4];
		want[2 * i + 1] = hex[mac[i] & 15];
	}
	for (int i = 0; i < 64; i++)
		got[i] = (char)tolower((unsigned char)hexpart[i]);
	int differ = CRYPTO_memcmp(want, got, 64);
	explicit_bzero(mac, sizeof mac);
	explicit_bzero(want, sizeof want);
	return differ ? sigma_error_set(SIGMA_EINVALID, "%s does not match the body", webhook_forge_signature_header(t))
	              : 0;
}

int webhook_forge_verify(webhook_forge_type t, const char *secret, const char *proof,
                         const void *body, size_t len)
{
	if (!secret || !*secret || !proof)
		return sigma_error_set(SIGMA_EINVALID, "no %s header", webhook_forge_signature_header(t));
	if (t == FORGE_GITLAB) {
		/* Digests of both sides: equal length, so the comparison time says
		 * nothing about the token, not even its length. */
		unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
		SHA256((const unsigned char *)secret, strlen(secret), a);
		SHA256((const unsigned char *)proof, strlen(proof), b);
		int differ = CRYPTO_memcmp(a, b, sizeof a);
		explicit_bzero(a, sizeof a);
		explicit_bzero(b, sizeof b);
		return differ ? sigma_error_set(SIGMA_EINVALID, "wrong X-Gitlab-Token") : 0;
	}
	int rc = webhook_forge_proof_shape(t, proof);
	webhook_mac *m = NULL;
	if (rc || (rc = webhook_mac_new(&m, secret)))
		return rc;
	webhook_mac_update(m, body, len);
	rc = webhook_mac_verify(m, t, proof);
	webhook_mac_free(m);
	return rc;
}

/* ---------------------------------------------------------------- events */

static char *dup_str(const cJSON *v)
{
	if (cJSON_IsString(v) && v->valuestring && *v->valuestring)
		return sigma_xstrdup(v->valuestring);
	if (cJSON_IsNumber(v))
		return sigma_xasprintf("%.0f", v->valuedouble);
	return NULL;
}

static int is_zero_sha(const char *s)
{
	if (!s || !*s)
		return 1;
	for (; *s; s++)
		if (*s != '0')
			return 0;
	return 1;
}

static int is_hex_sha(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return (n == 40 || n == 64) && strspn(s, "0123456789abcdef") == n;
}

/* "owner/repo" with the characters forges allow in names, or a GitLab
 * project id or path (namespaces nest: "group/sub/project"). */
static int is_safe_repo(const char *s, int nested)
{
	if (!s || !*s || strlen(s) > 512)
		return 0;
	size_t slashes = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '/')
			slashes++;
		else if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return 0;
	}
	if (strstr(s, "..") || s[0] == '/' || s[strlen(s) - 1] == '/' || strstr(s, "//"))
		return 0;
	return nested ? 1 : slashes == 1;
}

static int one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

/* The values each forge's events are read from. A delivery is read once,
 * without building a tree (webhook/payload.c); lookups keep the meaning
 * they had as cJSON lookups: first of equal keys, only inside objects. */
enum {
	GH_REPO_NAME, GH_ACTION, GH_HEAD_SHA, GH_BASE_SHA, GH_HEAD_REF, GH_HEAD_CLONE, GH_REPO_CLONE, GH_NUMBER,
	GH_PR_NUMBER, GH_AFTER, GH_BEFORE, GH_REF, GH_PRIVATE, GH__COUNT
};
static const webhook_payload_field github_fields[GH__COUNT] = {
	[GH_REPO_NAME] = { .path = { "repository", "full_name" } },
	[GH_ACTION] = { .path = { "action" } },
	[GH_HEAD_SHA] = { .path = { "pull_request", "head", "sha" } },
	[GH_BASE_SHA] = { .path = { "pull_request", "base", "sha" } },
	[GH_HEAD_REF] = { .path = { "pull_request", "head", "ref" } },
	[GH_HEAD_CLONE] = { .path = { "pull_request", "head", "repo", "clone_url" } },
	[GH_REPO_CLONE] = { .path = { "repository", "clone_url" } },
	[GH_NUMBER] = { .path = { "number" } },
	[GH_PR_NUMBER] = { .path = { "pull_request", "number" } },
	[GH_AFTER] = { .path = { "after" } },
	[GH_BEFORE] = { .path = { "before" } },
	[GH_REF] = { .path = { "ref" } },
	[GH_PRIVATE] = { .path = { "repository", "private" } },
};

enum {
	GL_REPO_NAME, GL_MR_ACTION, GL_MR_OLDREV, GL_MR_SHA, GL_MR_BRANCH, GL_MR_CLONE, GL_MR_PROJECT, GL_MR_IID,
	GL_CHECKOUT_SHA, GL_AFTER, GL_BEFORE, GL_REF, GL_CLONE, GL_PROJECT_ID, GL_PROJECT_ID2, GL_MR_TARGET,
	GL_VISIBILITY, GL_MR_TARGET_BRANCH, GL__COUNT
};
static const webhook_payload_field gitlab_fields[GL__COUNT] = {
	[GL_REPO_NAME] = { .path = { "project", "path_with_namespace" } },
	[GL_MR_ACTION] = { .path = { "object_attributes", "action" } },
	[GL_MR_OLDREV] = { .path = { "object_attributes", "oldrev" } },
	[GL_MR_SHA] = { .path = { "object_attributes", "last_commit", "id" } },
	[GL_MR_BRANCH] = { .path = { "object_attributes", "source_branch" } },
	[GL_MR_CLONE] = { .path = { "object_attributes", "source", "git_http_url" } },
	[GL_MR_PROJECT] = { .path = { "object_attributes", "source_project_id" } },
	[GL_MR_IID] = { .path = { "object_attributes", "iid" } },
	[GL_CHECKOUT_SHA] = { .path = { "checkout_sha" } },
	[GL_AFTER] = { .path = { "after" } },
	[GL_BEFORE] = { .path = { "before" } },
	[GL_REF] = { .path = { "ref" } },
	[GL_CLONE] = { .path = { "project", "git_http_url" } },
	[GL_PROJECT_ID] = { .path = { "project_id" } },
	[GL_PROJECT_ID2] = { .path = { "project", "id" } },
	[GL_MR_TARGET] = { .path = { "object_attributes", "target_project_id" } },
	[GL_VISIBILITY] = { .path = { "project", "visibility_level" } },
	[GL_MR_TARGET_BRANCH] = { .path = { "object_attributes", "target_branch" } },
};

/* A number field as a long (0 when it is not a number, or out of range). */
static long field_long(const webhook_payload_field *f)
{
	double v;
	if (webhook_payload_number(&v, f) != 0 || !(v > -2e18 && v < 2e18))
		return 0;
	return (long)v;
}

int webhook_forge_event_judged(webhook_forge_type t, const char *event)
{
	if (!event)
		return 0;
	if (t == FORGE_GITLAB)
		return !strcmp(event, "Merge Request Hook") || !strcmp(event, "Push Hook");
	return !strcmp(event, "pull_request") || !strcmp(event, "push");
}

static void github_like(webhook_event *out, const webhook_payload_field *f, const char *event, int gitea)
{
	static const char *const gh_actions[] = { "opened", "synchronize", "reopened", NULL };
	static const char *const gitea_actions[] = { "opened", "synchronized", "synchronize", "reopened", NULL };
	out->repository = webhook_payload_text(&f[GH_REPO_NAME]);
	out->status_repo = out->repository ? sigma_xstrdup(out->repository) : NULL;
	/* Anything but an explicit `false` is private: a page must not be
	 * opened to the world on a payload that forgot to say. */
	out->private_repo = f[GH_PRIVATE].type != PAYLOAD_FALSE;
	if (!strcmp(event, "pull_request")) {
		out->action = webhook_payload_text(&f[GH_ACTION]);
		if (!one_of(out->action, gitea ? gitea_actions : gh_actions)) {
			out->ignored = "pull request action not judged (only opened, synchronize, reopened)";
			return;
		}
		out->kind = EVENT_PULL_REQUEST;
		out->sha = webhook_payload_text(&f[GH_HEAD_SHA]);
		out->base_sha = webhook_payload_text(&f[GH_BASE_SHA]);
		out->ref = webhook_payload_text(&f[GH_HEAD_REF]);
		out->clone_url = webhook_payload_text(&f[GH_HEAD_CLONE]);
		if (!out->clone_url)
			out->clone_url = webhook_payload_text(&f[GH_REPO_CLONE]);
		out->number = field_long(f[GH_NUMBER].type == PAYLOAD_NUMBER ? &f[GH_NUMBER] : &f[GH_PR_NUMBER]);
		out->comment_repo = out->repository ? sigma_xstrdup(out->repository) : NULL;
	} else if (!strcmp(event, "push")) {
		char *after = webhook_payload_text(&f[GH_AFTER]);
		if (is_zero_sha(after)) {
			free(after);
			out->ignored = "push deletes a ref";
			return;
		}
		out->kind = EVENT_PUSH;
		out->sha = after;
		out->base_sha = webhook_payload_text(&f[GH_BEFORE]);
		out->ref = webhook_payload_text(&f[GH_REF]);
		out->clone_url = webhook_payload_text(&f[GH_REPO_CLONE]);
	} else {
		out->ignored = "event not handled (only pull_request and push)";
	}
}

static void gitlab(webhook_event *out, const webhook_payload_field *f, const char *event)
{
	static const char *const actions[] = { "open", "reopen", "update", NULL };
	out->repository = webhook_payload_text(&f[GL_REPO_NAME]);
	/* 20 is public; internal (10) is for signed-in users only, so it is
	 * private as far as a page on this service is concerned. */
	out->private_repo = field_long(&f[GL_VISIBILITY]) != 20;
	if (!strcmp(event, "Merge Request Hook")) {
		out->action = webhook_payload_text(&f[GL_MR_ACTION]);
		if (!one_of(out->action, actions)) {
			out->ignored = "merge request action not judged (only open, update, reopen)";
			return;
		}
		if (!strcmp(out->action, "update") && f[GL_MR_OLDREV].type == PAYLOAD_MISSING) {
			/* GitLab sets oldrev only when the code changed; a title or label
			 * edit does not need a new verdict. */
			out->ignored = "merge request update without new commits";
			return;
		}
		out->kind = EVENT_PULL_REQUEST;
		out->sha = webhook_payload_text(&f[GL_MR_SHA]);
		out->ref = webhook_payload_text(&f[GL_MR_BRANCH]);
		/* A merge request event carries no base commit: the worker takes
		 * the merge base with the target branch, as GitLab's diff does. */
		out->base_ref = webhook_payload_text(&f[GL_MR_TARGET_BRANCH]);
		out->clone_url = webhook_payload_text(&f[GL_MR_CLONE]);
		/* The commit lives in the source project: its status goes there. */
		out->status_repo = webhook_payload_text(&f[GL_MR_PROJECT]);
		out->number = field_long(&f[GL_MR_IID]);
		/* Notes belong to the merge request, which lives in the target
		 * project (the source may be a fork). */
		out->comment_repo = webhook_payload_text(&f[GL_MR_TARGET]);
		if (!out->comment_repo)
			out->comment_repo = webhook_payload_text(&f[GL_PROJECT_ID2]);
	} else if (!strcmp(event, "Push Hook")) {
		char *after = webhook_payload_text(&f[GL_CHECKOUT_SHA]);
		if (!after)
			after = webhook_payload_text(&f[GL_AFTER]);
		if (is_zero_sha(after)) {
			free(after);
			out->ignored = "push deletes a ref";
			return;
		}
		out->kind = EVENT_PUSH;
		out->sha = after;
		out->base_sha = webhook_payload_text(&f[GL_BEFORE]);
		out->ref = webhook_payload_text(&f[GL_REF]);
		out->clone_url = webhook_payload_text(&f[GL_CLONE]);
		out->status_repo = webhook_payload_text(&f[GL_PROJECT_ID]);
		if (!out->status_repo)
			out->status_repo = webhook_payload_text(&f[GL_PROJECT_ID2]);
	} else {
		out->ignored = "event not handled (only Merge Request Hook and Push Hook)";
	}
	if (!out->status_repo && out->repository)
		out->status_repo = sigma_xstrdup(out->repository);
}

int webhook_forge_parse_event(webhook_event *out, webhook_forge_type t, const char *event,
                              const char *body, size_t len)
{
	webhook_payload_field fields[WEBHOOK_PAYLOAD_FIELDS_MAX];
	size_t n = t == FORGE_GITLAB ? GL__COUNT : GH__COUNT;
	memset(out, 0, sizeof *out);
	if (!event || !*event) {
		out->ignored = "no event header";
		return 0;
	}
	memcpy(fields, t == FORGE_GITLAB ? gitlab_fields : github_fields, n * sizeof *fields);
	int rc = webhook_payload_pick(fields, n, body, len);
	if (rc)
		return rc;
	if (t == FORGE_GITLAB)
		gitlab(out, fields, event);
	else
		github_like(out, fields, event, t == FORGE_GITEA);
	if (out->kind == EVENT_IGNORED)
		return 0;
	if (is_zero_sha(out->base_sha)) {
		free(out->base_sha);
		out->base_sha = NULL;
	}
	if (!is_hex_sha(out->sha))
		rc = sigma_error_set(SIGMA_EINVALID, "%s: no commit id (or not a hex id)", event);
	else if (out->base_sha && !is_hex_sha(out->base_sha))
		rc = sigma_error_set(SIGMA_EINVALID, "%s: base commit is not a hex id", event);
	else if (!out->repository || !is_safe_repo(out->repository, 1))
		rc = sigma_error_set(SIGMA_EINVALID, "%s: no usable repository name", event);
	else if (!out->status_repo || !is_safe_repo(out->status_repo, t == FORGE_GITLAB))
		rc = sigma_error_set(SIGMA_EINVALID, "%s: no usable repository for statuses", event);
	else if (out->comment_repo && !is_safe_repo(out->comment_repo, t == FORGE_GITLAB)) {
		/* No comment then; the status still goes. */
		free(out->comment_repo);
		out->comment_repo = NULL;
	}
	if (rc)
		webhook_event_dispose(out);
	return rc;
}

void webhook_event_dispose(webhook_event *e)
{
	free(e->action);
	free(e->repository);
	free(e->status_repo);
	free(e->clone_url);
	free(e->sha);
	free(e->base_sha);
	free(e->ref);
	free(e->comment_repo);
	free(e->base_ref);
	memset(e, 0, sizeof *e);
}

static void put_field(sigma_buf *b, const char *key, const char *v)
{
	sigma_buf_printf(b, ",\"%s\":", key);
	if (v)
		json_put_string(b, v);
	else
		sigma_buf_puts(b, "null");
}

/* Written directly, without a cJSON tree: the job spec that
 * webhook_event_from_json reads back. */
char *webhook_event_to_json(const webhook_event *e)
{
	sigma_buf b;
	sigma_buf_init(&b, 0);
	sigma_buf_puts(&b, e->kind == EVENT_PULL_REQUEST ? "{\"kind\":\"pull_request\"" : "{\"kind\":\"push\"");
	put_field(&b, "action", e->action);
	put_field(&b, "repository", e->repository);
	put_field(&b, "status_repo", e->status_repo);
	put_field(&b, "clone_url", e->clone_url);
	put_field(&b, "sha", e->sha);
	put_field(&b, "base_sha", e->base_sha);
	put_field(&b, "ref", e->ref);
	put_field(&b, "comment_repo", e->comment_repo);
	put_field(&b, "base_ref", e->base_ref);
	sigma_buf_printf(&b, ",\"private\":%s", e->private_repo ? "true" : "false");
	sigma_buf_printf(&b, ",\"number\":%ld}", e->number);
	return sigma_buf_steal(&b);
}

int webhook_event_from_json(webhook_event *out, const char *json)
{
	memset(out, 0, sizeof *out);
	cJSON *o = cJSON_Parse(json);
	if (!o)
		return sigma_error_set(SIGMA_EINVALID, "job spec is not JSON");
	const char *kind = json_str(o, "kind");
	out->kind = kind && !strcmp(kind, "pull_request") ? EVENT_PULL_REQUEST : EVENT_PUSH;
	out->action = dup_str(cJSON_GetObjectItemCaseSensitive(o, "action"));
	out->repository = dup_str(cJSON_GetObjectItemCaseSensitive(o, "repository"));
	out->status_repo = dup_str(cJSON_GetObjectItemCaseSensitive(o, "status_repo"));
	out->clone_url = dup_str(cJSON_GetObjectItemCaseSensitive(o, "clone_url"));
	out->sha = dup_str(cJSON_GetObjectItemCaseSensitive(o, "sha"));
	out->base_sha = dup_str(cJSON_GetObjectItemCaseSensitive(o, "base_sha"));
	out->ref = dup_str(cJSON_GetObjectItemCaseSensitive(o, "ref"));
	out->comment_repo = dup_str(cJSON_GetObjectItemCaseSensitive(o, "comment_repo"));
	out->base_ref = dup_str(cJSON_GetObjectItemCaseSensitive(o, "base_ref"));
	/* A spec queued before the field existed: not private (as before). */
	out->private_repo = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "private"));
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "number");
	out->number = cJSON_IsNumber(n) ? (long)n->valuedouble : 0;
	cJSON_Delete(o);
	if (!out->sha || !out->repository || !out->status_repo) {
		webhook_event_dispose(out);
		return sigma_error_set(SIGMA_EINVALID, "job spec lacks sha, repository or status_repo");
	}
	return 0;
}

/* ---------------------------------------------------------------- statuses */

const char *webhook_state_name(webhook_state s)
{
	switch (s) {
	case STATE_PENDING: return "pending";
	case STATE_SUCCESS: return "success";
	case STATE_FAILURE: return "failure";
	case STATE_ERROR: return "error";
	}
	return "error";
}

int webhook_state_parse(webhook_state *out, const char *name)
{
	static const webhook_state all[] = { STATE_PENDING, STATE_SUCCESS, STATE_FAILURE, STATE_ERROR };
	for (size_t i = 0; i < 4; i++)
		if (name && !strcmp(name, webhook_state_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	return sigma_error_set(SIGMA_EINVALID, "unknown status state '%s'", name ? name : "");
}

/* The state as the forge names it. GitLab has no "error", and "running"
 * says better than "pending" that sigma is at work. */
static const char *forge_state(webhook_forge_type t, webhook_state s)
{
	if (t == FORGE_GITLAB) {
		switch (s) {
		case STATE_PENDING: return "running";
		case STATE_SUCCESS: return "success";
		case STATE_FAILURE:
		case STATE_ERROR: return "failed";
		}
	}
	return webhook_state_name(s);
}

/* At most WEBHOOK_DESCRIPTION_MAX bytes (so at most as many characters),
 * cut before a UTF-8 continuation byte, with "..." when cut. */
static char *fit_description(const char *d)
{
	size_t n = d ? strlen(d) : 0;
	if (n <= WEBHOOK_DESCRIPTION_MAX)
		return sigma_xstrdup(d ? d : "");
	size_t cut = WEBHOOK_DESCRIPTION_MAX - 3;
	while (cut > 0 && ((unsigned char)d[cut] & 0xC0) == 0x80)
		cut--;
	char *s = sigma_xmalloc(cut + 4);
	memcpy(s, d, cut);
	memcpy(s + cut, "...", 4);
	return s;
}

static char *url_encode(const char *s)
{
	sigma_buf b = SIGMA_BUF_INIT;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~", c))
			sigma_buf_putc(&b, (char)c);
		else
			sigma_buf_printf(&b, "%%%02X", c);
	}
	return b.ptr ? sigma_buf_steal(&b) : sigma_xstrdup("");
}

static int status_url(char **out, const webhook_forge *f, const char *repo, const char *sha, int list)
{
	if (!is_hex_sha(sha))
		return sigma_error_set(SIGMA_EINVALID, "status for '%s': not a commit id", sha ? sha : "");
	if (!is_safe_repo(repo, f->type == FORGE_GITLAB))
		return sigma_error_set(SIGMA_EINVALID, "status for repository '%s': not a repository name",
		                       repo ? repo : "");
	if (f->type == FORGE_GITLAB) {
		char *id = url_encode(repo);
		*out = list ? sigma_xasprintf("%s/projects/%s/repository/commits/%s/statuses?per_page=100", f->url, id, sha)
		            : sigma_xasprintf("%s/projects/%s/statuses/%s", f->url, id, sha);
		free(id);
	} else if (list) {
		*out = sigma_xasprintf("%s/repos/%s/commits/%s/statuses?%s", f->url, repo, sha,
		                       f->type == FORGE_GITHUB ? "per_page=100" : "limit=50");
	} else {
		*out = sigma_xasprintf("%s/repos/%s/statuses/%s", f->url, repo, sha);
	}
	return 0;
}

/* The target_url to send, or NULL when the forge would refuse it. */
static const char *fit_target_url(const webhook_forge *f, const char *url)
{
	if (!url || !*url)
		return NULL;
	if (f->type == FORGE_GITLAB && strlen(url) > WEBHOOK_GITLAB_TARGET_URL_MAX)
		return NULL;
	return url;
}

int webhook_forge_status_request(char **url, char **body, const webhook_forge *f, const char *repo,
                                 const char *sha, const webhook_status *st)
{
	int rc = status_url(url, f, repo, sha, 0);
	if (rc)
		return rc;
	cJSON *o = cJSON_CreateObject();
	char *desc = fit_description(st->description);
	cJSON_AddStringToObject(o, "state", forge_state(f->type, st->state));
	const char *target = fit_target_url(f, st->target_url);
	if (target)
		cJSON_AddStringToObject(o, "target_url", target);
	cJSON_AddStringToObject(o, "description", desc);
	cJSON_AddStringToObject(o, f->type == FORGE_GITLAB ? "name" : "context",
	                        st->context && *st->context ? st->context : WEBHOOK_DEFAULT_CONTEXT);
	*body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(desc);
	return 0;
}

/* ---------------------------------------------------------------- HTTP */

#define RESPONSE_MAX ((size_t)4 << 20)

struct webhook_http {
	CURL *curl;
	sigma_buf response;
	int64_t retry_after_ms;
	int rate_exhausted;
	int64_t rate_reset_ms;
};

int webhook_http_new(webhook_http **out)
{
	webhook_http *h = sigma_xcalloc(1, sizeof *h);
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		return sigma_error_set(SIGMA_EIO, "libcurl: cannot create a handle");
	}
	sigma_buf_init(&h->response, RESPONSE_MAX);
	*out = h;
	return 0;
}

void webhook_http_free(webhook_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	sigma_buf_dispose(&h->response);
	free(h);
}

static size_t on_body(char *ptr, size_t size, size_t n, void *ctx)
{
	webhook_http *h = ctx;
	/* Over the cap: keep what fits; the body is only read for a message
	 * or a status list, and a truncated list just means "cannot tell". */
	if (sigma_buf_put(&h->response, ptr, size * n) != 0)
		return size * n;
	return size * n;
}

static int header_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

static long long header_number(const char *line, size_t len, size_t skip)
{
	char tmp[64];
	size_t n = len - skip < sizeof tmp - 1 ? len - skip : sizeof tmp - 1;
	memcpy(tmp, line + skip, n);
	tmp[n] = '\0';
	return strtoll(tmp, NULL, 10);
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
	webhook_http *h = ctx;
	size_t len = size * n;
	if (header_is(line, len, "Retry-After")) {
		char tmp[128];
		size_t k = len - 12 < sizeof tmp - 1 ? len - 12 : sizeof tmp - 1;
		memcpy(tmp, line + 12, k);
		tmp[k] = '\0';
		char *p = tmp;
		while (*p == ' ')
			p++;
		p[strcspn(p, "\r\n")] = '\0';
		char *end = NULL;
		long long secs = strtoll(p, &end, 10);
		if (end != p && (*end == '\0' || *end == ' ')) {
			h->retry_after_ms = secs * 1000;
		} else {
			time_t when = curl_getdate(p, NULL);
			if (when > 0)
				h->retry_after_ms = ((int64_t)when - (int64_t)time(NULL)) * 1000;
		}
		if (h->retry_after_ms < 0)
			h->retry_after_ms = 0;
	} else if (header_is(line, len, "X-RateLimit-Remaining") || header_is(line, len, "RateLimit-Remaining")) {
		size_t skip = (size_t)(strchr(line, ':') - line) + 1;
		if (header_number(line, len, skip) == 0)
			h->rate_exhausted = 1;
	} else if (header_is(line, len, "X-RateLimit-Reset") || header_is(line, len, "RateLimit-Reset")) {
		size_t skip = (size_t)(strchr(line, ':') - line) + 1;
		long long reset = header_number(line, len, skip);
		if (reset > 0)
			h->rate_reset_ms = ((int64_t)reset - (int64_t)time(NULL)) * 1000;
	}
	return len;
}

static void wipe_headers(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		if (p->data)
			explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static struct curl_slist *request_headers(const webhook_forge *f, int json_body)
{
	struct curl_slist *l = NULL;
	l = curl_slist_append(l, f->type == FORGE_GITHUB ? "Accept: application/vnd.github+json"
	                                                 : "Accept: application/json");
	if (json_body)
		l = curl_slist_append(l, "Content-Type: application/json");
	if (f->type == FORGE_GITHUB)
		l = curl_slist_append(l, "X-GitHub-Api-Version: 2022-11-28");
	if (f->token && *f->token) {
		char *auth;
		if (f->type == FORGE_GITLAB)
			auth = sigma_xasprintf("PRIVATE-TOKEN: %s", f->token);
		else if (f->type == FORGE_GITEA)
			auth = sigma_xasprintf("Authorization: token %s", f->token);
		else
			auth = sigma_xasprintf("Authorization: Bearer %s", f->token);
		l = curl_slist_append(l, auth);
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	return l;
}

/* One request; fills h->response and the header hints. */
static CURLcode perform_method(webhook_http *h, const webhook_forge *f, const char *method, const char *url,
                               const char *body, long *status)
{
	struct curl_slist *headers = request_headers(f, body != NULL);
	sigma_buf_clear(&h->response);
	h->retry_after_ms = -1;
	h->rate_exhausted = 0;
	h->rate_reset_ms = -1;
	CURL *c = h->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "sigma-serve/0.1");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		if (method && strcmp(method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	CURLcode cc = curl_easy_perform(c);
	*status = 0;
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	/* The handle keeps a pointer to the list: detach it before wiping. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	wipe_headers(headers);
	return cc;
}

static CURLcode perform(webhook_http *h, const webhook_forge *f, const char *url, const char *body, long *status)
{
	return perform_method(h, f, body ? "POST" : "GET", url, body, status);
}

int webhook_forge_post_status(webhook_post_result *out, webhook_http *h, const webhook_forge *f,
                              const char *repo, const char *sha, const webhook_status *st)
{
	char *url = NULL, *body = NULL;
	memset(out, 0, sizeof *out);
	out->retry_after_ms = -1;
	int rc = webhook_forge_status_request(&url, &body, f, repo, sha, st);
	if (rc)
		return rc;
	long status = 0;
	CURLcode cc = perform(h, f, url, body, &status);
	out->http_status = status;
	if (cc != CURLE_OK) {
		/* Did the request leave? A refused connection or an unknown host
		 * certainly did not; a timeout or a dropped answer may have. */
		int maybe_sent = cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
		                 cc == CURLE_SEND_ERROR || cc == CURLE_PARTIAL_FILE;
		out->outcome = maybe_sent ? POST_UNCERTAIN : POST_RETRY;
		snprintf(out->message, sizeof out->message, "%s", curl_easy_strerror(cc));
	} else if (status >= 200 && status < 300) {
		out->outcome = POST_OK;
	} else if (status == 429 || (status == 403 && h->rate_exhausted)) {
		/* Rate limited: the request was refused, not applied. */
		out->outcome = POST_RETRY;
		out->retry_after_ms = h->retry_after_ms >= 0 ? h->retry_after_ms : h->rate_reset_ms;
		snprintf(out->message, sizeof out->message, "HTTP %ld (rate limited)", status);
	} else if (status >= 500) {
		/* A 5xx may come from a proxy after the forge stored the status:
		 * settle before posting again, so it appears once. */
		out->outcome = POST_UNCERTAIN;
		out->retry_after_ms = h->retry_after_ms;
		snprintf(out->message, sizeof out->message, "HTTP %ld", status);
	} else {
		out->outcome = POST_FINAL;
		snprintf(out->message, sizeof out->message, "HTTP %ld: %.200s", status,
		         h->response.ptr ? h->response.ptr : "");
		for (char *p = out->message; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	free(url);
	free(body);
	return 0;
}

int webhook_forge_status_exists(webhook_http *h, const webhook_forge *f, const char *repo, const char *sha,
                                const webhook_status *st)
{
	char *url = NULL, *desc = NULL;
	int rc = status_url(&url, f, repo, sha, 1);
	if (rc)
		return rc;
	long status = 0;
	CURLcode cc = perform(h, f, url, NULL, &status);
	free(url);
	if (cc != CURLE_OK || status != 200)
		return sigma_error_set(SIGMA_EIO, "listing statuses: %s",
		                       cc != CURLE_OK ? curl_easy_strerror(cc) : "unexpected HTTP status");
	cJSON *list = cJSON_ParseWithLength(h->response.ptr ? h->response.ptr : "", h->response.len);
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(list);
		return sigma_error_set(SIGMA_EIO, "listing statuses: not a JSON array");
	}
	desc = fit_description(st->description);
	const char *target = fit_target_url(f, st->target_url);
	const char *want_state = forge_state(f->type, st->state);
	const char *ctx_key = f->type == FORGE_GITLAB ? "name" : "context";
	/* Gitea answers "status" where GitHub says "state". */
	int found = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, list) {
		const char *state = json_str(s, "state") ? json_str(s, "state") : json_str(s, "status");
		if (sigma_streq(json_str(s, ctx_key), st->context) && sigma_streq(state, want_state) &&
		    sigma_streq(json_str(s, "description") ? json_str(s, "description") : "", desc) &&
		    (!target || sigma_streq(json_str(s, "target_url"), target))) {
			found = 1;
			break;
		}
	}
	cJSON_Delete(list);
	free(desc);
	return found;
}

/* ---------------------------------------------------------------- comments */

/* Listing pages read before concluding there is no comment of sigma's
 * yet: 10 pages of 100 comments. A pull request with more has its comment
 * created again rather than the listing walked for ever. */
#define COMMENT_PAGES 10

static int comment_urls(char **collection, char **item_prefix, const webhook_forge *f, const char *repo, long number)
{
	if (number <= 0)
		return sigma_error_set(SIGMA_EINVALID, "comment: no pull request number");
	if (!is_safe_repo(repo, f->type == FORGE_GITLAB))
		return sigma_error_set(SIGMA_EINVALID, "comment on repository '%s': not a repository name", repo ? repo : "");
	if (f->type == FORGE_GITLAB) {
		char *id = url_encode(repo);
		*collection = sigma_xasprintf("%s/projects/%s/merge_requests/%ld/notes", f->url, id, number);
		*item_prefix = sigma_xasprintf("%s/projects/%s/merge_requests/%ld/notes/", f->url, id, number);
		free(id);
	} else {
		*collection = sigma_xasprintf("%s/repos/%s/issues/%ld/comments", f->url, repo, number);
		*item_prefix = sigma_xasprintf("%s/repos/%s/issues/comments/", f->url, repo);
	}
	return 0;
}

static int comment_id_of(char out[32], const cJSON *o)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 9e15)
		return SIGMA_EINVALID;
	snprintf(out, 32, "%.0f", id->valuedouble);
	return 0;
}

/* PATCH (GitHub, Gitea) or PUT (GitLab) the comment `id`: HTTP status, or
 * 0 when there was no answer. */
static long edit_comment(webhook_http *h, const webhook_forge *f, const char *item_prefix, const char *id,
                         const char *json)
{
	if (strspn(id, "0123456789") != strlen(id) || !*id)
		return 404; /* not an id a forge hands out: as good as gone */
	char *url = sigma_xasprintf("%s%s", item_prefix, id);
	long status = 0;
	CURLcode cc = perform_method(h, f, f->type == FORGE_GITLAB ? "PUT" : "PATCH", url, json, &status);
	free(url);
	return cc == CURLE_OK ? status : 0;
}

/* Find sigma's comment among the pull request's by its marker. 0 with
 * out[0] set when found, 0 with out[0] = '\0' when not, SIGMA_EIO when
 * the listing fails (then nothing is created: a second comment is worse
 * than a late one). */
static int find_comment(char out[32], webhook_http *h, const webhook_forge *f, const char *collection,
                        const char *marker)
{
	out[0] = '\0';
	for (int page = 1; page <= COMMENT_PAGES; page++) {
		char *url = sigma_xasprintf("%s?%s=100&page=%d%s", collection, f->type == FORGE_GITEA ? "limit" : "per_page",
		                            page, f->type == FORGE_GITLAB ? "&sort=asc" : "");
		long status = 0;
		CURLcode cc = perform(h, f, url, NULL, &status);
		free(url);
		if (cc != CURLE_OK || status != 200)
			return sigma_error_set(SIGMA_EIO, "listing comments: %s",
			                       cc != CURLE_OK ? curl_easy_strerror(cc) : "unexpected HTTP status");
		cJSON *list = cJSON_ParseWithLength(h->response.ptr ? h->response.ptr : "", h->response.len);
		if (!cJSON_IsArray(list)) {
			cJSON_Delete(list);
			return sigma_error_set(SIGMA_EIO, "listing comments: not a JSON array");
		}
		int n = cJSON_GetArraySize(list);
		const cJSON *c;
		cJSON_ArrayForEach(c, list) {
			const char *body = json_str(c, "body");
			if (body && strstr(body, marker) && comment_id_of(out, c) == 0)
				break;
		}
		cJSON_Delete(list);
		if (out[0] || n < 100)
			return 0;
	}
	return 0;
}

int webhook_forge_comment_upsert(webhook_comment_result *out, webhook_http *h, const webhook_forge *f,
                                 const char *repo, long number, const char *known_id, const char *body)
{
	char *collection = NULL, *item_prefix = NULL, *json = NULL;
	memset(out, 0, sizeof *out);
	int rc = comment_urls(&collection, &item_prefix, f, repo, number);
	if (rc)
		return rc;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "body", body);
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	long status = 0;
	/* 1. The comment this service made last time. */
	if (known_id && *known_id) {
		status = edit_comment(h, f, item_prefix, known_id, json);
		if (status >= 200 && status < 300) {
			snprintf(out->id, sizeof out->id, "%s", known_id);
			out->action = COMMENT_EDITED;
			goto out;
		}
		if (status != 404) {
			rc = sigma_error_set(SIGMA_EIO, "editing comment %s: HTTP %ld", known_id, status);
			goto out;
		}
		/* Deleted by someone, or the table is from another forge's
		 * past: look for it, else make a new one. */
	}
	/* 2. One made before this database knew of it (another service, a
	 * restore). */
	if ((rc = find_comment(out->id, h, f, collection, WEBHOOK_COMMENT_MARKER)))
		goto out;
	if (out->id[0]) {
		status = edit_comment(h, f, item_prefix, out->id, json);
		if (status >= 200 && status < 300) {
			out->action = COMMENT_EDITED;
			goto out;
		}
		rc = sigma_error_set(SIGMA_EIO, "editing comment %s: HTTP %ld", out->id, status);
		goto out;
	}
	/* 3. None yet. */
	CURLcode cc = perform(h, f, collection, json, &status);
	cJSON *made = cc == CURLE_OK && status >= 200 && status < 300
	                  ? cJSON_ParseWithLength(h->response.ptr ? h->response.ptr : "", h->response.len)
	                  : NULL;
	if (made && comment_id_of(out->id, made) == 0)
		out->action = COMMENT_CREATED;
	else
		rc = sigma_error_set(SIGMA_EIO, "creating a comment: %s",
		                     cc != CURLE_OK ? curl_easy_strerror(cc) : made ? "no id in the answer" : "HTTP error");
	cJSON_Delete(made);
out:
	free(collection);
	free(item_prefix);
	cJSON_free(json);
	return rc;
}

int64_t webhook_backoff_ms(int attempts, int base_ms, int max_ms, int64_t hint_ms, uint64_t entropy)
{
	int64_t d = base_ms > 0 ? base_ms : 1;
	for (int i = 1; i < attempts && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	/* Full-range jitter between d/2 and d: retries from many rows spread out. */
	entropy ^= entropy >> 33;
	entropy *= 0xff51afd7ed558ccdULL;
	entropy ^= entropy >> 33;
	int64_t half = d / 2;
	d = half + (half > 0 ? (int64_t)(entropy % (uint64_t)(half + 1)) : 0);
	if (hint_ms > d)
		d = hint_ms;
	return d;
}
