/* worker.h: the threads that do the work behind a 202.
 *
 * A worker claims a job, brings the commit into reach (a repository mapped
 * to a local path, or a bare mirror fetched with libgit2 from the
 * payload's clone URL), judges it with the hook's own pipeline (scan_tree,
 * policy_judge, certificate_build, registry_submission_put), and queues the
 * statuses: pending when the packages are known, then the final one, in
 * the same transaction that closes the job. Outbox jobs (pushes the hook
 * accepted) only need the final status of a certificate already stored.
 *
 * The poster posts queued statuses in order, retrying with backoff and
 * settling uncertain posts by reading the forge's statuses back. */
#ifndef SIGMA_WEBHOOK_WORKER_H
#define SIGMA_WEBHOOK_WORKER_H
#include <stddef.h>
#include "webhook/forge.h"
#include "webhook/service.h"

/* Thread entry points; `arg` is the webhook_service. They return when
 * svc->stopping is set (a job in progress is finished first). */
void *webhook_worker_main(void *arg);
void *webhook_poster_main(void *arg);

/* The status a submission certificate deserves: success for accepted,
 * failure for rejected, with a description of at most
 * WEBHOOK_DESCRIPTION_MAX bytes naming the first rejecting package.
 * 0, or SIGMA_EINVALID when `cert_json` is not a certificate. */
int webhook_worker_describe(webhook_state *state, char *description, size_t size, const char *cert_json);

#endif
