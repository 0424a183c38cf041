/* fetch.c: see fetch.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include "common/error.h"
#include "common/util.h"
#include "registry/fetch.h"

struct fetch_client {
	CURL *curl;
	fetch_options opt;
	unsigned requests;
};

typedef struct sink {
	sigma_buf *buf;
	size_t max;
	int too_big;
} sink;

static int env_long(long *out, const char *name, long lo, long hi, long scale)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return 0;
	char *end = NULL;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end || d * scale < lo || d * scale > hi)
		return sigma_error_set(SIGMA_EINVALID, "%s: expected a number from %g to %g, got '%s'", name,
		                       (double)lo / scale, (double)hi / scale, v);
	*out = (long)(d * scale);
	return 0;
}

int fetch_options_init(fetch_options *o)
{
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 120000;
	o->retries = 3;
	o->backoff_ms = 250;
	o->backoff_max_ms = 8000;
	o->max_bytes = (size_t)256 << 20;
	long retries = o->retries, max = (long)o->max_bytes;
	int rc;
	if ((rc = env_long(&o->timeout_ms, "SIGMA_HTTP_TIMEOUT", 100, 3600000, 1000)) ||
	    (rc = env_long(&retries, "SIGMA_HTTP_RETRIES", 0, 10, 1)) ||
	    (rc = env_long(&o->backoff_ms, "SIGMA_HTTP_BACKOFF", 0, 60000, 1000)) ||
	    (rc = env_long(&max, "SIGMA_HTTP_MAX_BYTES", 1, 4L << 30, 1)))
		return rc;
	o->max_bytes = (size_t)max;
	o->retries = (int)retries;
	if (o->connect_timeout_ms > o->timeout_ms)
		o->connect_timeout_ms = o->timeout_ms;
	return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	sink *s = ctx;
	size_t n = size * nmemb;
	if (s->buf->len + n > s->max || sigma_buf_put(s->buf, data, n) != 0) {
		s->too_big = 1;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	return n;
}

int fetch_client_new(fetch_client **out, const fetch_options *o)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return sigma_error_set(SIGMA_EIO, "libcurl: global init failed");
	fetch_client *c = sigma_xcalloc(1, sizeof *c);
	c->opt = *o;
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		curl_global_cleanup();
		return sigma_error_set(SIGMA_EIO, "libcurl: cannot create a handle");
	}
	*out = c;
	return 0;
}

void fetch_client_free(fetch_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
	curl_global_cleanup();
}

unsigned fetch_requests(const fetch_client *c) { return c->requests; }

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Transient: worth another attempt. */
static int transient(CURLcode cc, long status)
{
	if (cc == CURLE_OK)
		return status >= 500 || status == 429 || status == 408;
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* One URL, with retries; a 3xx with a Location is not followed but handed
 * back in *redirect (the caller's), so that its target can be checked. */
static int get_one(fetch_client *c, const char *url, size_t max_bytes, sigma_buf *out, char **redirect)
{
	CURL *h = c->curl;
	char errbuf[CURL_ERROR_SIZE];
	sink s = { .buf = out, .max = max_bytes ? max_bytes : c->opt.max_bytes };
	long wait = c->opt.backoff_ms;
	const char *ca = getenv("SSL_CERT_FILE");
	if (!ca || !*ca)
		ca = getenv("CURL_CA_BUNDLE");

	for (int attempt = 0;; attempt++) {
		sigma_buf_clear(out);
		s.too_big = 0;
		errbuf[0] = '\0';
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_USERAGENT, "sigma (package certification)");
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
		/* Only http(s), also after a redirect: a registry document must not
		 * be able to point the fetcher at file:// or anything else. */
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->opt.timeout_ms);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
		curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s.max);
		curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
		if (ca && *ca)
			curl_easy_setopt(h, CURLOPT_CAINFO, ca);
		c->requests++;
		CURLcode cc = curl_easy_perform(h);
		long status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);

		if (s.too_big || cc == CURLE_FILESIZE_EXCEEDED)
			return sigma_error_set(SIGMA_ETOOBIG, "%s: the response is larger than the cap of %zu bytes",
			                       url, s.max);
		if (cc == CURLE_OK && status >= 200 && status < 300)
			return 0;
		char *location = NULL;
		if (cc == CURLE_OK && status >= 300 && status < 400 &&
		    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location) {
			*redirect = sigma_xstrdup(location);
			return 0;
		}
		if (cc == CURLE_OK && (status == 404 || status == 410))
			return sigma_error_set(SIGMA_ENOTFOUND, "%s: not found (HTTP %ld)", url, status);
		if (!transient(cc, status) || attempt >= c->opt.retries) {
			int code = cc == CURLE_OPERATION_TIMEDOUT ? SIGMA_ETIMEOUT : SIGMA_EIO;
			if (cc == CURLE_OK)
				return sigma_error_set(code, "%s: HTTP %ld (after %d attempt%s)", url, status,
				                       attempt + 1, attempt ? "s" : "");
			return sigma_error_set(code, "%s: %s (after %d attempt%s)", url,
			                       errbuf[0] ? errbuf : curl_easy_strerror(cc), attempt + 1,
			                       attempt ? "s" : "");
		}
		long pause = wait;
		curl_off_t retry_after = -1;
		if (cc == CURLE_OK && curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
		    retry_after > 0)
			pause = (long)retry_after * 1000;
		if (pause > c->opt.backoff_max_ms)
			pause = c->opt.backoff_max_ms;
		sleep_ms(pause);
		wait = wait * 2 > c->opt.backoff_max_ms ? c->opt.backoff_max_ms : wait * 2;
	}
}

