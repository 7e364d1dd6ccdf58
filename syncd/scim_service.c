/* SPDX-License-Identifier: MIT */
/*
 * Routing of a parsed SCIM request to its handler, and the helpers all
 * handlers share: query parameters, errno -> SCIM error, times, ETags and
 * If-Match. No HTTP here (scim_http.c) and no resource logic (scim_users.c,
 * scim_groups.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "libidsync/cleanup.h"
#include "libidsync/log.h"

#include "syncd/scim_service.h"

static void
host_file_times(const struct ids_config *cfg, struct timespec out[4])
{
	const char *files[4] = {cfg->passwd_file, cfg->group_file, cfg->subuid_file,
				cfg->subgid_file};
	struct stat st;

	for (int i = 0; i < 4; i++)
		out[i] = stat(files[i], &st) == 0 ? st.st_mtim : (struct timespec){0};
}

int
scim_service_init(struct scim_service *svc, const struct ids_config *cfg, struct ids_store *store)
{
	int r;

	*svc = (struct scim_service){.cfg = cfg, .store = store};
	svc->limits.filter_max_length = cfg->scim_filter_max_length;
	svc->limits.filter_max_depth = cfg->scim_filter_max_depth;
	host_file_times(cfg, svc->lf_mtime);
	r = ids_localfiles_load(cfg, &svc->lf);
	if (r < 0)
		ids_log_errno(r, "cannot read %s or %s (identity.passwd_file, identity.group_file)",
			      cfg->passwd_file, cfg->group_file);
	return r;
}

void
scim_service_clear(struct scim_service *svc)
{
	svc->lf = ids_localfiles_free(svc->lf);
}

void
scim_service_refresh(struct scim_service *svc)
{
	struct timespec now[4];
	struct ids_localfiles *lf;
	int r;

	host_file_times(svc->cfg, now);
	if (memcmp(now, svc->lf_mtime, sizeof(now)) == 0)
		return;
	r = ids_localfiles_load(svc->cfg, &lf);
	if (r < 0) {
		ids_log_errno(r, "cannot re-read the host's passwd/group files: keeping the copy read before");
		return;
	}
	ids_localfiles_free(svc->lf);
	svc->lf = lf;
	memcpy(svc->lf_mtime, now, sizeof(now));
}

void
scim_resp_clear(struct scim_resp *rs)
{
	json_decref(rs->body);
	free(rs->location);
	free(rs->etag);
	*rs = (struct scim_resp){0};
}

void
scim_req_free_params(struct scim_req *rq)
{
	for (size_t i = 0; i < rq->n_params; i++) {
		free(rq->params[i].key);
		free(rq->params[i].value);
	}
	free(rq->params);
	rq->params = NULL;
	rq->n_params = 0;
}

const char *
scim_req_param(const struct scim_req *rq, const char *key)
{
	for (size_t i = 0; i < rq->n_params; i++)
		if (strcasecmp(rq->params[i].key, key) == 0)
			return rq->params[i].value;
	return NULL;
}

/* "/Users/.search" and "/Groups/.search" are reads sent with POST. */
static bool
is_search(const char *path)
{
	size_t n = strlen(path);

	return n >= 8 && strcmp(path + n - 8, "/.search") == 0;
}

bool
scim_req_is_write(const struct scim_req *rq)
{
	switch (rq->method) {
	case SCIM_POST:
		return !is_search(rq->path);
	case SCIM_PUT:
	case SCIM_PATCH:
	case SCIM_DELETE:
		return true;
	default:
		return false;
	}
}

/* Whether path is prefix alone or prefix followed by '/': gives the rest. */
static const char *
below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncasecmp(path, prefix, n) != 0)
		return NULL;
	if (path[n] == '\0' || path[n] == '/')
		return path + n;
	return NULL;
}

int
scim_dispatch(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq,
	      struct scim_resp *rs, struct scim_err *e)
{
	const char *rest;

	if ((rest = below(rq->path, "/Users")))
		return scim_users_handle(svc, t, rq, rest, rs, e);
	if ((rest = below(rq->path, "/Groups")))
		return scim_groups_handle(svc, t, rq, rest, rs, e);
	if (below(rq->path, "/ServiceProviderConfig") || below(rq->path, "/ResourceTypes") ||
	    below(rq->path, "/Schemas"))
		return scim_discovery_handle(svc, rq, rq->path, rs, e);
	if (below(rq->path, "/Bulk"))
		return scim_fail(e, 501, NULL, "bulk operations are not supported (see /ServiceProviderConfig)");
	if (below(rq->path, "/Me"))
		return scim_fail(e, 501, NULL, "/Me is not supported: tokens do not belong to users");
	return scim_fail(e, 404, NULL, "no SCIM endpoint at %s%.200s", SCIM_BASE_PATH, rq->path);
}

