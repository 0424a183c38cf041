/* queue.c: see queue.h.
 *
 * The schema lives beside the registry's, in tables of its own, with its
 * own version row (webhook_meta 'schema'), created with CREATE ... IF NOT
 * EXISTS in one IMMEDIATE transaction: the service, a second service and a
 * hook writing its first outbox row may all get there first, and each
 * sees either nothing or everything.
 *
 * Group commit: request threads append to a list and sleep; the committer
 * thread takes the whole list, writes it in one transaction, commits (one
 * fsync), and wakes them. While it commits, the next batch gathers. A
 * delivery's answer waits for at most the commit in progress plus its own. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <sys/random.h>
#include "common/error.h"
#include "common/sqlitedb.h"
#include "common/util.h"
#include "webhook/queue.h"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS webhook_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS webhook_deliveries("
	"  forge TEXT NOT NULL, delivery TEXT NOT NULL, event TEXT, job_id INTEGER,"
	"  received_at INTEGER NOT NULL, PRIMARY KEY (forge, delivery)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS webhook_jobs("
	"  id INTEGER PRIMARY KEY, forge TEXT, delivery TEXT, kind TEXT NOT NULL, spec TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0,"
	"  not_before INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, finished_at INTEGER,"
	"  certificate_id TEXT, decision TEXT, error TEXT);"
	"CREATE INDEX IF NOT EXISTS webhook_jobs_state ON webhook_jobs(state, id);"
	"CREATE TABLE IF NOT EXISTS webhook_statuses("
	"  id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL, final INTEGER NOT NULL,"
	"  forge TEXT NOT NULL, repo TEXT NOT NULL, sha TEXT NOT NULL, state TEXT NOT NULL,"
	"  description TEXT NOT NULL, target_url TEXT, context TEXT NOT NULL,"
	"  done INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
	"  uncertain INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL DEFAULT 0,"
	"  http_status INTEGER, result TEXT, created_at INTEGER NOT NULL, UNIQUE (job_id, final));"
	"CREATE INDEX IF NOT EXISTS webhook_statuses_due ON webhook_statuses(done, next_at, id);"
	"CREATE INDEX IF NOT EXISTS webhook_statuses_key ON webhook_statuses(forge, repo, sha, context, done, id);"
	"CREATE TABLE IF NOT EXISTS webhook_certificates("
	"  id TEXT PRIMARY KEY, repository TEXT NOT NULL, ref TEXT, commit_oid TEXT NOT NULL) WITHOUT ROWID;"
	/* Schema 2: what a job saw besides its certificate (the certificate's
	 * format is not the service's to extend), the pull requests' comments,
	 * and which certificates judged a private repository. */
	"CREATE TABLE IF NOT EXISTS webhook_findings("
	"  certificate_id TEXT PRIMARY KEY, base_sha TEXT, findings TEXT NOT NULL, private INTEGER NOT NULL DEFAULT 0)"
	"  WITHOUT ROWID;"
	/* "Has any private repository been judged?" is asked on every
	 * /packages request: a partial index answers it without a scan. */
	"CREATE INDEX IF NOT EXISTS webhook_findings_private ON webhook_findings(private) WHERE private = 1;"
	"CREATE TABLE IF NOT EXISTS webhook_comments("
	"  forge TEXT NOT NULL, repo TEXT NOT NULL, number INTEGER NOT NULL, comment_id TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL, PRIMARY KEY (forge, repo, number)) WITHOUT ROWID;";

enum {
	ST_DELIVERY, ST_DELIVERY_JOB, ST_JOB_PUT, ST_DELIVERY_SET_JOB, ST_CLAIM, ST_DEFER, ST_STATUS_PUT,
	ST_FINISH, ST_CERT_MAP, ST_DUE, ST_SENDING, ST_STATUS_UPDATE, ST_NEXT_DUE, ST_CERT_FIND, ST_SUB_BY_KEY,
	ST_SUB_BY_ID, ST_OUTBOX_PUT, ST_FINDINGS_PUT, ST_FINDINGS_GET, ST_COMMENT_GET, ST_COMMENT_PUT, ST_SECRET_GET,
	ST_SECRET_PUT, ST_ANY_PRIVATE, ST__COUNT
};

