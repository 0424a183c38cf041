/* serve.c: see serve.h.
 *
 * Threading: a small pool of libmicrohttpd threads (epoll), each serving
 * many connections. A delivery's thread verifies the signature, reads the
 * event, hands the job to the group-commit thread and suspends the
 * connection; the commit thread resumes it once the batch is on disk, and
 * the answer goes out. No thread sleeps on a commit, so one fsync answers
 * every delivery that arrived while the previous one ran, without a
 * thread (and two context switches) per waiting connection.
 *
 * Under attack (issue 13): anyone can open a connection, so nothing a
 * connection holds before its signature is checked may be unbounded.
 *   - Time: a request must be fully received within serve.receiveTimeout
 *     of the connection's start (or of the previous answer on a kept-alive
 *     connection); a request other than a delivery must also be answered
 *     by then. libmicrohttpd's own timeout restarts with every byte, so
 *     a client trickling a header line every few seconds would never meet
 *     it; a reaper thread shuts such connections down instead.
 *   - Connections: a global cap and one per address.
 *   - Memory: bodies not yet verified share one byte budget
 *     (serve.unverifiedBytes), reserved from Content-Length before the
 *     first byte is read; over it the delivery gets 503 at once.
 *   - Work: a delivery is refused on its headers when it can be: unknown
 *     forge, body over the cap, no event, an event never judged (202,
 *     nothing read), a missing or malformed signature, a wrong GitLab
 *     token. The HMAC is computed as the body arrives.
 *   - Logs: every value taken from a request goes through
 *     webhook_log_value(), so it cannot forge a line or a field.
 *
 * Why 401 and not 403 for a bad signature: the forge shows the code in
 * its delivery log, and 401 reads as "your secret is wrong". Nothing about
 * which part failed is sent back; the log line says it. */
#include <arpa/inet.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <microhttpd.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/sign.h"
#include "common/config.h"
#include "common/json.h"
#include "common/util.h"
#include "registry/db.h"
#include "webhook/forge.h"
#include "webhook/pages.h"
#include "webhook/serve.h"
#include "webhook/service.h"

#define DELIVERY_ID_MAX 200
/* File descriptors kept for everything that is not a connection: the
 * database, libcurl, libgit2, mirrors. */
#define FD_RESERVE 128
/* libmicrohttpd's pool per connection: request line, headers (a forge
 * sends 1-2 KiB) and the read buffer. Its default, stated. */
#define CONNECTION_MEMORY (32 * 1024)
/* How often the reaper looks for requests past their deadline. */
#define REAP_INTERVAL_MS 200
/* Room for one escaped request value in a log line. */
#define LOGV 160
#define PAGE_MAX ((size_t)64 << 20)
/* Threads serving connections. Deliveries never wait on a commit in them;
 * what can hold one up for long is a page or /metrics reading the
 * database, which then delays only the connections on that thread. */
#define POOL_THREADS 4
/* How long a stop waits for answers already committed to be sent. */
#define STOP_GRACE_MS 2000


/* A connection, from libmicrohttpd's accept to its close, for the reaper. */
typedef struct tracked {
	struct tracked *prev, *next;
	int fd;
	int receiving;          /* on the clock: a request is awaited or arriving, or (not a
	                         * delivery) being answered; off while a delivery's body
	                         * is verified and at the committer */
	int cut;                /* already shut down by the reaper */
	int64_t deadline_ms;    /* when receiving must be over */
} tracked;

struct webhook_server {
	struct MHD_Daemon *daemon;
	webhook_service *svc;
	char *tls_cert, *tls_key;
	int64_t receive_ms;

	/* Every open connection (reaper), and the bytes reserved by bodies not
	 * yet verified. The fd of a connection is shut down only under this
	 * lock and only while the connection is listed: libmicrohttpd tells us
	 * of a close (on_connection) before it closes the fd, so the number
	 * can never have been reused by then. */
	pthread_mutex_t conns_lock;
	pthread_cond_t reaper_wake;
	tracked *conns;
	int reaper_running, reaper_stop;
	pthread_t reaper;
	size_t unverified, unverified_max;

	/* Deliveries handed to the committer and not yet resumed, and
	 * deliveries not yet completed: a stop waits for both to drain. */
	pthread_mutex_t lock;
	pthread_cond_t drained;
	int stopping;
	size_t waiting, answering;
};

typedef struct request {
	webhook_server *srv;
	struct MHD_Connection *conn;
	int webhook;              /* POST /webhook/NAME */
	size_t forge;             /* index into settings->forges */
	tracked *track;
	sigma_buf body;
	webhook_mac *mac;         /* HMAC of the body so far (GitHub, Gitea) */
	size_t reserved;          /* bytes of the unverified budget held */
	int announced;            /* Content-Length given: reserved up front */
	int too_big;
	size_t discarded;         /* bytes dropped after the cap */
	int64_t started;

	/* A delivery at the committer: what its answer and log line need.
	 * `result`, `job_id` and `error` are written on the commit thread
	 * before the resume, and read after it. */
	int committed, answering;
	metric_event mev;
	char *event, *delivery, *spec;
	webhook_event ev;
	int result;
	int64_t job_id;
	char error[256];
} request;

static void release_budget(webhook_server *srv, request *rq);

