/* pages.c: see pages.h.
 *
 * Two renderings of one judgement: the HTML page behind a status link,
 * and the Markdown comment on a pull request. Both read the certificate
 * and the findings the worker kept beside it; neither trusts a value in
 * them, since package names and versions come from pushed lockfiles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "hook/certificate.h"
#include "webhook/forge.h"
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

/* A relative link to the package's record (the page is at
 * certificates/ID, wherever the service is mounted): each byte outside
 * the unreserved set and '/' percent-encoded, the signed query after. */
static void package_link(sigma_buf *out, const cJSON *p, const webhook_page_links *links)
{
	static const char hex[] = "0123456789ABCDEF";
	char *path = sigma_xasprintf("packages/%s/%s/%s", json_str(p, "ecosystem") ? json_str(p, "ecosystem") : "",
	                             json_str(p, "name") ? json_str(p, "name") : "",
	                             json_str(p, "version") ? json_str(p, "version") : "");
	sigma_buf_puts(out, "<a href=\"../");
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("-._~/", *c))
			sigma_buf_putc(out, (char)*c);
		else
			sigma_buf_printf(out, "%%%c%c", hex[*c >> 4], hex[*c & 15]);
	}
	char *query = links && links->package_query ? links->package_query(links->ctx, path) : NULL;
	if (query) {
		sigma_buf_putc(out, '?');
		esc(out, query);
	}
	sigma_buf_puts(out, "\">record</a>");
	free(query);
	free(path);
}

static void package_rows(sigma_buf *out, const cJSON *packages, const cert_chains *chains, const char *status,
                         const webhook_page_links *links)
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
		sigma_buf_puts(out, ", ");
		package_link(out, p, links);
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

/* The unreviewed packages grouped by reason, so each reason is said once:
 * calls `group` once per distinct reason with the entries that have it. */
static void unreviewed_groups(const cJSON *unreviewed, void (*group)(void *ctx, const char *reason, const cJSON **rows, size_t n),
                              void *ctx)
{
	int total = cJSON_GetArraySize(unreviewed);
	if (total <= 0)
		return;
	const cJSON **rows = sigma_xcalloc((size_t)total, sizeof *rows);
	char *done = sigma_xcalloc((size_t)total, 1);
	int i = 0;
	const cJSON *u;
	cJSON_ArrayForEach(u, unreviewed) {
		if (!done[i]) {
			size_t n = 0;
			int k = 0;
			const char *reason = json_str(u, "reason");
			const cJSON *v;
			cJSON_ArrayForEach(v, unreviewed) {
				if (k >= i && !done[k] && sigma_streq(json_str(v, "reason"), reason)) {
					rows[n++] = v;
					done[k] = 1;
				}
				k++;
			}
			group(ctx, reason ? reason : "", rows, n);
		}
		i++;
	}
	free(rows);
	free(done);
}

/* ---------------------------------------------------------------- findings */

static const char *depth_text(char *buf, size_t size, const cJSON *d)
{
	if (!cJSON_IsNumber(d) || d->valuedouble < 0)
		snprintf(buf, size, "unreachable");
	else if (d->valuedouble == 0)
		snprintf(buf, size, "direct");
	else
		snprintf(buf, size, "L%.0f", d->valuedouble);
	return buf;
}

/* The status a diff row shows: the registry's word, and the effect when
 * there is one ("blocked, rejects"). */
static void verdict_text(char *buf, size_t size, const cJSON *row)
{
	const char *status = json_str(row, "status"), *what = json_str(row, "effect");
	const cJSON *adv = get(row, "advisories");
	int n = snprintf(buf, size, "%s", status ? status : "");
	if (cJSON_IsNumber(adv) && adv->valuedouble > 0 && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "%s%.0f advisor%s", n ? ", " : "", adv->valuedouble,
		              adv->valuedouble == 1 ? "y" : "ies");
	if (what && strcmp(what, "none") && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "%s%s", n ? ": " : "", !strcmp(what, "reject") ? "rejects" : "warns");
}

/* The report without its "why:" lines: on the page, the why of each
 * package is in the tables above; the report adds where and the fix. */
