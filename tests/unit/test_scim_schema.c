/* SPDX-License-Identifier: MIT */
/*
 * SCIM schemas (scim_schema.c): the User, enterprise User and Group tables
 * as RFC 7643 defines them (types, caseExact, mutability, returned,
 * uniqueness), case-insensitive and URN-qualified lookups, URN splitting,
 * JSON key lookup, and the exact /Schemas (§7, §8.7) and /ResourceTypes (§6)
 * documents.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "syncd/scim_schema.h"

#define BASE "https://host:8443/scim/v2"

TestSuite(scim_schema, .timeout = 30);

static const struct scim_attr *
find(const struct scim_rtype *rt, const char *urn, const char *name)
{
	return scim_schema_find(rt, urn, name, NULL);
}

Test(scim_schema, core_lookups_ignore_case)
{
	const struct scim_schema *s = (const struct scim_schema *)1;
	const struct scim_attr *a;

	a = scim_schema_find(&scim_rtype_user, NULL, "USERNAME", &s);
	cr_assert_not_null(a);
	cr_expect_str_eq(a->name, "userName");
	cr_expect_eq(a->type, SCIM_T_STRING);
	cr_expect(a->required);
	cr_expect(!a->case_exact);
	cr_expect(a->unique_server);
	cr_expect_eq(a->mutability, SCIM_MUT_READWRITE);
	cr_assert_not_null(s);
	cr_expect_str_eq(s->id, SCIM_URN_USER);

	a = scim_schema_find(&scim_rtype_user, SCIM_URN_USER, "displayname", &s);
	cr_assert_not_null(a);
	cr_expect_str_eq(a->name, "displayName");

	cr_expect_null(scim_schema_find(&scim_rtype_user, NULL, "nosuch", &s));
	cr_expect_null(s);
	cr_expect_null(find(&scim_rtype_user, NULL, "employeeNumber"), "not a core attribute");
	cr_expect_null(find(&scim_rtype_user, NULL, "members"));
	cr_expect_null(find(&scim_rtype_group, NULL, "userName"));
	cr_expect_null(find(&scim_rtype_user, SCIM_URN_GROUP, "displayName"), "not a User schema");
	cr_expect_null(find(&scim_rtype_user, NULL, NULL));
}

Test(scim_schema, common_attributes)
{
	const struct scim_schema *s;
	const struct scim_attr *a;

	cr_assert_eq(scim_n_common_attrs, 3);
	a = scim_schema_find(&scim_rtype_group, NULL, "ID", &s);
	cr_assert_not_null(a);
	cr_expect_eq(a, &scim_common_attrs[0]);
	cr_expect(a->case_exact);
	cr_expect_eq(a->mutability, SCIM_MUT_READONLY);
	cr_expect_eq(a->returned, SCIM_RET_ALWAYS);
	cr_expect_str_eq(s->id, SCIM_URN_GROUP);

	a = find(&scim_rtype_user, SCIM_URN_USER, "externalid");
	cr_assert_not_null(a);
	cr_expect(a->case_exact);
	cr_expect_eq(a->mutability, SCIM_MUT_READWRITE);

	a = find(&scim_rtype_user, NULL, "Meta");
	cr_assert_not_null(a);
	cr_expect_eq(a->type, SCIM_T_COMPLEX);
	cr_expect_eq(a->mutability, SCIM_MUT_READONLY);
	cr_expect_eq(scim_attr_sub(a, "LASTMODIFIED")->type, SCIM_T_DATETIME);
	cr_expect_eq(scim_attr_sub(a, "created")->type, SCIM_T_DATETIME);
	cr_expect_eq(scim_attr_sub(a, "location")->type, SCIM_T_REFERENCE);
	cr_expect_not_null(scim_attr_sub(a, "resourceType"));
	cr_expect_not_null(scim_attr_sub(a, "version"));
	cr_expect_null(find(&scim_rtype_user, SCIM_URN_ENTERPRISE, "id"),
	               "common attributes are core");
}

Test(scim_schema, user_attributes)
{
	static const char *const names[] = {
	    "userName",        "name",         "displayName",  "nickName",
	    "profileUrl",      "title",        "userType",     "preferredLanguage",
	    "locale",          "timezone",     "active",       "password",
	    "emails",          "phoneNumbers", "ims",          "photos",
	    "addresses",       "groups",       "entitlements", "roles",
	    "x509Certificates"};
	const struct scim_attr *a, *sub;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect_not_null(find(&scim_rtype_user, NULL, names[i]), "%s", names[i]);
	cr_expect_eq(scim_rtype_user.core->n_attrs, sizeof(names) / sizeof(names[0]));

	a = find(&scim_rtype_user, NULL, "name");
	cr_assert_eq(a->type, SCIM_T_COMPLEX);
	cr_expect(!a->multi_valued);
	cr_expect_eq(a->n_sub, 6);
	cr_expect_not_null(scim_attr_sub(a, "honorificSuffix"));
	cr_expect_not_null(scim_attr_sub(a, "GIVENNAME"));
	cr_expect_null(scim_attr_sub(a, "value"));

	a = find(&scim_rtype_user, NULL, "active");
	cr_expect_eq(a->type, SCIM_T_BOOLEAN);
	a = find(&scim_rtype_user, NULL, "password");
	cr_expect_eq(a->mutability, SCIM_MUT_WRITEONLY);
	cr_expect_eq(a->returned, SCIM_RET_NEVER);
	a = find(&scim_rtype_user, NULL, "profileUrl");
	cr_expect_eq(a->type, SCIM_T_REFERENCE);
	cr_expect_str_eq(a->reference_types[0], "external");

	a = find(&scim_rtype_user, NULL, "emails");
	cr_assert(a->multi_valued);
	cr_assert_eq(a->type, SCIM_T_COMPLEX);
	cr_expect_not_null(scim_attr_sub(a, "value"));
	cr_expect_not_null(scim_attr_sub(a, "display"));
	cr_expect_eq(scim_attr_sub(a, "primary")->type, SCIM_T_BOOLEAN);
	sub = scim_attr_sub(a, "type");
	cr_assert_not_null(sub);
	cr_assert_not_null(sub->canonical);
	cr_expect_str_eq(sub->canonical[0], "work");
	cr_expect_str_eq(sub->canonical[1], "home");
	cr_expect_str_eq(sub->canonical[2], "other");
	cr_expect_null(sub->canonical[3]);

	a = find(&scim_rtype_user, NULL, "addresses");
	for (i = 0; i < 6; i++) {
		static const char *const s[] = {"formatted", "streetAddress", "locality",
		                                "region",    "postalCode",    "country"};
		cr_expect_not_null(scim_attr_sub(a, s[i]), "addresses.%s", s[i]);
	}
	cr_expect_eq(find(&scim_rtype_user, NULL, "x509Certificates")->sub[0].type, SCIM_T_BINARY);
	cr_expect_eq(scim_attr_sub(find(&scim_rtype_user, NULL, "photos"), "value")->type,
	             SCIM_T_REFERENCE);

	a = find(&scim_rtype_user, NULL, "groups");
	cr_expect(a->multi_valued);
	cr_expect_eq(a->mutability, SCIM_MUT_READONLY);
	cr_expect_not_null(scim_attr_sub(a, "$ref"));
	cr_expect_not_null(scim_attr_sub(a, "$REF"));
	cr_expect_eq(scim_attr_sub(a, "value")->mutability, SCIM_MUT_READONLY);
	cr_expect_null(scim_attr_sub(a, "primary"));
	cr_expect_null(scim_attr_sub(NULL, "value"));
}

Test(scim_schema, enterprise_extension)
{
	const struct scim_schema *s;
	const struct scim_attr *a;

	cr_assert_eq(scim_rtype_user.n_extensions, 1);
	s = scim_rtype_extension(&scim_rtype_user,
	                         "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER");
	cr_assert_not_null(s);
	cr_expect_str_eq(s->id, SCIM_URN_ENTERPRISE);
	cr_expect_null(scim_rtype_extension(&scim_rtype_user, SCIM_URN_USER),
	               "the core is no extension");
	cr_expect_null(scim_rtype_extension(&scim_rtype_group, SCIM_URN_ENTERPRISE));

	a = scim_schema_find(&scim_rtype_user, SCIM_URN_ENTERPRISE, "EMPLOYEENUMBER", &s);
	cr_assert_not_null(a);
	cr_expect_str_eq(a->name, "employeeNumber");
	cr_expect_str_eq(s->id, SCIM_URN_ENTERPRISE);
	cr_expect_not_null(find(&scim_rtype_user, SCIM_URN_ENTERPRISE, "costCenter"));
	cr_expect_not_null(find(&scim_rtype_user, SCIM_URN_ENTERPRISE, "organization"));
	cr_expect_not_null(find(&scim_rtype_user, SCIM_URN_ENTERPRISE, "division"));
	cr_expect_not_null(find(&scim_rtype_user, SCIM_URN_ENTERPRISE, "department"));
	a = find(&scim_rtype_user, SCIM_URN_ENTERPRISE, "manager");
	cr_assert_not_null(a);
	cr_expect_eq(a->type, SCIM_T_COMPLEX);
	cr_expect(!a->multi_valued);
	cr_expect_not_null(scim_attr_sub(a, "value"));
	cr_expect_str_eq(scim_attr_sub(a, "$ref")->reference_types[0], "User");
	cr_expect_eq(scim_attr_sub(a, "displayName")->mutability, SCIM_MUT_READONLY);
	cr_expect_null(find(&scim_rtype_user, SCIM_URN_ENTERPRISE, "userName"));
}

Test(scim_schema, group_attributes)
{
	const struct scim_attr *a;

	cr_expect_str_eq(scim_rtype_group.id, "Group");
	cr_expect_str_eq(scim_rtype_group.endpoint, "/Groups");
	cr_expect_eq(scim_rtype_group.n_extensions, 0);
	a = find(&scim_rtype_group, NULL, "DisplayName");
	cr_assert_not_null(a);
	cr_expect(a->required);
	cr_expect(!a->unique_server);
	a = find(&scim_rtype_group, NULL, "members");
	cr_assert_not_null(a);
	cr_expect(a->multi_valued);
	cr_expect_eq(a->mutability, SCIM_MUT_READWRITE);
	cr_expect_eq(scim_attr_sub(a, "value")->mutability, SCIM_MUT_IMMUTABLE);
	cr_expect(scim_attr_sub(a, "value")->case_exact);
	cr_expect_not_null(scim_attr_sub(a, "$ref"));
	cr_expect_not_null(scim_attr_sub(a, "display"));
	cr_expect_str_eq(scim_attr_sub(a, "type")->canonical[0], "User");
	cr_expect_str_eq(scim_attr_sub(a, "type")->canonical[1], "Group");
}

Test(scim_schema, split_urn)
{
	const struct scim_schema *s = (const struct scim_schema *)1;
	const char *t;

	t = SCIM_URN_ENTERPRISE ":manager.value";
	cr_expect_eq(scim_schema_split_urn(&scim_rtype_user, t, &s),
	             strlen(SCIM_URN_ENTERPRISE) + 1);
	cr_expect_str_eq(s->id, SCIM_URN_ENTERPRISE);
	t = "urn:ietf:params:scim:schemas:core:2.0:user:userName";
	cr_expect_eq(scim_schema_split_urn(&scim_rtype_user, t, &s), strlen(SCIM_URN_USER) + 1);
	cr_expect_str_eq(t + strlen(SCIM_URN_USER) + 1, "userName");
	cr_expect_eq(s, scim_rtype_user.core);
	cr_expect_eq(scim_schema_split_urn(&scim_rtype_user, "userName", &s), 0);
	cr_expect_null(s);
	s = (const struct scim_schema *)1;
	cr_expect_eq(scim_schema_split_urn(&scim_rtype_user, SCIM_URN_USER, &s), 0, "no ':' after");
	cr_expect_null(s);
	cr_expect_eq(scim_schema_split_urn(&scim_rtype_user, SCIM_URN_USER "x:a", &s), 0);
	cr_expect_eq(scim_schema_split_urn(&scim_rtype_user, SCIM_URN_GROUP ":displayName", &s), 0);
	cr_expect_eq(scim_schema_split_urn(&scim_rtype_group, SCIM_URN_GROUP ":displayName", &s),
	             strlen(SCIM_URN_GROUP) + 1);
	cr_expect_eq(scim_schema_split_urn(&scim_rtype_group, SCIM_URN_ENTERPRISE ":x", NULL), 0);
	cr_expect_eq(scim_schema_split_urn(&scim_rtype_user, "urn:ietf:params", NULL), 0);
	cr_expect_eq(scim_schema_split_urn(&scim_rtype_user, "", NULL), 0);
}

Test(scim_schema, json_get_ignores_case)
{
	json_t *o = json_pack("{s:i, s:i, s:{s:s}}", "userName", 1, "Emails", 2,
	                      SCIM_URN_ENTERPRISE, "employeeNumber", "7");
	const char *key = "unset";

	cr_assert_not_null(o);
	cr_expect_eq(json_integer_value(scim_json_get(o, "username")), 1);
	cr_expect_eq(json_integer_value(scim_json_get_key(o, "EMAILS", &key)), 2);
	cr_expect_str_eq(key, "Emails", "the key as the object spells it");
	cr_expect_eq(json_integer_value(scim_json_get_key(o, "userName", &key)), 1);
	cr_expect_str_eq(key, "userName");
	cr_expect_str_eq(
	    json_string_value(scim_json_get(
	        scim_json_get(o, "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user"),
	        "EMPLOYEEnumber")),
	    "7");
	cr_expect_null(scim_json_get_key(o, "nosuch", &key));
	cr_expect_null(key);
	cr_expect_null(scim_json_get(o, "user"), "no prefix matches");
	cr_expect_null(scim_json_get(json_array_get(o, 0), "x"));
	cr_expect_null(scim_json_get(NULL, "x"));
	json_t *arr = json_pack("[i]", 1);
	cr_expect_null(scim_json_get(arr, "0"));
	json_decref(arr);
	json_decref(o);
}

/* Every attribute definition has the RFC 7643 §7 members with legal values. */
static void
check_attr_json(json_t *a, int level)
{
	static const char *const types[] = {"string",   "boolean",   "decimal", "integer",
	                                    "dateTime", "reference", "binary",  "complex"};
	const char *type, *s;
	size_t i;
	bool ok = false;
	json_t *sub;

	cr_assert(json_is_string(json_object_get(a, "name")));
	cr_assert(json_is_string(json_object_get(a, "description")));
	cr_assert(json_is_boolean(json_object_get(a, "multiValued")));
	cr_assert(json_is_boolean(json_object_get(a, "required")));
	type = json_string_value(json_object_get(a, "type"));
	cr_assert_not_null(type);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		ok |= strcmp(type, types[i]) == 0;
	cr_assert(ok, "type %s", type);
	s = json_string_value(json_object_get(a, "mutability"));
	cr_assert(s && (!strcmp(s, "readWrite") || !strcmp(s, "readOnly") ||
	                !strcmp(s, "immutable") || !strcmp(s, "writeOnly")));
	s = json_string_value(json_object_get(a, "returned"));
	cr_assert(s && (!strcmp(s, "always") || !strcmp(s, "never") || !strcmp(s, "default") ||
	                !strcmp(s, "request")));
	s = json_string_value(json_object_get(a, "uniqueness"));
	cr_assert(s && (!strcmp(s, "none") || !strcmp(s, "server")));
	if (!strcmp(type, "string") || !strcmp(type, "reference") || !strcmp(type, "binary"))
		cr_assert(json_is_boolean(json_object_get(a, "caseExact")), "%s",
		          json_string_value(json_object_get(a, "name")));
	if (!strcmp(type, "reference"))
		cr_assert(json_array_size(json_object_get(a, "referenceTypes")) > 0);
	sub = json_object_get(a, "subAttributes");
	if (!strcmp(type, "complex")) {
		cr_assert(level == 0, "complex inside complex");
		cr_assert(json_array_size(sub) > 0);
		json_array_foreach(sub, i, a) check_attr_json(a, level + 1);
	} else {
		cr_assert_null(sub);
	}
}