/* ---------------------------------------------------------------- responses */

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned code, const char *type, const char *body,
                               size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (sigma_startswith(type, "text/html"))
		MHD_add_response_header(r, "Content-Security-Policy",
		                        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'");
	enum MHD_Result ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_json(struct MHD_Connection *conn, unsigned code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum MHD_Result respond_json(struct MHD_Connection *conn, unsigned code, const char *fmt, ...)
{
	char body[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof body - 1)
		n = snprintf(body, sizeof body, "{\"status\":\"error\"}");
	body[n++] = '\n';
	return respond(conn, code, "application/json", body, (size_t)n);
}

/* A JSON string value, for the few texts echoed in answers. */
static void json_escape(char *out, size_t size, const char *s)
{
	size_t k = 0;
	for (; s && *s && k + 7 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[k++] = '\\';
			out[k++] = (char)c;
		} else if (c < 0x20) {
			k += (size_t)snprintf(out + k, size - k, "\\u%04x", c);
		} else {
			out[k++] = (char)c;
		}
	}
	out[k] = '\0';
}

/* ---------------------------------------------------------------- deliveries */

static const char *header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static const char *first_header(struct MHD_Connection *conn, const char *a, const char *b)
{
	const char *v = header(conn, a);
	return v || !b ? v : header(conn, b);
}

/* The event, delivery id and proof headers of a forge type. */
static void delivery_headers(struct MHD_Connection *conn, webhook_forge_type t, const char **event,
                             const char **delivery, const char **proof)
{
	switch (t) {
	case FORGE_GITHUB:
		*event = header(conn, "X-GitHub-Event");
		*delivery = header(conn, "X-GitHub-Delivery");
		*proof = header(conn, "X-Hub-Signature-256");
		break;
	case FORGE_GITEA:
		*event = first_header(conn, "X-Gitea-Event", "X-GitHub-Event");
		*delivery = first_header(conn, "X-Gitea-Delivery", "X-GitHub-Delivery");
		*proof = first_header(conn, "X-Gitea-Signature", "X-Hub-Signature-256");
		break;
	case FORGE_GITLAB:
		*event = header(conn, "X-Gitlab-Event");
		/* Idempotency-Key is repeated on GitLab's retries of one event;
		 * X-Gitlab-Event-UUID is shared by all hooks one request set off,
		 * so it only identifies a delivery together with the event name. */
		*delivery = header(conn, "Idempotency-Key");
		*proof = header(conn, "X-Gitlab-Token");
		break;
	}
}

static metric_event classify(const char *event)
{
	if (sigma_streq(event, "pull_request") || sigma_streq(event, "Merge Request Hook"))
		return MEV_PULL_REQUEST;
	if (sigma_streq(event, "push") || sigma_streq(event, "Push Hook"))
		return MEV_PUSH;
	return MEV_OTHER;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The JSON inside a form-encoded body ("payload=<url-encoded JSON>"), in
 * place: it is never longer than the body. SIGMA_EINVALID without one. */
static int form_payload(sigma_buf *b)
{
	const char *p = b->ptr;
	while (p && *p) {
		if (sigma_startswith(p, "payload=")) {
			p += 8;
			size_t k = 0;
			for (; *p && *p != '&'; p++) {
				if (*p == '+') {
					b->ptr[k++] = ' ';
				} else if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
					b->ptr[k++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
					p += 2;
				} else {
					b->ptr[k++] = *p;
				}
			}
			b->ptr[k] = '\0';
			b->len = k;
			return 0;
		}
		p = strchr(p, '&');
		if (p)
			p++;
	}
	return sigma_error_set(SIGMA_EINVALID, "form-encoded body without a payload field");
}

/* On the commit thread: note the outcome, give the connection back to
 * its libmicrohttpd thread. rq may be freed as soon as it is resumed. */
static void on_committed(void *ctx, int result, int64_t job_id, const char *error)
{
	request *rq = ctx;
	webhook_server *srv = rq->srv;
	rq->result = result;
	rq->job_id = job_id;
	snprintf(rq->error, sizeof rq->error, "%s", error ? error : "");
	rq->committed = 1;
	/* Outside srv->lock: libmicrohttpd takes its own locks here. The count
	 * drops only after the resume returned, so a stop (which waits for it)
	 * never runs alongside. */
	MHD_resume_connection(rq->conn);
	pthread_mutex_lock(&srv->lock);
	if (--srv->waiting == 0)
		pthread_cond_broadcast(&srv->drained);
	pthread_mutex_unlock(&srv->lock);
}

/* Suspend the connection and hand the delivery to the committer. 0 when
 * it is on its way, or an error (the caller answers at once). */
static int submit_delivery(webhook_service *svc, request *rq, const char *forge)
{
	webhook_server *srv = rq->srv;
	pthread_mutex_lock(&srv->lock);
	if (srv->stopping) {
		pthread_mutex_unlock(&srv->lock);
		rq->result = sigma_error_set(SIGMA_EIO, "shutting down");
		snprintf(rq->error, sizeof rq->error, "%s", sigma_error_last());
		return rq->result;
	}
	srv->waiting++;
	pthread_mutex_unlock(&srv->lock);
	/* Suspended before the committer can see it, so the resume never
	 * comes first; counted before, so a stop waits for the resume. */
	MHD_suspend_connection(rq->conn);
	int rc = webhook_committer_submit_async(svc->committer, forge, rq->delivery,
	                                        rq->ev.kind == EVENT_PULL_REQUEST ? "pull_request" : "push", rq->spec,
	                                        on_committed, rq);
	if (rc)
		on_committed(rq, rc, 0, sigma_error_last());
	return 0;
}

/* The answer to a delivery that went to the committer. */
static enum MHD_Result answer_delivery(struct MHD_Connection *conn, webhook_service *svc, request *rq)
{
	const webhook_forge *f = &svc->settings->forges[rq->forge];
	int64_t ms = webhook_wall_ms() - rq->started;
	enum MHD_Result ret;
	char ev_log[LOGV], id_log[LOGV];
	webhook_log_value(ev_log, sizeof ev_log, rq->event);
	webhook_log_value(id_log, 64, rq->delivery);
	if (rq->result == WEBHOOK_QUEUED) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, rq->mev, MOUT_QUEUED);
		webhook_log("delivery forge=%s event=%s id=%s outcome=queued job=%lld repo=%s sha=%.12s ms=%lld", f->name,
		         ev_log, id_log, (long long)rq->job_id, rq->ev.repository, rq->ev.sha, (long long)ms);
		ret = respond_json(conn, MHD_HTTP_ACCEPTED, "{\"status\":\"queued\",\"job\":%lld}", (long long)rq->job_id);
	} else if (rq->result == WEBHOOK_DUPLICATE) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, rq->mev, MOUT_DUPLICATE);
		webhook_log("delivery forge=%s event=%s id=%s outcome=duplicate job=%lld", f->name, ev_log, id_log,
		         (long long)rq->job_id);
		ret = respond_json(conn, MHD_HTTP_OK, "{\"status\":\"duplicate\",\"job\":%lld}", (long long)rq->job_id);
	} else {
		webhook_metrics_delivery(&svc->metrics, rq->forge, rq->mev, MOUT_ERROR);
		webhook_log("delivery forge=%s event=%s id=%s outcome=error reason=\"%s\"", f->name, ev_log, id_log,
		         rq->error);
		ret = respond_json(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "{\"status\":\"unavailable\"}");
	}
	return ret;
}

