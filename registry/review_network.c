/* review_network.c: the network-access reviewer.
 *
 * A library that talks to the network is common (an HTTP client is one),
 * so plain use of a network API is LOW: worth knowing, not alarming.
 * Destinations are what raise it: services that exist to receive stolen
 * data (request bins, chat webhooks, tunnels, paste sites), raw IP
 * addresses in URLs, and shell-level sockets (/dev/tcp). */
#include <ctype.h>
#include <string.h>
#include "registry/review.h"

#define NAME "network"

const review_pattern review_network_patterns[] = {
	{ "require('http')", REVIEW_JS, 0, SEV_LOW, "network-api", "uses Node's http module" },
	{ "require(\"http\")", REVIEW_JS, 0, SEV_LOW, "network-api", "uses Node's http module" },
	{ "require('https')", REVIEW_JS, 0, SEV_LOW, "network-api", "uses Node's https module" },
	{ "require(\"https\")", REVIEW_JS, 0, SEV_LOW, "network-api", "uses Node's https module" },
	{ "require('net')", REVIEW_JS, 0, SEV_LOW, "network-api", "opens raw sockets (net)" },
	{ "require(\"net\")", REVIEW_JS, 0, SEV_LOW, "network-api", "opens raw sockets (net)" },
	{ "require('dgram')", REVIEW_JS, 0, SEV_LOW, "network-api", "sends UDP datagrams (dgram)" },
	{ "require(\"dgram\")", REVIEW_JS, 0, SEV_LOW, "network-api", "sends UDP datagrams (dgram)" },
	{ "require('dns')", REVIEW_JS, 0, SEV_LOW, "network-api", "makes DNS queries" },
	{ "require(\"dns\")", REVIEW_JS, 0, SEV_LOW, "network-api", "makes DNS queries" },
	{ "from 'http'", REVIEW_JS, 0, SEV_LOW, "network-api", "uses Node's http module" },
	{ "from 'https'", REVIEW_JS, 0, SEV_LOW, "network-api", "uses Node's https module" },
	{ "from \"node:http", REVIEW_JS, 0, SEV_LOW, "network-api", "uses Node's http module" },
	{ "from 'node:http", REVIEW_JS, 0, SEV_LOW, "network-api", "uses Node's http module" },
	{ "require('node:http", REVIEW_JS, 0, SEV_LOW, "network-api", "uses Node's http module" },
	{ "fetch(", REVIEW_JS, REVIEW_NODOT, SEV_LOW, "network-api", "calls fetch()" },
	{ "XMLHttpRequest(", REVIEW_JS, REVIEW_WORD, SEV_LOW, "network-api", "uses XMLHttpRequest" },
	{ "new WebSocket(", REVIEW_JS, 0, SEV_LOW, "network-api", "opens a WebSocket" },
	{ "import socket", REVIEW_PY, REVIEW_WORD, SEV_LOW, "network-api", "uses raw sockets" },
	{ "import requests", REVIEW_PY, REVIEW_WORD, SEV_LOW, "network-api", "uses requests" },
	{ "import httpx", REVIEW_PY, REVIEW_WORD, SEV_LOW, "network-api", "uses httpx" },
	{ "urllib.request", REVIEW_PY, REVIEW_WORD, SEV_LOW, "network-api", "uses urllib.request" },
	{ "urlopen(", REVIEW_PY, REVIEW_WORD, SEV_LOW, "network-api", "calls urlopen()" },
	{ "http.client", REVIEW_PY, REVIEW_WORD, SEV_LOW, "network-api", "uses http.client" },
	{ "requests.get(", REVIEW_PY, REVIEW_WORD, SEV_LOW, "network-api", "makes an HTTP request" },
	{ "requests.post(", REVIEW_PY, REVIEW_WORD, SEV_LOW, "network-api", "makes an HTTP POST" },
	{ "socket.socket(", REVIEW_PY, REVIEW_WORD, SEV_LOW, "network-api", "opens a socket" },
	{ "curl ", REVIEW_SH, REVIEW_WORD, SEV_LOW, "network-api", "runs curl" },
	{ "wget ", REVIEW_SH, REVIEW_WORD, SEV_LOW, "network-api", "runs wget" },
	/* Destinations that exist to collect data from victims. */
	{ "discord.com/api/webhooks", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "posts to a Discord webhook" },
	{ "discordapp.com/api/webhooks", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "posts to a Discord webhook" },
	{ "api.telegram.org/bot", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "talks to a Telegram bot" },
	{ "webhook.site", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "sends to webhook.site (a request collector)" },
	{ "pipedream.net", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "sends to pipedream (a request collector)" },
	{ "requestbin", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "sends to a request bin" },
	{ "burpcollaborator", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "contacts a Burp Collaborator host" },
	{ "oastify.com", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "contacts an out-of-band testing host" },
	{ "interact.sh", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "contacts an interactsh host" },
	{ "ngrok.io", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "contacts an ngrok tunnel" },
	{ "ngrok-free.app", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "contacts an ngrok tunnel" },
	{ "pastebin.com/raw", REVIEW_ANY, 0, SEV_HIGH, "exfil-endpoint", "downloads from pastebin" },
	{ "transfer.sh", REVIEW_ANY, 0, SEV_MEDIUM, "exfil-endpoint", "uses transfer.sh" },
	{ "/dev/tcp/", REVIEW_ANY, 0, SEV_HIGH, "raw-socket-shell", "opens a shell-level TCP socket (/dev/tcp)" },
};
const size_t review_network_npatterns = sizeof review_network_patterns / sizeof *review_network_patterns;

static void on_hit(void *ctx, const unpack_file *f, const review_pattern *p, int line, const char *ls,
                   const char *le)
{
	review_findings_add(ctx, NAME, p->code, p->severity, f->path, line, "%s", p->message);
}

/* "http://1.2.3.4" (a dotted quad right after the scheme). */
static void raw_ip_urls(review_findings *out, const unpack_file *f)
{
	const char *data = f->data, *end = data + f->len;
	int line = 1, hits = 0;
	const char *counted = data;
	for (const char *at = data; at < end && hits < 3;) {
		const char *hit = memmem(at, (size_t)(end - at), "://", 3);
		if (!hit)
			break;
		at = hit + 3;
		const char *p = at;
		int dots = 0, digits = 0;
		while (p < end && (isdigit((unsigned char)*p) || *p == '.')) {
			if (*p == '.')
				dots++;
			else
				digits++;
			p++;
		}
		if (dots != 3 || digits < 4 || (p < end && (isalpha((unsigned char)*p) || *p == '-')))
			continue;
		if (!strncmp(at, "127.", 4) || !strncmp(at, "0.0.0.0", 7))
			continue;
		for (; counted < hit; counted++)
			line += *counted == '\n';
		hits++;
		review_findings_add(out, NAME, "raw-ip-url", SEV_MEDIUM, f->path, line,
		                    "a URL to a bare IP address (%.*s)", (int)(p - at), at);
	}
}

static int review(review_findings *out, const review_package *pkg)
{
	for (size_t i = 0; pkg->files && i < pkg->files->nfiles; i++) {
		const unpack_file *f = &pkg->files->files[i];
		review_scan(f, review_network_patterns, review_network_npatterns, 1, on_hit, out);
		if (review_lang(f->path))
			raw_ip_urls(out, f);
	}
	return 0;
}

const reviewer review_network = { NAME, review };
