/* queue.h: the webhook service's durable state, in the registry's SQLite
 * file (its own tables, all named webhook_*):
 *
 *   - deliveries: (forge, delivery id) seen, so a redelivery is answered
 *     200 and processed once;
 *   - jobs: one per accepted delivery (and one per push the hook accepted:
 *     the outbox), queued -> running -> done;
 *   - statuses: the commit statuses to post, in order per (repository, sha,
 *     context), each posted until it is done;
 *   - certificates: which commit each certificate id judged, for the pages.
 *
 * A delivery is acknowledged only once its job is committed. Commits of
 * deliveries are grouped (webhook_committer): one fsync covers every
 * delivery that arrived while the previous one ran, which is how the
 * service answers thousands of deliveries a second and still promises each
 * of them durably. Each connection (webhook_queue) belongs to one thread. */
#ifndef SIGMA_WEBHOOK_QUEUE_H
#define SIGMA_WEBHOOK_QUEUE_H
#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_QUEUE_SCHEMA 2

/* ---------------------------------------------------------------- connections */

typedef struct webhook_queue webhook_queue;

/* Open the database at `path` (creating it and the webhook tables when
 * missing). `sync_full`: fsync every commit (synchronous=FULL) or only
 * checkpoints (NORMAL, which survives a killed process but not a power
 * cut). `busy_ms`: how long to wait for another writer. *out is the
 * caller's (webhook_queue_close). 0, SIGMA_EINVALID (newer schema) or
 * SIGMA_EIO. */
int webhook_queue_open(webhook_queue **out, const char *path, int sync_full, int busy_ms);
void webhook_queue_close(webhook_queue *q);

/* Wall-clock milliseconds (what the tables store). */
int64_t webhook_wall_ms(void);

/* ---------------------------------------------------------------- deliveries */

enum { WEBHOOK_QUEUED = 0, WEBHOOK_DUPLICATE = 1 };

typedef struct webhook_committer webhook_committer;

/* Start the group-commit thread on its own connection. `on_commit` (may be
 * NULL) is called after each batch that queued a job, to wake workers. */
int webhook_committer_start(webhook_committer **out, const char *path, int sync_full,
                            void (*on_commit)(void *ctx), void *ctx);
/* Record a delivery and its job, and return once that is on disk:
 * WEBHOOK_QUEUED (job id in *job_id), WEBHOOK_DUPLICATE (*job_id = the
 * first delivery's job), or a negative error (nothing promised). */
int webhook_committer_submit(webhook_committer *c, const char *forge, const char *delivery, const char *event,
                             const char *spec, int64_t *job_id);
/* The asynchronous form, for a caller that must not block (the HTTP
 * threads): return at once, and have `done` called on the commit thread
 * once the delivery is on disk, exactly once, with WEBHOOK_QUEUED,
 * WEBHOOK_DUPLICATE or a negative error and its message (`error`, else
 * NULL). `done` must not block: it holds up the whole batch. The strings
 * must live until `done` is called. 0, or SIGMA_EIO when the committer is
 * stopping (then `done` is never called). */
typedef void (*webhook_committed_fn)(void *ctx, int result, int64_t job_id, const char *error);
int webhook_committer_submit_async(webhook_committer *c, const char *forge, const char *delivery,
                                   const char *event, const char *spec, webhook_committed_fn done, void *ctx);
/* Finish the batches in flight, then stop. */
void webhook_committer_stop(webhook_committer *c);

/* ---------------------------------------------------------------- jobs */

typedef struct webhook_job {
	int64_t id;
	char *forge;       /* NULL for outbox jobs */
	char *delivery;    /* NULL for outbox jobs */
	char *kind;        /* "pull_request", "push" or "outbox" */
	char *spec;        /* JSON */
	int attempts;      /* including this one */
	int64_t created_ms;
} webhook_job;

/* Put jobs left running by a stopped or killed service back in the queue.
 * Returns how many, or a negative error. */
int webhook_queue_recover(webhook_queue *q);

/* Claim the oldest runnable job (outbox jobs only once they are
 * `outbox_delay_ms` old, so that the push has landed on the forge).
 * 0, SIGMA_ENOTFOUND when there is none. */
int webhook_queue_claim(webhook_job *out, webhook_queue *q, int64_t outbox_delay_ms);
void webhook_job_dispose(webhook_job *j);

/* Put a claimed job back, to run again after `delay_ms`. */
int webhook_queue_defer(webhook_queue *q, int64_t job_id, int64_t delay_ms, const char *error);

