/* pages.c: see pages.h. */
#include <string.h>
#include <cjson/cJSON.h>
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "hook/certificate.h"
#include "webhook/pages.h"

int webhook_pages_escape(sigma_buf *out, const char *s)
{
	int rc = 0;
	for (; s && *s && !rc; s++) {
		switch (*s) {
		case '&': rc = sigma_buf_puts(out, "&amp;"); break;
		case '<': rc = sigma_buf_puts(out, "&lt;"); break;
		case '>': rc = sigma_buf_puts(out, "&gt;"); break;
		case '"': rc = sigma_buf_puts(out, "&quot;"); break;
		case '\'': rc = sigma_buf_puts(out, "&#39;"); break;
		default: rc = sigma_buf_putc(out, *s);
		}
	}
	return rc;
}

static void esc(sigma_buf *out, const char *s)
{
	webhook_pages_escape(out, s ? s : "");
}

static void cell(sigma_buf *out, const char *s)
{
	sigma_buf_puts(out, "<td>");
	esc(out, s);
	sigma_buf_puts(out, "</td>");
}

static void cell_int(sigma_buf *out, const cJSON *v)
{
	sigma_buf_printf(out, "<td class=n>%.0f</td>", cJSON_IsNumber(v) ? v->valuedouble : 0.0);
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* The text of one package in a chain: "name@version". */
static void chain_link(sigma_buf *out, const cJSON *p)
{
	esc(out, json_str(p, "name"));
	const char *v = json_str(p, "version");
	if (v && *v) {
		sigma_buf_putc(out, '@');
		esc(out, v);
	}
}

/* "a@1 → b@2 → c@3": a v1 certificate's own chain array, or a v2 chain
 * rebuilt from the `via` links. A chain longer than CHAIN_SHOWN shows its
 * two ends around the count of what is left out: the page stays linear in
 * the packages even when thousands of rows each have a deep chain. */
#define CHAIN_SHOWN 24

static void chain(sigma_buf *out, const cJSON *p, const cert_chains *chains, size_t at)
{
	const cJSON *arr = get(p, "chain"), *e;
	int first = 1;
	sigma_buf_puts(out, "<td class=chain>");
	if (cJSON_IsArray(arr)) {
		cJSON_ArrayForEach(e, arr) {
			if (!first)
				sigma_buf_puts(out, " &rarr; ");
			esc(out, cJSON_GetStringValue(e));
			first = 0;
		}
	} else if (chains->n) {
		size_t shown[CHAIN_SHOWN], len = certificate_chain(chains, at, shown, CHAIN_SHOWN);
		size_t total = chains->depth[at] > 0 ? (size_t)chains->depth[at] + 1 : 1;
		for (size_t i = 0; i < len; i++) {
			if (i)
				sigma_buf_puts(out, " &rarr; ");
			if (total > len && i == CHAIN_SHOWN / 2)
				sigma_buf_printf(out, "&hellip; %zu more &hellip; &rarr; ", total - len);
			chain_link(out, chains->pkgs[shown[i]]);
		}
	}
	sigma_buf_puts(out, "</td>");
}

/* At most this many rows per table; the JSON has every package. */
#define ROWS_SHOWN 500

static void package_rows(sigma_buf *out, const cJSON *packages, const cert_chains *chains, const char *status)
{
	const cJSON *p;
	size_t any = 0, at = 0;
	cJSON_ArrayForEach(p, packages) {
		size_t pos = at++;
		if (!sigma_streq(json_str(p, "status"), status))
			continue;
		if (any++ >= ROWS_SHOWN)
			continue;
		if (any == 1)
			sigma_buf_puts(out, "<table><tr><th>package</th><th>depth</th><th>chain</th><th>lockfile</th>"
			                    "<th>effect</th><th>why</th></tr>\n");
		sigma_buf_puts(out, "<tr><td><b>");
		esc(out, json_str(p, "name"));
		sigma_buf_puts(out, "</b>@");
		esc(out, json_str(p, "version"));
		sigma_buf_puts(out, " <small>");
		esc(out, json_str(p, "ecosystem"));
		sigma_buf_puts(out, "</small></td>");
		const cJSON *d = get(p, "depth");
		if (cJSON_IsNumber(d))
			sigma_buf_printf(out, "<td class=n>%s%.0f</td>", d->valuedouble == 0 ? "direct " : "L",
			                 d->valuedouble == 0 ? 0.0 : d->valuedouble);
		else
			cell(out, "");
		chain(out, p, chains, pos);
		cell(out, json_str(p, "lockfile"));
		cell(out, json_str(p, "effect"));
		sigma_buf_puts(out, "<td>");
		const cJSON *w;
		cJSON_ArrayForEach(w, get(p, "warnings")) {
			esc(out, json_str(w, "code"));
			sigma_buf_puts(out, ": ");
			esc(out, json_str(w, "message"));
			sigma_buf_puts(out, "<br>");
		}
		sigma_buf_puts(out, "</td></tr>\n");
	}
	if (any > ROWS_SHOWN)
		sigma_buf_printf(out, "<tr><td colspan=6>&hellip; and %zu more (see the JSON)</td></tr>\n",
		                 any - ROWS_SHOWN);
	if (any)
		sigma_buf_puts(out, "</table>\n");
	else
		sigma_buf_puts(out, "<p class=none>none</p>\n");
}

int webhook_pages_certificate_html(sigma_buf *out, const char *cert_json)
{
	cJSON *c = cJSON_Parse(cert_json ? cert_json : "");
	const char *decision = json_str(c, "decision"), *id = json_str(c, "id");
	if (!c || !decision || !id) {
		cJSON_Delete(c);
		return sigma_error_set(SIGMA_EINVALID, "not a submission certificate");
	}
	int rejected = !strcmp(decision, "rejected");
	const cJSON *subject = get(c, "subject"), *summary = get(c, "summary");
	sigma_buf_puts(out, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
	                    "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n<title>sigma: ");
	esc(out, decision);
	sigma_buf_puts(out, " ");
	esc(out, json_str(subject, "repository"));
	sigma_buf_puts(out, "</title>\n<style>\n"
	                    "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}\n"
	                    "h1{font-size:1.5em}.decision{padding:.15em .5em;border-radius:.3em;color:#fff}\n"
	                    ".rejected{background:#b3261e}.accepted{background:#1e7b34}\n"
	                    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;"
	                    "text-align:left;vertical-align:top}th{background:#f3f3f3}.n{text-align:right}\n"
	                    ".chain{font-family:monospace}code{font-size:.95em}.none{color:#666}dt{font-weight:bold}\n"
	                    "</style></head><body>\n<h1>Supply-chain certificate: <span class=\"decision ");
	sigma_buf_puts(out, rejected ? "rejected" : "accepted");
	sigma_buf_puts(out, "\">");
	esc(out, decision);
	sigma_buf_puts(out, "</span></h1>\n<dl>\n<dt>repository</dt><dd>");
	esc(out, json_str(subject, "repository"));
	sigma_buf_puts(out, "</dd>\n<dt>ref</dt><dd><code>");
	esc(out, json_str(subject, "ref"));
	sigma_buf_puts(out, "</code></dd>\n<dt>commit</dt><dd><code>");
	esc(out, json_str(subject, "commit"));
	sigma_buf_puts(out, "</code></dd>\n<dt>issued</dt><dd>");
	esc(out, json_str(c, "issued_at"));
	sigma_buf_puts(out, " by ");
	esc(out, json_str(get(c, "tool"), "name"));
	sigma_buf_puts(out, " ");
	esc(out, json_str(get(c, "tool"), "version"));
	sigma_buf_puts(out, "</dd>\n<dt>certificate id</dt><dd><code>");
	esc(out, id);
	sigma_buf_puts(out, "</code> (<a href=\"?format=json\">JSON</a>)</dd>\n<dt>signature</dt><dd>");
	const cJSON *sig = get(c, "signature");
	if (sig && json_str(sig, "key_id")) {
		esc(out, json_str(sig, "alg"));
		sigma_buf_puts(out, ", key <code>");
		esc(out, json_str(sig, "key_id"));
		sigma_buf_puts(out, "</code> (check with <code>sigma verify</code>)");
	} else {
		sigma_buf_puts(out, "unsigned");
	}
	sigma_buf_puts(out, "</dd>\n</dl>\n<h2>Reasons</h2>\n");
	const cJSON *reasons = get(c, "reasons"), *r;
	if (cJSON_GetArraySize(reasons) == 0) {
		sigma_buf_puts(out, "<p class=none>none</p>\n");
	} else {
		sigma_buf_puts(out, "<ul>\n");
		cJSON_ArrayForEach(r, reasons) {
			sigma_buf_puts(out, "<li><b>");
			esc(out, json_str(r, "package") ? json_str(r, "package") : json_str(r, "code"));
			sigma_buf_puts(out, "</b>: ");
			esc(out, json_str(r, "message"));
			if (json_str(r, "lockfile")) {
				sigma_buf_puts(out, " <small>(");
				esc(out, json_str(r, "lockfile"));
				sigma_buf_puts(out, ")</small>");
			}
			sigma_buf_puts(out, "</li>\n");
		}
		sigma_buf_puts(out, "</ul>\n");
	}
	const cJSON *packages = get(c, "packages");
	/* v2 links that do not hold leave the chains out (the certificate was
	 * sealed by sigma, so this is a damaged row, not a reason to fail). */
	cert_chains chains;
	if (certificate_chains_load(&chains, c)) {
		sigma_error_clear();
		cert_chains_dispose(&chains);
	}
	sigma_buf_puts(out, "<h2>Blocked packages</h2>\n");
	package_rows(out, packages, &chains, "blocked");
	sigma_buf_puts(out, "<h2>Flagged packages</h2>\n");
	package_rows(out, packages, &chains, "flagged");
	cert_chains_dispose(&chains);

	sigma_buf_puts(out, "<h2>Packages per depth</h2>\n<table><tr><th>direct</th><th>L1</th><th>L2</th><th>L3</th>"
	                    "<th>deeper</th><th>unreachable</th></tr>\n<tr>");
	const cJSON *depth = get(summary, "depth");
	static const char *const dkeys[] = { "0", "1", "2", "3", "deeper", "unreachable" };
	for (size_t i = 0; i < 6; i++)
		cell_int(out, get(depth, dkeys[i]));
	sigma_buf_puts(out, "</tr></table>\n<h2>Packages per status</h2>\n<table><tr><th>certified</th><th>flagged</th>"
	                    "<th>blocked</th><th>uncertified</th><th>left out by the audit cap</th></tr>\n<tr>");
	const cJSON *status = get(summary, "status");
	static const char *const skeys[] = { "certified", "flagged", "blocked", "uncertified" };
	for (size_t i = 0; i < 4; i++)
		cell_int(out, get(status, skeys[i]));
	cell_int(out, get(summary, "uncertified_cap"));
	sigma_buf_puts(out, "</tr></table>\n<h2>Lockfiles</h2>\n");
	const cJSON *locks = get(c, "lockfiles"), *l;
	if (cJSON_GetArraySize(locks) == 0) {
		sigma_buf_puts(out, "<p class=none>none found</p>\n");
	} else {
		sigma_buf_puts(out, "<table><tr><th>path</th><th>ecosystem</th><th>format</th><th>packages</th>"
		                    "<th>blob</th></tr>\n");
		cJSON_ArrayForEach(l, locks) {
			sigma_buf_puts(out, "<tr>");
			cell(out, json_str(l, "path"));
			cell(out, json_str(l, "ecosystem"));
			cell(out, json_str(l, "format"));
			cell_int(out, get(l, "packages"));
			sigma_buf_puts(out, "<td><code>");
			esc(out, json_str(l, "blob"));
			sigma_buf_puts(out, "</code></td></tr>\n");
		}
		sigma_buf_puts(out, "</table>\n");
	}
	int rc = sigma_buf_puts(out, "</body></html>\n");
	cJSON_Delete(c);
	return rc;
}