/* The attribute definition named name in a schema document's attributes array. */
static json_t *
attr_json(json_t *attrs, const char *name)
{
	size_t i;
	json_t *a;

	json_array_foreach(
	    attrs, i, a) if (!strcmp(json_string_value(json_object_get(a, "name")), name)) return a;
	cr_assert_fail("no attribute %s", name);
	return NULL;
}

Test(scim_schema, user_schema_document)
{
	json_t *d = scim_schema_to_json(scim_all_schemas[0], BASE), *attrs, *a, *sub;
	size_t i;

	cr_assert_not_null(d);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(d, "schemas"), 0)),
	                 "urn:ietf:params:scim:schemas:core:2.0:Schema");
	cr_expect_eq(json_array_size(json_object_get(d, "schemas")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(d, "id")), SCIM_URN_USER);
	cr_expect_str_eq(json_string_value(json_object_get(d, "name")), "User");
	cr_expect_str_eq(json_string_value(json_object_get(d, "description")), "User Account");
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_object_get(d, "meta"), "resourceType")),
	    "Schema");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(d, "meta"), "location")),
	                 BASE "/Schemas/" SCIM_URN_USER);
	attrs = json_object_get(d, "attributes");
	cr_assert_eq(json_array_size(attrs), scim_rtype_user.core->n_attrs);
	json_array_foreach(attrs, i, a) check_attr_json(a, 0);

	a = attr_json(attrs, "userName");
	cr_expect_str_eq(json_string_value(json_object_get(a, "type")), "string");
	cr_expect(json_is_false(json_object_get(a, "multiValued")));
	cr_expect(json_is_true(json_object_get(a, "required")));
	cr_expect(json_is_false(json_object_get(a, "caseExact")));
	cr_expect_str_eq(json_string_value(json_object_get(a, "mutability")), "readWrite");
	cr_expect_str_eq(json_string_value(json_object_get(a, "returned")), "default");
	cr_expect_str_eq(json_string_value(json_object_get(a, "uniqueness")), "server");

	a = attr_json(attrs, "password");
	cr_expect_str_eq(json_string_value(json_object_get(a, "mutability")), "writeOnly");
	cr_expect_str_eq(json_string_value(json_object_get(a, "returned")), "never");

	a = attr_json(attrs, "active");
	cr_expect_str_eq(json_string_value(json_object_get(a, "type")), "boolean");
	cr_expect_null(json_object_get(a, "caseExact"));

	a = attr_json(attrs, "emails");
	cr_expect(json_is_true(json_object_get(a, "multiValued")));
	cr_expect_str_eq(json_string_value(json_object_get(a, "type")), "complex");
	sub = attr_json(json_object_get(a, "subAttributes"), "type");
	cr_expect_str_eq(
	    json_string_value(json_array_get(json_object_get(sub, "canonicalValues"), 0)), "work");
	cr_expect_eq(json_array_size(json_object_get(sub, "canonicalValues")), 3);
	sub = attr_json(json_object_get(a, "subAttributes"), "primary");
	cr_expect_str_eq(json_string_value(json_object_get(sub, "type")), "boolean");

	a = attr_json(attrs, "groups");
	cr_expect_str_eq(json_string_value(json_object_get(a, "mutability")), "readOnly");
	sub = attr_json(json_object_get(a, "subAttributes"), "$ref");
	cr_expect_str_eq(json_string_value(json_object_get(sub, "type")), "reference");
	cr_expect_str_eq(
	    json_string_value(json_array_get(json_object_get(sub, "referenceTypes"), 1)), "Group");

	a = attr_json(attrs, "x509Certificates");
	sub = attr_json(json_object_get(a, "subAttributes"), "value");
	cr_expect_str_eq(json_string_value(json_object_get(sub, "type")), "binary");
	json_decref(d);
}