/* The report without its "why:" lines: on the page, the why of each
 * package is in the tables above; the report adds where and the fix. A
 * label sits 4 spaces in ("    why:     ..."), its continuation lines
 * deeper. */
static void report_without_why(sigma_buf *out, const char *report)
{
	int in_why = 0;
	while (report && *report) {
		size_t len = strcspn(report, "\n"), indent = strspn(report, " ");
		if (indent > len)
			indent = len;
		if (indent == 4 && !strncmp(report + 4, "why:", 4))
			in_why = 1;
		else if (!(in_why && indent > 4 && indent < len))
			in_why = 0;
		if (!in_why) {
			char *line = sigma_xstrndup(report, len);
			esc(out, line);
			free(line);
			sigma_buf_putc(out, '\n');
		}
		report += len + (report[len] == '\n');
	}
}

static void diff_html(sigma_buf *out, const cJSON *f)
{
	char depth[24], verdict[96];
	sigma_buf_puts(out, "<h2>Dependency changes</h2>\n");
	const cJSON *base = get(f, "base");
	if (!cJSON_IsString(base)) {
		sigma_buf_puts(out, "<p class=none>no base commit known: nothing to compare with</p>\n");
		return;
	}
	sigma_buf_puts(out, "<p>against the base commit <code>");
	esc(out, base->valuestring);
	sigma_buf_puts(out, "</code></p>\n");
	const cJSON *locks = get(f, "lockfiles"), *l, *r;
	if (cJSON_GetArraySize(locks) == 0) {
		sigma_buf_puts(out, "<p class=none>no dependency changed</p>\n");
		return;
	}
	cJSON_ArrayForEach(l, locks) {
		sigma_buf_puts(out, "<h3><code>");
		esc(out, json_str(l, "path"));
		sigma_buf_puts(out, "</code> <small>");
		esc(out, json_str(l, "ecosystem"));
		sigma_buf_puts(out, "</small></h3>\n<table class=diff><tr><th>change</th><th>package</th><th>version</th>"
		                    "<th>depth</th><th>status</th></tr>\n");
		static const char *const kinds[] = { "added", "changed", "removed" };
		size_t rows = 0;
		for (size_t k = 0; k < 3; k++)
			cJSON_ArrayForEach(r, get(l, kinds[k])) {
				if (rows++ >= ROWS_SHOWN)
					continue;
				sigma_buf_printf(out, "<tr class=%s><td>%s</td>", kinds[k], kinds[k]);
				cell(out, json_str(r, "name"));
				sigma_buf_puts(out, "<td>");
				if (k == 1) {
					esc(out, json_str(r, "from"));
					sigma_buf_puts(out, " &rarr; ");
					esc(out, json_str(r, "to"));
				} else {
					esc(out, json_str(r, "version"));
				}
				sigma_buf_puts(out, "</td>");
				cell(out, depth_text(depth, sizeof depth, get(r, "depth")));
				verdict_text(verdict, sizeof verdict, r);
				cell(out, verdict);
				sigma_buf_puts(out, "</tr>\n");
			}
		if (rows > ROWS_SHOWN)
			sigma_buf_printf(out, "<tr><td colspan=5>&hellip; and %zu more</td></tr>\n", rows - ROWS_SHOWN);
		sigma_buf_puts(out, "</table>\n");
	}
}

/* Every advisory in the certificate, each linked to its OSV record (a
 * link, not a request: the page fetches nothing). */