static enum MHD_Result handle_delivery(struct MHD_Connection *conn, webhook_service *svc, request *rq)
{
	const webhook_forge *f = &svc->settings->forges[rq->forge];
	const char *event = NULL, *delivery = NULL, *proof = NULL;
	char fallback_id[80], reason[256], ev_log[LOGV], id_log[LOGV];
	delivery_headers(conn, f->type, &event, &delivery, &proof);
	metric_event mev = classify(event);
	const char *ctype = header(conn, MHD_HTTP_HEADER_CONTENT_TYPE);
	int form = ctype && sigma_startswith(ctype, "application/x-www-form-urlencoded");

	webhook_log_value(ev_log, sizeof ev_log, event);

	/* GitHub signs the body as sent (its HMAC is ready); Gitea signs the
	 * JSON inside a form; GitLab's token was checked on the headers. */
	int verified = 0;
	const char *bad_form = NULL;
	if (f->type == FORGE_GITLAB) {
		verified = 0;
	} else if (form && f->type == FORGE_GITEA) {
		if (form_payload(&rq->body) != 0)
			bad_form = sigma_error_last();
		verified = bad_form ? 0 : webhook_forge_verify(f->type, f->secret, proof, rq->body.ptr ? rq->body.ptr : "",
		                                               rq->body.len);
	} else {
		verified = webhook_mac_verify(rq->mac, f->type, proof);
		if (verified == 0 && form && form_payload(&rq->body) != 0)
			bad_form = sigma_error_last();
	}
	if (bad_form) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, mev, MOUT_BAD_REQUEST);
		webhook_log("delivery forge=%s event=%s outcome=bad_request reason=\"%s\"", f->name, ev_log, bad_form);
		return respond_json(conn, MHD_HTTP_BAD_REQUEST, "{\"status\":\"bad_request\"}");
	}
	if (verified != 0) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, mev, MOUT_UNAUTHORIZED);
		webhook_log("delivery forge=%s event=%s id=%s outcome=unauthorized reason=\"%s\"", f->name, ev_log,
		         webhook_log_value(id_log, 64, delivery), sigma_error_last());
		return respond_json(conn, MHD_HTTP_UNAUTHORIZED, "{\"status\":\"unauthorized\"}");
	}
	/* Verified: what the body holds is the forge's, no longer the budget's. */
	release_budget(rq->srv, rq);

	char *gitlab_id = NULL;
	if (f->type == FORGE_GITLAB && !delivery && header(conn, "X-Gitlab-Event-UUID"))
		delivery = gitlab_id = sigma_xasprintf("%s:%s", event ? event : "", header(conn, "X-Gitlab-Event-UUID"));
	if (!delivery || !*delivery) {
		/* No id: the body itself identifies a redelivery. */
		char hex[65];
		sigma_sha256_hex(rq->body.ptr ? rq->body.ptr : "", rq->body.len, hex);
		snprintf(fallback_id, sizeof fallback_id, "sha256:%s", hex);
		delivery = fallback_id;
	}
	enum MHD_Result ret;
	if (strlen(delivery) > DELIVERY_ID_MAX) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, mev, MOUT_BAD_REQUEST);
		ret = respond_json(conn, MHD_HTTP_BAD_REQUEST, "{\"status\":\"bad_request\",\"reason\":\"delivery id too long\"}");
		goto out;
	}

	webhook_event ev;
	if (webhook_forge_parse_event(&ev, f->type, event, rq->body.ptr ? rq->body.ptr : "", rq->body.len) != 0) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, mev, MOUT_BAD_REQUEST);
		json_escape(reason, sizeof reason, sigma_error_last());
		webhook_log("delivery forge=%s event=%s id=%s outcome=bad_request reason=\"%s\"", f->name, ev_log,
		         webhook_log_value(id_log, 64, delivery), sigma_error_last());
		ret = respond_json(conn, MHD_HTTP_BAD_REQUEST, "{\"status\":\"bad_request\",\"reason\":\"%s\"}", reason);
		goto out;
	}
	if (ev.kind == EVENT_IGNORED) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, mev, MOUT_IGNORED);
		webhook_log("delivery forge=%s event=%s id=%s outcome=ignored reason=\"%s\"", f->name, ev_log,
		         webhook_log_value(id_log, 64, delivery), ev.ignored);
		json_escape(reason, sizeof reason, ev.ignored);
		webhook_event_dispose(&ev);
		ret = respond_json(conn, MHD_HTTP_ACCEPTED, "{\"status\":\"ignored\",\"reason\":\"%s\"}", reason);
		goto out;
	}
	/* Hand it to the committer; the answer goes out from answer_delivery
	 * once the commit thread has resumed the connection. */
	rq->mev = mev;
	rq->event = sigma_xstrdup(event);
	rq->delivery = sigma_xstrdup(delivery);
	rq->spec = webhook_event_to_json(&ev);
	rq->ev = ev;
	sigma_buf_dispose(&rq->body);
	ret = submit_delivery(svc, rq, f->name) == 0 ? MHD_YES : answer_delivery(conn, svc, rq);
out:
	free(gitlab_id);
	return ret;
}

/* ---------------------------------------------------------------- pages */