static const char *const statements[ST__COUNT] = {
	[ST_DELIVERY] =
		"INSERT INTO webhook_deliveries(forge, delivery, event, received_at) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT DO NOTHING",
	[ST_DELIVERY_JOB] = "SELECT job_id FROM webhook_deliveries WHERE forge=?1 AND delivery=?2",
	[ST_JOB_PUT] =
		"INSERT INTO webhook_jobs(forge, delivery, kind, spec, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_DELIVERY_SET_JOB] = "UPDATE webhook_deliveries SET job_id=?3 WHERE forge=?1 AND delivery=?2",
	[ST_CLAIM] =
		"UPDATE webhook_jobs SET state='running', attempts=attempts+1 WHERE id=("
		" SELECT id FROM webhook_jobs WHERE state='queued' AND not_before<=?1"
		" AND (kind<>'outbox' OR created_at<=?2) ORDER BY id LIMIT 1)"
		" RETURNING id, forge, delivery, kind, spec, attempts, created_at",
	[ST_DEFER] = "UPDATE webhook_jobs SET state='queued', not_before=?2, error=?3 WHERE id=?1",
	[ST_STATUS_PUT] =
		"INSERT INTO webhook_statuses(job_id, final, forge, repo, sha, state, description, target_url,"
		" context, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
	[ST_FINISH] =
		"UPDATE webhook_jobs SET state='done', finished_at=?2, certificate_id=?3, decision=?4, error=?5"
		" WHERE id=?1",
	[ST_CERT_MAP] =
		"INSERT OR REPLACE INTO webhook_certificates(id, repository, ref, commit_oid) VALUES (?1, ?2, ?3, ?4)",
	[ST_DUE] =
		"SELECT id, job_id, final, forge, repo, sha, state, description, target_url, context, attempts,"
		" uncertain, created_at FROM webhook_statuses s WHERE done=0 AND next_at<=?1"
		" AND NOT EXISTS (SELECT 1 FROM webhook_statuses p WHERE p.forge=s.forge AND p.repo=s.repo"
		"  AND p.sha=s.sha AND p.context=s.context AND p.done=0 AND p.id<s.id)"
		" ORDER BY id LIMIT ?2",
	[ST_SENDING] = "UPDATE webhook_statuses SET attempts=attempts+1, uncertain=max(uncertain, 1) WHERE id=?1",
	[ST_STATUS_UPDATE] =
		"UPDATE webhook_statuses SET done=?2, next_at=?3, uncertain=?4, http_status=?5, result=?6 WHERE id=?1",
	[ST_NEXT_DUE] = "SELECT min(next_at) FROM webhook_statuses WHERE done=0",
	[ST_CERT_FIND] = "SELECT repository, ref, commit_oid FROM webhook_certificates WHERE id=?1",
	/* The registry's own table (registry/db.c), read by its primary key. */
	[ST_SUB_BY_KEY] =
		"SELECT certificate FROM submission_certificates WHERE repository=?1 AND ref IS ?2 AND commit_oid=?3 AND id=?4",
	[ST_SUB_BY_ID] = "SELECT certificate FROM submission_certificates WHERE id=?1 LIMIT 1",
	[ST_OUTBOX_PUT] = "INSERT INTO webhook_jobs(kind, spec, created_at) VALUES ('outbox', ?1, ?2)",
	[ST_FINDINGS_PUT] =
		"INSERT OR REPLACE INTO webhook_findings(certificate_id, base_sha, findings, private) VALUES (?1, ?2, ?3, ?4)",
	[ST_FINDINGS_GET] = "SELECT findings, base_sha, private FROM webhook_findings WHERE certificate_id=?1",
	[ST_COMMENT_GET] = "SELECT comment_id FROM webhook_comments WHERE forge=?1 AND repo=?2 AND number=?3",
	[ST_COMMENT_PUT] =
		"INSERT OR REPLACE INTO webhook_comments(forge, repo, number, comment_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_SECRET_GET] = "SELECT value FROM webhook_meta WHERE key='link_secret'",
	[ST_ANY_PRIVATE] = "SELECT EXISTS (SELECT 1 FROM webhook_findings INDEXED BY webhook_findings_private WHERE private=1)",
	[ST_SECRET_PUT] = "INSERT INTO webhook_meta(key, value) VALUES ('link_secret', ?1) ON CONFLICT DO NOTHING",
};

struct webhook_queue {
	sqlite3 *db;
	sqlite3_stmt *st[ST__COUNT];
	char *path;
};

