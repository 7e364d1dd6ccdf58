/* SPDX-License-Identifier: MIT */
/*
 * idsyncd's HTTPS front end (see scim_http.h). Reads are answered at once
 * by reader threads, writes by the store writer thread (scim_worker.c),
 * which answers them only after their batch is durable.
 * Never parses HTTP itself (evhttp does) and never waits for the disk.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "libidsync/cleanup.h"
#include "libidsync/log.h"
#include "libidsync/tokens.h"
#include "syncd/scim_http.h"
#include "syncd/scim_tls.h"
#include "syncd/scim_worker.h"

struct scim_http {
	struct event_base *base;
	struct scim_service *svc;
	struct evhttp *http, *redirect;
	struct evconnlistener *listener;
	SSL_CTX *ctx;
	char url[320];
	scim_committed_fn committed;
	void *committed_data;

	struct scim_worker *writer, *readers;
	struct event *done_ev;  /* the writer's eventfd */
	struct event *read_ev;  /* the readers' eventfd */
	struct event *drain_ev; /* stopping: waits for the writer to finish */

	struct {
		char name[65];
		int64_t at;
	} token_use[16]; /* when each token's use was last written to the store */

	unsigned connections; /* TLS connections alive (counted by their SSL objects) */
	bool paused;          /* listener off: at max_connections */
	bool stopping;
};

/* ---- connection limit: the life of each SSL object is the life of a connection ---- */

static int ex_index = -1;
/*
 * The front end alive now. An SSL object can outlive it (libevent frees some
 * connections only in event_base_free): its callback then finds nothing to count.
 */
static struct scim_http *alive;
static int ex_nodelay = -1; /* set on an SSL once its socket has TCP_NODELAY */

static void
connection_gone(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct scim_http *h = ptr;

	if (!h || h != alive)
		return;
	h->connections--;
	if (h->paused && !h->stopping && h->connections < h->svc->cfg->scim_max_connections) {
		evconnlistener_enable(h->listener);
		h->paused = false;
	}
}

static struct bufferevent *
new_connection(struct event_base *base, void *arg)
{
	struct scim_http *h = arg;
	SSL *ssl = SSL_new(h->ctx);

	if (!ssl)
		return NULL;
	SSL_set_ex_data(ssl, ex_index, h);
	h->connections++;
	if (h->connections >= h->svc->cfg->scim_max_connections && !h->paused) {
		/* Further connections wait in the kernel's queue until one closes. */
		evconnlistener_disable(h->listener);
		h->paused = true;
		ids_log_warnx("scim: %u connections: not accepting more until one closes",
			      h->connections);
	}
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

/* ---- responses ---- */

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	default: return status < 500 ? "Error" : "Internal Server Error";
	}
}

static long
elapsed_us(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000000L + (now.tv_nsec - start->tv_nsec) / 1000;
}

static void
send_resp(struct evhttp_request *req, struct scim_resp *rs, const char *line,
	  const struct timespec *start)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = NULL;

	if (rs->location)
		evhttp_add_header(out, "Location", rs->location);
	if (rs->etag)
		evhttp_add_header(out, "ETag", rs->etag);
	if (rs->status == 401)
		evhttp_add_header(out, "WWW-Authenticate", "Bearer realm=\"idsync\"");
	if (rs->body) {
		char *text = json_dumps(rs->body, JSON_COMPACT);
		buf = evbuffer_new();
		if (text && buf) {
			evhttp_add_header(out, "Content-Type", "application/scim+json");
			evbuffer_add(buf, text, strlen(text));
		}
		free(text);
	}
	ids_log_info("scim-request: %s status=%d us=%ld", line, rs->status, elapsed_us(start));
	evhttp_send_reply(req, rs->status, reason(rs->status), buf);
	if (buf)
		evbuffer_free(buf);
}

static void
send_err(struct evhttp_request *req, const struct scim_err *e, const char *line,
	 const struct timespec *start)
{
	struct scim_resp rs = {.status = e->status ? e->status : 500, .body = scim_err_to_json(e)};

	send_resp(req, &rs, line, start);
	scim_resp_clear(&rs);
}

/* ---- writes ---- */

/* Answers the jobs the writer has finished. */
static void
answer(struct scim_http *h, struct scim_worker *w)
{
	struct scim_job *list = scim_worker_take_done(w);
	bool changed = false;

	while (list) {
		struct scim_job *next = list->next;
		changed |= list->changed;
		if (list->req) {
			if (list->failed)
				send_err(list->req, &list->e, list->line, &list->start);
			else
				send_resp(list->req, &list->rs, list->line, &list->start);
		}
		scim_job_free(list);
		list = next;
	}
	if (changed && h->committed)
		h->committed(h->committed_data);
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct scim_http *h = arg;

	answer(h, h->writer);
}