static int is_hex64(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* A certificate is asked for by its id or any unique prefix of at least
 * 12 hex digits (what logs and refusals show when they shorten it). */
#define CERT_PREFIX_MIN 12

char *webhook_link_sign(const webhook_service *svc, const char *id, long long exp)
{
	char msg[96], sig[65];
	snprintf(msg, sizeof msg, "%.64s.%lld", id, exp);
	webhook_hmac_sha256_hex(svc->link_key, msg, strlen(msg), sig);
	return sigma_xasprintf("/certificates/%s?exp=%lld&sig=%s", id, exp, sig);
}

/* A package's record: signed over its path ("packages/ECO/NAME/VERSION"),
 * which no certificate id (64 hex digits) can be, so neither signature
 * opens the other. */
static char *package_query(void *ctx, const char *path)
{
	const webhook_service *svc = ctx;
	char msg[1200], sig[65];
	long long exp = (long long)time(NULL) + svc->settings->link_lifetime_s;
	int n = snprintf(msg, sizeof msg, "%s.%lld", path, exp);
	if (n < 0 || (size_t)n >= sizeof msg)
		return NULL; /* a name this long gets no link that opens */
	webhook_hmac_sha256_hex(svc->link_key, msg, (size_t)n, sig);
	return sigma_xasprintf("exp=%lld&sig=%s", exp, sig);
}

int webhook_link_verify(const webhook_service *svc, const char *what, const char *exp, const char *sig)
{
	if (!exp || !sig || strlen(sig) != 64 || !*exp || strlen(exp) > 18 || strspn(exp, "0123456789") != strlen(exp))
		return 0;
	long long when = strtoll(exp, NULL, 10);
	char msg[1200], want[65];
	int n = snprintf(msg, sizeof msg, "%s.%lld", what, when);
	if (n < 0 || (size_t)n >= sizeof msg)
		return 0;
	webhook_hmac_sha256_hex(svc->link_key, msg, (size_t)n, want);
	/* Every byte compared whatever the first difference, so the time
	 * taken says nothing about how much of a forged signature was right. */
	unsigned char differ = 0;
	for (size_t i = 0; i < 64; i++)
		differ |= (unsigned char)(want[i] ^ sig[i]);
	explicit_bzero(want, sizeof want);
	return !differ && when > (long long)time(NULL);
}

static enum MHD_Result handle_certificate(struct MHD_Connection *conn, webhook_service *svc, const char *id)
{
	size_t n = strlen(id);
	if (!is_hex64(id) && (n < CERT_PREFIX_MIN || n > 64 || strspn(id, "0123456789abcdef") != n))
		return respond_json(conn, MHD_HTTP_NOT_FOUND, "{\"status\":\"not_found\"}");
	char *cert = NULL, *findings = NULL, full[65];
	int private_repo = 0;
	pthread_mutex_lock(&svc->read_lock);
	int rc = n == 64 ? 0 : webhook_queue_certificate_id(full, svc->reader, id);
	if (n == 64)
		memcpy(full, id, 65);
	if (!rc)
		rc = webhook_queue_certificate(&cert, svc->reader, full);
	if (!rc) {
		int frc = webhook_queue_findings(&findings, &private_repo, svc->reader, full);
		/* No row saying whether the repository is private (a hook push's
		 * certificate, or a job that stopped before it recorded one): once
		 * this service has judged any private repository, such a page
		 * needs a signed link too. An error reading that is private. */
		if (frc == SIGMA_ENOTFOUND)
			private_repo = webhook_queue_any_private(svc->reader) != 0;
		else if (frc)
			rc = frc;
	}
	pthread_mutex_unlock(&svc->read_lock);
	if (rc == SIGMA_EINVALID)
		return respond_json(conn, MHD_HTTP_NOT_FOUND, "{\"status\":\"ambiguous\"}");
	if (rc == SIGMA_ENOTFOUND)
		return respond_json(conn, MHD_HTTP_NOT_FOUND, "{\"status\":\"not_found\"}");
	if (rc) {
		free(cert);
		webhook_log("certificate %.16s: %s", id, sigma_error_last());
		return respond_json(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "{\"status\":\"unavailable\"}");
	}
	/* A private repository's certificate names its packages, lockfiles
	 * and commits: only a link this service signed opens it. Whoever has
	 * none gets the answer an unknown id gets, so the page's existence is
	 * not told either. */
	const char *exp = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "exp"),
	           *sig = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "sig");
	if (private_repo && !webhook_link_verify(svc, full, exp, sig)) {
		free(cert);
		free(findings);
		return respond_json(conn, MHD_HTTP_NOT_FOUND, "{\"status\":\"not_found\"}");
	}
	/* Verified digits and hex only, so it can go back into a link. */
	char signature[128] = "";
	if (private_repo)
		snprintf(signature, sizeof signature, "exp=%s&sig=%s", exp, sig);
	const char *accept = header(conn, MHD_HTTP_HEADER_ACCEPT);
	const char *format = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "format");
	enum MHD_Result ret;
	if (accept && strstr(accept, "text/html") && !sigma_streq(format, "json")) {
		sigma_buf page;
		sigma_buf_init(&page, PAGE_MAX);
		webhook_page_links links = { *signature ? signature : NULL, package_query, svc };
		if (webhook_pages_certificate_html(&page, cert, findings, &links) == 0)
			ret = respond(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page.ptr, page.len);
		else
			ret = respond_json(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "{\"status\":\"error\"}");
		sigma_buf_dispose(&page);
	} else {
		ret = respond(conn, MHD_HTTP_OK, "application/json", cert, strlen(cert));
	}
	free(cert);
	free(findings);
	return ret;
}

static int first_record(void *ctx, const char *json)
{
	char **out = ctx;
	*out = sigma_xstrdup(json);
	return 1;
}