/* ---------------------------------------------------------------- hosts */

/* The URL's host (lower case, IPv6 in brackets) and port, or
 * SIGMA_EINVALID. */
static int url_host(char **host, long *port, const char *url)
{
	CURLU *u = curl_url();
	char *h = NULL, *p = NULL;
	int rc = 0;
	if (!u)
		return sigma_error_set(SIGMA_EIO, "libcurl: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		rc = sigma_error_set(SIGMA_EINVALID, "%s: not a URL with a host", url);
		goto out;
	}
	*host = sigma_xstrdup(h);
	for (char *q = *host; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	*port = strtol(p, NULL, 10);
out:
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return rc;
}

int fetch_url_host(char **out, const char *url)
{
	char *host = NULL;
	long port = 0;
	int rc = url_host(&host, &port, url);
	if (!rc)
		*out = sigma_xasprintf("%s:%ld", host, port);
	free(host);
	return rc;
}

/* Does the entry "host", "host:port", "[v6]", "[v6]:port" or a bare
 * "v6" admit (host, port)? `host` is as url_host gives it. */
static int entry_admits(const char *entry, const char *host, long port)
{
	const char *colon = NULL;
	if (entry[0] == '[') {
		const char *close = strchr(entry, ']');
		colon = close && close[1] == ':' ? close + 1 : NULL;
	} else if (strchr(entry, ':') == strrchr(entry, ':')) {
		colon = strchr(entry, ':'); /* one colon at most: host:port */
	} else {
		/* Colons and no brackets: a bare IPv6 address, any port. */
		size_t n = strlen(entry), hn = strlen(host);
		return hn == n + 2 && host[0] == '[' && !strncasecmp(host + 1, entry, n);
	}
	size_t hl = colon ? (size_t)(colon - entry) : strlen(entry);
	long want = -1;
	if (colon) {
		char *end = NULL;
		want = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || *end)
			return 0; /* not a port: admits nothing rather than guessing */
	}
	return strlen(host) == hl && !strncasecmp(entry, host, hl) && (want < 0 || want == port);
}

static int check_host(const fetch_allow *allow, const char *url, const char *first)
{
	char *host = NULL;
	long port = 0;
	int rc = url_host(&host, &port, url);
	if (rc)
		return rc;
	for (size_t i = 0; i < allow->n; i++)
		if (entry_admits(allow->hosts[i], host, port))
			goto out;
	sigma_buf list = SIGMA_BUF_INIT;
	for (size_t i = 0; i < allow->n; i++)
		sigma_buf_printf(&list, "%s%s", i ? ", " : "", allow->hosts[i]);
	if (first)
		rc = sigma_error_set(SIGMA_EINVALID, "%s redirects to %s: host %s:%ld is not allowed (allowed: %s); "
		                     "add it to %s to allow it", first, url, host, port, list.ptr ? list.ptr : "none",
		                     allow->setting ? allow->setting : "the allowed hosts");
	else
		rc = sigma_error_set(SIGMA_EINVALID, "%s: host %s:%ld is not allowed (allowed: %s); add it to %s to "
		                     "allow it", url, host, port, list.ptr ? list.ptr : "none",
		                     allow->setting ? allow->setting : "the allowed hosts");
	sigma_buf_dispose(&list);
out:
	free(host);
	return rc;
}

int fetch_get_allowed(fetch_client *c, const char *url, size_t max_bytes, sigma_buf *out,
                      const fetch_allow *allow)
{
	char *current = sigma_xstrdup(url);
	int rc = 0;
	for (int hops = 0;; hops++) {
		/* Checked before the request: a refused host never sees one. */
		if (allow && (rc = check_host(allow, current, hops ? url : NULL)))
			break;
		char *next = NULL;
		if ((rc = get_one(c, current, max_bytes, out, &next)) || !next)
			break;
		if (hops == 5) {
			rc = sigma_error_set(SIGMA_EIO, "%s: more than 5 redirects", url);
			free(next);
			break;
		}
		free(current);
		current = next;
	}
	free(current);
	return rc;
}

int fetch_get(fetch_client *c, const char *url, size_t max_bytes, sigma_buf *out)
{
	return fetch_get_allowed(c, url, max_bytes, out, NULL);
}