/* A status to post. */
typedef struct webhook_status_row {
	int64_t id;
	int64_t job_id;
	int final;             /* 0 pending, 1 the job's final status */
	char *forge;
	char *repo;            /* the forge's name for the repository (status target) */
	char *sha;
	char *state;           /* pending | success | failure | error */
	char *description;
	char *target_url;      /* or NULL */
	char *context;
	int attempts;          /* posts tried so far */
	int uncertain;         /* a post may have arrived: check before posting again;
	                        * 1 + the checks that could not tell (worker.c) */
	int64_t created_ms;
} webhook_status_row;

void webhook_status_row_dispose(webhook_status_row *s);

/* Queue a job's pending status (once per job: a rerun adds nothing). */
int webhook_queue_add_status(webhook_queue *q, const webhook_status_row *s);

/* Close a job in one transaction: its final status (may be NULL), the
 * certificate it produced (cert_id may be NULL) and its outcome. */
typedef struct webhook_job_result {
	const webhook_status_row *final;
	const char *certificate_id;
	const char *repository, *ref, *commit;
	const char *decision;      /* accepted | rejected | NULL */
	const char *error;         /* or NULL */
	/* What the page and the pull request's comment show beside the
	 * certificate (JSON, see worker.c), kept under certificate_id; NULL
	 * for none. */
	const char *findings;
	const char *base_sha;
	int private_repo;          /* the forge says the repository is private */
} webhook_job_result;
int webhook_queue_finish(webhook_queue *q, int64_t job_id, const webhook_job_result *r);

/* ---------------------------------------------------------------- statuses */

/* Up to `max` statuses due now, each the oldest not-done one of its
 * (forge, repo, sha, context), so a final status never overtakes its
 * pending one. *out is the caller's (free each with
 * webhook_status_row_dispose, then the array). */
int webhook_queue_due(webhook_status_row **out, size_t *n, webhook_queue *q, size_t max);

/* Before posting: count the attempt and mark the rows uncertain (keeping
 * a count of failed checks already there), in one transaction, so a crash
 * mid-post is settled by asking the forge. */
int webhook_queue_sending(webhook_queue *q, const webhook_status_row *rows, size_t n);

enum { STATUS_WAITING = 0, STATUS_POSTED = 1, STATUS_FAILED = 2 };

typedef struct webhook_status_update {
	int64_t id;
	int done;              /* STATUS_* */
	int64_t next_at_ms;    /* when waiting */
	int uncertain;
	long http_status;
	const char *result;    /* short text for the record */
} webhook_status_update;
int webhook_queue_status_updates(webhook_queue *q, const webhook_status_update *u, size_t n);

/* When the next status is due (wall ms), or -1 when none waits. */
int64_t webhook_queue_next_due(webhook_queue *q);

/* ---------------------------------------------------------------- reading */

typedef struct webhook_queue_stats {
	int64_t jobs_queued, jobs_running, jobs_done;
	int64_t statuses_waiting, statuses_posted, statuses_failed;
} webhook_queue_stats;
int webhook_queue_stats_get(webhook_queue_stats *out, webhook_queue *q);

/* The submission certificate stored under `id`, whichever ref and commit
 * it judged; *out is the caller's. SIGMA_ENOTFOUND when none. */
int webhook_queue_certificate(char **out, webhook_queue *q, const char *id);
/* The full id of the one certificate whose id starts with `prefix`.
 * SIGMA_ENOTFOUND when none, SIGMA_EINVALID when several do. */
int webhook_queue_certificate_id(char full[65], webhook_queue *q, const char *prefix);

/* Add an outbox job (spec: JSON). Used by webhook_outbox_add_push. */
int webhook_queue_add_outbox(webhook_queue *q, const char *spec);

/* ---------------------------------------------------------------- findings, comments, links */

/* The findings stored with a certificate (*findings the caller's; pass
 * NULL to learn only whether it is private) and whether its repository is
 * private. 0, SIGMA_ENOTFOUND (no row: not judged by a delivery, so not
 * known to be private), or a database error. */
int webhook_queue_findings(char **findings, int *private_repo, webhook_queue *q, const char *cert_id);

/* Whether any certificate of a private repository is kept: 1, 0, or a
 * negative error. */
int webhook_queue_any_private(webhook_queue *q);

/* The id of sigma's comment on pull request `number` of `repo` at forge
 * `forge`, as last created or found. *out is the caller's. 0, or
 * SIGMA_ENOTFOUND. */
int webhook_queue_comment_get(char **out, webhook_queue *q, const char *forge, const char *repo, long number);
int webhook_queue_comment_put(webhook_queue *q, const char *forge, const char *repo, long number,
                              const char *comment_id);

/* The key that signs links to private repositories' pages: 64 hex
 * digits, made once per database and kept in it, so links survive a
 * restart and every service on the database agrees. The caller wipes out.
 * 0 or SIGMA_EIO. */
int webhook_queue_link_secret(char out[65], webhook_queue *q);

#endif