static void advisories_html(sigma_buf *out, const cJSON *packages)
{
	const cJSON *p, *a;
	size_t any = 0;
	sigma_buf_puts(out, "<h2>Advisories</h2>\n");
	cJSON_ArrayForEach(p, packages) {
		cJSON_ArrayForEach(a, get(p, "advisories")) {
			const char *id = json_str(a, "id");
			if (!id || any++ >= ROWS_SHOWN)
				continue;
			if (any == 1)
				sigma_buf_puts(out, "<table><tr><th>package</th><th>advisory</th><th>severity</th><th>fixed in</th>"
				                    "<th>summary</th></tr>\n");
			sigma_buf_puts(out, "<tr><td>");
			chain_link(out, p);
			sigma_buf_puts(out, "</td><td><a href=\"https://osv.dev/vulnerability/");
			/* The id goes into a path: escape what HTML would read, and
			 * the id itself is shown as text. */
			esc(out, id);
			sigma_buf_puts(out, "\">");
			esc(out, id);
			sigma_buf_puts(out, "</a>");
			if (cJSON_IsTrue(get(a, "fails")))
				sigma_buf_puts(out, " <b>fails</b>");
			if (json_str(a, "waived")) {
				sigma_buf_puts(out, " <small>waived: ");
				esc(out, json_str(a, "waived"));
				sigma_buf_puts(out, "</small>");
			}
			sigma_buf_puts(out, "</td>");
			cell(out, json_str(a, "severity"));
			cell(out, json_str(a, "fixed"));
			cell(out, json_str(a, "summary"));
			sigma_buf_puts(out, "</tr>\n");
		}
	}
	if (any > ROWS_SHOWN)
		sigma_buf_printf(out, "<tr><td colspan=5>&hellip; and %zu more (see the JSON)</td></tr>\n", any - ROWS_SHOWN);
	sigma_buf_puts(out, any ? "</table>\n" : "<p class=none>none</p>\n");
}

static void html_unreviewed_group(void *ctx, const char *reason, const cJSON **rows, size_t n)
{
	sigma_buf *out = ctx;
	char depth[24];
	sigma_buf_puts(out, "<tr><td>");
	esc(out, reason);
	sigma_buf_puts(out, "</td><td>");
	for (size_t i = 0; i < n && i < ROWS_SHOWN; i++) {
		if (i)
			sigma_buf_puts(out, ", ");
		sigma_buf_puts(out, "<code>");
		chain_link(out, rows[i]);
		sigma_buf_puts(out, "</code> <small>");
		esc(out, json_str(rows[i], "ecosystem"));
		sigma_buf_puts(out, ", ");
		esc(out, depth_text(depth, sizeof depth, get(rows[i], "depth")));
		sigma_buf_puts(out, "</small>");
	}
	if (n > ROWS_SHOWN)
		sigma_buf_printf(out, " &hellip; and %zu more", n - ROWS_SHOWN);
	sigma_buf_puts(out, "</td></tr>\n");
}

/* Each reason once, with the packages it left unreviewed. */
static void unreviewed_html(sigma_buf *out, const cJSON *f)
{
	const cJSON *u = get(f, "unreviewed");
	sigma_buf_puts(out, "<h2>Left unreviewed</h2>\n");
	if (cJSON_GetArraySize(u) <= 0) {
		sigma_buf_puts(out, "<p class=none>none: every package was reviewed</p>\n");
		return;
	}
	sigma_buf_puts(out, "<table class=unreviewed><tr><th>why</th><th>packages</th></tr>\n");
	unreviewed_groups(u, html_unreviewed_group, out);
	sigma_buf_puts(out, "</table>\n");
}

