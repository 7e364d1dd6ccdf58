/* SPDX-License-Identifier: MIT */
/*
 * idsyncd's HTTPS front end: TLS (OpenSSL through libevent), limits,
 * bearer-token authentication, request parsing into struct scim_req, write
 * handing writes to the store writer (scim_worker.h) and answering them
 * once durable, and response rendering in the SCIM error and resource formats.
 */
#ifndef IDS_SCIM_HTTP_H
#define IDS_SCIM_HTTP_H

#include <event2/event.h>

#include "syncd/scim_service.h"

struct scim_http;

/* Called after every durable commit that changed the store (the snapshot publisher). */
typedef void (*scim_committed_fn)(void *data);

/*
 * Sets up TLS from cfg->scim_tls_cert/key and listens on
 * cfg->scim_listen:scim_port (and the redirect port when set). Returns 0,
 * or -errno with a message logged that names the file or address at fault.
 */
int scim_http_new(struct event_base *base, struct scim_service *svc, scim_committed_fn committed,
		  void *data, struct scim_http **out);
/* Re-reads the certificate and key; on failure keeps serving the old ones. 0 or -errno. */
int scim_http_reload_tls(struct scim_http *h);
/*
 * Stops accepting, lets the writer finish what is queued, answers it, then
 * ends the event loop.
 */
void scim_http_shutdown(struct scim_http *h);
struct scim_http *scim_http_free(struct scim_http *h);
/* "https://ADDR:PORT/scim/v2" as listened on. */
const char *scim_http_url(const struct scim_http *h);

#endif
