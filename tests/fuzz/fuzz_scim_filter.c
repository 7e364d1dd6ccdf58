/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: arbitrary bytes as a SCIM filter and as a PATCH path
 * (scim_filter.c), for Users and Groups, under the default and the largest
 * nesting limit; every parsed filter is matched against a fixed sample
 * resource and planned (eq_term), every value filter is tried on each value
 * of a multi-valued attribute, and every error must render as a SCIM Error.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syncd/scim_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char user_json[] =
    "{\"schemas\": [\"" SCIM_URN_USER "\"], \"id\": \"2819c223\", \"externalId\": \"Ext-1\","
    " \"userName\": \"Bjensen@example.com\", \"name\": {\"givenName\": \"Barbara\"},"
    " \"displayName\": \"Babs\", \"nickName\": \"\", \"title\": null, \"active\": true,"
    " \"emails\": [{\"value\": \"b@example.com\", \"type\": \"work\", \"primary\": true},"
    "  {\"value\": \"b@home.org\", \"type\": \"home\"}], \"phoneNumbers\": [],"
    " \"groups\": [{\"value\": \"e9e30dba\", \"display\": \"Tour Guides\"}],"
    " \"tags\": [\"Alpha\", 7, null, [], {}], \"loginCount\": 42, \"score\": 4.5,"
    " \"meta\": {\"created\": \"2010-01-23T04:56:22Z\"},"
    " \"" SCIM_URN_ENTERPRISE "\": {\"employeeNumber\": \"701984\","
    "  \"manager\": {\"value\": \"26118915\", \"displayName\": \"John Smith\"}}}";

static const char group_json[] =
    "{\"id\": \"g1\", \"externalId\": \"Grp-1\", \"displayName\": \"Group1\","
    " \"members\": [{\"value\": \"2819c223\", \"display\": \"Babs\"}, {\"value\": \"u\"}]}";

static json_t *user, *group;

static void
check_err(int r, const void *out, const struct scim_err *e)
{
	json_t *j;

	if (r == 0) {
		if (!out || e->status)
			abort();
		return;
	}
	if (r != -1 || out || (e->status != 400 && e->status != 500) || !e->detail[0])
		abort();
	/* The detail goes into a JSON response: it must be valid UTF-8. */
	if (!(j = scim_err_to_json(e)))
		abort();
	json_decref(j);
}

static void
try_filter(const char *text, size_t len, const struct scim_rtype *rt, json_t *res, unsigned depth)
{
	struct scim_limits lim = {.filter_max_length = 1 << 20, .filter_max_depth = depth};
	struct scim_filter *f = NULL;
	struct scim_err e = {0};
	const char *attr, *value;
	int r;

	r = scim_filter_parse(text, len, rt, &lim, &f, &e);
	check_err(r, f, &e);
	if (r < 0)
		return;
	(void)scim_filter_match(f, res, rt);
	if (scim_filter_eq_term(f, &attr, &value) && (!attr || !value))
		abort();
	scim_filter_free(f);
}

static void
try_path(const char *text, const struct scim_rtype *rt, json_t *res, const char *multi)
{
	struct scim_limits lim = {.filter_max_length = 1 << 20, .filter_max_depth = 16};
	const struct scim_attr *a, *parent;
	struct scim_path *p = NULL;
	struct scim_err e = {0};
	json_t *v;
	size_t i;
	int r;

	r = scim_path_parse(text, rt, &lim, &p, &e);
	check_err(r, p, &e);
	if (r < 0)
		return;
	if (!p->ref.attr)
		abort();
	a = scim_ref_resolve(rt, &p->ref, &parent);
	if (a && !parent)
		abort();
	if (p->filter)
		json_array_foreach(scim_json_get(res, multi), i, v)(void)
		    scim_filter_match_value(p->filter, v, a ? a : parent);
	scim_path_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (!user) {
		user = json_loads(user_json, 0, NULL);
		group = json_loads(group_json, 0, NULL);
		if (!user || !group)
			abort();
	}
	/* An exact-size copy, so ASan sees any read past the given length. */
	if (!(text = malloc(size ? size : 1)))
		return 0;
	memcpy(text, data, size);
	try_filter(text, size, &scim_rtype_user, user, 16);
	try_filter(text, size, &scim_rtype_group, group, 256);
	free(text);
	/* Paths are C strings. */
	if (!(text = malloc(size + 1)))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	try_path(text, &scim_rtype_user, user, "emails");
	try_path(text, &scim_rtype_group, group, "members");
	free(text);
	return 0;
}