/* /packages/ECOSYSTEM/NAME/VERSION; NAME may hold a slash (@scope/name). */
static enum MHD_Result handle_package(struct MHD_Connection *conn, webhook_service *svc, const char *rest)
{
	const char *slash = strchr(rest, '/'), *last = strrchr(rest, '/');
	if (!slash || slash == last || slash == rest || !last[1] || last == slash + 1)
		return respond_json(conn, MHD_HTTP_NOT_FOUND, "{\"status\":\"not_found\"}");
	/* A service that has judged a private repository answers for a
	 * package only through a link one of its pages signed: a private
	 * package's name is the repository's to tell. */
	pthread_mutex_lock(&svc->read_lock);
	int closed = webhook_queue_any_private(svc->reader);
	pthread_mutex_unlock(&svc->read_lock);
	if (closed != 0) {
		char *path = sigma_xasprintf("packages/%s", rest);
		int open_ = closed > 0 &&
		            webhook_link_verify(svc, path, MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "exp"),
		                                MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "sig"));
		free(path);
		if (!open_)
			return respond_json(conn, MHD_HTTP_NOT_FOUND, "{\"status\":\"not_found\"}");
	}
	char *eco = sigma_xstrndup(rest, (size_t)(slash - rest));
	char *name = sigma_xstrndup(slash + 1, (size_t)(last - slash - 1));
	char *record = NULL;
	pthread_mutex_lock(&svc->read_lock);
	int rc = svc->registry_reader ? registry_records(svc->registry_reader, NULL, eco, name, last + 1, first_record,
	                                                 &record)
	                              : SIGMA_EIO;
	pthread_mutex_unlock(&svc->read_lock);
	enum MHD_Result ret;
	if (record)
		ret = respond(conn, MHD_HTTP_OK, "application/json", record, strlen(record));
	else if (rc < 0)
		ret = respond_json(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "{\"status\":\"unavailable\"}");
	else
		ret = respond_json(conn, MHD_HTTP_NOT_FOUND, "{\"status\":\"not_found\"}");
	free(record);
	free(eco);
	free(name);
	return ret;
}

static enum MHD_Result handle_metrics(struct MHD_Connection *conn, webhook_service *svc, int health)
{
	webhook_queue_stats stats;
	pthread_mutex_lock(&svc->read_lock);
	int rc = webhook_queue_stats_get(&stats, svc->reader);
	pthread_mutex_unlock(&svc->read_lock);
	if (health)
		return rc ? respond(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "database unavailable\n", 21)
		          : respond(conn, MHD_HTTP_OK, "text/plain", "ok\n", 3);
	sigma_buf out;
	sigma_buf_init(&out, (size_t)8 << 20);
	webhook_metrics_render(&out, &svc->metrics, rc ? NULL : &stats);
	/* How fresh the registry's OSV data is: a gate whose malware list
	 * stopped updating should page someone, so it is a metric. */
	long mal = 0, adv = 0, blocks = 0;
	char last[32] = "";
	pthread_mutex_lock(&svc->read_lock);
	int orc = svc->registry_reader ? registry_advisories_counts(svc->registry_reader, &mal, &adv, &blocks, last) : -1;
	pthread_mutex_unlock(&svc->read_lock);
	if (orc == 0) {
		struct tm tm;
		memset(&tm, 0, sizeof tm);
		long long when = last[0] && strptime(last, "%Y-%m-%dT%H:%M:%SZ", &tm) ? (long long)timegm(&tm) : 0;
		sigma_buf_printf(&out,
		                 "# HELP sigma_osv_records OSV records held in the registry, by kind.\n"
		                 "# TYPE sigma_osv_records gauge\n"
		                 "sigma_osv_records{kind=\"malicious\"} %ld\n"
		                 "sigma_osv_records{kind=\"advisory\"} %ld\n"
		                 "# HELP sigma_osv_blocks Blocks written by OSV malicious-package records.\n"
		                 "# TYPE sigma_osv_blocks gauge\n"
		                 "sigma_osv_blocks %ld\n"
		                 "# HELP sigma_osv_last_import_timestamp_seconds When OSV data was last imported (0: never).\n"
		                 "# TYPE sigma_osv_last_import_timestamp_seconds gauge\n"
		                 "sigma_osv_last_import_timestamp_seconds %lld\n", mal, adv, blocks, when);
	}
	enum MHD_Result ret = respond(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
	                              out.ptr ? out.ptr : "", out.len);
	sigma_buf_dispose(&out);
	return ret;
}

/* ---------------------------------------------------------------- dispatch */

/* GET /keys: the public key certificates are signed with, so anyone can
 * check a certificate page with `sigma verify --key`. {"keys": []} when
 * certificates are not signed. Read per request: rare, and a key rotated
 * on disk shows at once. */
static enum MHD_Result handle_keys(struct MHD_Connection *conn)
{
	sigma_config cfg;
	char *priv = NULL, *pub = NULL, *pem = NULL;
	int explicit = 0;
	sigma_key *k = NULL;
	cJSON *doc = cJSON_CreateObject(), *keys = cJSON_AddArrayToObject(doc, "keys");
	if (config_load(&cfg, NULL) == 0) {
		if (config_signing_key_path(&priv, &explicit, &cfg) == 0) {
			pub = sign_public_path(priv);
			if (sign_key_load_public(&k, pub) == 0 && sign_public_pem(&pem, k) == 0) {
				cJSON *e = cJSON_CreateObject();
				cJSON_AddStringToObject(e, "alg", "ed25519");
				cJSON_AddStringToObject(e, "key_id", sign_key_id(k));
				cJSON_AddStringToObject(e, "public_key_pem", pem);
				cJSON_AddItemToArray(keys, e);
			}
		}
		config_dispose(&cfg);
	}
	char *text = cJSON_PrintUnformatted(doc);
	enum MHD_Result ret = respond(conn, MHD_HTTP_OK, "application/json", text, strlen(text));
	free(text);
	cJSON_Delete(doc);
	sign_key_free(k);
	free(priv);
	free(pub);
	free(pem);
	return ret;
}

/* ---------------------------------------------------------------- limits */

/* Hold `n` more bytes of the unverified budget for rq. 0, or
 * SIGMA_ETOOBIG when the budget cannot hold them (nothing is held then). */
