/* service.h: the context every part of `sigma serve` shares.
 *
 * One struct, created by `sigma serve` (webhook/cmd.c) and handed to the
 * HTTP handlers, the worker threads and the status poster. It holds the
 * settings (read-only after start), the counters, the group-commit thread,
 * and the condition variables that wake workers and the poster. Each
 * thread opens its own database connections; the only shared connections
 * are the page readers, behind `read_lock`. */
#ifndef SIGMA_WEBHOOK_SERVICE_H
#define SIGMA_WEBHOOK_SERVICE_H
#include <pthread.h>
#include <stdatomic.h>
#include "webhook/metrics.h"
#include "webhook/queue.h"
#include "webhook/settings.h"

#define WEBHOOK_MIRROR_LOCKS 32

struct registry;

typedef struct webhook_service {
	const webhook_settings *settings;
	const char *db_path;
	char *public_url;                 /* settings' publicUrl, or http://LISTEN */
	char link_key[65];                /* signs links to private repositories' pages (queue.h) */
	webhook_metrics metrics;
	webhook_committer *committer;
	atomic_int stopping;

	pthread_mutex_t wake_lock;
	pthread_cond_t wake_jobs;         /* a job was queued, or stop */
	pthread_cond_t wake_poster;       /* a status was queued, or stop */
	int jobs_signalled, poster_signalled;

	/* One fetch at a time per mirror (hash of the mirror path). */
	pthread_mutex_t mirror_locks[WEBHOOK_MIRROR_LOCKS];

	/* Readers for the pages, /metrics and /healthz. */
	pthread_mutex_t read_lock;
	webhook_queue *reader;
	struct registry *registry_reader;
} webhook_service;

/* Links to a private repository's certificate page carry
 * "?exp=UNIX&sig=HEX": HMAC-SHA256 under link_key of "ID.EXP"; they stay
 * valid for serve.linkLifetime. */

/* The path and query of a signed link to certificate `id` valid until
 * `exp` (seconds since the epoch). The caller frees it. */
char *webhook_link_sign(const webhook_service *svc, const char *id, long long exp);
/* Whether `exp` and `sig` (from a request, may be NULL) make a valid,
 * unexpired link to `what`: a certificate id, or a package record's path
 * "packages/ECO/NAME/VERSION". 1 or 0. Constant time in `sig`. */
int webhook_link_verify(const webhook_service *svc, const char *what, const char *exp, const char *sig);

/* Wake the workers / the poster (safe from any thread). */
void webhook_service_wake_jobs(webhook_service *svc);
void webhook_service_wake_poster(webhook_service *svc);

/* One log line on stderr, "sigma serve: ..." written in one call, so lines
 * from different threads never interleave. Never a secret or a token. */
void webhook_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A value from a request (header, delivery id, event name), made safe for
 * a log line: backslash and '"' escaped with a backslash, space, control
 * characters and bytes >= 0x7f as \xNN. So one value stays one token: it
 * can neither end the line nor add a `key=value` of its own. Cut to fit
 * `size` (at least 6); returns out. */
const char *webhook_log_value(char *out, size_t size, const char *value);

#endif