int
scim_fail_errno(struct scim_err *e, int r, const char *why, const char *what)
{
	switch (r) {
	case -EEXIST:
		return scim_fail(e, 409, SCIM_ERR_UNIQUENESS, "%s", why ? why : what);
	case -EINVAL:
		return scim_fail(e, 400, SCIM_ERR_INVALID_VALUE, "%s", why ? why : what);
	case -ENOENT:
		return scim_fail(e, 404, NULL, "%s", why ? why : what);
	case -EPERM:
	case -EACCES:
		return scim_fail(e, 403, NULL, "%s", why ? why : what);
	case -ENOSPC:
		return scim_fail(e, 507, NULL, "%s: the store is full (the host's administrator must raise [store] map_size_mb)", what);
	default:
		return scim_fail(e, 500, NULL, "%s: %s", what, strerror(-r));
	}
}

void
scim_format_time(int64_t t, char buf[32])
{
	time_t secs = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&secs, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		strcpy(buf, "1970-01-01T00:00:00Z");
}

char *
scim_etag(uint64_t version)
{
	char *s;

	return asprintf(&s, "W/\"%" PRIu64 "\"", version) < 0 ? NULL : s;
}

/* Whether one entity tag of an If-Match list (weak or strong) names version. */
static bool
tag_matches(const char *tag, size_t len, uint64_t version)
{
	char want[32];
	int n;

	while (len && (*tag == ' ' || *tag == '\t'))
		tag++, len--;
	while (len && (tag[len - 1] == ' ' || tag[len - 1] == '\t'))
		len--;
	if (len == 1 && *tag == '*')
		return true;
	if (len >= 2 && strncmp(tag, "W/", 2) == 0)
		tag += 2, len -= 2;
	n = snprintf(want, sizeof(want), "\"%" PRIu64 "\"", version);
	return (size_t)n == len && memcmp(tag, want, len) == 0;
}

int
scim_check_if_match(const struct scim_req *rq, uint64_t version, struct scim_err *e)
{
	const char *p = rq->if_match;

	if (!p)
		return 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (tag_matches(p, len, version))
			return 0;
		if (!comma)
			break;
		p = comma + 1;
	}
	return scim_fail(e, 412, NULL,
			 "If-Match does not name the current version W/\"%" PRIu64 "\": the resource changed since it was read",
			 version);
}

int
scim_oom(struct scim_err *e)
{
	return scim_fail(e, 500, NULL, "out of memory");
}

int
scim_set_common(json_t *o, const char *schema_urn, const char *resource_type,
		const char *endpoint, const char *base_url, const char *id, const char *external_id,
		int64_t created, int64_t modified, uint64_t version)
{
	char c[32], m[32];
	_cleanup_free_ char *loc = NULL, *etag = scim_etag(version);
	int r = 0;

	if (!etag || asprintf(&loc, "%s%s/%s", base_url, endpoint, id) < 0)
		return -ENOMEM;
	scim_format_time(created, c);
	scim_format_time(modified, m);
	if (!json_is_array(json_object_get(o, "schemas")))
		r |= json_object_set_new(o, "schemas", json_pack("[s]", schema_urn));
	r |= json_object_set_new(o, "id", json_string(id));
	if (external_id)
		r |= json_object_set_new(o, "externalId", json_string(external_id));
	else
		json_object_del(o, "externalId");
	r |= json_object_set_new(o, "meta", json_pack("{s:s, s:s, s:s, s:s, s:s}", "resourceType",
						      resource_type, "created", c, "lastModified", m,
						      "location", loc, "version", etag));
	return r ? -ENOMEM : 0;
}

json_t *
scim_reference(const char *base_url, const char *endpoint, const char *id, const char *display,
	       const char *type)
{
	_cleanup_free_ char *ref = NULL;

	if (asprintf(&ref, "%s%s/%s", base_url, endpoint, id) < 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s}", "value", id, "$ref", ref, "display", display,
			 "type", type);
}

int
scim_respond(struct scim_resp *rs, int status, json_t *body, const char *base_url,
	     const char *endpoint, const char *id, uint64_t version, struct scim_err *e)
{
	if (!body)
		return scim_oom(e);
	rs->status = status;
	rs->body = body;
	rs->etag = scim_etag(version);
	if (status == 201 && asprintf(&rs->location, "%s%s/%s", base_url, endpoint, id) < 0)
		rs->location = NULL;
	return 0;
}