static int reserve_budget(webhook_server *srv, request *rq, size_t n)
{
	int rc = 0;
	pthread_mutex_lock(&srv->conns_lock);
	if (n > srv->unverified_max - srv->unverified)
		rc = SIGMA_ETOOBIG;
	else
		srv->unverified += n;
	pthread_mutex_unlock(&srv->conns_lock);
	if (!rc)
		rq->reserved += n;
	return rc;
}

static void release_budget(webhook_server *srv, request *rq)
{
	if (!rq->reserved)
		return;
	pthread_mutex_lock(&srv->conns_lock);
	srv->unverified -= rq->reserved;
	pthread_mutex_unlock(&srv->conns_lock);
	rq->reserved = 0;
}

/* A request on this connection is arriving (on = 1: its deadline starts
 * now) or has arrived (on = 0). */
static void set_receiving(webhook_server *srv, tracked *t, int on)
{
	if (!t)
		return;
	pthread_mutex_lock(&srv->conns_lock);
	t->receiving = on;
	if (on)
		t->deadline_ms = webhook_wall_ms() + srv->receive_ms;
	pthread_mutex_unlock(&srv->conns_lock);
}

static tracked *track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info ? info->socket_context : NULL;
}

/* libmicrohttpd: a connection was accepted, or is about to be closed. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	webhook_server *srv = cls;
	tracked *t = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		t = sigma_xcalloc(1, sizeof *t);
		t->fd = info ? info->connect_fd : -1;
		t->receiving = 1;
		t->deadline_ms = webhook_wall_ms() + srv->receive_ms;
		pthread_mutex_lock(&srv->conns_lock);
		t->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = t;
		srv->conns = t;
		pthread_mutex_unlock(&srv->conns_lock);
		*socket_context = t;
	} else if (t) {
		pthread_mutex_lock(&srv->conns_lock);
		if (t->prev)
			t->prev->next = t->next;
		else
			srv->conns = t->next;
		if (t->next)
			t->next->prev = t->prev;
		pthread_mutex_unlock(&srv->conns_lock);
		free(t);
		*socket_context = NULL;
	}
}

/* The reaper: shuts down connections whose request is past its deadline.
 * shutdown() and not close(): the fd stays libmicrohttpd's, which sees the
 * end of the stream and cleans up on its own thread. */
static void *reaper_main(void *arg)
{
	webhook_server *srv = arg;
	pthread_mutex_lock(&srv->conns_lock);
	while (!srv->reaper_stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += REAP_INTERVAL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&srv->reaper_wake, &srv->conns_lock, &until);
		int64_t now = webhook_wall_ms();
		size_t cut = 0;
		for (tracked *t = srv->conns; t; t = t->next)
			if (t->receiving && !t->cut && t->fd >= 0 && now > t->deadline_ms) {
				shutdown(t->fd, SHUT_RDWR);
				t->cut = 1;
				cut++;
			}
		if (cut) {
			atomic_fetch_add(&srv->svc->metrics.connections_cut, (long long)cut);
			pthread_mutex_unlock(&srv->conns_lock);
			webhook_log("closed %zu connection%s that sent no complete request within %lld ms (serve.receiveTimeout)",
			            cut, cut == 1 ? "" : "s", (long long)srv->receive_ms);
			pthread_mutex_lock(&srv->conns_lock);
		}
	}
	pthread_mutex_unlock(&srv->conns_lock);
	return NULL;
}

/* What the headers of POST /webhook/NAME already decide: an answer, with
 * the body left unread, or MHD_YES to read it (with its budget held and
 * its HMAC started). */
static enum MHD_Result start_delivery(struct MHD_Connection *conn, webhook_server *srv, request *rq)
{
	webhook_service *svc = srv->svc;
	const webhook_forge *f = &svc->settings->forges[rq->forge];
	const char *event = NULL, *delivery = NULL, *proof = NULL;
	char ev_log[LOGV], id_log[LOGV];
	delivery_headers(conn, f->type, &event, &delivery, &proof);
	metric_event mev = classify(event);
	webhook_log_value(ev_log, sizeof ev_log, event);
	webhook_log_value(id_log, 64, delivery);

	const char *cl = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long announced = 0;
	if (cl) {
		char *end = NULL;
		announced = strtoull(cl, &end, 10);
		if (!end || end == cl || *end || *cl == '-')
			announced = ULLONG_MAX;
	}
	if (cl && announced > WEBHOOK_BODY_MAX) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, mev, MOUT_TOO_LARGE);
		webhook_log("delivery forge=%s event=%s outcome=too_large length=%s", f->name, ev_log,
		            webhook_log_value(id_log, 32, cl));
		return respond_json(conn, MHD_HTTP_CONTENT_TOO_LARGE, "{\"status\":\"too_large\"}");
	}
	if (!event || !*event) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, mev, MOUT_BAD_REQUEST);
		webhook_log("delivery forge=%s id=%s outcome=bad_request reason=\"no event header\"", f->name, id_log);
		return respond_json(conn, MHD_HTTP_BAD_REQUEST, "{\"status\":\"bad_request\",\"reason\":\"no event header\"}");
	}
	/* An event never judged queues nothing whoever sent it: answered
	 * without reading a byte. A ping is read and checked, so a wrong
	 * secret shows in the forge's delivery log at setup. */
	if (!webhook_forge_event_judged(f->type, event) && strcmp(event, "ping") != 0) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, mev, MOUT_IGNORED);
		webhook_log("delivery forge=%s event=%s id=%s outcome=ignored reason=\"event not judged\"", f->name, ev_log,
		            id_log);
		return respond_json(conn, MHD_HTTP_ACCEPTED, "{\"status\":\"ignored\",\"reason\":\"event not judged\"}");
	}
	/* GitLab's proof is the token itself: checked here. GitHub's and
	 * Gitea's need the body, but not their shape. */
	int proof_rc = f->type == FORGE_GITLAB ? webhook_forge_verify(f->type, f->secret, proof, NULL, 0)
	                                       : webhook_forge_proof_shape(f->type, proof);
	if (proof_rc) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, mev, MOUT_UNAUTHORIZED);
		webhook_log("delivery forge=%s event=%s id=%s outcome=unauthorized reason=\"%s\"", f->name, ev_log, id_log,
		            sigma_error_last());
		return respond_json(conn, MHD_HTTP_UNAUTHORIZED, "{\"status\":\"unauthorized\"}");
	}
	if (cl && announced > 0 && reserve_budget(srv, rq, (size_t)announced) != 0) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, mev, MOUT_BUSY);
		webhook_log("delivery forge=%s event=%s id=%s outcome=busy reason=\"unverified bodies over %zu bytes "
		            "(serve.unverifiedBytes)\"",
		            f->name, ev_log, id_log, srv->unverified_max);
		return respond_json(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "{\"status\":\"busy\"}");
	}
	rq->announced = cl != NULL;
	if (f->type != FORGE_GITLAB && webhook_mac_new(&rq->mac, f->secret) != 0) {
		webhook_log("delivery forge=%s: %s", f->name, sigma_error_last());
		return respond_json(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "{\"status\":\"unavailable\"}");
	}
	/* One allocation of the announced size, instead of doubling: under
	 * load, reallocations are most of the allocator's work. The budget
	 * already holds it. */
	if (cl && announced > 0) {
		rq->body.ptr = sigma_xmalloc((size_t)announced + 1);
		rq->body.ptr[0] = '\0';
		rq->body.cap = (size_t)announced + 1;
	}
	return MHD_YES;
}