static void
on_read_done(evutil_socket_t fd, short what, void *arg)
{
	struct scim_http *h = arg;

	answer(h, h->readers);
}

/*
 * Whether the token's time of use (idsyncctl token list) is due to be
 * written: at most once a minute per token, inside a write batch.
 */
static bool
token_use_due(struct scim_http *h, const char *name, int64_t now)
{
	size_t slot = 0, n = sizeof(h->token_use) / sizeof(h->token_use[0]);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(h->token_use[i].name, name) == 0) {
			slot = i;
			break;
		}
		if (h->token_use[i].at < h->token_use[slot].at)
			slot = i; /* the oldest entry makes room */
	}
	if (strcmp(h->token_use[slot].name, name) == 0 && now - h->token_use[slot].at < 60)
		return false;
	snprintf(h->token_use[slot].name, sizeof(h->token_use[slot].name), "%s", name);
	h->token_use[slot].at = now;
	return true;
}

/* ---- requests ---- */

static enum scim_method
method_of(struct evhttp_request *req, const char **name)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET: return *name = "GET", SCIM_GET;
	case EVHTTP_REQ_POST: return *name = "POST", SCIM_POST;
	case EVHTTP_REQ_PUT: return *name = "PUT", SCIM_PUT;
	case EVHTTP_REQ_PATCH: return *name = "PATCH", SCIM_PATCH;
	case EVHTTP_REQ_DELETE: return *name = "DELETE", SCIM_DELETE;
	default: return *name = "OTHER", SCIM_OTHER;
	}
}

/* The token's name, or -1 with 401 in e. */
static int
authenticate(struct scim_http *h, struct evhttp_request *req, int64_t now, char **name,
	     const char **secret, struct scim_err *e)
{
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req),
					      "Authorization");
	struct ids_txn *t = NULL;
	int r;

	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return scim_fail(e, 401, NULL,
				 "a bearer token is required (Authorization: Bearer ...); make one with 'idsyncctl token create NAME'");
	auth += 7;
	auth += strspn(auth, " \t");
	r = ids_txn_begin(h->svc->store, false, &t);
	if (r < 0)
		return scim_fail_errno(e, r, NULL, "cannot read the store");
	r = ids_token_verify(t, auth, now, name);
	ids_txn_abort(t);
	if (r < 0)
		return scim_fail(e, 401, NULL, "the bearer token is not valid (revoked, or never made here)");
	*secret = auth;
	return 0;
}

/* A Host header fit to build URLs from: host name or address, optional port. */
static bool
host_ok(const char *host)
{
	if (!host || !*host || strlen(host) > 255)
		return false;
	for (const char *p = host; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		      ('0' <= *p && *p <= '9') || strchr(".-:[]", *p)))
			return false;
	return true;
}

/* A decoded query component; NULL when it holds a NUL byte or memory ran out. */
static char *
decode_component(const char *s, size_t n)
{
	_cleanup_free_ char *raw = strndup(s, n);
	size_t len = 0;
	char *out;

	if (!raw)
		return NULL;
	/* Form encoding, as Java's and .NET's URL encoders write it: '+' is a space. */
	out = evhttp_uridecode(raw, 1, &len);
	if (out && strlen(out) != len) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * The query string as key/value pairs. A key without "=" has an empty value:
 * Entra's feature flags (?aadOptscim062020) come that way.
 */
static int
parse_params(const char *query, struct scim_req *rq, struct scim_err *e)
{
	size_t n = 1;

	if (!query || !*query)
		return 0;
	for (const char *p = query; *p; p++)
		n += *p == '&';
	if (n > 64)
		return scim_fail(e, 400, SCIM_ERR_INVALID_SYNTAX, "more than 64 query parameters");
	rq->params = calloc(n, sizeof(*rq->params));
	if (!rq->params)
		return scim_fail(e, 500, NULL, "out of memory");
	for (const char *p = query; *p;) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		struct scim_param *kv = &rq->params[rq->n_params];

		if (len) {
			kv->key = decode_component(p, eq ? (size_t)(eq - p) : len);
			kv->value = eq ? decode_component(eq + 1, len - (size_t)(eq - p) - 1) : strdup("");
			rq->n_params++;
			if (!kv->key || !kv->value)
				return scim_fail(e, 400, SCIM_ERR_INVALID_SYNTAX,
						 "query parameter %zu cannot be decoded", rq->n_params);
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return 0;
}

static int
parse_body(struct evhttp_request *req, unsigned max_kb, json_t **out, struct scim_err *e)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *type = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	size_t len = evbuffer_get_length(in);
	json_error_t jerr;
	unsigned char *data;

	*out = NULL;
	if (!len)
		return 0;
	if (len > (size_t)max_kb * 1024)
		return scim_fail(e, 413, NULL,
				 "the body is %zu bytes, over the %u KiB limit (scim.max_body_kb)", len,
				 max_kb);
	if (type && !strcasestr(type, "json"))
		return scim_fail(e, 415, NULL,
				 "the body must be application/scim+json (or application/json), not %.80s",
				 type);
	data = evbuffer_pullup(in, -1);
	if (!data)
		return scim_fail(e, 500, NULL, "out of memory");
	*out = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out)
		return scim_fail(e, 400, SCIM_ERR_INVALID_SYNTAX,
				 "the body is not valid JSON: line %d, column %d: %s", jerr.line,
				 jerr.column, jerr.text);
	return 0;
}

