/* serve.h: the HTTP side of `sigma serve`, on libmicrohttpd.
 *
 * Routes:
 *   POST /webhook/NAME                   a delivery for forge NAME
 *   GET  /certificates/ID                JSON, or HTML for Accept: text/html
 *   GET  /packages/ECOSYSTEM/NAME/VERSION the package certificate, or 404
 *   GET  /healthz                        "ok" when the database answers
 *   GET  /metrics                        Prometheus text format
 *
 * A delivery is answered once its job is committed (202), or 200 for a
 * delivery id already seen, 202 for an event that is not judged, 401 for
 * a missing or wrong signature (nothing queued), 413 past 25 MiB, 503 when
 * the database cannot take it (the forge will redeliver). One log line per
 * delivery, without secrets. libmicrohttpd types stay in serve.c. */
#ifndef SIGMA_WEBHOOK_SERVE_H
#define SIGMA_WEBHOOK_SERVE_H
#include "webhook/service.h"

typedef struct webhook_server webhook_server;

/* Listen on `listen` ("ADDR:PORT" or "[ADDR]:PORT"; port 0 picks one) with
 * TLS when the settings name a certificate and key. *port gets the bound
 * port. The server runs on its own threads until webhook_server_stop. */
int webhook_server_start(webhook_server **out, webhook_service *svc, const char *listen, int *port);
/* Stop accepting, finish the requests in flight, free. */
void webhook_server_stop(webhook_server *s);

#endif
