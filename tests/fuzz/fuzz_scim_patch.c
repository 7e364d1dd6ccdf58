/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: arbitrary bytes as a SCIM PATCH request. The input is
 * a PatchOp body (a bare Operations array is wrapped in one), or a resource
 * and a body separated by a NUL byte. Each body is applied to a sample User,
 * to a sample Group whose members go to recording hooks, to the same Group
 * without hooks, and to the resource of the input as a User and as a Group.
 * Besides the sanitizers, it checks what the hooks are given and that a
 * patched resource is still an object jansson can serialise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syncd/scim_patch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char user_text[] =
	"{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\","
	"\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"],"
	"\"userName\":\"alice@example.com\",\"externalId\":\"a1\",\"active\":true,"
	"\"name\":{\"givenName\":\"Alice\",\"familyName\":\"Liddell\"},"
	"\"emails\":[{\"value\":\"alice@example.com\",\"type\":\"work\",\"primary\":true},"
	"{\"value\":\"alice@home.example\",\"type\":\"home\"}],"
	"\"phoneNumbers\":[{\"value\":\"+47 1\",\"type\":\"mobile\"}],"
	"\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":"
	"{\"department\":\"Sales\",\"manager\":{\"value\":\"m1\"}}}";
static const char group_text[] =
	"{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],"
	"\"displayName\":\"Team\",\"members\":[{\"value\":\"u1\",\"display\":\"Ann\"},"
	"{\"value\":\"u2\",\"type\":\"User\"}]}";

static const struct scim_limits lim = {.filter_max_length = 4096, .filter_max_depth = 16};
static json_t *user, *group;

static int
h_add(void *ctx, const char *value, json_t *member, struct scim_err *e)
{
	json_t *v = json_is_object(member) ? json_object_get(member, "value") : NULL;

	(void)ctx;
	if (!value || !*value || !json_is_object(member))
		abort();
	/* the member's "value" (any case) is what we were given */
	if (v && strcmp(json_string_value(v) ? json_string_value(v) : "", value) != 0)
		abort();
	return value[0] == '!' ? scim_fail(e, 409, SCIM_ERR_UNIQUENESS, "refused") : 0;
}

static int
h_remove(void *ctx, const char *value, struct scim_err *e)
{
	(void)ctx;
	if (!value)
		abort();
	return value[0] == '!' ? -1 : 0; /* -1 without e: the patch makes it a 500 */
}

static int
h_remove_where(void *ctx, const struct scim_filter *f, struct scim_err *e)
{
	const struct scim_attr *a = scim_schema_find(&scim_rtype_group, NULL, "members", NULL);
	json_t *m, *members = scim_json_get(group, "members");
	size_t i;

	(void)ctx;
	(void)e;
	if (!f)
		abort();
	json_array_foreach (members, i, m)
		(void)scim_filter_match_value(f, m, a);
	return 0;
}

static int
h_clear(void *ctx, struct scim_err *e)
{
	(void)ctx;
	(void)e;
	return 0;
}

static const struct scim_patch_hooks hooks = {.attr = "members",
					      .add = h_add,
					      .remove = h_remove,
					      .remove_where = h_remove_where,
					      .clear = h_clear};

static void
apply(json_t *res, json_t *body, const struct scim_rtype *rt, const struct scim_patch_hooks *h)
{
	struct scim_err e = {0};
	json_t *copy = json_deep_copy(res);
	char *text;

	if (!copy)
		return;
	if (scim_patch_apply(copy, body, rt, &lim, h, &e) == 0) {
		if (e.status || !json_is_object(copy))
			abort();
		if ((text = json_dumps(copy, JSON_COMPACT)))
			free(text);
	} else if (!e.status || !e.detail[0] || e.detail[sizeof(e.detail) - 1]) {
		abort();
	}
	json_decref(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	json_t *res = NULL, *body;

	if (!user) {
		user = json_loads(user_text, 0, NULL);
		group = json_loads(group_text, 0, NULL);
		if (!user || !group)
			abort();
	}
	if (nul) {
		res = json_loadb((const char *)data, (size_t)(nul - data), 0, NULL);
		size -= (size_t)(nul - data) + 1;
		data = nul + 1;
	}
	body = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!body) {
		json_decref(res);
		return 0;
	}
	if (json_is_array(body)) {
		json_t *wrapped =
			json_pack("{s[s]so}", "schemas", SCIM_URN_PATCH, "Operations", body);
		if (!wrapped) {
			json_decref(res);
			return 0;
		}
		body = wrapped;
	}
	apply(user, body, &scim_rtype_user, NULL);
	apply(group, body, &scim_rtype_group, &hooks);
	apply(group, body, &scim_rtype_group, NULL);
	if (json_is_object(res)) {
		apply(res, body, &scim_rtype_user, NULL);
		apply(res, body, &scim_rtype_group, &hooks);
	}
	json_decref(body);
	json_decref(res);
	return 0;
}
