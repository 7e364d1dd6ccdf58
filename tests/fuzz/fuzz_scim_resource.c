/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for scim_resource.c and scim_projection.c: arbitrary
 * bytes as a JSON body validated as a User and as a Group (the output must
 * validate again to itself, hold no id, meta or password, and start with
 * the core URN), each output and the raw body projected with fixed
 * projections; and the same bytes as attributes= / excludedAttributes=
 * lists, parsed and applied to a fixed served User and Group.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncd/scim_resource.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY (64 * 1024)
#define MAX_LIST 4096

static const char *const lists[][2] = {
    {NULL, NULL},
    {"userName,emails.value,name.givenName," SCIM_URN_ENTERPRISE ":manager", NULL},
    {NULL, "members,groups,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
    {"displayName,members.value,urn:x:y.z", NULL},
    {NULL, "name.familyName,emails.primary,password,urn:x:y"},
};

static const char served_user[] =
    "{\"schemas\":[\"" SCIM_URN_USER "\",\"" SCIM_URN_ENTERPRISE "\"],\"id\":\"u1\","
    "\"userName\":\"bjensen\",\"password\":\"x\",\"name\":{\"givenName\":\"B\"},"
    "\"emails\":[{\"value\":\"b@x\",\"primary\":true},{\"value\":\"c@x\"}],"
    "\"groups\":[{\"value\":\"g1\"}],\"" SCIM_URN_ENTERPRISE "\":{\"manager\":{\"value\":\"m\"}},"
    "\"urn:x:y\":{\"z\":1},\"meta\":{\"resourceType\":\"User\"}}";
static const char served_group[] =
    "{\"schemas\":[\"" SCIM_URN_GROUP "\"],\"id\":\"g1\",\"displayName\":\"eng\","
    "\"members\":[{\"value\":\"u1\",\"display\":\"A\"},{\"value\":\"u2\"}]}";

static void
check_projected(json_t *out)
{
	if (!out)
		abort(); /* only on OOM, which the fuzzer does not cause */
	if (json_is_object(out) && json_object_get(out, "password"))
		abort();
	json_decref(out);
}

static void
project_all(json_t *r, const struct scim_rtype *rt)
{
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		struct scim_projection *p = NULL;
		struct scim_err e = {0};
		if (scim_projection_parse(lists[i][0], lists[i][1], rt, &p, &e) < 0)
			abort();
		json_t *once = scim_projection_apply(p, r, rt);
		if (!once)
			abort();
		/* Projecting is idempotent. */
		json_t *twice = scim_projection_apply(p, once, rt);
		if (!json_equal(once, twice))
			abort();
		json_decref(twice);
		check_projected(once);
		(void)scim_projection_wants(p, "members");
		scim_projection_free(p);
	}
}

static void
validate(json_t *body, const struct scim_rtype *rt)
{
	struct scim_err e = {0}, e2 = {0};
	json_t *out = NULL, *again = NULL;

	if (scim_resource_validate(body, rt, &out, &e) < 0) {
		if (out || e.status != 400 || !e.scim_type)
			abort();
		return;
	}
	if (json_object_get(out, "id") || json_object_get(out, "meta") ||
	    json_object_get(out, "password"))
		abort();
	if (strcmp(json_string_value(json_array_get(json_object_get(out, "schemas"), 0)),
	           rt->core->id) != 0)
		abort();
	/* What we store is a valid body that normalises to itself. */
	if (scim_resource_validate(out, rt, &again, &e2) < 0) {
		fprintf(stderr, "output refused: %s\n", e2.detail);
		abort();
	}
	if (!json_equal(out, again))
		abort();
	json_decref(again);
	project_all(out, rt);
	json_decref(out);
}

static void
lists_from(const uint8_t *data, size_t size)
{
	static json_t *user, *group;
	char *s;

	if (!user) {
		user = json_loads(served_user, 0, NULL);
		group = json_loads(served_group, 0, NULL);
		if (!user || !group)
			abort();
	}
	if (size > MAX_LIST)
		size = MAX_LIST;
	if (!(s = malloc(size + 1)))
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	for (int i = 0; i < 4; i++) {
		const struct scim_rtype *rt = i & 1 ? &scim_rtype_group : &scim_rtype_user;
		struct scim_projection *p = NULL;
		struct scim_err e = {0};
		if (scim_projection_parse(i & 2 ? NULL : s, i & 2 ? s : NULL, rt, &p, &e) < 0) {
			if (p || e.status != 400)
				abort();
			continue;
		}
		check_projected(scim_projection_apply(p, i & 1 ? group : user, rt));
		(void)scim_projection_wants(p, s);
		scim_projection_free(p);
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body;

	lists_from(data, size);
	if (size > MAX_BODY)
		return 0;
	body = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!body)
		return 0;
	validate(body, &scim_rtype_user);
	validate(body, &scim_rtype_group);
	project_all(body, &scim_rtype_user);
	json_decref(body);
	return 0;
}
