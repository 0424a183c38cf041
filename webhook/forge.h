/* forge.h: what differs between GitHub, Gitea and GitLab (BRIEF §4).
 *
 *   - proving a delivery came from the forge: HMAC-SHA256 of the body
 *     (GitHub, Gitea) or a shared token (GitLab), compared in constant time;
 *   - the delivery id used to drop redeliveries;
 *   - which events and actions mean "judge this commit", and where the
 *     commit, its base, the repository and its clone URL sit in each payload;
 *   - the commit status API: path, field names, states and length limits;
 *   - posting a status over libcurl, and reading statuses back to settle a
 *     post whose outcome is unknown.
 * libcurl, OpenSSL and cJSON types stay inside forge.c. */
#ifndef SIGMA_WEBHOOK_FORGE_H
#define SIGMA_WEBHOOK_FORGE_H
#include <stddef.h>
#include <stdint.h>
#include "webhook/settings.h"

/* GitHub refuses longer descriptions; sigma keeps to it everywhere. */
#define WEBHOOK_DESCRIPTION_MAX 140
/* GitLab refuses a longer target_url. */
#define WEBHOOK_GITLAB_TARGET_URL_MAX 255
/* GitHub and GitLab stop delivering bodies over 25 MB. */
#define WEBHOOK_BODY_MAX ((size_t)25 << 20)

/* ---------------------------------------------------------------- signatures */

/* The header that carries the proof for this forge type. */
const char *webhook_forge_signature_header(webhook_forge_type t);

/* Check `proof` (the header value, NULL when absent) against the body.
 * GitHub: "sha256=<hex>"; Gitea: bare hex (or "sha256=<hex>"); GitLab:
 * the token itself. Every comparison takes the same time whatever the
 * input. 0 when it matches, SIGMA_EINVALID otherwise. */
int webhook_forge_verify(webhook_forge_type t, const char *secret, const char *proof,
                         const void *body, size_t len);

/* Whether `proof` has the public shape of this forge's proof (GitHub
 * "sha256=<64 hex>", Gitea 64 hex or the same, GitLab anything non-empty),
 * to refuse a delivery on its headers before reading its body. 0, or
 * SIGMA_EINVALID naming the header. */
int webhook_forge_proof_shape(webhook_forge_type t, const char *proof);

/* HMAC-SHA256 of a body computed as it arrives, so the signature is known
 * the moment the last byte is in. */
typedef struct webhook_mac webhook_mac;
/* 0, or SIGMA_EIO when OpenSSL cannot set it up. *out is the caller's. */
int webhook_mac_new(webhook_mac **out, const char *secret);
void webhook_mac_update(webhook_mac *m, const void *data, size_t len);
/* Finish and compare with `proof` as webhook_forge_verify() does (GitHub,
 * Gitea); the MAC cannot be updated afterwards. 0 or SIGMA_EINVALID. */
int webhook_mac_verify(webhook_mac *m, webhook_forge_type t, const char *proof);
void webhook_mac_free(webhook_mac *m);

/* Lowercase hex HMAC-SHA256(key, data) into out[65]. */
void webhook_hmac_sha256_hex(const char *key, const void *data, size_t len, char out[65]);

/* ---------------------------------------------------------------- events */

typedef enum webhook_event_kind {
	EVENT_IGNORED = 0,
	EVENT_PULL_REQUEST,
	EVENT_PUSH,
} webhook_event_kind;

typedef struct webhook_event {
	webhook_event_kind kind;
	const char *ignored;   /* why an event is ignored (static text) */
	char *action;          /* "opened", "synchronize", "update", ... or NULL */
	char *repository;      /* the forge's full name of the target ("owner/repo") */
	char *status_repo;     /* where statuses go: "owner/repo", or GitLab's project id */
	char *clone_url;       /* where the head commit can be fetched from */
	char *sha;             /* the commit to judge */
	char *base_sha;        /* what it is judged against, or NULL */
	char *ref;             /* "refs/heads/x" (push) or the PR's head branch */
	long number;           /* PR / MR number, or 0 */
	char *comment_repo;    /* where the PR's comments live: "owner/repo", or
	                        * GitLab's target project id; NULL for a push */
	int private_repo;      /* the forge does not say the repository is public */
	char *base_ref;        /* GitLab MR: the target branch (no base commit is sent), or NULL */
} webhook_event;

/* Parse a delivery. `event` is the event header's value. An event that is
 * not handled is not an error: out->kind is EVENT_IGNORED with a reason.
 * SIGMA_EINVALID when the body is not JSON or a handled event lacks the
 * commit. */
