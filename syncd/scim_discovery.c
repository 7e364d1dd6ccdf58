/* SPDX-License-Identifier: MIT */
/*
 * Discovery endpoints (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes
 * and /Schemas. They describe exactly what idsyncd does — clients read them
 * to decide what to send — and are rendered from the same schema tables the
 * filter, PATCH and validation code use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "syncd/scim_schema.h"
#include "syncd/scim_service.h"

static json_t *
service_provider_config(const struct scim_service *svc, const char *base_url)
{
	char loc[1024];

	snprintf(loc, sizeof(loc), "%s/ServiceProviderConfig", base_url);
	return json_pack(
		"{s:[s], s:s, s:{s:b}, s:{s:b, s:i, s:i}, s:{s:b, s:i}, s:{s:b}, s:{s:b}, s:{s:b},"
		" s:[{s:s, s:s, s:s, s:b}], s:{s:s, s:s}}",
		"schemas", "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
		"documentationUri", "man:idsyncd(8)",
		"patch", "supported", 1,
		"bulk", "supported", 0, "maxOperations", 0, "maxPayloadSize", 0,
		"filter", "supported", 1, "maxResults", (int)svc->cfg->scim_page_size_max,
		"changePassword", "supported", 0,
		"sort", "supported", 0,
		"etag", "supported", 1,
		"authenticationSchemes", "type", "oauthbearertoken", "name", "OAuth Bearer Token",
		"description", "A bearer token made by 'idsyncctl token create NAME'", "primary", 1,
		"meta", "resourceType", "ServiceProviderConfig", "location", loc);
}

static json_t *
list_of(json_t *items)
{
	json_t *o;

	if (!items)
		return NULL;
	o = json_pack("{s:[s], s:I, s:I, s:I, s:O}", "schemas", SCIM_URN_LIST, "totalResults",
		      (json_int_t)json_array_size(items), "itemsPerPage",
		      (json_int_t)json_array_size(items), "startIndex", (json_int_t)1, "Resources",
		      items);
	json_decref(items);
	return o;
}

static json_t *
resource_types(const char *base_url, const char *which)
{
	const struct scim_rtype *all[] = {&scim_rtype_user, &scim_rtype_group};
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < 2; i++) {
		if (which && strcasecmp(which, all[i]->id) != 0)
			continue;
		if (which) {
			json_decref(arr);
			return scim_rtype_to_json(all[i], base_url);
		}
		json_array_append_new(arr, scim_rtype_to_json(all[i], base_url));
	}
	if (which) {
		json_decref(arr);
		return NULL;
	}
	return list_of(arr);
}

static json_t *
schemas(const char *base_url, const char *which)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && scim_all_schemas[i]; i++) {
		if (which && strcasecmp(which, scim_all_schemas[i]->id) != 0)
			continue;
		if (which) {
			json_decref(arr);
			return scim_schema_to_json(scim_all_schemas[i], base_url);
		}
		json_array_append_new(arr, scim_schema_to_json(scim_all_schemas[i], base_url));
	}
	if (which) {
		json_decref(arr);
		return NULL;
	}
	return list_of(arr);
}

/* The part after "/Name/", or NULL for "/Name" itself. */
static const char *
item(const char *path, const char *name)
{
	const char *rest = path + strlen(name);

	return *rest == '/' && rest[1] ? rest + 1 : NULL;
}

int
scim_discovery_handle(struct scim_service *svc, const struct scim_req *rq, const char *path,
		      struct scim_resp *rs, struct scim_err *e)
{
	const char *which;

	if (rq->method != SCIM_GET)
		return scim_fail(e, 405, NULL, "%.100s is read-only: use GET", path);
	if (strncasecmp(path, "/ServiceProviderConfig", 22) == 0) {
		if (item(path, "/ServiceProviderConfig"))
			return scim_fail(e, 404, NULL, "no such resource: %.100s", path);
		rs->body = service_provider_config(svc, rq->base_url);
	} else if (strncasecmp(path, "/ResourceTypes", 14) == 0) {
		which = item(path, "/ResourceTypes");
		rs->body = resource_types(rq->base_url, which);
		if (!rs->body && which)
			return scim_fail(e, 404, NULL, "no resource type \"%.100s\"", which);
	} else {
		which = item(path, "/Schemas");
		rs->body = schemas(rq->base_url, which);
		if (!rs->body && which)
			return scim_fail(e, 404, NULL, "no schema \"%.200s\"", which);
	}
	if (!rs->body)
		return scim_fail(e, 500, NULL, "out of memory");
	rs->status = 200;
	return 0;
}
