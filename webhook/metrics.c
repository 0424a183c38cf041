/* metrics.c: see metrics.h. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "webhook/metrics.h"

static const char *const event_names[MEV__COUNT] = { "pull_request", "push", "other" };
static const char *const outcome_names[MOUT__COUNT] = {
	"queued", "duplicate", "ignored", "unauthorized", "too_large", "bad_request", "error", "busy"
};
static const char *const kind_names[3] = { "pull_request", "push", "outbox" };
static const char *const job_names[MJOB__COUNT] = { "success", "failure", "error", "retry" };
static const char *const post_names[MPOST__COUNT] = { "ok", "retry", "uncertain", "final", "reconciled", "gave_up" };
/* Upper bounds in milliseconds; the last bucket is +Inf. */
static const int64_t latency_le_ms[METRIC_LATENCY_BUCKETS - 1] = {
	50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000
};

void webhook_metrics_init(webhook_metrics *m, char **forge_names, size_t nforges)
{
	memset(m, 0, sizeof *m);
	m->nforges = nforges;
	m->forge_names = forge_names;
	size_t n = (nforges + 1) * MEV__COUNT * MOUT__COUNT;
	m->deliveries = sigma_xcalloc(n, sizeof *m->deliveries);
	for (size_t i = 0; i < n; i++)
		atomic_init(&m->deliveries[i], 0);
}

void webhook_metrics_dispose(webhook_metrics *m)
{
	free(m->deliveries);
	m->deliveries = NULL;
}

void webhook_metrics_delivery(webhook_metrics *m, size_t forge, metric_event ev, metric_outcome out)
{
	if (forge > m->nforges)
		forge = m->nforges;
	atomic_fetch_add(&m->deliveries[(forge * MEV__COUNT + ev) * MOUT__COUNT + out], 1);
}

void webhook_metrics_job(webhook_metrics *m, const char *kind, metric_job result, int64_t latency_ms)
{
	int k = sigma_streq(kind, "pull_request") ? 0 : sigma_streq(kind, "push") ? 1 : 2;
	atomic_fetch_add(&m->jobs[k][result], 1);
	if (result == MJOB_RETRY)
		return;
	int b = 0;
	while (b < METRIC_LATENCY_BUCKETS - 1 && latency_ms > latency_le_ms[b])
		b++;
	atomic_fetch_add(&m->latency_buckets[b], 1);
	atomic_fetch_add(&m->latency_count, 1);
	atomic_fetch_add(&m->latency_sum_ms, latency_ms);
}

void webhook_metrics_post(webhook_metrics *m, metric_post result)
{
	atomic_fetch_add(&m->posts[result], 1);
}

/* Label values here are forge names from the config: escape \ " and newline. */
static void label(sigma_buf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			sigma_buf_putc(out, '\\'), sigma_buf_putc(out, *v);
		else if (*v == '\n')
			sigma_buf_puts(out, "\\n");
		else
			sigma_buf_putc(out, *v);
	}
}

int webhook_metrics_render(sigma_buf *out, const webhook_metrics *m, const webhook_queue_stats *stats)
{
	webhook_metrics *mm = (webhook_metrics *)m; /* atomic loads need non-const objects */
	sigma_buf_puts(out, "# HELP sigma_webhook_deliveries_total Webhook deliveries received, by forge, event and outcome.\n"
	                    "# TYPE sigma_webhook_deliveries_total counter\n");
	for (size_t f = 0; f <= m->nforges; f++)
		for (int e = 0; e < MEV__COUNT; e++)
			for (int o = 0; o < MOUT__COUNT; o++) {
				long long v = atomic_load(&mm->deliveries[(f * MEV__COUNT + (size_t)e) * MOUT__COUNT + (size_t)o]);
				if (!v && o != MOUT_QUEUED)
					continue;
				if (!v && f == m->nforges)
					continue;
				sigma_buf_puts(out, "sigma_webhook_deliveries_total{forge=\"");
				label(out, f < m->nforges ? m->forge_names[f] : "(unknown)");
				sigma_buf_printf(out, "\",event=\"%s\",outcome=\"%s\"} %lld\n", event_names[e], outcome_names[o], v);
			}
	sigma_buf_puts(out, "# HELP sigma_jobs_total Jobs finished, by kind and result.\n"
	                    "# TYPE sigma_jobs_total counter\n");
	for (int k = 0; k < 3; k++)
		for (int r = 0; r < MJOB__COUNT; r++)
			sigma_buf_printf(out, "sigma_jobs_total{kind=\"%s\",result=\"%s\"} %lld\n", kind_names[k], job_names[r],
			                 (long long)atomic_load(&mm->jobs[k][r]));
	sigma_buf_puts(out, "# HELP sigma_job_latency_seconds From delivery received to final status queued.\n"
	                    "# TYPE sigma_job_latency_seconds histogram\n");
	long long cum = 0;
	for (int b = 0; b < METRIC_LATENCY_BUCKETS; b++) {
		cum += atomic_load(&mm->latency_buckets[b]);
		if (b < METRIC_LATENCY_BUCKETS - 1)
			sigma_buf_printf(out, "sigma_job_latency_seconds_bucket{le=\"%g\"} %lld\n",
			                 (double)latency_le_ms[b] / 1000.0, cum);
		else
			sigma_buf_printf(out, "sigma_job_latency_seconds_bucket{le=\"+Inf\"} %lld\n", cum);
	}
	sigma_buf_printf(out, "sigma_job_latency_seconds_sum %.3f\nsigma_job_latency_seconds_count %lld\n",
	                 (double)atomic_load(&mm->latency_sum_ms) / 1000.0, (long long)atomic_load(&mm->latency_count));
	sigma_buf_puts(out, "# HELP sigma_status_posts_total Commit status posts to forges, by result.\n"
	                    "# TYPE sigma_status_posts_total counter\n");
	for (int p = 0; p < MPOST__COUNT; p++)
		sigma_buf_printf(out, "sigma_status_posts_total{result=\"%s\"} %lld\n", post_names[p],
		                 (long long)atomic_load(&mm->posts[p]));
	sigma_buf_printf(out,
	                 "# HELP sigma_webhook_connections_cut_total Connections cut for not sending a whole request "
	                 "within serve.receiveTimeout.\n"
	                 "# TYPE sigma_webhook_connections_cut_total counter\n"
	                 "sigma_webhook_connections_cut_total %lld\n",
	                 (long long)atomic_load(&mm->connections_cut));
	if (stats) {
		sigma_buf_printf(out,
		                 "# HELP sigma_queue_jobs Jobs in the durable queue, by state.\n"
		                 "# TYPE sigma_queue_jobs gauge\n"
		                 "sigma_queue_jobs{state=\"queued\"} %lld\n"
		                 "sigma_queue_jobs{state=\"running\"} %lld\n"
		                 "# HELP sigma_queue_statuses Commit statuses not yet posted.\n"
		                 "# TYPE sigma_queue_statuses gauge\n"
		                 "sigma_queue_statuses{state=\"waiting\"} %lld\n",
		                 (long long)stats->jobs_queued, (long long)stats->jobs_running,
		                 (long long)stats->statuses_waiting);
	}
	return 0;
}