Test(scim_schema, all_schema_documents)
{
	static const char *const ids[] = {SCIM_URN_USER, SCIM_URN_ENTERPRISE, SCIM_URN_GROUP};
	size_t i, k;
	json_t *d, *a;

	for (i = 0; scim_all_schemas[i]; i++) {
		cr_assert_lt(i, 3);
		cr_expect_str_eq(scim_all_schemas[i]->id, ids[i]);
		d = scim_schema_to_json(scim_all_schemas[i], BASE);
		cr_assert_not_null(d);
		json_array_foreach(json_object_get(d, "attributes"), k, a) check_attr_json(a, 0);
		json_decref(d);
	}
	cr_expect_eq(i, 3);
	cr_expect_null(scim_schema_to_json(NULL, BASE));

	d = scim_schema_to_json(scim_all_schemas[1], BASE);
	cr_expect_str_eq(json_string_value(json_object_get(d, "name")), "EnterpriseUser");
	a = attr_json(json_object_get(d, "attributes"), "manager");
	cr_expect_eq(json_array_size(json_object_get(a, "subAttributes")), 3);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(d, "meta"), "location")),
	                 BASE "/Schemas/" SCIM_URN_ENTERPRISE);
	json_decref(d);

	d = scim_schema_to_json(scim_all_schemas[2], BASE);
	a = attr_json(json_object_get(d, "attributes"), "displayName");
	cr_expect(json_is_true(json_object_get(a, "required")));
	cr_expect_str_eq(json_string_value(json_object_get(a, "uniqueness")), "none");
	a = attr_json(json_object_get(d, "attributes"), "members");
	a = attr_json(json_object_get(a, "subAttributes"), "value");
	cr_expect_str_eq(json_string_value(json_object_get(a, "mutability")), "immutable");
	json_decref(d);
}