/* A piece of a delivery's body. MHD_NO cuts the connection. */
static enum MHD_Result take_body(webhook_server *srv, request *rq, const char *data, size_t n)
{
	/* Over the cap: keep reading and dropping, so the client gets its 413
	 * (libmicrohttpd cannot answer mid-upload), but only up to a bound:
	 * past it the connection is cut. */
	if (rq->too_big) {
		rq->discarded += n;
		return rq->discarded > 4 * WEBHOOK_BODY_MAX ? MHD_NO : MHD_YES;
	}
	if (!rq->announced && reserve_budget(srv, rq, n) != 0) {
		webhook_log("delivery forge=%s: chunked body cut: unverified bodies over %zu bytes (serve.unverifiedBytes)",
		            srv->svc->settings->forges[rq->forge].name, srv->unverified_max);
		return MHD_NO;
	}
	if (sigma_buf_put(&rq->body, data, n) != 0) {
		rq->too_big = 1;
		rq->discarded = rq->body.len + n;
		sigma_buf_dispose(&rq->body);
		release_budget(srv, rq);
		return MHD_YES;
	}
	webhook_mac_update(rq->mac, data, n);
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	webhook_server *srv = cls;
	webhook_service *svc = srv->svc;
	request *rq = *con_cls;
	if (rq && rq->committed)
		return answer_delivery(conn, svc, rq);
	if (!rq) {
		rq = sigma_xcalloc(1, sizeof *rq);
		rq->srv = srv;
		rq->conn = conn;
		rq->track = track_of(conn);
		rq->started = webhook_wall_ms();
		sigma_buf_init(&rq->body, WEBHOOK_BODY_MAX);
		*con_cls = rq;
		if (sigma_startswith(url, "/webhook/")) {
			if (strcmp(method, "POST") != 0)
				return respond_json(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"status\":\"method_not_allowed\"}");
			const char *name = url + 9;
			size_t i;
			for (i = 0; i < svc->settings->nforges; i++)
				if (!strcmp(svc->settings->forges[i].name, name))
					break;
			if (i == svc->settings->nforges) {
				char name_log[LOGV];
				webhook_metrics_delivery(&svc->metrics, i, MEV_OTHER, MOUT_BAD_REQUEST);
				webhook_log("delivery to unknown forge %s: 404", webhook_log_value(name_log, 64, name));
				return respond_json(conn, MHD_HTTP_NOT_FOUND, "{\"status\":\"unknown_forge\"}");
			}
			rq->webhook = 1;
			rq->forge = i;
			pthread_mutex_lock(&srv->lock);
			srv->answering++;
			rq->answering = 1;
			pthread_mutex_unlock(&srv->lock);
			return start_delivery(conn, srv, rq);
		}
		/* Other requests stay on the clock until they are answered: a
		 * client reading a page slowly holds its buffer no longer than
		 * one that sends slowly. */
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return respond_json(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"status\":\"method_not_allowed\"}");
		if (sigma_startswith(url, "/certificates/"))
			return handle_certificate(conn, svc, url + 14);
		if (sigma_startswith(url, "/packages/"))
			return handle_package(conn, svc, url + 10);
		if (!strcmp(url, "/keys"))
			return handle_keys(conn);
		if (!strcmp(url, "/healthz"))
			return handle_metrics(conn, svc, 1);
		if (!strcmp(url, "/metrics"))
			return handle_metrics(conn, svc, 0);
		return respond_json(conn, MHD_HTTP_NOT_FOUND, "{\"status\":\"not_found\"}");
	}
	if (!rq->webhook) {
		*upload_data_size = 0; /* a body on a GET: ignored */
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		return take_body(srv, rq, upload_data, n);
	}
	set_receiving(srv, rq->track, 0);
	if (rq->too_big) {
		webhook_metrics_delivery(&svc->metrics, rq->forge, MEV_OTHER, MOUT_TOO_LARGE);
		webhook_log("delivery forge=%s outcome=too_large (over %zu bytes)", svc->settings->forges[rq->forge].name,
		         WEBHOOK_BODY_MAX);
		return respond_json(conn, MHD_HTTP_CONTENT_TOO_LARGE, "{\"status\":\"too_large\"}");
	}
	return handle_delivery(conn, svc, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	request *rq = *con_cls;
	if (rq) {
		webhook_server *srv = rq->srv;
		if (rq->answering) {
			pthread_mutex_lock(&srv->lock);
			if (--srv->answering == 0)
				pthread_cond_broadcast(&srv->drained);
			pthread_mutex_unlock(&srv->lock);
		}
		/* A kept-alive connection: the next request has the same time. */
		set_receiving(srv, rq->track, 1);
		release_budget(srv, rq);
		webhook_mac_free(rq->mac);
		sigma_buf_dispose(&rq->body);
		webhook_event_dispose(&rq->ev);
		free(rq->event);
		free(rq->delivery);
		free(rq->spec);
		free(rq);
		*con_cls = NULL;
	}
}

/* ---------------------------------------------------------------- start, stop */

static int parse_listen(struct sockaddr_storage *out, socklen_t *len, const char *listen)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host)
		return sigma_error_set(SIGMA_EINVALID, "listen address '%s': expected ADDR:PORT", listen);
	const char *h = listen;
	size_t hl = (size_t)(colon - listen);
	if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (!end || *end || end == colon + 1 || port < 0 || port > 65535)
		return sigma_error_set(SIGMA_EINVALID, "listen address '%s': bad port", listen);
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	char portstr[8];
	snprintf(portstr, sizeof portstr, "%ld", port);
	int g = getaddrinfo(host, portstr, &hints, &res);
	if (g != 0 || !res)
		return sigma_error_set(SIGMA_EINVALID, "listen address '%s': %s", listen, gai_strerror(g));
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int webhook_server_start(webhook_server **out, webhook_service *svc, const char *listen, int *port)
{
	struct sockaddr_storage addr;
	socklen_t addrlen = 0;
	int rc = parse_listen(&addr, &addrlen, listen);
	if (rc)
		return rc;
	webhook_server *s = sigma_xcalloc(1, sizeof *s);
	s->svc = svc;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->drained, NULL);
	pthread_mutex_init(&s->conns_lock, NULL);
	pthread_cond_init(&s->reaper_wake, NULL);
	s->receive_ms = svc->settings->receive_timeout_ms;
	s->unverified_max = (size_t)svc->settings->unverified_max;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	const webhook_settings *st = svc->settings;
	if (st->tls_cert) {
		sigma_buf c, k;
		sigma_buf_init(&c, 1 << 20);
		sigma_buf_init(&k, 1 << 20);
		if ((rc = sigma_buf_read_file(&c, st->tls_cert)) || (rc = sigma_buf_read_file(&k, st->tls_key))) {
			if (k.ptr)
				explicit_bzero(k.ptr, k.cap);
			sigma_buf_dispose(&c);
			sigma_buf_dispose(&k);
			webhook_server_stop(s);
			return sigma_error_wrap(rc, "TLS: ");
		}
		s->tls_cert = sigma_buf_steal(&c);
		s->tls_key = sigma_buf_steal(&k);
		flags |= MHD_USE_TLS;
	}
	/* Each connection is a file descriptor: ask for the hard limit, and
	 * keep the cap below what we got. */
	struct rlimit nofile;
	int connections = st->max_connections;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		if (nofile.rlim_cur < nofile.rlim_max) {
			nofile.rlim_cur = nofile.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &nofile) != 0)
				getrlimit(RLIMIT_NOFILE, &nofile);
		}
		if (nofile.rlim_cur != RLIM_INFINITY && (rlim_t)connections + FD_RESERVE > nofile.rlim_cur)
			connections = nofile.rlim_cur > 2 * FD_RESERVE ? (int)(nofile.rlim_cur - FD_RESERVE) : FD_RESERVE;
	}
	/* One options array (the only form common/lazylib.c forwards). */
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_SOCK_ADDR, 0, &addr },
		{ MHD_OPTION_CONNECTION_LIMIT, connections, NULL },
		{ MHD_OPTION_PER_IP_CONNECTION_LIMIT, st->max_per_address, NULL },
		/* libmicrohttpd's own per-connection memory (headers, read
		 * buffer), stated so the worst case is known: connections x
		 * this, plus serve.unverifiedBytes. */
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY, NULL },
		{ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s },
		{ MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL },
		{ MHD_OPTION_THREAD_POOL_SIZE, POOL_THREADS, NULL },
		{ MHD_OPTION_THREAD_STACK_SIZE, 512 * 1024, NULL },
		{ MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL },
		{ st->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->tls_cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key },
		{ MHD_OPTION_END, 0, NULL },
	};
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!s->daemon) {
		webhook_server_stop(s);
		return sigma_error_set(SIGMA_EIO, "cannot listen on %s (in use, or not an address of this machine?)", listen);
	}
	if (pthread_create(&s->reaper, NULL, reaper_main, s) != 0) {
		webhook_server_stop(s);
		return sigma_error_set(SIGMA_EIO, "cannot start the connection reaper thread");
	}
	s->reaper_running = 1;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : 0;
	*out = s;
	return 0;
}

void webhook_server_stop(webhook_server *s)
{
	if (!s)
		return;
	/* Refuse new deliveries (503: the forge redelivers), let every one at
	 * the committer come back (it is still running), and give the answers
	 * a moment to go out. libmicrohttpd must not be stopped while a
	 * connection is suspended, nor resumed while it stops. */
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	while (s->waiting > 0)
		pthread_cond_wait(&s->drained, &s->lock);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += STOP_GRACE_MS / 1000;
	while (s->answering > 0 && pthread_cond_timedwait(&s->drained, &s->lock, &until) == 0)
		;
	pthread_mutex_unlock(&s->lock);
	if (s->reaper_running) {
		pthread_mutex_lock(&s->conns_lock);
		s->reaper_stop = 1;
		pthread_cond_signal(&s->reaper_wake);
		pthread_mutex_unlock(&s->conns_lock);
		pthread_join(s->reaper, NULL);
	}
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->drained);
	pthread_mutex_destroy(&s->conns_lock);
	pthread_cond_destroy(&s->reaper_wake);
	if (s->tls_key) {
		explicit_bzero(s->tls_key, strlen(s->tls_key));
		free(s->tls_key);
	}
	free(s->tls_cert);
	free(s);
}