/* ---------------------------------------------------------------- basics */

int64_t webhook_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int db_fail(webhook_queue *q, const char *what) { return sigma_db_fail(q->db, q->path, what); }
static int exec(webhook_queue *q, const char *sql) { return sigma_db_exec(q->db, q->path, sql); }
static sqlite3_stmt *stmt(webhook_queue *q, int which) { return sigma_db_stmt(q->db, &q->st[which], statements[which]); }
static void bind_text(sqlite3_stmt *s, int i, const char *v) { sigma_db_bind_text(s, i, v); }

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? sigma_xstrdup((const char *)t) : NULL;
}

static int step_done(webhook_queue *q, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : db_fail(q, what);
}

static int begin(webhook_queue *q) { return exec(q, "BEGIN IMMEDIATE"); }
static int commit(webhook_queue *q) { return exec(q, "COMMIT"); }
static void rollback(webhook_queue *q)
{
	if (!sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

static int schema(webhook_queue *q)
{
	sqlite3_stmt *s = NULL;
	int have = 0, rc;
	/* The common case, every open after the first: one read, no write lock. */
	if (sqlite3_prepare_v2(q->db, "SELECT value FROM webhook_meta WHERE key='schema'", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		have = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (have == WEBHOOK_QUEUE_SCHEMA)
		return 0;
	if (have > WEBHOOK_QUEUE_SCHEMA)
		return sigma_error_set(SIGMA_EINVALID, "%s: webhook schema %d is newer than this sigma knows (%d)",
		                       q->path, have, WEBHOOK_QUEUE_SCHEMA);
	if ((rc = begin(q)))
		return rc;
	if ((rc = exec(q, schema_sql)) ||
	    (rc = exec(q, "INSERT INTO webhook_meta(key, value) VALUES ('schema', '2')"
	                  " ON CONFLICT(key) DO UPDATE SET value=excluded.value")) ||
	    (rc = commit(q))) {
		rollback(q);
		return sigma_error_wrap(rc, "creating the webhook tables: ");
	}
	return 0;
}

int webhook_queue_open(webhook_queue **out, const char *path, int sync_full, int busy_ms)
{
	webhook_queue *q = sigma_xcalloc(1, sizeof *q);
	q->path = sigma_xstrdup(path);
	int rc;
	if ((rc = sigma_db_open(&q->db, path, SIGMA_DB_READWRITE, busy_ms)) ||
	    (rc = exec(q, "PRAGMA journal_mode=WAL")) ||
	    (rc = exec(q, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")) ||
	    (rc = schema(q)))
		goto fail;
	*out = q;
	return 0;
fail:
	webhook_queue_close(q);
	return rc;
}

void webhook_queue_close(webhook_queue *q)
{
	if (!q)
		return;
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	free(q->path);
	free(q);
}

/* ---------------------------------------------------------------- group commit */

/* One delivery waiting for its commit. `done` is called on the commit
 * thread once the batch holding it is on disk (or failed), each delivery
 * on its own: no broadcast that sends every waiter queueing for one mutex
 * (that convoy measured ~4 context switches per delivery). */
typedef struct pending {
	const char *forge, *delivery, *event, *spec;
	webhook_committed_fn done;
	void *ctx;
	int result;
	int64_t job_id;
	char error[256];
	struct pending *next;
} pending;

struct webhook_committer {
	webhook_queue *q;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;        /* work arrived, or stop */
	pending *head, **tail;
	int stopping;
	void (*on_commit)(void *ctx);
	void *ctx;
};

/* Write one delivery; the caller holds the transaction. */
static int put_delivery(webhook_queue *q, pending *p, int64_t now)
{
	sqlite3_stmt *s = stmt(q, ST_DELIVERY);
	if (!s)
		return db_fail(q, "record delivery");
	bind_text(s, 1, p->forge);
	bind_text(s, 2, p->delivery);
	bind_text(s, 3, p->event);
	sqlite3_bind_int64(s, 4, now);
	if (step_done(q, s, "record delivery"))
		return SIGMA_EIO;
	if (sqlite3_changes(q->db) == 0) {
		p->result = WEBHOOK_DUPLICATE;
		s = stmt(q, ST_DELIVERY_JOB);
		bind_text(s, 1, p->forge);
		bind_text(s, 2, p->delivery);
		if (sqlite3_step(s) == SQLITE_ROW)
			p->job_id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		return 0;
	}
	s = stmt(q, ST_JOB_PUT);
	if (!s)
		return db_fail(q, "queue job");
	bind_text(s, 1, p->forge);
	bind_text(s, 2, p->delivery);
	bind_text(s, 3, p->event);
	bind_text(s, 4, p->spec);
	sqlite3_bind_int64(s, 5, now);
	if (step_done(q, s, "queue job"))
		return SIGMA_EIO;
	p->job_id = sqlite3_last_insert_rowid(q->db);
	p->result = WEBHOOK_QUEUED;
	s = stmt(q, ST_DELIVERY_SET_JOB);
	bind_text(s, 1, p->forge);
	bind_text(s, 2, p->delivery);
	sqlite3_bind_int64(s, 3, p->job_id);
	return step_done(q, s, "record delivery");
}

static int write_batch(webhook_queue *q, pending *batch)
{
	int64_t now = webhook_wall_ms();
	int rc = begin(q);
	for (pending *p = batch; !rc && p; p = p->next)
		rc = put_delivery(q, p, now);
	if (!rc)
		rc = commit(q);
	if (rc)
		rollback(q);
	return rc;
}

static void *committer_main(void *arg)
{
	webhook_committer *c = arg;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->head && !c->stopping)
			pthread_cond_wait(&c->wake, &c->lock);
		if (!c->head && c->stopping)
			break;
		pending *batch = c->head;
		c->head = NULL;
		c->tail = &c->head;
		pthread_mutex_unlock(&c->lock);

		int rc = write_batch(c->q, batch);
		int queued = 0;
		if (rc) {
			/* One bad row must not refuse the others: retry one by one. */
			for (pending *p = batch; p; p = p->next) {
				pending *next = p->next;
				p->next = NULL;
				int one = write_batch(c->q, p);
				p->next = next;
				if (one) {
					p->result = one;
					snprintf(p->error, sizeof p->error, "%s", sigma_error_last());
				}
			}
		}
		for (pending *p = batch; p; p = p->next)
			queued |= p->result == WEBHOOK_QUEUED;
		if (queued && c->on_commit)
			c->on_commit(c->ctx);

		for (pending *p = batch, *next; p; p = next) {
			next = p->next;
			p->done(p->ctx, p->result, p->job_id, p->result < 0 ? p->error : NULL);
			free(p);
		}
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int webhook_committer_start(webhook_committer **out, const char *path, int sync_full,
                            void (*on_commit)(void *ctx), void *ctx)
{
	webhook_committer *c = sigma_xcalloc(1, sizeof *c);
	int rc = webhook_queue_open(&c->q, path, sync_full, 10000);
	if (rc) {
		free(c);
		return rc;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	c->tail = &c->head;
	c->on_commit = on_commit;
	c->ctx = ctx;
	if (pthread_create(&c->thread, NULL, committer_main, c) != 0) {
		webhook_queue_close(c->q);
		free(c);
		return sigma_error_set(SIGMA_EIO, "cannot start the commit thread");
	}
	*out = c;
	return 0;
}

int webhook_committer_submit_async(webhook_committer *c, const char *forge, const char *delivery,
                                   const char *event, const char *spec, webhook_committed_fn done, void *ctx)
{
	pending *p = sigma_xcalloc(1, sizeof *p);
	p->forge = forge;
	p->delivery = delivery;
	p->event = event;
	p->spec = spec;
	p->done = done;
	p->ctx = ctx;
	pthread_mutex_lock(&c->lock);
	if (c->stopping) {
		pthread_mutex_unlock(&c->lock);
		free(p);
		return sigma_error_set(SIGMA_EIO, "shutting down");
	}
	*c->tail = p;
	c->tail = &p->next;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

typedef struct waiter {
	sem_t posted;
	int result;
	int64_t job_id;
	char error[256];
} waiter;

static void wake_waiter(void *ctx, int result, int64_t job_id, const char *error)
{
	waiter *w = ctx;
	w->result = result;
	w->job_id = job_id;
	snprintf(w->error, sizeof w->error, "%s", error ? error : "");
	/* The last touch of w: glibc's semaphores may be destroyed as soon as
	 * the wait returns. */
	sem_post(&w->posted);
}

int webhook_committer_submit(webhook_committer *c, const char *forge, const char *delivery, const char *event,
                             const char *spec, int64_t *job_id)
{
	waiter w;
	sem_init(&w.posted, 0, 0);
	int rc = webhook_committer_submit_async(c, forge, delivery, event, spec, wake_waiter, &w);
	if (rc) {
		sem_destroy(&w.posted);
		return rc;
	}
	while (sem_wait(&w.posted) != 0)
		;
	sem_destroy(&w.posted);
	if (w.result < 0)
		return sigma_error_set(w.result, "%s", w.error);
	if (job_id)
		*job_id = w.job_id;
	return w.result;
}

void webhook_committer_stop(webhook_committer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = 1;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	webhook_queue_close(c->q);
	free(c);
}

/* ---------------------------------------------------------------- jobs */

int webhook_queue_recover(webhook_queue *q)
{
	int rc = exec(q, "UPDATE webhook_jobs SET state='queued' WHERE state='running'");
	return rc ? rc : sqlite3_changes(q->db);
}

int webhook_queue_claim(webhook_job *out, webhook_queue *q, int64_t outbox_delay_ms)
{
	memset(out, 0, sizeof *out);
	int64_t now = webhook_wall_ms();
	sqlite3_stmt *s = stmt(q, ST_CLAIM);
	if (!s)
		return db_fail(q, "claim job");
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, now - outbox_delay_ms);
	int step = sqlite3_step(s), rc = 0;
	if (step == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		out->forge = col_dup(s, 1);
		out->delivery = col_dup(s, 2);
		out->kind = col_dup(s, 3);
		out->spec = col_dup(s, 4);
		out->attempts = sqlite3_column_int(s, 5);
		out->created_ms = sqlite3_column_int64(s, 6);
		/* RETURNING rows are all produced before the first is returned;
		 * stepping to the end completes the statement. */
		while (sqlite3_step(s) == SQLITE_ROW)
			;
	} else if (step == SQLITE_DONE) {
		rc = SIGMA_ENOTFOUND;
	} else {
		rc = db_fail(q, "claim job");
	}
	sqlite3_reset(s);
	return rc;
}

void webhook_job_dispose(webhook_job *j)
{
	free(j->forge);
	free(j->delivery);
	free(j->kind);
	free(j->spec);
	memset(j, 0, sizeof *j);
}

int webhook_queue_defer(webhook_queue *q, int64_t job_id, int64_t delay_ms, const char *error)
{
	sqlite3_stmt *s = stmt(q, ST_DEFER);
	if (!s)
		return db_fail(q, "defer job");
	sqlite3_bind_int64(s, 1, job_id);
	sqlite3_bind_int64(s, 2, webhook_wall_ms() + delay_ms);
	bind_text(s, 3, error);
	return step_done(q, s, "defer job");
}

void webhook_status_row_dispose(webhook_status_row *s)
{
	free(s->forge);
	free(s->repo);
	free(s->sha);
	free(s->state);
	free(s->description);
	free(s->target_url);
	free(s->context);
	memset(s, 0, sizeof *s);
}

static int put_status(webhook_queue *q, const webhook_status_row *r, int final)
{
	sqlite3_stmt *s = stmt(q, ST_STATUS_PUT);
	if (!s)
		return db_fail(q, "queue status");
	sqlite3_bind_int64(s, 1, r->job_id);
	sqlite3_bind_int(s, 2, final);
	bind_text(s, 3, r->forge);
	bind_text(s, 4, r->repo);
	bind_text(s, 5, r->sha);
	bind_text(s, 6, r->state);
	bind_text(s, 7, r->description ? r->description : "");
	bind_text(s, 8, r->target_url);
	bind_text(s, 9, r->context);
	sqlite3_bind_int64(s, 10, webhook_wall_ms());
	return step_done(q, s, "queue status");
}

int webhook_queue_add_status(webhook_queue *q, const webhook_status_row *s)
{
	return put_status(q, s, 0);
}

int webhook_queue_finish(webhook_queue *q, int64_t job_id, const webhook_job_result *r)
{
	int rc = begin(q);
	if (rc)
		return rc;
	if (r->final && (rc = put_status(q, r->final, 1)))
		goto fail;
	if (r->certificate_id && r->repository && r->commit) {
		sqlite3_stmt *s = stmt(q, ST_CERT_MAP);
		if (!s) {
			rc = db_fail(q, "record certificate");
			goto fail;
		}
		bind_text(s, 1, r->certificate_id);
		bind_text(s, 2, r->repository);
		bind_text(s, 3, r->ref);
		bind_text(s, 4, r->commit);
		if ((rc = step_done(q, s, "record certificate")))
			goto fail;
	}
	if (r->certificate_id && r->findings) {
		sqlite3_stmt *s = stmt(q, ST_FINDINGS_PUT);
		if (!s) {
			rc = db_fail(q, "record findings");
			goto fail;
		}
		bind_text(s, 1, r->certificate_id);
		bind_text(s, 2, r->base_sha);
		bind_text(s, 3, r->findings);
		sqlite3_bind_int(s, 4, r->private_repo ? 1 : 0);
		if ((rc = step_done(q, s, "record findings")))
			goto fail;
	}
	sqlite3_stmt *s = stmt(q, ST_FINISH);
	if (!s) {
		rc = db_fail(q, "finish job");
		goto fail;
	}
	sqlite3_bind_int64(s, 1, job_id);
	sqlite3_bind_int64(s, 2, webhook_wall_ms());
	bind_text(s, 3, r->certificate_id);
	bind_text(s, 4, r->decision);
	bind_text(s, 5, r->error);
	if ((rc = step_done(q, s, "finish job")) || (rc = commit(q)))
		goto fail;
	return 0;
fail:
	rollback(q);
	return rc;
}

/* ---------------------------------------------------------------- statuses */

int webhook_queue_due(webhook_status_row **out, size_t *n, webhook_queue *q, size_t max)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = stmt(q, ST_DUE);
	if (!s)
		return db_fail(q, "read due statuses");
	sqlite3_bind_int64(s, 1, webhook_wall_ms());
	sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
	webhook_status_row *rows = sigma_xcalloc(max ? max : 1, sizeof *rows);
	size_t k = 0;
	int step;
	while (k < max && (step = sqlite3_step(s)) == SQLITE_ROW) {
		webhook_status_row *r = &rows[k++];
		r->id = sqlite3_column_int64(s, 0);
		r->job_id = sqlite3_column_int64(s, 1);
		r->final = sqlite3_column_int(s, 2);
		r->forge = col_dup(s, 3);
		r->repo = col_dup(s, 4);
		r->sha = col_dup(s, 5);
		r->state = col_dup(s, 6);
		r->description = col_dup(s, 7);
		r->target_url = col_dup(s, 8);
		r->context = col_dup(s, 9);
		r->attempts = sqlite3_column_int(s, 10);
		r->uncertain = sqlite3_column_int(s, 11);
		r->created_ms = sqlite3_column_int64(s, 12);
	}
	sqlite3_reset(s);
	*out = rows;
	*n = k;
	return 0;
}

int webhook_queue_sending(webhook_queue *q, const webhook_status_row *rows, size_t n)
{
	int rc = begin(q);
	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_stmt *s = stmt(q, ST_SENDING);
		if (!s) {
			rc = db_fail(q, "mark status");
			break;
		}
		sqlite3_bind_int64(s, 1, rows[i].id);
		rc = step_done(q, s, "mark status");
	}
	if (!rc)
		rc = commit(q);
	if (rc)
		rollback(q);
	return rc;
}

int webhook_queue_status_updates(webhook_queue *q, const webhook_status_update *u, size_t n)
{
	int rc = begin(q);
	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_stmt *s = stmt(q, ST_STATUS_UPDATE);
		if (!s) {
			rc = db_fail(q, "record status result");
			break;
		}
		sqlite3_bind_int64(s, 1, u[i].id);
		sqlite3_bind_int(s, 2, u[i].done);
		sqlite3_bind_int64(s, 3, u[i].next_at_ms);
		sqlite3_bind_int(s, 4, u[i].uncertain);
		sqlite3_bind_int64(s, 5, u[i].http_status);
		bind_text(s, 6, u[i].result);
		rc = step_done(q, s, "record status result");
	}
	if (!rc)
		rc = commit(q);
	if (rc)
		rollback(q);
	return rc;
}

int64_t webhook_queue_next_due(webhook_queue *q)
{
	sqlite3_stmt *s = stmt(q, ST_NEXT_DUE);
	int64_t when = -1;
	if (s && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		when = sqlite3_column_int64(s, 0);
	if (s)
		sqlite3_reset(s);
	return when;
}

/* ---------------------------------------------------------------- reading */

int webhook_queue_stats_get(webhook_queue_stats *out, webhook_queue *q)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *s = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(q->db, "SELECT state, count(*) FROM webhook_jobs GROUP BY state", -1, &s, NULL) !=
	    SQLITE_OK)
		return db_fail(q, "count jobs");
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *st = (const char *)sqlite3_column_text(s, 0);
		int64_t n = sqlite3_column_int64(s, 1);
		if (sigma_streq(st, "queued"))
			out->jobs_queued = n;
		else if (sigma_streq(st, "running"))
			out->jobs_running = n;
		else if (sigma_streq(st, "done"))
			out->jobs_done = n;
	}
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(q->db, "SELECT done, count(*) FROM webhook_statuses GROUP BY done", -1, &s, NULL) !=
	    SQLITE_OK)
		return db_fail(q, "count statuses");
	while (sqlite3_step(s) == SQLITE_ROW) {
		int d = sqlite3_column_int(s, 0);
		int64_t n = sqlite3_column_int64(s, 1);
		if (d == STATUS_WAITING)
			out->statuses_waiting = n;
		else if (d == STATUS_POSTED)
			out->statuses_posted = n;
		else
			out->statuses_failed += n;
	}
	sqlite3_finalize(s);
	return rc;
}

int webhook_queue_certificate_id(char full[65], webhook_queue *q, const char *prefix)
{
	sqlite3_stmt *s = NULL;
	/* Both tables a certificate id can be in; a range on the text keeps it
	 * one comparison per row ("g" sorts after every hex digit). */
	if (sqlite3_prepare_v2(q->db,
	                       "SELECT id FROM submissions WHERE id >= ?1 AND id < ?1 || 'g'"
	                       " UNION SELECT id FROM webhook_certificates WHERE id >= ?1 AND id < ?1 || 'g'"
	                       " LIMIT 2", -1, &s, NULL) != SQLITE_OK)
		return db_fail(q, "find certificate");
	bind_text(s, 1, prefix);
	int found = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		if (id && strlen(id) == 64 && found++ == 0)
			memcpy(full, id, 65);
	}
	sqlite3_finalize(s);
	if (found == 1)
		return 0;
	return sigma_error_set(found ? SIGMA_EINVALID : SIGMA_ENOTFOUND, "%s certificate id prefix %s",
	                       found ? "an ambiguous" : "no", prefix);
}

