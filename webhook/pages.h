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

/* Render `cert_json` as HTML into `out`. 0, or SIGMA_EINVALID when it is
 * not a certificate, SIGMA_ETOOBIG when the page exceeds out's cap. */
int webhook_pages_certificate_html(sigma_buf *out, const char *cert_json);

/* Append `s` HTML-escaped (& < > " ' become entities). */
int webhook_pages_escape(sigma_buf *out, const char *s);

#endif