Test(scim_schema, resource_type_documents)
{
	json_t *d, *ext;
	char *dump;

	d = scim_rtype_to_json(&scim_rtype_user, BASE);
	cr_assert_not_null(d);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(d, "schemas"), 0)),
	                 "urn:ietf:params:scim:schemas:core:2.0:ResourceType");
	cr_expect_str_eq(json_string_value(json_object_get(d, "id")), "User");
	cr_expect_str_eq(json_string_value(json_object_get(d, "name")), "User");
	cr_expect_str_eq(json_string_value(json_object_get(d, "endpoint")), "/Users");
	cr_expect_str_eq(json_string_value(json_object_get(d, "description")), "User Account");
	cr_expect_str_eq(json_string_value(json_object_get(d, "schema")), SCIM_URN_USER);
	ext = json_object_get(d, "schemaExtensions");
	cr_assert_eq(json_array_size(ext), 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(ext, 0), "schema")),
	                 SCIM_URN_ENTERPRISE);
	cr_expect(json_is_false(json_object_get(json_array_get(ext, 0), "required")));
	dump = json_dumps(json_object_get(d, "meta"), JSON_COMPACT);
	cr_expect_str_eq(dump, "{\"resourceType\":\"ResourceType\",\"location\":\"" BASE
	                       "/ResourceTypes/User\"}");
	free(dump);
	json_decref(d);

	d = scim_rtype_to_json(&scim_rtype_group, BASE);
	cr_assert_not_null(d);
	cr_expect_str_eq(json_string_value(json_object_get(d, "endpoint")), "/Groups");
	cr_expect_str_eq(json_string_value(json_object_get(d, "schema")), SCIM_URN_GROUP);
	cr_expect_null(json_object_get(d, "schemaExtensions"));
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(d, "meta"), "location")),
	                 BASE "/ResourceTypes/Group");
	cr_expect_eq(json_object_size(d), 7, "no schemaExtensions member");
	json_decref(d);
	cr_expect_null(scim_rtype_to_json(NULL, BASE));
}