/*
 * Turns Nagle's algorithm off, once per connection: evhttp writes headers
 * and body separately, and the body would wait for the client's delayed ACK
 * (about 40 ms a response).
 */
static void
no_delay(struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	int one = 1;
	evutil_socket_t fd;

	if (ssl && SSL_get_ex_data(ssl, ex_nodelay))
		return;
	fd = bev ? bufferevent_getfd(bev) : -1;
	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ssl)
		SSL_set_ex_data(ssl, ex_nodelay, (void *)1);
}

/*
 * Hands a write request (rq, when not NULL) and, when secret is set, a token
 * use to record, to the writer. The strings named by the pointers are taken
 * over; rq's params and body too. 0, or -1 with e when it could not be queued.
 */
static int
submit(struct scim_http *h, struct scim_worker *w, struct evhttp_request *req, struct scim_req *rq,
       const char *secret,
       char **path, char **base, char **actor, char **line, const struct timespec *start,
       struct scim_err *e)
{
	struct scim_job *j = calloc(1, sizeof(*j));

	if (!j || (secret && !(j->token_secret = strdup(secret))))
		goto oom;
	j->rq.now = time(NULL);
	j->start = *start;
	if (rq) {
		j->rq = *rq;
		j->rq.if_match = rq->if_match ? strdup(rq->if_match) : NULL;
		if (rq->if_match && !j->rq.if_match) {
			j->rq = (struct scim_req){0};
			goto oom;
		}
		j->has_request = true;
		j->req = req;
		j->rq.path = TAKE_PTR(*path);
		j->rq.base_url = TAKE_PTR(*base);
		j->rq.actor = TAKE_PTR(*actor);
		j->line = TAKE_PTR(*line);
		/* The params and body are the job's now. */
		rq->params = NULL;
		rq->n_params = 0;
		rq->body = NULL;
	}
	scim_worker_submit(w, j);
	return 0;
oom:
	scim_job_free(j);
	return scim_fail(e, 500, NULL, "out of memory");
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct scim_http *h = arg;
	struct scim_req rq = {0};
	struct scim_err e = {0};
	struct timespec start;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw = uri ? evhttp_uri_get_path(uri) : NULL, *mname;
	const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	_cleanup_free_ char *path = NULL, *token = NULL, *actor = NULL, *base = NULL, *line = NULL;
	const char *secret = NULL;
	bool record_use = false;
	size_t plen = 0;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	no_delay(req);
	rq.method = method_of(req, &mname);
	rq.now = time(NULL);
	if (asprintf(&line, "token=- method=%s path=%.200s", mname, raw ? raw : "?") < 0)
		line = NULL;
	if (h->stopping)
		r = scim_fail(&e, 503, NULL, "idsyncd is stopping: retry shortly");
	else if (!raw || strncmp(raw, SCIM_BASE_PATH, strlen(SCIM_BASE_PATH)) != 0 ||
		 (raw[strlen(SCIM_BASE_PATH)] && raw[strlen(SCIM_BASE_PATH)] != '/'))
		r = scim_fail(&e, 404, NULL, "the SCIM base URL is https://HOST:PORT%s", SCIM_BASE_PATH);
	if (r == 0) {
		path = evhttp_uridecode(raw + strlen(SCIM_BASE_PATH), 0, &plen);
		if (!path || strlen(path) != plen)
			r = scim_fail(&e, 400, SCIM_ERR_INVALID_SYNTAX, "the path cannot be decoded");
	}
	if (r == 0)
		r = authenticate(h, req, rq.now, &token, &secret, &e);
	if (r == 0) {
		record_use = token_use_due(h, token, rq.now);
		free(line);
		if (asprintf(&line, "token=%s method=%s path=%.200s", token, mname, raw) < 0)
			line = NULL;
		if (asprintf(&actor, "scim:%s", token) < 0)
			r = scim_fail(&e, 500, NULL, "out of memory");
	}
	if (r == 0)
		r = parse_params(uri ? evhttp_uri_get_query(uri) : NULL, &rq, &e);
	if (r == 0)
		r = parse_body(req, h->svc->cfg->scim_max_body_kb, &rq.body, &e);
	if (r == 0) {
		/* meta.location and Location name the host the client asked for. */
		if (host_ok(host) ? asprintf(&base, "https://%s%s", host, SCIM_BASE_PATH) < 0
				  : !(base = strdup(h->url)))
			r = scim_fail(&e, 500, NULL, "out of memory");
	}
	if (r == 0 && !*path) {
		free(path);
		path = strdup("/");
		if (!path)
			r = scim_fail(&e, 500, NULL, "out of memory");
	}
	if (r == 0) {
		rq.path = path;
		rq.if_match = evhttp_find_header(evhttp_request_get_input_headers(req), "If-Match");
		rq.base_url = base;
		rq.actor = actor;
		if (!line)
			line = strdup("token=?");
		if (scim_req_is_write(&rq)) {
			r = submit(h, h->writer, req, &rq, record_use ? secret : NULL, &path, &base,
				   &actor, &line, &start, &e);
		} else {
			r = submit(h, h->readers, req, &rq, NULL, &path, &base, &actor, &line, &start,
				   &e);
			if (record_use)
				(void)submit(h, h->writer, NULL, NULL, secret, NULL, NULL, NULL, NULL,
					     &start, &e);
		}
	}
	if (r < 0)
		send_err(req, &e, line ? line : "", &start);
	scim_req_free_params(&rq);
	json_decref(rq.body);
}

