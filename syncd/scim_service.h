/* SPDX-License-Identifier: MIT */
/*
 * What the SCIM handlers (scim_users.c, scim_groups.c, scim_list.c,
 * scim_discovery.c) share, apart from HTTP: the service context, a parsed
 * request and the response to send. The HTTP layer (scim_http.c) fills a
 * struct scim_req, opens the transaction, calls scim_dispatch() and renders
 * the struct scim_resp; handlers never see libevent, so they can be driven
 * by tests and benchmarks directly.
 */
#ifndef IDS_SCIM_SERVICE_H
#define IDS_SCIM_SERVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "libidsync/config.h"
#include "libidsync/localfiles.h"
#include "libidsync/store.h"
#include "syncd/scim_error.h"
#include "syncd/scim_filter.h"

#define SCIM_BASE_PATH "/scim/v2"

struct scim_service {
	const struct ids_config *cfg;
	struct ids_localfiles *lf; /* the host's passwd/group/subuid/subgid, kept fresh */
	struct ids_store *store;
	struct scim_limits limits;
	struct timespec lf_mtime[4]; /* of the four files, when lf was read */
};

/* Fills svc for cfg and store (borrowed) and reads the host's files: 0 or -errno (logged). */
int scim_service_init(struct scim_service *svc, const struct ids_config *cfg,
		      struct ids_store *store);
void scim_service_clear(struct scim_service *svc);
/*
 * Re-reads the host's passwd/group/subuid/subgid when one of them changed
 * since it was read, so that a local account made meanwhile is never given
 * to an IdP user. On failure keeps the previous copy and logs why.
 */
void scim_service_refresh(struct scim_service *svc);

enum scim_method {
	SCIM_GET,
	SCIM_POST,
	SCIM_PUT,
	SCIM_PATCH,
	SCIM_DELETE,
	SCIM_OTHER,
};

struct scim_param {
	char *key, *value; /* decoded */
};

struct scim_req {
	enum scim_method method;
	const char *path;     /* decoded path below SCIM_BASE_PATH: "/Users/123" */
	struct scim_param *params; /* decoded query parameters */
	size_t n_params;
	json_t *body;         /* parsed body, or NULL when there was none */
	const char *if_match; /* If-Match header, or NULL */
	const char *base_url; /* "https://host:port/scim/v2", for meta.location */
	const char *actor;    /* "scim:<token name>", for the audit trail */
	int64_t now;          /* unix seconds */
};

struct scim_resp {
	int status;
	json_t *body;   /* owned; NULL: no body (204) */
	char *location; /* owned; Location header (201) */
	char *etag;     /* owned; ETag header */
};

void scim_resp_clear(struct scim_resp *rs);

/* Frees rq's params (decoded by the HTTP layer) and clears them. */
void scim_req_free_params(struct scim_req *rq);

/* The value of query parameter key (case-insensitive), or NULL. */
const char *scim_req_param(const struct scim_req *rq, const char *key);

/*
 * Whether the request changes the store (so the HTTP layer gives it a write
 * transaction in the current batch) or only reads (a read transaction).
 */
bool scim_req_is_write(const struct scim_req *rq);

/*
 * Handles rq inside t (a write transaction when scim_req_is_write) and fills
 * rs. Returns 0 with rs filled, or -1 with e filled (rs untouched): the
 * caller aborts t and renders e. Never commits or aborts t itself.
 */
int scim_dispatch(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq,
		  struct scim_resp *rs, struct scim_err *e);

/* Handlers by resource, called by scim_dispatch with the rest of the path ("" or "/id"). */
int scim_users_handle(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq,
		      const char *rest, struct scim_resp *rs, struct scim_err *e);
int scim_groups_handle(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq,
		       const char *rest, struct scim_resp *rs, struct scim_err *e);
int scim_discovery_handle(struct scim_service *svc, const struct scim_req *rq, const char *path,
			  struct scim_resp *rs, struct scim_err *e);

/* -1 with a 500 "out of memory" in e. */
int scim_oom(struct scim_err *e);

/*
 * Sets what idsync is authoritative for on a served resource o: "schemas"
 * (schema_urn when missing), "id", "externalId" (removed when NULL) and
 * "meta" (resourceType, created, lastModified, location, version). 0 or
 * -ENOMEM.
 */
int scim_set_common(json_t *o, const char *schema_urn, const char *resource_type,
		    const char *endpoint, const char *base_url, const char *id,
		    const char *external_id, int64_t created, int64_t modified, uint64_t version);
/* A reference to another resource, as members and groups list them (new reference). */
json_t *scim_reference(const char *base_url, const char *endpoint, const char *id,
		       const char *display, const char *type);
/*
 * Fills rs: status, body (taken over; NULL is out of memory), the ETag of
 * version, and Location for a 201. Returns 0, or -1 with e.
 */
int scim_respond(struct scim_resp *rs, int status, json_t *body, const char *base_url,
		 const char *endpoint, const char *id, uint64_t version, struct scim_err *e);

/* Maps a core -errno (and its reason, may be NULL) to a SCIM error. */
int scim_fail_errno(struct scim_err *e, int r, const char *why, const char *what);

/* An RFC 3339 UTC time ("2026-12-01T18:47:00Z") in buf. */
void scim_format_time(int64_t t, char buf[32]);
/* The weak ETag of a version: W/"N" (malloc'd; NULL when out of memory). */
char *scim_etag(uint64_t version);
/* -1 with 412 in e when rq has If-Match and it names neither "*" nor etag. */
int scim_check_if_match(const struct scim_req *rq, uint64_t version, struct scim_err *e);

#endif
