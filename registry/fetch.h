/* fetch.h: HTTP GET for registry metadata and distributions (libcurl).
 *
 * What a supply-chain fetcher needs, and nothing else:
 *   - deadlines: a connect timeout, a whole-transfer timeout and a
 *     low-speed abort, so a stalled registry costs seconds, not forever;
 *   - bounded retries with exponential backoff for what is transient
 *     (connection failures, timeouts, 5xx, 429 with Retry-After honoured up
 *     to the backoff cap), never for 4xx;
 *   - a size cap on every body: going over it is SIGMA_ETOOBIG at once;
 *   - http and https only, redirects included (at most 5, followed here
 *     rather than by libcurl, so that each target can be checked);
 *   - optionally, hosts: a request or a redirect to a host outside the
 *     caller's list is refused before any connection is made to it;
 *   - proxies and CA bundles the way curl users expect: libcurl reads
 *     http_proxy / https_proxy / no_proxy / all_proxy itself, and the CA
 *     bundle is $SSL_CERT_FILE or $CURL_CA_BUNDLE when set, else libcurl's
 *     built-in default.
 * Tunables come from the environment (SIGMA_HTTP_TIMEOUT seconds per
 * attempt, SIGMA_HTTP_BACKOFF seconds for the first retry wait,
 * SIGMA_HTTP_RETRIES, SIGMA_HTTP_MAX_BYTES) with safe defaults.
 * libcurl types stay in fetch.c. */
#ifndef SIGMA_REGISTRY_FETCH_H
#define SIGMA_REGISTRY_FETCH_H
#include <stddef.h>
#include "common/buf.h"

typedef struct fetch_options {
	long connect_timeout_ms;  /* default 10 s */
	long timeout_ms;          /* one attempt, default 120 s */
	int retries;              /* extra attempts after the first, default 3 */
	long backoff_ms;          /* first wait, doubled each time; default 250 ms */
	long backoff_max_ms;      /* default 8 s */
	size_t max_bytes;         /* body cap, default 256 MiB */
} fetch_options;

/* Defaults, then the SIGMA_HTTP_* environment. 0, or SIGMA_EINVALID
 * naming the variable. */
int fetch_options_init(fetch_options *o);

typedef struct fetch_client fetch_client;

/* A client keeps one connection cache across requests. *out is the
 * caller's (fetch_client_free). 0 or SIGMA_EIO. */
int fetch_client_new(fetch_client **out, const fetch_options *o);
void fetch_client_free(fetch_client *c);

/* GET `url` into `out` (cleared first), at most `max_bytes` (0 = the
 * client's cap). Returns 0 for a 2xx; SIGMA_ENOTFOUND for 404/410;
 * SIGMA_ETOOBIG over the cap; SIGMA_ETIMEOUT when every attempt timed out;
 * SIGMA_EIO otherwise. The message names the URL and what happened. */
int fetch_get(fetch_client *c, const char *url, size_t max_bytes, sigma_buf *out);

/* Where requests may go: each entry is "host" (any port) or "host:port"
 * ("[::1]:8080" for IPv6), compared case-insensitively with the URL's
 * host and its port (the scheme's default when the URL names none).
 * `setting` names the configuration that extends the list, for the
 * message. */
typedef struct fetch_allow {
	const char *const *hosts;
	size_t n;
	const char *setting;
} fetch_allow;

/* fetch_get, but the URL and every redirect target must be on a host of
 * `allow` (NULL: anywhere). A host that is not is SIGMA_EINVALID, the
 * message naming the URL, its host and `allow->setting`. */
int fetch_get_allowed(fetch_client *c, const char *url, size_t max_bytes, sigma_buf *out,
                      const fetch_allow *allow);

/* "host:port" of an http(s) URL (the port made explicit), for building a
 * fetch_allow. *out is the caller's. 0 or SIGMA_EINVALID. */
int fetch_url_host(char **out, const char *url);

/* HTTP requests made so far (every attempt counts). */
unsigned fetch_requests(const fetch_client *c);

#endif