int webhook_queue_certificate(char **out, webhook_queue *q, const char *id)
{
	*out = NULL;
	sqlite3_stmt *s = stmt(q, ST_CERT_FIND);
	if (!s)
		return db_fail(q, "find certificate");
	bind_text(s, 1, id);
	char *repository = NULL, *ref = NULL, *commit_oid = NULL;
	if (sqlite3_step(s) == SQLITE_ROW) {
		repository = col_dup(s, 0);
		ref = col_dup(s, 1);
		commit_oid = col_dup(s, 2);
	}
	sqlite3_reset(s);
	if (repository && commit_oid && (s = stmt(q, ST_SUB_BY_KEY))) {
		bind_text(s, 1, repository);
		bind_text(s, 2, ref);
		bind_text(s, 3, commit_oid);
		bind_text(s, 4, id);
		if (sqlite3_step(s) == SQLITE_ROW)
			*out = col_dup(s, 0);
		sqlite3_reset(s);
	}
	/* Not recorded by this service (say, a push it never saw) or since
	 * replaced: look the id up in the registry's table itself. */
	if (!*out && (s = stmt(q, ST_SUB_BY_ID))) {
		bind_text(s, 1, id);
		if (sqlite3_step(s) == SQLITE_ROW)
			*out = col_dup(s, 0);
		sqlite3_reset(s);
	}
	free(repository);
	free(ref);
	free(commit_oid);
	return *out ? 0 : sigma_error_set(SIGMA_ENOTFOUND, "no certificate %s", id);
}