/* ---- the plain-HTTP listener: a redirect and nothing else ---- */

static void
on_redirect(struct evhttp_request *req, void *arg)
{
	struct scim_http *h = arg;

	no_delay(req);
	const char *uri = evhttp_request_get_uri(req);
	const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char *loc = NULL;
	int r;

	if (!uri || uri[0] != '/') {
		evhttp_send_error(req, 400, "Bad Request");
		return;
	}
	/* The host the client asked for (without its port), else the listen address. */
	if (host_ok(host) && host[0] != '[') {
		size_t hl = strcspn(host, ":");
		r = asprintf(&loc, "https://%.*s:%u%s", (int)hl, host, h->svc->cfg->scim_port, uri);
	} else if (host_ok(host)) {
		size_t hl = strcspn(host, "]") + 1;
		r = asprintf(&loc, "https://%.*s:%u%s", (int)hl, host, h->svc->cfg->scim_port, uri);
	} else {
		const char *path_at = strstr(h->url + 8, "/");
		r = asprintf(&loc, "%.*s%s", path_at ? (int)(path_at - h->url) : (int)strlen(h->url),
			     h->url, uri);
	}
	if (r < 0) {
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	evhttp_add_header(out, "Location", loc);
	evhttp_send_reply(req, 308, "Permanent Redirect", NULL);
	free(loc);
}

/* ---- setup ---- */

static void
apply_limits(struct evhttp *http, const struct ids_config *cfg)
{
	/*
	 * libevent answers a body over its limit with an HTML page: give it twice
	 * scim.max_body_kb, and answer bodies between the two with a SCIM 413.
	 */
	evhttp_set_max_body_size(http, (ev_ssize_t)cfg->scim_max_body_kb * 2048);
	evhttp_set_max_headers_size(http, (ev_ssize_t)cfg->scim_max_header_kb * 1024);
	evhttp_set_timeout(http, (int)cfg->scim_request_timeout_s);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
						 EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE);
}

