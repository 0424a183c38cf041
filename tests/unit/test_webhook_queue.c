/* test_webhook_queue.c: the durable queue on a real SQLite file: a
 * delivery is recorded once, a duplicate finds the first job, jobs are
 * claimed once, a killed run's jobs come back, a job's statuses are
 * unique per phase and come out in order (pending before final), and the
 * sending mark survives for the settle-before-retry rule. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/error.h"
#include "common/util.h"
#include "registry/db.h"
#include "tap.h"
#include "webhook/outbox.h"
#include "webhook/queue.h"

int main(void)
{
	char dir[] = "/tmp/sigma-queue-test.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char *db = sigma_xasprintf("%s/registry.db", dir);
	webhook_committer *c = NULL;
	webhook_queue *q = NULL;
	/* Only `sigma registry init` makes the file; the queue adds its tables. */
	ok(webhook_queue_open(&q, db, 0, 1000) != 0, "the queue does not create a missing database");
	webhook_queue_close(q);
	q = NULL;
	registry *reg = NULL;
	ok(registry_open(&reg, db, REGISTRY_CREATE) == 0, "registry init");
	registry_close(reg);
	ok(webhook_committer_start(&c, db, 1, NULL, NULL) == 0, "committer starts on a new database");
	ok(webhook_queue_open(&q, db, 0, 1000) == 0, "a second connection opens (tables exist)");
	int64_t j1 = 0, j2 = 0, j3 = 0;
	ok(webhook_committer_submit(c, "gh", "d-1", "pull_request", "{\"sha\":\"a\"}", &j1) == WEBHOOK_QUEUED && j1 > 0,
	   "a delivery is queued (job %lld)", (long long)j1);
	ok(webhook_committer_submit(c, "gh", "d-1", "pull_request", "{\"sha\":\"a\"}", &j2) == WEBHOOK_DUPLICATE && j2 == j1,
	   "the same delivery id: duplicate, same job");
	ok(webhook_committer_submit(c, "gl", "d-1", "push", "{\"sha\":\"b\"}", &j3) == WEBHOOK_QUEUED && j3 != j1,
	   "the same id from another forge is another delivery");

	webhook_job job;
	ok(webhook_queue_claim(&job, q, 0) == 0 && job.id == j1 && job.attempts == 1 && !strcmp(job.forge, "gh"),
	   "the oldest job is claimed");
	webhook_job_dispose(&job);
	ok(webhook_queue_claim(&job, q, 0) == 0 && job.id == j3, "then the next");
	webhook_job_dispose(&job);
	ok(webhook_queue_claim(&job, q, 0) == SIGMA_ENOTFOUND, "nothing left to claim");
	ok(webhook_queue_recover(q) == 2, "a restart puts both running jobs back");
	ok(webhook_queue_claim(&job, q, 0) == 0 && job.id == j1 && job.attempts == 2, "claimed again, attempt 2");
	webhook_job_dispose(&job);

	webhook_status_row row = { 0, j1, 0, "gh", "octo/app", "abc", "pending", "checking", NULL, "ctx", 0, 0, 0 };
	ok(webhook_queue_add_status(q, &row) == 0 && webhook_queue_add_status(q, &row) == 0,
	   "the pending status added twice (a rerun)");
	webhook_status_row fin = { 0, j1, 1, "gh", "octo/app", "abc", "failure", "rejected", "http://x/c/1", "ctx", 0, 0, 0 };
	webhook_job_result r = { &fin, "1111", "octo/app", "refs/pull/1/head", "abc", "rejected", NULL, NULL, NULL, 0 };
	ok(webhook_queue_finish(q, j1, &r) == 0, "the job finishes with its final status");
	ok(webhook_queue_finish(q, j1, &r) == 0, "finishing again adds nothing");
	webhook_status_row *rows = NULL;
	size_t n = 0;
	ok(webhook_queue_due(&rows, &n, q, 10) == 0 && n == 1 && !strcmp(rows[0].state, "pending"),
	   "only the pending status is due: the final one waits behind it");
	ok(webhook_queue_sending(q, rows, n) == 0, "marked as sending");
	for (size_t i = 0; i < n; i++)
		webhook_status_row_dispose(&rows[i]);
	free(rows);
	ok(webhook_queue_due(&rows, &n, q, 10) == 0 && n == 1 && rows[0].uncertain == 1 && rows[0].attempts == 1,
	   "after a crash mid-post the row is uncertain (settle before posting again)");
	webhook_status_update u = { rows[0].id, STATUS_POSTED, 0, 0, 201, "posted" };
	for (size_t i = 0; i < n; i++)
		webhook_status_row_dispose(&rows[i]);
	free(rows);
	ok(webhook_queue_status_updates(q, &u, 1) == 0, "pending posted");
	ok(webhook_queue_due(&rows, &n, q, 10) == 0 && n == 1 && !strcmp(rows[0].state, "failure") && rows[0].final == 1,
	   "now the final status is due, once");
	int64_t later = webhook_wall_ms() + 60000;
	webhook_status_update w = { rows[0].id, STATUS_WAITING, later, 0, 500, "retry" };
	for (size_t i = 0; i < n; i++)
		webhook_status_row_dispose(&rows[i]);
	free(rows);
	ok(webhook_queue_status_updates(q, &w, 1) == 0 && webhook_queue_due(&rows, &n, q, 10) == 0 && n == 0,
	   "a status in backoff is not due");
	free(rows);
	ok(webhook_queue_next_due(q) == later, "next_due says when");

	webhook_queue_stats st;
	ok(webhook_queue_stats_get(&st, q) == 0 && st.jobs_done == 1 && st.jobs_queued == 1 && st.statuses_waiting == 1 &&
	       st.statuses_posted == 1, "stats: 1 done, 1 queued, 1 waiting, 1 posted");
	ok(webhook_outbox_add_push(db, "/srv/git/app.git", "refs/heads/main", "abc", "2222", "accepted") == 0,
	   "the hook's outbox row");
	ok(webhook_queue_claim(&job, q, 60000) == 0 && job.id == j3, "a fresh outbox row waits for outboxDelay");
	webhook_job_dispose(&job);
	ok(webhook_queue_claim(&job, q, 0) == 0 && !strcmp(job.kind, "outbox") && strstr(job.spec, "\"2222\""),
	   "then it is claimed as an outbox job");
	webhook_job_dispose(&job);
	char *cert = NULL;
	ok(webhook_queue_certificate(&cert, q, "9999") == SIGMA_ENOTFOUND, "an unknown certificate id: not found");

	webhook_queue_close(q);
	webhook_committer_stop(c);
	char *cmd = sigma_xasprintf("rm -rf '%s'", dir);
	ok(system(cmd) == 0, "cleanup");
	free(cmd);
	free(db);
	return tap_done();
}