int webhook_queue_add_outbox(webhook_queue *q, const char *spec)
{
	sqlite3_stmt *s = stmt(q, ST_OUTBOX_PUT);
	if (!s)
		return db_fail(q, "add outbox row");
	bind_text(s, 1, spec);
	sqlite3_bind_int64(s, 2, webhook_wall_ms());
	return step_done(q, s, "add outbox row");
}

/* ---------------------------------------------------------------- findings, comments, links */

int webhook_queue_findings(char **findings, int *private_repo, webhook_queue *q, const char *cert_id)
{
	if (findings)
		*findings = NULL;
	*private_repo = 0;
	sqlite3_stmt *s = stmt(q, ST_FINDINGS_GET);
	if (!s)
		return db_fail(q, "read findings");
	bind_text(s, 1, cert_id);
	int step = sqlite3_step(s), rc = 0;
	if (step == SQLITE_ROW) {
		if (findings)
			*findings = col_dup(s, 0);
		*private_repo = sqlite3_column_int(s, 2);
	} else if (step == SQLITE_DONE) {
		rc = sigma_error_set(SIGMA_ENOTFOUND, "no findings for %s", cert_id);
	} else {
		rc = db_fail(q, "read findings");
	}
	sqlite3_reset(s);
	return rc;
}

int webhook_queue_any_private(webhook_queue *q)
{
	sqlite3_stmt *s = stmt(q, ST_ANY_PRIVATE);
	if (!s)
		return db_fail(q, "look for private certificates");
	int step = sqlite3_step(s), rc = step == SQLITE_ROW ? sqlite3_column_int(s, 0) != 0 : db_fail(q, "look for private certificates");
	sqlite3_reset(s);
	return rc;
}

