/* test_fetch.c: the host checks of registry/fetch.c. A URL's host and port
 * are read the way libcurl reads them (case folded, default ports made
 * explicit, IPv6 in brackets); a request to a host outside the allowed
 * list is refused before any connection (the request counter stays at 0)
 * with a message naming the URL and the setting; "host" admits any port,
 * "host:port" only that one, "[v6]:port" and a bare v6 address work.
 * Admitted requests go to 127.0.0.1:1 or [::1]:1, where nothing listens:
 * they fail to connect, which shows they were let through. */
#include <stdlib.h>
#include <string.h>
#include "common/buf.h"
#include "common/error.h"
#include "registry/fetch.h"
#include "tap.h"

static int host_is(const char *url, const char *want)
{
	char *got = NULL;
	int same = fetch_url_host(&got, url) == 0 && !strcmp(got, want);
	free(got);
	return same;
}

/* 1 when the request was refused by the host check, 0 when it was let
 * through (and failed to connect), -1 otherwise. */
static int refused(fetch_client *c, const char *url, const char *const *hosts, size_t n)
{
	fetch_allow allow = { hosts, n, "sigma.allowedHosts" };
	sigma_buf b = SIGMA_BUF_INIT;
	unsigned before = fetch_requests(c);
	int rc = fetch_get_allowed(c, url, 0, &b, &allow);
	sigma_buf_dispose(&b);
	if (rc == SIGMA_EINVALID && fetch_requests(c) == before)
		return 1;
	if (rc == SIGMA_EIO && fetch_requests(c) == before + 1)
		return 0;
	return -1;
}

int main(void)
{
	setenv("SIGMA_HTTP_RETRIES", "0", 1);
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	ok(host_is("http://Registry.Example.INVALID/x/-/x.tgz", "registry.example.invalid:80"),
	   "host folded to lower case, port 80 made explicit");
	ok(host_is("https://registry.example.invalid/x", "registry.example.invalid:443"), "https: port 443");
	ok(host_is("http://127.0.0.1:4873/x", "127.0.0.1:4873") && host_is("http://[::1]:8080/", "[::1]:8080"),
	   "explicit ports, IPv6 in brackets");
	char *junk = NULL;
	ok(fetch_url_host(&junk, "not a url") == SIGMA_EINVALID, "not a URL: EINVALID");

	fetch_options o;
	fetch_client *c = NULL;
	if (fetch_options_init(&o) || fetch_client_new(&c, &o))
		return 1;
	const char *reg[] = { "127.0.0.1:1" };
	ok(refused(c, "http://127.0.0.2:1/x.tgz", reg, 1) == 1, "another loopback host: refused, no request made");
	ok(strstr(sigma_error_last(), "http://127.0.0.2:1/x.tgz: host 127.0.0.2:1 is not allowed (allowed: 127.0.0.1:1)") &&
	   strstr(sigma_error_last(), "sigma.allowedHosts"), "... naming the URL, the list and the setting: %s",
	   sigma_error_last());
	ok(refused(c, "http://127.0.0.1:2/x.tgz", reg, 1) == 1, "the same host on another port: refused");
	ok(refused(c, "http://127.0.0.1:1/x.tgz", reg, 1) == 0, "the allowed host:port: let through");
	const char *any_port[] = { "127.0.0.1" };
	ok(refused(c, "http://127.0.0.1:1/x.tgz", any_port, 1) == 0, "\"host\" admits any port");
	const char *v6[] = { "[::1]:1" }, *bare[] = { "::1" }, *wrong[] = { "[::1]:2" };
	ok(refused(c, "http://[::1]:1/x", v6, 1) == 0 && refused(c, "http://[::1]:1/x", bare, 1) == 0 &&
	   refused(c, "http://[::1]:1/x", wrong, 1) == 1, "IPv6: [::1]:1 and ::1 admit [::1]:1, [::1]:2 does not");
	const char *not_port[] = { "127.0.0.1:http" };
	ok(refused(c, "http://127.0.0.1:80/x", not_port, 1) == 1, "an entry whose port is not a number admits nothing");
	fetch_allow allow = { reg, 1, "sigma.allowedHosts" };
	sigma_buf b = SIGMA_BUF_INIT;
	ok(fetch_get_allowed(c, "ftp://127.0.0.1:1/x", 0, &b, &allow) == SIGMA_EIO && strstr(sigma_error_last(), "ftp"),
	   "an allowed host under another scheme is still not fetched: %s", sigma_error_last());
	sigma_buf_dispose(&b);
	fetch_client_free(c);
	return tap_done();
}