int webhook_forge_parse_event(webhook_event *out, webhook_forge_type t, const char *event,
                              const char *body, size_t len);
void webhook_event_dispose(webhook_event *e);

/* Whether deliveries of this event can ever be judged (their action or
 * content decides the rest): 1 or 0. Lets the receiver answer any other
 * event from its headers, without reading its body. */
int webhook_forge_event_judged(webhook_forge_type t, const char *event);

/* The event as the job spec stored in the queue (JSON), and back. */
char *webhook_event_to_json(const webhook_event *e);
int webhook_event_from_json(webhook_event *out, const char *json);

/* ---------------------------------------------------------------- statuses */

/* sigma's states; each forge's names are derived from these. */
typedef enum webhook_state {
	STATE_PENDING = 0,
	STATE_SUCCESS,
	STATE_FAILURE,
	STATE_ERROR,
} webhook_state;

const char *webhook_state_name(webhook_state s);
int webhook_state_parse(webhook_state *out, const char *name);

typedef struct webhook_status {
	webhook_state state;
	const char *description;  /* cut to WEBHOOK_DESCRIPTION_MAX bytes on a UTF-8 boundary */
	const char *target_url;   /* may be NULL */
	const char *context;
} webhook_status;

/* The URL and JSON body of a status post, exactly as the forge's API wants
 * them. `repo` is "owner/repo" (GitHub, Gitea) or a project id or path
 * (GitLab, URL-encoded here). Both outputs are the caller's. */
int webhook_forge_status_request(char **url, char **body, const webhook_forge *f, const char *repo,
                                 const char *sha, const webhook_status *st);

/* What a post came to. */
typedef enum webhook_post_outcome {
	POST_OK = 0,       /* 2xx */
	POST_RETRY,        /* network error, 5xx or 429: try again later */
	POST_UNCERTAIN,    /* the request may have arrived (timeout mid-answer): settle, then retry */
	POST_FINAL,        /* another 4xx: give up, log */
} webhook_post_outcome;

typedef struct webhook_post_result {
	webhook_post_outcome outcome;
	long http_status;        /* 0 when no answer */
	int64_t retry_after_ms;  /* from Retry-After or the rate-limit headers, or -1 */
	char message[256];       /* for the log; never holds a token */
} webhook_post_result;

/* A libcurl session (keep-alive across posts). One per thread. */
typedef struct webhook_http webhook_http;
int webhook_http_new(webhook_http **out);
void webhook_http_free(webhook_http *h);

/* Post one status. Returns 0 (look at out->outcome) or SIGMA_EINVALID when
 * the request cannot be built. */
int webhook_forge_post_status(webhook_post_result *out, webhook_http *h, const webhook_forge *f,
                              const char *repo, const char *sha, const webhook_status *st);

/* Whether the forge already shows this exact status on `sha` (same
 * context, state, description and target_url): 1 yes, 0 no, negative when
 * it cannot tell. */
int webhook_forge_status_exists(webhook_http *h, const webhook_forge *f, const char *repo, const char *sha,
                                const webhook_status *st);

/* ---------------------------------------------------------------- comments */

/* The hidden line that marks sigma's comment on a pull request. */
#define WEBHOOK_COMMENT_MARKER "<!-- sigma:pr-comment -->"

typedef enum webhook_comment_action { COMMENT_NONE = 0, COMMENT_CREATED, COMMENT_EDITED } webhook_comment_action;

typedef struct webhook_comment_result {
	webhook_comment_action action;
	char id[32];    /* the comment's id on the forge */
} webhook_comment_result;

/* Make sigma's one comment on pull request `number` say `body` (which
 * holds WEBHOOK_COMMENT_MARKER): edit `known_id` (may be NULL); when the
 * forge no longer has it, or none is known, edit the comment found by the
 * marker; else create one. GitHub and Gitea: the issue comments API;
 * GitLab: the merge request's notes (`repo` is the target project).
 * 0 (out->id and out->action set), SIGMA_EINVALID when the request cannot
 * be built, SIGMA_EIO when the forge fails; nothing is retried here. */
int webhook_forge_comment_upsert(webhook_comment_result *out, webhook_http *h, const webhook_forge *f,
                                 const char *repo, long number, const char *known_id, const char *body);

/* Compute a retry delay: exponential from base_ms, capped at max_ms, with
 * jitter (half to full), never below a server-given hint. `entropy` is any
 * varying number (the row id and the clock mix in). */
int64_t webhook_backoff_ms(int attempts, int base_ms, int max_ms, int64_t hint_ms, uint64_t entropy);

#endif