int webhook_queue_comment_get(char **out, webhook_queue *q, const char *forge, const char *repo, long number)
{
	*out = NULL;
	sqlite3_stmt *s = stmt(q, ST_COMMENT_GET);
	if (!s)
		return db_fail(q, "read comment id");
	bind_text(s, 1, forge);
	bind_text(s, 2, repo);
	sqlite3_bind_int64(s, 3, number);
	int step = sqlite3_step(s), rc = 0;
	if (step == SQLITE_ROW)
		*out = col_dup(s, 0);
	else if (step == SQLITE_DONE)
		rc = sigma_error_set(SIGMA_ENOTFOUND, "no comment recorded");
	else
		rc = db_fail(q, "read comment id");
	sqlite3_reset(s);
	return rc;
}

int webhook_queue_comment_put(webhook_queue *q, const char *forge, const char *repo, long number,
                              const char *comment_id)
{
	sqlite3_stmt *s = stmt(q, ST_COMMENT_PUT);
	if (!s)
		return db_fail(q, "record comment id");
	bind_text(s, 1, forge);
	bind_text(s, 2, repo);
	sqlite3_bind_int64(s, 3, number);
	bind_text(s, 4, comment_id);
	sqlite3_bind_int64(s, 5, webhook_wall_ms());
	return step_done(q, s, "record comment id");
}