int
scim_http_new(struct event_base *base, struct scim_service *svc, scim_committed_fn committed,
	      void *data, struct scim_http **out)
{
	const struct ids_config *cfg = svc->cfg;
	struct evhttp_bound_socket *bound;
	struct scim_http *h;

	if (ex_index < 0)
		ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, connection_gone);
	if (ex_nodelay < 0)
		ex_nodelay = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->base = base;
	h->svc = svc;
	h->committed = committed;
	h->committed_data = data;
	snprintf(h->url, sizeof(h->url), strchr(cfg->scim_listen, ':') ? "https://[%s]:%u%s" : "https://%s:%u%s",
		 cfg->scim_listen, cfg->scim_port, SCIM_BASE_PATH);
	h->ctx = scim_tls_context(cfg->scim_tls_cert, cfg->scim_tls_key);
	h->http = evhttp_new(base);
	/* Two readers: a slow scan holds up one of them, not every read. */
	if (scim_worker_start(svc, 0, &h->writer) < 0 || scim_worker_start(svc, 2, &h->readers) < 0) {
		scim_http_free(h);
		return -ENOMEM;
	}
	h->done_ev = event_new(base, scim_worker_fd(h->writer), EV_READ | EV_PERSIST, on_done, h);
	h->read_ev = event_new(base, scim_worker_fd(h->readers), EV_READ | EV_PERSIST, on_read_done,
			       h);
	if (!h->ctx || !h->http || !h->done_ev || !h->read_ev || event_add(h->done_ev, NULL) < 0 ||
	    event_add(h->read_ev, NULL) < 0) {
		scim_http_free(h);
		return -EINVAL;
	}
	apply_limits(h->http, cfg);
	evhttp_set_bevcb(h->http, new_connection, h);
	evhttp_set_gencb(h->http, on_request, h);
	bound = evhttp_bind_socket_with_handle(h->http, cfg->scim_listen, (ev_uint16_t)cfg->scim_port);
	if (!bound) {
		ids_log_warn("cannot listen on %s port %u (scim.listen, scim.port)", cfg->scim_listen,
			     cfg->scim_port);
		scim_http_free(h);
		return -EADDRINUSE;
	}
	h->listener = evhttp_bound_socket_get_listener(bound);
	if (cfg->scim_http_redirect_port) {
		h->redirect = evhttp_new(base);
		if (!h->redirect) {
			scim_http_free(h);
			return -ENOMEM;
		}
		apply_limits(h->redirect, cfg);
		evhttp_set_gencb(h->redirect, on_redirect, h);
		if (evhttp_bind_socket(h->redirect, cfg->scim_listen,
				       (ev_uint16_t)cfg->scim_http_redirect_port) < 0) {
			ids_log_warn("cannot listen on %s port %u (scim.listen, scim.http_redirect_port)",
				     cfg->scim_listen, cfg->scim_http_redirect_port);
			scim_http_free(h);
			return -EADDRINUSE;
		}
	}
	alive = h;
	*out = h;
	return 0;
}

int
scim_http_reload_tls(struct scim_http *h)
{
	SSL_CTX *ctx = scim_tls_context(h->svc->cfg->scim_tls_cert, h->svc->cfg->scim_tls_key);

	if (!ctx)
		return -EINVAL;
	/* Connections keep the context they started with (OpenSSL counts references). */
	SSL_CTX_free(h->ctx);
	h->ctx = ctx;
	return 0;
}

static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct scim_http *h = arg;
	struct timeval flush = {0, 200000};

	if (!scim_worker_idle(h->writer) || !scim_worker_idle(h->readers))
		return;
	event_del(h->drain_ev);
	/* Every answer is queued on its connection: a moment to write them out. */
	event_base_loopexit(h->base, &flush);
}

void
scim_http_shutdown(struct scim_http *h)
{
	struct timeval tick = {0, 20000};

	if (h->stopping)
		return; /* a second signal: already draining */
	h->stopping = true;
	if (h->listener)
		evconnlistener_disable(h->listener);
	h->drain_ev = event_new(h->base, -1, EV_PERSIST, on_drain, h);
	if (!h->drain_ev || event_add(h->drain_ev, &tick) < 0)
		event_base_loopexit(h->base, NULL);
}

struct scim_http *
scim_http_free(struct scim_http *h)
{
	if (!h)
		return NULL;
	h->stopping = true;
	if (alive == h)
		alive = NULL;
	/* The writer first: it finishes its batch; answers that cannot be sent any more are dropped. */
	scim_worker_stop(h->writer);
	scim_worker_stop(h->readers);
	if (h->http)
		evhttp_free(h->http);
	if (h->redirect)
		evhttp_free(h->redirect);
	if (h->done_ev)
		event_free(h->done_ev);
	if (h->read_ev)
		event_free(h->read_ev);
	if (h->drain_ev)
		event_free(h->drain_ev);
	scim_worker_free(h->writer);
	scim_worker_free(h->readers);
	SSL_CTX_free(h->ctx);
	free(h);
	return NULL;
}

const char *
scim_http_url(const struct scim_http *h)
{
	return h->url;
}
