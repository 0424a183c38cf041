/* pages.h: what maintainers read when they click a status.
 *
 * A submission certificate is served as its JSON, or, for a browser
 * (Accept: text/html), as one self-contained HTML page: the decision and
 * its reasons, the blocked and flagged packages with their chains, the
 * counts per depth and per status, the lockfiles, and the signature's key
 * id. Every value from the certificate is HTML-escaped; the page has no
 * script, and the server sends it with a Content-Security-Policy that
 * allows none. */
#ifndef SIGMA_WEBHOOK_PAGES_H
#define SIGMA_WEBHOOK_PAGES_H
#include "common/buf.h"

/* Render `cert_json` as HTML into `out`, with the findings the worker
 * kept beside it (`findings_json`, see worker.c; NULL when there are none:
 * a push the hook judged): the base commit and the dependency diff, the
 * fixes, the advisories linked to osv.dev, and the packages left
 * unreviewed with why. `links` (may be NULL): the signed link's query,
 * kept on the page's own links, and how to sign each package's link to
 * /packages. 0, or SIGMA_EINVALID when it is not a certificate,
 * SIGMA_ETOOBIG when the page exceeds out's cap. */
typedef struct webhook_page_links {
	const char *signature;  /* the signed link's query ("exp=...&sig="), or NULL */
	/* The query that opens `path` ("packages/ECO/NAME/VERSION"), or NULL
	 * for none; the caller of the callback frees it. May be NULL. */
	char *(*package_query)(void *ctx, const char *path);
	void *ctx;
} webhook_page_links;

int webhook_pages_certificate_html(sigma_buf *out, const char *cert_json, const char *findings_json,
                                   const webhook_page_links *links);

/* A pull request comment is at most this long (GitHub's limit is 65536
 * characters; GitLab's and Gitea's are larger). */
#define WEBHOOK_COMMENT_MAX 60000

/* The pull request comment, in Markdown: WEBHOOK_COMMENT_MARKER, the
 * decision, the dependency diff per lockfile (name, old -> new, depth,
 * status), the hook's report with the fixes, what was left unreviewed and
 * the link to the certificate page (`url`, may be NULL). Every value from
 * a lockfile sits in a code span or is escaped, so a package name can
 * neither mention anyone nor add markup. 0, SIGMA_EINVALID (not a
 * certificate), SIGMA_ETOOBIG (then the rows that fit, and a note). */
int webhook_pages_comment(sigma_buf *out, const char *cert_json, const char *findings_json, const char *url);

/* Append `s` HTML-escaped (& < > " ' become entities). */
int webhook_pages_escape(sigma_buf *out, const char *s);

#endif