static int read_secret(webhook_queue *q, char out[65])
{
	sqlite3_stmt *s = stmt(q, ST_SECRET_GET);
	if (!s)
		return db_fail(q, "read the link secret");
	int rc = SIGMA_ENOTFOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		if (t && strlen((const char *)t) == 64) {
			memcpy(out, t, 65);
			rc = 0;
		}
	}
	sqlite3_reset(s);
	return rc;
}

int webhook_queue_link_secret(char out[65], webhook_queue *q)
{
	if (read_secret(q, out) == 0)
		return 0;
	unsigned char raw[32];
	static const char hex[] = "0123456789abcdef";
	char fresh[65];
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return sigma_error_set(SIGMA_EIO, "no randomness for the link secret");
	for (size_t i = 0; i < sizeof raw; i++) {
		fresh[2 * i] = hex[raw[i] >> 4];
		fresh[2 * i + 1] = hex[raw[i] & 15];
	}
	fresh[64] = '\0';
	explicit_bzero(raw, sizeof raw);
	/* Two services starting at once on one database: the first insert
	 * wins and both read it back, so links signed by either verify. */
	sqlite3_stmt *s = stmt(q, ST_SECRET_PUT);
	int rc = s ? 0 : db_fail(q, "store the link secret");
	if (!rc) {
		bind_text(s, 1, fresh);
		rc = step_done(q, s, "store the link secret");
	}
	explicit_bzero(fresh, sizeof fresh);
	if (!rc)
		rc = read_secret(q, out);
	return rc == SIGMA_ENOTFOUND ? sigma_error_set(SIGMA_EIO, "the link secret did not stick") : rc;
}
