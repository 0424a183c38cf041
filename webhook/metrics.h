/* metrics.h: the service's counters, rendered in the Prometheus text
 * format at GET /metrics.
 *
 *   sigma_webhook_deliveries_total{forge,event,outcome}
 *   sigma_jobs_total{kind,result}
 *   sigma_job_latency_seconds (histogram: delivery received -> final
 *                              status queued)
 *   sigma_status_posts_total{result}
 *   sigma_webhook_connections_cut_total (past serve.receiveTimeout)
 *   sigma_queue_jobs{state}, sigma_queue_statuses{state} (read from the
 *                              database at each scrape)
 *
 * Counters are C11 atomics inside one struct that the server context
 * owns; there is no global registry of metrics. */
#ifndef SIGMA_WEBHOOK_METRICS_H
#define SIGMA_WEBHOOK_METRICS_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "common/buf.h"
#include "webhook/queue.h"

typedef enum metric_event { MEV_PULL_REQUEST = 0, MEV_PUSH, MEV_OTHER, MEV__COUNT } metric_event;
typedef enum metric_outcome {
	MOUT_QUEUED = 0, MOUT_DUPLICATE, MOUT_IGNORED, MOUT_UNAUTHORIZED, MOUT_TOO_LARGE, MOUT_BAD_REQUEST,
	MOUT_ERROR, MOUT_BUSY, MOUT__COUNT
} metric_outcome;
typedef enum metric_job { MJOB_SUCCESS = 0, MJOB_FAILURE, MJOB_ERROR, MJOB_RETRY, MJOB__COUNT } metric_job;
typedef enum metric_post {
	MPOST_OK = 0, MPOST_RETRY, MPOST_UNCERTAIN, MPOST_FINAL, MPOST_RECONCILED, MPOST_GAVE_UP, MPOST__COUNT
} metric_post;

#define METRIC_LATENCY_BUCKETS 12

typedef struct webhook_metrics {
	size_t nforges;
	char **forge_names;                 /* borrowed */
	atomic_llong *deliveries;           /* [forge][event][outcome], forge nforges = unknown */
	atomic_llong jobs[3][MJOB__COUNT];  /* kind: pull_request, push, outbox */
	atomic_llong latency_buckets[METRIC_LATENCY_BUCKETS];
	atomic_llong latency_count;
	atomic_llong latency_sum_ms;
	atomic_llong posts[MPOST__COUNT];
	atomic_llong connections_cut;       /* by the receive deadline */
} webhook_metrics;

void webhook_metrics_init(webhook_metrics *m, char **forge_names, size_t nforges);
void webhook_metrics_dispose(webhook_metrics *m);

/* `forge` is an index into forge_names, or nforges for an unknown forge. */
void webhook_metrics_delivery(webhook_metrics *m, size_t forge, metric_event ev, metric_outcome out);
void webhook_metrics_job(webhook_metrics *m, const char *kind, metric_job result, int64_t latency_ms);
void webhook_metrics_post(webhook_metrics *m, metric_post result);

/* Render everything (plus the queue gauges when `stats` is not NULL). */
int webhook_metrics_render(sigma_buf *out, const webhook_metrics *m, const webhook_queue_stats *stats);

#endif