int webhook_pages_certificate_html(sigma_buf *out, const char *cert_json, const char *findings_json,
                                   const webhook_page_links *links)
{
	const char *signature = links ? links->signature : NULL;
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
	                    ".added td:first-child{color:#1e7b34}.removed td:first-child{color:#b3261e}"
	                    "pre.report{background:#f6f6f6;padding:.6em;overflow-x:auto}\n"
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
	/* A signed link's query goes along, or the JSON of a private page
	 * would answer 404. */
	sigma_buf_puts(out, "</code> (<a href=\"?");
	if (signature) {
		esc(out, signature);
		sigma_buf_puts(out, "&amp;");
	}
	sigma_buf_puts(out, "format=json\">JSON</a>)</dd>\n<dt>signature</dt><dd>");
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
			/* A package's why is in its row below; say it once. */
			if (json_str(r, "package") && json_str(r, "code")) {
				esc(out, json_str(r, "code"));
				sigma_buf_puts(out, " (why and chain below)");
			} else {
				esc(out, json_str(r, "message"));
			}
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
	cJSON *f = findings_json ? cJSON_Parse(findings_json) : NULL;
	if (f)
		diff_html(out, f);
	sigma_buf_puts(out, "<h2>Blocked packages</h2>\n");
	package_rows(out, packages, &chains, "blocked", links);
	sigma_buf_puts(out, "<h2>Flagged packages</h2>\n");
	package_rows(out, packages, &chains, "flagged", links);
	cert_chains_dispose(&chains);
	advisories_html(out, packages);
	if (f) {
		const char *report = json_str(f, "report");
		if (report && (rejected || get(summary, "warnings"))) {
			sigma_buf_puts(out, "<h2>How to fix</h2>\n<pre class=report>");
			report_without_why(out, report);
			sigma_buf_puts(out, "</pre>\n");
		}
		unreviewed_html(out, f);
		cJSON_Delete(f);
	}

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

/* ---------------------------------------------------------------- the comment */

/* A value from a lockfile as a Markdown code span: nothing in it is
 * markup, an @name in it mentions nobody. Backticks (no package manager
 * allows them) become quotes, line breaks spaces, and a table's cell
 * separator is escaped. */
static void md_code(sigma_buf *out, const char *s)
{
	sigma_buf_putc(out, '`');
	for (; s && *s; s++) {
		if (*s == '`')
			sigma_buf_putc(out, '\'');
		else if (*s == '|')
			sigma_buf_puts(out, "\\|");
		else if ((unsigned char)*s < 0x20)
			sigma_buf_putc(out, ' ');
		else
			sigma_buf_putc(out, *s);
	}
	sigma_buf_putc(out, '`');
}

/* Text outside code spans (a reason): what Markdown or HTML could read
 * as markup is escaped, and an '@' is followed by a zero-width space, so
 * "@scope/name" in a message mentions nobody. */
static void md_text(sigma_buf *out, const char *s)
{
	for (; s && *s; s++) {
		if (strchr("\\`*_[]<>&|~", *s))
			sigma_buf_putc(out, '\\');
		sigma_buf_putc(out, (unsigned char)*s < 0x20 ? ' ' : *s);
		if (*s == '@')
			sigma_buf_puts(out, "\u200b");
	}
}

/* At most this many packages named per reason; the page names all. */
#define UNREVIEWED_NAMED 50

static void md_unreviewed_group(void *ctx, const char *reason, const cJSON **rows, size_t n)
{
	sigma_buf *out = ctx;
	sigma_buf_puts(out, "- ");
	md_text(out, reason);
	sigma_buf_puts(out, ": ");
	for (size_t i = 0; i < n && i < UNREVIEWED_NAMED; i++) {
		char *pv = sigma_xasprintf("%s@%s", json_str(rows[i], "name") ? json_str(rows[i], "name") : "",
		                           json_str(rows[i], "version") ? json_str(rows[i], "version") : "");
		if (i)
			sigma_buf_puts(out, ", ");
		md_code(out, pv);
		free(pv);
	}
	if (n > UNREVIEWED_NAMED)
		sigma_buf_printf(out, " and %zu more", n - UNREVIEWED_NAMED);
	sigma_buf_putc(out, '\n');
}

static void md_diff(sigma_buf *out, const cJSON *f)
{
	char depth[24], verdict[96];
	const cJSON *base = get(f, "base"), *locks = get(f, "lockfiles"), *l, *r;
	if (!cJSON_IsString(base)) {
		sigma_buf_puts(out, "No base commit known: the dependency diff is not shown.\n\n");
		return;
	}
	sigma_buf_printf(out, "**Dependency changes** against `%.12s`", base->valuestring);
	if (cJSON_GetArraySize(locks) == 0) {
		sigma_buf_puts(out, ": none.\n\n");
		return;
	}
	sigma_buf_puts(out, ":\n\n");
	cJSON_ArrayForEach(l, locks) {
		sigma_buf_puts(out, "<details open><summary>");
		md_code(out, json_str(l, "path"));
		sigma_buf_puts(out, "</summary>\n\n| | package | version | depth | status |\n|---|---|---|---|---|\n");
		static const char *const kinds[] = { "added", "changed", "removed" };
		static const char *const signs[] = { "+", "~", "&minus;" };
		size_t rows = 0;
		for (size_t k = 0; k < 3; k++)
			cJSON_ArrayForEach(r, get(l, kinds[k])) {
				if (rows++ >= 200)
					continue;
				sigma_buf_printf(out, "| %s | ", signs[k]);
				md_code(out, json_str(r, "name"));
				sigma_buf_puts(out, " | ");
				if (k == 1) {
					md_code(out, json_str(r, "from"));
					sigma_buf_puts(out, " → ");
					md_code(out, json_str(r, "to"));
				} else {
					md_code(out, json_str(r, "version"));
				}
				verdict_text(verdict, sizeof verdict, r);
				sigma_buf_printf(out, " | %s | %s |\n", depth_text(depth, sizeof depth, get(r, "depth")),
				                 k == 2 ? "" : verdict);
			}
		if (rows > 200)
			sigma_buf_printf(out, "| | … and %zu more (see the certificate page) | | | |\n", rows - 200);
		sigma_buf_puts(out, "\n</details>\n\n");
	}
}

/* The report in a comment: the first this many bytes. */
#define REPORT_SHOWN 20000

int webhook_pages_comment(sigma_buf *out, const char *cert_json, const char *findings_json, const char *url)
{
	cJSON *c = cJSON_Parse(cert_json ? cert_json : "");
	cJSON *f = findings_json ? cJSON_Parse(findings_json) : NULL;
	const char *decision = json_str(c, "decision");
	if (!c || !decision) {
		cJSON_Delete(c);
		cJSON_Delete(f);
		return sigma_error_set(SIGMA_EINVALID, "not a submission certificate");
	}
	const cJSON *summary = get(c, "summary");
	sigma_buf_puts(out, WEBHOOK_COMMENT_MARKER "\n");
	sigma_buf_printf(out, "### sigma: %s\n\n", !strcmp(decision, "rejected") ? "❌ rejected" : "✅ accepted");
	int npkgs = cJSON_GetArraySize(get(c, "packages"));
	const char *commit = json_str(get(c, "subject"), "commit");
	sigma_buf_printf(out, "Commit `%.12s`: %d package%s checked.\n\n", commit && strspn(commit, "0123456789abcdef") >= 12 ? commit : "?",
	                 npkgs, npkgs == 1 ? "" : "s");
	size_t head = out->len;
	if (f)
		md_diff(out, f);
	const char *report = json_str(f, "report");
	if (report && (!strcmp(decision, "rejected") || cJSON_GetNumberValue(get(summary, "warnings")) > 0)) {
		/* The hook's own words: what, where, why and the fix, once per
		 * package. A fence longer than any backtick run it could hold. */
		sigma_buf_puts(out, "**What to do**\n\n````text\n");
		size_t cut = strlen(report) > REPORT_SHOWN ? REPORT_SHOWN : strlen(report);
		for (const char *p = report; p < report + cut; p++)
			sigma_buf_putc(out, *p == '`' ? '\'' : *p);
		sigma_buf_puts(out, cut < strlen(report) ? "\n[... the rest is on the certificate page]\n````\n\n" : "````\n\n");
	}
	int nu = cJSON_GetArraySize(get(f, "unreviewed"));
	if (nu > 0) {
		sigma_buf_printf(out, "<details><summary>%d package%s left unreviewed</summary>\n\n", nu, nu == 1 ? "" : "s");
		unreviewed_groups(get(f, "unreviewed"), md_unreviewed_group, out);
		sigma_buf_puts(out, "\n</details>\n\n");
	}
	if (sigma_buf_error(out)) {
		/* Too long for a comment: keep the head, and send the reader to
		 * the page, which has room for everything. */
		char *keep = sigma_xstrndup(out->ptr ? out->ptr : "", head);
		sigma_buf_clear(out);
		sigma_buf_puts(out, keep);
		free(keep);
		sigma_buf_puts(out, "The dependency changes and the fixes are too long for a comment: see the certificate.\n\n");
	}
	if (url)
		sigma_buf_printf(out, "[Certificate %.12s](%s)\n", json_str(c, "id") ? json_str(c, "id") : "", url);
	int rc = sigma_buf_error(out) ? sigma_error_set(SIGMA_ETOOBIG, "the comment is over %d bytes", WEBHOOK_COMMENT_MAX) : 0;
	cJSON_Delete(c);
	cJSON_Delete(f);
	return rc;
}
