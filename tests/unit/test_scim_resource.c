/* SPDX-License-Identifier: MIT */
/*
 * SCIM resource bodies (scim_resource.c, scim_projection.c): the Entra and
 * Okta User and Group bodies normalised to exact outputs, every validation
 * rule (names in any case, string booleans, wrapping, one primary, the
 * manager id string, nulls, unknown extensions, readOnly and writeOnly
 * attributes, length, count and depth limits) with its error class and
 * message, and the attributes= / excludedAttributes= projection.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncd/scim_resource.h"

#define U      (&scim_rtype_user)
#define G      (&scim_rtype_group)
#define ENT    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define CORE_U "urn:ietf:params:scim:schemas:core:2.0:User"
#define CORE_G "urn:ietf:params:scim:schemas:core:2.0:Group"
#define CUSTOM "urn:ietf:params:scim:schemas:extension:CustomExtension:2.0:User"

/* JSON written with single quotes (none of the texts below holds one). */
static json_t *
js(const char *text)
{
	char *s = strdup(text);
	json_error_t err;
	json_t *v;

	cr_assert_not_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(s, JSON_DECODE_ANY, &err);
	cr_assert_not_null(v, "test JSON does not parse: %s: %s", err.text, s);
	free(s);
	return v;
}

static char *
dump(json_t *v)
{
	char *s = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);

	cr_assert_not_null(s);
	return s;
}

static void
assert_json(json_t *got, json_t *want, const char *what)
{
	char *g = dump(got), *w = dump(want);

	cr_assert(json_equal(got, want), "%s:\n got  %s\n want %s", what, g, w);
	free(g);
	free(w);
}

/* Validates body (taking it), expects success and exactly want; returns nothing. */
static void
valid_v(const struct scim_rtype *rt, json_t *body, const char *want)
{
	struct scim_err e = {0};
	json_t *out = NULL, *w = js(want);
	char *before = dump(body), *after;

	cr_assert_eq(scim_resource_validate(body, rt, &out, &e), 0, "refused (%d %s): %s\n  %s",
	             e.status, e.scim_type ? e.scim_type : "-", e.detail, before);
	cr_assert_not_null(out);
	assert_json(out, w, before);
	/* "schemas" comes first, and the body is left as it was. */
	cr_assert_str_eq(json_object_iter_key(json_object_iter(out)), "schemas");
	after = dump(body);
	cr_assert_str_eq(after, before, "the body was changed");
	/* Normalising is idempotent: the output is a valid body giving itself. */
	json_t *again = NULL;
	cr_assert_eq(scim_resource_validate(out, rt, &again, &e), 0, "output refused: %s",
	             e.detail);
	assert_json(again, out, "validating the output again");
	json_decref(again);
	free(before);
	free(after);
	json_decref(out);
	json_decref(w);
	json_decref(body);
}

static void
valid(const struct scim_rtype *rt, const char *body, const char *want)
{
	valid_v(rt, js(body), want);
}

/* Expects body (taken) refused with 400, type and a detail holding fragment. */
static void
invalid_v(const struct scim_rtype *rt, json_t *body, const char *type, const char *fragment)
{
	struct scim_err e = {0};
	json_t *out = (json_t *)0x1;
	char *b = dump(body);

	cr_assert_eq(scim_resource_validate(body, rt, &out, &e), -1, "accepted: %s", b);
	cr_assert_null(out, "*out set on failure");
	cr_assert_eq(e.status, 400, "status %d for %s", e.status, b);
	cr_assert_str_eq(e.scim_type, type, "%s (%s) for %s", e.scim_type, e.detail, b);
	cr_assert(strstr(e.detail, fragment), "detail \"%s\" lacks \"%s\"", e.detail, fragment);
	free(b);
	json_decref(body);
}

static void
invalid(const struct scim_rtype *rt, const char *body, const char *type, const char *fragment)
{
	invalid_v(rt, js(body), type, fragment);
}

#define SYN SCIM_ERR_INVALID_SYNTAX
#define VAL SCIM_ERR_INVALID_VALUE

/* ---- Clients' bodies ---- */

Test(resource, entra_user)
{
	valid(U,
	      "{'schemas':['" CORE_U "','" ENT "'],"
	      "'externalId':'0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',"
	      "'userName':'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1','active':true,"
	      "'emails':[{'primary':true,'type':'work',"
	      "'value':'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com'}],"
	      "'meta':{'resourceType':'User'},"
	      "'name':{'formatted':'givenName familyName','familyName':'familyName',"
	      "'givenName':'givenName'},'roles':[]}",
	      /* meta dropped; no extension object, so no extension URN */
	      "{'schemas':['" CORE_U "'],"
	      "'externalId':'0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',"
	      "'userName':'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1','active':true,"
	      "'emails':[{'primary':true,'type':'work',"
	      "'value':'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com'}],"
	      "'name':{'formatted':'givenName familyName','familyName':'familyName',"
	      "'givenName':'givenName'},'roles':[]}");
}

Test(resource, entra_user_with_enterprise_extension)
{
	valid(U,
	      "{'schemas':['" CORE_U "','" ENT "'],'externalId':'58342554-38d6-4ec8-948c',"
	      "'userName':'Test_User_feed3ace@testuser.com','active':true,"
	      "'displayName':'Test User','title':'Manager',"
	      "'emails':[{'primary':true,'type':'work','value':'Test_User_22370c1a@testuser.com'}],"
	      "'preferredLanguage':'en-US','name':{'familyName':'User','givenName':'Test'},"
	      "'addresses':[{'type':'work','streetAddress':'1 Main St','locality':'Redmond',"
	      "'region':'WA','postalCode':'98052','country':'US','primary':true}],"
	      "'phoneNumbers':[{'type':'work','value':'+1 555 0100'},"
	      "{'type':'mobile','value':'+1 555 0101'}],"
	      "'" ENT "':{'employeeNumber':'2001','department':'Dept','manager':'b4a0d2e5'}}",
	      "{'schemas':['" CORE_U "','" ENT "'],'externalId':'58342554-38d6-4ec8-948c',"
	      "'userName':'Test_User_feed3ace@testuser.com','active':true,"
	      "'displayName':'Test User','title':'Manager',"
	      "'emails':[{'primary':true,'type':'work','value':'Test_User_22370c1a@testuser.com'}],"
	      "'preferredLanguage':'en-US','name':{'familyName':'User','givenName':'Test'},"
	      "'addresses':[{'type':'work','streetAddress':'1 Main St','locality':'Redmond',"
	      "'region':'WA','postalCode':'98052','country':'US','primary':true}],"
	      "'phoneNumbers':[{'type':'work','value':'+1 555 0100'},"
	      "{'type':'mobile','value':'+1 555 0101'}],"
	      "'" ENT "':{'employeeNumber':'2001','department':'Dept',"
	      "'manager':{'value':'b4a0d2e5'}}}");
}

Test(resource, okta_user)
{
	valid(U,
	      "{'schemas':['" CORE_U "'],'userName':'test.user@okta.local',"
	      "'name':{'givenName':'Test','familyName':'User'},"
	      "'emails':[{'primary':true,'value':'test.user@okta.local','type':'work'}],"
	      "'displayName':'Test User','locale':'en-US','externalId':'00ujl29u0le5T6Aj10h7',"
	      "'groups':[],'password':'1mz050nq','active':true}",
	      "{'schemas':['" CORE_U "'],'userName':'test.user@okta.local',"
	      "'name':{'givenName':'Test','familyName':'User'},"
	      "'emails':[{'primary':true,'value':'test.user@okta.local','type':'work'}],"
	      "'displayName':'Test User','locale':'en-US','externalId':'00ujl29u0le5T6Aj10h7',"
	      "'active':true}");
}

Test(resource, okta_and_entra_groups)
{
	valid(G, "{'schemas':['" CORE_G "'],'displayName':'Test SCIMv2','members':[]}",
	      "{'schemas':['" CORE_G "'],'displayName':'Test SCIMv2','members':[]}");
	valid(G,
	      "{'schemas':['" CORE_G "'],'externalId':'8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',"
	      "'displayName':'displayName','meta':{'resourceType':'Group'}}",
	      "{'schemas':['" CORE_G "'],'externalId':'8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',"
	      "'displayName':'displayName'}");
	/* Okta's member shape, Entra's, and unknown member keys dropped. */
	valid(G,
	      "{'displayName':'eng','members':[{'value':'u1','display':'Alice'},{'value':'u2'},"
	      "{'value':'u3','$ref':'https://h/scim/v2/Users/u3','type':'User','extra':1,"
	      "'primary':true}]}",
	      "{'schemas':['" CORE_G "'],'displayName':'eng','members':[{'value':'u1',"
	      "'display':'Alice'},{'value':'u2'},{'value':'u3',"
	      "'$ref':'https://h/scim/v2/Users/u3','type':'User'}]}");
}

/* ---- Names ---- */

Test(resource, names_in_any_case_take_the_schema_spelling)
{
	valid(U,
	      "{'Schemas':['URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER'],'USERNAME':'bob',"
	      "'Name':{'GIVENNAME':'Bob'},'EMAILS':[{'VALUE':'b@x','Primary':true}],"
	      "'urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user':{'DEPARTMENT':'R&D'},"
	      "'ExternalID':'e1','ACTIVE':false}",
	      "{'schemas':['" CORE_U "','" ENT "'],'userName':'bob','name':{'givenName':'Bob'},"
	      "'emails':[{'value':'b@x','primary':true}],'" ENT "':{'department':'R&D'},"
	      "'externalId':'e1','active':false}");
	valid(G, "{'DISPLAYNAME':'g','MEMBERS':[{'VALUE':'u1','Display':'A'}]}",
	      "{'schemas':['" CORE_G
	      "'],'displayName':'g','members':[{'value':'u1','display':'A'}]}");
}

Test(resource, urn_qualified_names)
{
	valid(U,
	      "{'" CORE_U ":userName':'bob','" ENT ":department':'Sales',"
	      "'" ENT ":employeeNumber':'7','" ENT "':{'costCenter':'42'}}",
	      "{'schemas':['" CORE_U "','" ENT "'],'userName':'bob',"
	      "'" ENT "':{'department':'Sales','employeeNumber':'7','costCenter':'42'}}");
	/* A core-URN object holds core attributes. */
	valid(U, "{'" CORE_U "':{'userName':'bob','name':{'givenName':'B'}}}",
	      "{'schemas':['" CORE_U "'],'userName':'bob','name':{'givenName':'B'}}");
	/* The extension's URN lists it in "schemas" even when the body did not. */
	valid(U, "{'schemas':['" CORE_U "'],'userName':'bob','" ENT ":manager':'m1'}",
	      "{'schemas':['" CORE_U "','" ENT "'],'userName':'bob','" ENT
	      "':{'manager':{'value':'m1'}}}");
	invalid(U, "{'userName':'bob','" ENT ":':'x'}", SYN, "empty");
}

Test(resource, names_given_twice_are_refused)
{
	invalid(U, "{'userName':'a','USERNAME':'b'}", SYN, "userName is given twice");
	invalid(U, "{'userName':'a','" ENT "':{'department':'x'},'" ENT ":Department':'y'}", SYN,
	        ENT ":department is given twice");
	invalid(U, "{'userName':'a','name':{'givenName':'x','GivenName':'y'}}", SYN,
	        "name.givenName is given twice");
	invalid(U, "{'userName':'a','foo':1,'FOO':2}", SYN, "given twice");
	/* One of them null is no conflict. */
	valid(U, "{'userName':'a','USERNAME':null}", "{'schemas':['" CORE_U "'],'userName':'a'}");
}

/* ---- Types ---- */

Test(resource, booleans_sent_as_strings)
{
	valid(U,
	      "{'userName':'a','active':'True','emails':[{'value':'a@x','primary':'FALSE'},"
	      "{'value':'b@x','primary':'true'}]}",
	      "{'schemas':['" CORE_U "'],'userName':'a','active':true,'emails':[{'value':'a@x',"
	      "'primary':false},{'value':'b@x','primary':true}]}");
	invalid(U, "{'userName':'a','active':'yes'}", VAL, "active must be a boolean");
	invalid(U, "{'userName':'a','active':1}", VAL, "active must be a boolean");
	invalid(U, "{'userName':'a','emails':[{'value':'a@x'},{'value':'b@x','primary':'maybe'}]}",
	        VAL, "emails[1].primary must be a boolean");
}

Test(resource, type_mismatches_name_the_attribute)
{
	invalid(U, "{'userName':5}", VAL, "userName must be a string");
	invalid(U, "{'userName':['a']}", VAL, "userName must be a string");
	invalid(U, "{'userName':'a','name':'Bob'}", VAL, "name must be an object");
	invalid(U, "{'userName':'a','name':{'givenName':1}}", VAL,
	        "name.givenName must be a string");
	invalid(U, "{'userName':'a','emails':'a@x'}", VAL, "emails[0] must be an object");
	invalid(U, "{'userName':'a','emails':[[{'value':'a@x'}]]}", VAL,
	        "emails[0] must be an object");
	invalid(U, "{'userName':'a','profileUrl':true}", VAL, "profileUrl must be a string");
	invalid(U, "{'userName':'a','x509Certificates':[{'value':7}]}", VAL,
	        "x509Certificates[0].value must be a string");
	invalid(U, "{'userName':'a','" ENT "':'Sales'}", VAL, ENT " must be an object");
	invalid(U, "{'userName':'a','" ENT "':{'department':['Sales']}}", VAL,
	        ENT ":department must be a string");
	invalid(U, "{'userName':'a','" CORE_U "':'x'}", VAL, CORE_U " must be an object");
}

Test(resource, single_value_of_a_multi_valued_attribute_is_wrapped)
{
	valid(U, "{'userName':'a','emails':{'value':'a@x','type':'work'}}",
	      "{'schemas':['" CORE_U "'],'userName':'a','emails':[{'value':'a@x','type':'work'}]}");
	valid(G, "{'displayName':'g','members':{'value':'u1'}}",
	      "{'schemas':['" CORE_G "'],'displayName':'g','members':[{'value':'u1'}]}");
}

Test(resource, at_most_one_primary)
{
	invalid(U,
	        "{'userName':'a','emails':[{'value':'a@x','primary':true},"
	        "{'value':'b@x','primary':true}]}",
	        VAL, "emails has more than one primary value");
	invalid(U,
	        "{'userName':'a','addresses':[{'country':'US','primary':'TRUE'},"
	        "{'country':'FR','primary':'true'}]}",
	        VAL, "addresses has more than one primary value");
	/* Primaries of different attributes do not count together. */
	valid(U,
	      "{'userName':'a','emails':[{'value':'a@x','primary':true}],"
	      "'phoneNumbers':[{'value':'1','primary':true},{'value':'2','primary':false}]}",
	      "{'schemas':['" CORE_U "'],'userName':'a','emails':[{'value':'a@x','primary':true}],"
	      "'phoneNumbers':[{'value':'1','primary':true},{'value':'2','primary':false}]}");
}

Test(resource, enterprise_manager)
{
	valid(U, "{'userName':'a','" ENT "':{'manager':'26118915-6090-4610-87a4'}}",
	      "{'schemas':['" CORE_U "','" ENT "'],'userName':'a',"
	      "'" ENT "':{'manager':{'value':'26118915-6090-4610-87a4'}}}");
	valid(U, "{'userName':'a','" ENT "':{'manager':{'VALUE':'m','displayName':'Boss'}}}",
	      "{'schemas':['" CORE_U "','" ENT "'],'userName':'a',"
	      "'" ENT "':{'manager':{'value':'m','displayName':'Boss'}}}");
	/* Cleared: "", {"value": ""}, {}, null; the then empty extension goes too. */
	const char *cleared[] = {"''", "{'value':''}", "{}", "null", "{'value':null}"};
	for (size_t i = 0; i < sizeof(cleared) / sizeof(*cleared); i++) {
		char body[256];
		snprintf(body, sizeof(body), "{'userName':'a','" ENT "':{'manager':%s}}",
		         cleared[i]);
		valid(U, body, "{'schemas':['" CORE_U "'],'userName':'a'}");
	}
	valid(U, "{'userName':'a','" ENT "':{'manager':'','department':'d'}}",
	      "{'schemas':['" CORE_U "','" ENT "'],'userName':'a','" ENT "':{'department':'d'}}");
	invalid(U, "{'userName':'a','" ENT "':{'manager':5}}", VAL,
	        ENT ":manager must be an object");
	invalid(U, "{'userName':'a','" ENT "':{'manager':{'value':5}}}", VAL,
	        ENT ":manager.value must be a string");
	invalid(U, "{'userName':'a','" ENT "':{'manager':'a\\nb'}}", VAL,
	        ENT ":manager.value must not hold control characters");
}

Test(resource, nulls_are_absent)
{
	valid(U,
	      "{'userName':'a','displayName':null,'name':{'givenName':null,'familyName':'F'},"
	      "'emails':[null,{'value':'a@x','type':null}],'phoneNumbers':null,'foo':null,"
	      "'schemas':null,'" ENT "':{'department':null},'" CUSTOM "':{'x':null}}",
	      "{'schemas':['" CORE_U "'],'userName':'a','name':{'familyName':'F'},"
	      "'emails':[{'value':'a@x'}],'" CUSTOM "':{}}");
	invalid(U, "{'userName':null}", VAL, "userName is required");
}

/* ---- Unknown attributes and extensions ---- */

Test(resource, unknown_extensions_are_kept)
{
	/* Listed in schemas: kept and listed. */
	valid(U,
	      "{'schemas':['" CORE_U "','" CUSTOM "'],'userName':'a',"
	      "'" CUSTOM "':{'badge':'42','nested':{'a':[1,2,{'b':null}]}}}",
	      "{'schemas':['" CORE_U "','" CUSTOM "'],'userName':'a',"
	      "'" CUSTOM "':{'badge':'42','nested':{'a':[1,2,{'b':null}]}}}");
	/* Not listed: kept, not listed. */
	valid(U, "{'userName':'a','urn:example:ext':{'k':1}}",
	      "{'schemas':['" CORE_U "'],'userName':'a','urn:example:ext':{'k':1}}");
	/* A URN-qualified attribute of a listed unknown extension moves into its object. */
	valid(U,
	      "{'schemas':['" CORE_U "','" CUSTOM "'],'userName':'a','" CUSTOM ":badge':'7',"
	      "'" CUSTOM "':{'floor':3}}",
	      "{'schemas':['" CORE_U "','" CUSTOM "'],'userName':'a','" CUSTOM "':{'badge':'7',"
	      "'floor':3}}");
	invalid(U, "{'userName':'a','" CUSTOM ":badge':'7'}", VAL, "must be an object");
	invalid(U, "{'schemas':['" CORE_U "','" CUSTOM "'],'userName':'a','" CUSTOM "':'7'}", VAL,
	        "must be an object");
	invalid(U,
	        "{'schemas':['" CORE_U "','" CUSTOM "'],'userName':'a','" CUSTOM ":b':1,"
	        "'" CUSTOM "':{'B':2}}",
	        SYN, "given twice");
	/* Unknown plain names, also inside known complex values: kept as sent. */
	valid(U,
	      "{'userName':'a','costCentre':{'x':[true]},'name':{'givenName':'g','nick':'n'},"
	      "'emails':[{'value':'a@x','label':'pro'}]}",
	      "{'schemas':['" CORE_U "'],'userName':'a','costCentre':{'x':[true]},"
	      "'name':{'givenName':'g','nick':'n'},'emails':[{'value':'a@x','label':'pro'}]}");
	/* The enterprise extension's unknown attributes stay inside it. */
	valid(U, "{'userName':'a','" ENT "':{'badge':1}}",
	      "{'schemas':['" CORE_U "','" ENT "'],'userName':'a','" ENT "':{'badge':1}}");
}

Test(resource, read_only_and_write_only_are_dropped)
{
	json_t *body = js("{'id':'2819c223','userName':'a','meta':{'resourceType':'User',"
	                  "'created':'2024-01-01T00:00:00Z'},'groups':[{'value':'g1'}],"
	                  "'password':'Sup3r-secret!','PASSWORD':null,'ID':null}");
	struct scim_err e = {0};
	json_t *out;

	cr_assert_eq(scim_resource_validate(body, U, &out, &e), 0, "%s", e.detail);
	char *s = dump(out);
	cr_assert_str_eq(s, "{\"schemas\":[\"" CORE_U "\"],\"userName\":\"a\"}");
	cr_assert_null(strstr(s, "Sup3r"), "the password was kept");
	free(s);
	json_decref(out);
	json_decref(body);
	valid(U, "{'userName':'a','Password':'x','Groups':[],'Meta':7,'Id':[]}",
	      "{'schemas':['" CORE_U "'],'userName':'a'}");
	/* A Group has no password attribute; one sent is still not kept. */
	valid(G, "{'displayName':'g','PassWord':'x','id':'g1','meta':{}}",
	      "{'schemas':['" CORE_G "'],'displayName':'g'}");
}

/* ---- schemas ---- */

Test(resource, schemas_attribute)
{
	valid(U, "{'userName':'a'}", "{'schemas':['" CORE_U "'],'userName':'a'}");
	valid(U, "{'schemas':['" ENT "','" CORE_U "','" CORE_U "'],'userName':'a'}",
	      "{'schemas':['" CORE_U "'],'userName':'a'}");
	invalid(U, "{'schemas':'" CORE_U "','userName':'a'}", VAL, "schemas must be an array");
	invalid(U, "{'schemas':['" CORE_U "',7],'userName':'a'}", VAL,
	        "schemas[1] must be a string");
	invalid(U, "{'schemas':[],'userName':'a'}", VAL, "schemas must hold " CORE_U);
	invalid(U, "{'schemas':['" ENT "'],'userName':'a'}", VAL, "schemas must hold " CORE_U);
	invalid(U, "{'schemas':['" CORE_U "','" CORE_G "'],'userName':'a'}", VAL,
	        "not a schema of User");
	invalid(G, "{'schemas':['" CORE_U "'],'displayName':'g'}", VAL, "not a schema of Group");
	invalid(G, "{'schemas':['" CORE_G "','" ENT "'],'displayName':'g'}", VAL,
	        "not a schema of Group");
}

/* ---- Required attributes, identifiers, members ---- */

Test(resource, required_attributes)
{
	invalid(U, "{'schemas':['" CORE_U "']}", VAL, "userName is required");
	invalid(U, "{'username':''}", VAL, "userName must not be empty");
	invalid(G, "{'members':[]}", VAL, "displayName is required");
	invalid(G, "{'displayName':''}", VAL, "displayName must not be empty");
	invalid(U, "{'userName':'a','externalId':''}", VAL, "externalId must not be empty");
	/* A User's displayName is not required: empty is allowed. */
	valid(U, "{'userName':'a','displayName':''}",
	      "{'schemas':['" CORE_U "'],'userName':'a','displayName':''}");
}

Test(resource, group_members)
{
	invalid(G, "{'displayName':'g','members':['u1']}", VAL, "members[0] must be an object");
	invalid(G, "{'displayName':'g','members':[{'value':'u1'},{'display':'x'}]}", VAL,
	        "members[1].value is required");
	invalid(G, "{'displayName':'g','members':[{'value':''}]}", VAL,
	        "members[0].value must not be empty");
	invalid(G, "{'displayName':'g','members':[{'value':7}]}", VAL,
	        "members[0].value must be a string");
	invalid(G, "{'displayName':'g','members':[{'value':'a\\u0001'}]}", VAL,
	        "members[0].value must not hold control characters");
	invalid(G, "{'displayName':'g','members':'u1'}", VAL, "members[0] must be an object");

	/* Thousands of members: no value cap (the body size limit bounds them). */
	json_t *body = js("{'displayName':'big'}"), *m = json_array();
	for (int i = 0; i < 5000; i++) {
		char id[32];
		snprintf(id, sizeof(id), "u%d", i);
		json_array_append_new(m, json_pack("{s:s}", "value", id));
	}
	json_object_set_new(body, "members", m);
	struct scim_err e = {0};
	json_t *out;
	cr_assert_eq(scim_resource_validate(body, G, &out, &e), 0, "%s", e.detail);
	cr_assert_eq(json_array_size(json_object_get(out, "members")), 5000);
	json_decref(out);
	json_decref(body);
}

/* body {"userName": "a", attr: string of n bytes of c}. */
static json_t *
with_string(const char *attr, size_t n, char c)
{
	char *s = malloc(n + 1);
	json_t *b;

	cr_assert_not_null(s);
	memset(s, c, n);
	s[n] = '\0';
	b = json_pack("{s:s, s:s}", "userName", "a", attr, s);
	free(s);
	cr_assert_not_null(b);
	return b;
}

Test(resource, length_caps)
{
	struct scim_err e = {0};
	json_t *out, *b;

	const char *ids[] = {"displayName", "externalId"};
	for (size_t i = 0; i < 2; i++) {
		b = with_string(ids[i], 256, 'x');
		cr_assert_eq(scim_resource_validate(b, U, &out, &e), 0, "%s", e.detail);
		json_decref(out);
		json_decref(b);
		invalid_v(U, with_string(ids[i], 257, 'x'), VAL, "is longer than 256 bytes");
	}
	char name[258];
	memset(name, 'n', sizeof(name));
	b = json_pack("{s:s%}", "userName", name, (size_t)256);
	cr_assert_eq(scim_resource_validate(b, U, &out, &e), 0, "%s", e.detail);
	json_decref(out);
	json_decref(b);
	b = json_pack("{s:s%}", "userName", name, (size_t)257);
	invalid_v(U, b, VAL, "userName is longer than 256 bytes");
	/* Any other string: 8 KiB. */
	b = with_string("title", 8192, 't');
	cr_assert_eq(scim_resource_validate(b, U, &out, &e), 0, "%s", e.detail);
	json_decref(out);
	json_decref(b);
	invalid_v(U, with_string("title", 8193, 't'), VAL, "title is longer than 8192 bytes");
}

Test(resource, control_characters_in_identifiers)
{
	invalid(U, "{'userName':'a\\tb'}", VAL, "userName must not hold control characters");
	invalid(U, "{'userName':'a\\u007fb'}", VAL, "control characters");
	invalid(U, "{'userName':'a\\u0085b'}", VAL, "control characters");
	invalid(U, "{'userName':'a','displayName':'x\\ny'}", VAL, "displayName must not hold");
	invalid(U, "{'userName':'a','externalId':'x\\ry'}", VAL, "externalId must not hold");
	invalid(G, "{'displayName':'g\\u001b[31m'}", VAL, "displayName must not hold");
	/* Other strings may hold newlines (a formatted address), but not NUL. */
	valid(U, "{'userName':'a','addresses':[{'formatted':'1 Main St\\nRedmond'}]}",
	      "{'schemas':['" CORE_U "'],'userName':'a','addresses':[{'formatted':'1 Main St\\n"
	      "Redmond'}]}");
	valid(U, "{'userName':'Zoë-名'}", "{'schemas':['" CORE_U "'],'userName':'Zoë-名'}");
	json_t *b = json_pack("{s:s, s:s#}", "userName", "a", "title", "a\0b", (int)3);
	cr_assert_not_null(b);
	invalid_v(U, b, VAL, "title must not hold control characters");
	b = json_pack("{s:s#}", "userName", "a\0b", (int)3);
	invalid_v(U, b, VAL, "userName must not hold control characters");
}

Test(resource, value_count_cap)
{
	json_t *b = js("{'userName':'a'}"), *arr = json_array();
	struct scim_err e = {0};
	json_t *out;

	for (int i = 0; i < 100; i++)
		json_array_append_new(arr, json_pack("{s:s}", "value", "x"));
	json_object_set_new(b, "emails", arr);
	cr_assert_eq(scim_resource_validate(b, U, &out, &e), 0, "%s", e.detail);
	json_decref(out);
	json_array_append_new(arr, json_pack("{s:s}", "value", "y"));
	invalid_v(U, b, VAL, "emails holds more than 100 values");
}

/* {"userName": "a", "x": {"x": ... {}}} with levels nested objects under x. */
static json_t *
nested(int levels)
{
	json_t *b = js("{'userName':'a'}"), *o = b;

	for (int i = 0; i < levels; i++) {
		json_t *n = json_object();
		json_object_set_new(o, "x", n);
		o = n;
	}
	return b;
}

Test(resource, nesting_depth)
{
	struct scim_err e = {0};
	json_t *out, *b = nested(15); /* 16 levels with the body */

	cr_assert_eq(scim_resource_validate(b, U, &out, &e), 0, "%s", e.detail);
	json_decref(out);
	json_decref(b);
	invalid_v(U, nested(16), SYN, "nests deeper than 16 levels");
	invalid_v(U, nested(3000), SYN, "nests deeper than 16 levels");
	/* Arrays count as levels too. */
	invalid(U, "{'userName':'a','x':[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}", SYN, "nests deeper");
	/* Moving an attribute into its extension object must not exceed the limit either. */
	json_t *deep = nested(15), *inner = json_incref(json_object_get(deep, "x"));
	json_object_del(deep, "x");
	json_object_set_new(deep, CUSTOM ":x", inner);
	json_object_set_new(deep, "schemas", json_pack("[s,s]", CORE_U, CUSTOM));
	invalid_v(U, deep, SYN, "nests deeper");
}

Test(resource, bodies_that_are_not_objects)
{
	const char *bodies[] = {"[]", "'x'", "1", "null", "true", "[{'userName':'a'}]"};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		invalid(U, bodies[i], SYN, "must be a JSON object");
		invalid(G, bodies[i], SYN, "must be a JSON object");
	}
}

/* ---- Projection ---- */

#define SERVED                                                                                     \
	"{'schemas':['" CORE_U "','" ENT "','" CUSTOM "'],'id':'2819c223','externalId':'e1',"      \
	"'userName':'bjensen','name':{'givenName':'Barbara','familyName':'Jensen'},"               \
	"'displayName':'Babs','active':true,'password':'never!',"                                  \
	"'emails':[{'value':'b@x','type':'work','primary':true},{'value':'b@home','type':'home'}]" \
	","                                                                                        \
	"'groups':[{'value':'g1','display':'eng'}],"                                               \
	"'" ENT "':{'department':'R&D','employeeNumber':'7','manager':{'value':'m1'}},"            \
	"'" CUSTOM "':{'badge':'42','floor':3},'hobby':'chess',"                                   \
	"'meta':{'resourceType':'User','location':'https://h/scim/v2/Users/2819c223'}}"

#define ALWAYS_U                                                                                   \
	"'schemas':['" CORE_U "','" ENT "','" CUSTOM "'],'id':'2819c223','userName':'bjensen'"

static struct scim_projection *
proj(const struct scim_rtype *rt, const char *attributes, const char *excluded)
{
	struct scim_projection *p = NULL;
	struct scim_err e = {0};

	cr_assert_eq(scim_projection_parse(attributes, excluded, rt, &p, &e), 0, "%s", e.detail);
	cr_assert_not_null(p);
	return p;
}

static void
projects(const struct scim_rtype *rt, const char *resource, const char *attributes,
         const char *excluded, const char *want)
{
	struct scim_projection *p = proj(rt, attributes, excluded);
	json_t *r = js(resource), *w = js(want), *out;
	char *before = dump(r), *after, what[512];

	out = scim_projection_apply(p, r, rt);
	cr_assert_not_null(out);
	snprintf(what, sizeof(what), "attributes=%s excludedAttributes=%s",
	         attributes ? attributes : "-", excluded ? excluded : "-");
	assert_json(out, w, what);
	after = dump(r);
	cr_assert_str_eq(after, before, "the resource was changed");
	json_decref(out);
	json_decref(r);
	json_decref(w);
	free(before);
	free(after);
	scim_projection_free(p);
}

static void
bad_projection(const char *attributes, const char *excluded, const char *fragment)
{
	struct scim_projection *p = (struct scim_projection *)0x1;
	struct scim_err e = {0};

	cr_assert_eq(scim_projection_parse(attributes, excluded, U, &p, &e), -1, "accepted %s / %s",
	             attributes ? attributes : "-", excluded ? excluded : "-");
	cr_assert_null(p);
	cr_assert_eq(e.status, 400);
	cr_assert_str_eq(e.scim_type, SYN);
	cr_assert(strstr(e.detail, fragment), "detail \"%s\" lacks \"%s\"", e.detail, fragment);
}

#define DEFAULT_U                                                                                  \
	"{" ALWAYS_U ",'externalId':'e1','name':{'givenName':'Barbara','familyName':'Jensen'},"    \
	"'displayName':'Babs','active':true,"                                                      \
	"'emails':[{'value':'b@x','type':'work','primary':true},{'value':'b@home','type':'home'}]" \
	","                                                                                        \
	"'groups':[{'value':'g1','display':'eng'}],"                                               \
	"'" ENT "':{'department':'R&D','employeeNumber':'7','manager':{'value':'m1'}},"            \
	"'" CUSTOM "':{'badge':'42','floor':3},'hobby':'chess',"                                   \
	"'meta':{'resourceType':'User','location':'https://h/scim/v2/Users/2819c223'}}"

Test(projection, default_set_never_has_the_password)
{
	projects(U, SERVED, NULL, NULL, DEFAULT_U);
	projects(U, SERVED, "", " ", DEFAULT_U);

	json_t *r = js(SERVED), *out = scim_projection_apply(NULL, r, U), *w = js(DEFAULT_U);
	assert_json(out, w, "NULL projection");
	json_decref(out);
	json_decref(w);
	json_decref(r);
}

Test(projection, attributes)
{
	projects(U, SERVED, "userName", NULL, "{" ALWAYS_U "}");
	projects(U, SERVED, "id", NULL, "{" ALWAYS_U "}");
	projects(U, SERVED, "nosuch,password", NULL, "{" ALWAYS_U "}");
	projects(U, SERVED, " emails , DISPLAYNAME,,", NULL,
	         "{" ALWAYS_U ",'displayName':'Babs','emails':[{'value':'b@x','type':'work',"
	         "'primary':true},{'value':'b@home','type':'home'}]}");
	projects(U, SERVED, "name.givenName,emails.value,meta.location", NULL,
	         "{" ALWAYS_U ",'name':{'givenName':'Barbara'},'emails':[{'value':'b@x'},"
	         "{'value':'b@home'}],'meta':{'location':'https://h/scim/v2/Users/2819c223'}}");
	projects(U, SERVED, "emails.primary", NULL, "{" ALWAYS_U ",'emails':[{'primary':true}]}");
	projects(U, SERVED, "hobby", NULL, "{" ALWAYS_U ",'hobby':'chess'}");
}

Test(projection, urn_qualified_attributes)
{
	projects(U, SERVED, ENT ":department", NULL,
	         "{" ALWAYS_U ",'" ENT "':{'department':'R&D'}}");
	projects(U, SERVED,
	         "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Manager.Value", NULL,
	         "{" ALWAYS_U ",'" ENT "':{'manager':{'value':'m1'}}}");
	projects(U, SERVED, ENT, NULL,
	         "{" ALWAYS_U ",'" ENT "':{'department':'R&D','employeeNumber':'7',"
	         "'manager':{'value':'m1'}}}");
	projects(U, SERVED, CORE_U ":name.givenName", NULL,
	         "{" ALWAYS_U ",'name':{'givenName':'Barbara'}}");
	projects(U, SERVED, CUSTOM ":badge", NULL, "{" ALWAYS_U ",'" CUSTOM "':{'badge':'42'}}");
	projects(U, SERVED, CUSTOM, NULL, "{" ALWAYS_U ",'" CUSTOM "':{'badge':'42','floor':3}}");
	/* An extension attribute named without its URN is an unknown top-level name. */
	projects(U, SERVED, "department", NULL, "{" ALWAYS_U "}");
}

Test(projection, excluded_attributes)
{
	projects(U, SERVED, NULL, "emails,name.familyName,groups,meta,hobby",
	         "{" ALWAYS_U ",'externalId':'e1','name':{'givenName':'Barbara'},"
	         "'displayName':'Babs','active':true,"
	         "'" ENT "':{'department':'R&D','employeeNumber':'7','manager':{'value':'m1'}},"
	         "'" CUSTOM "':{'badge':'42','floor':3}}");
	/* Always-returned ones stay. */
	projects(U, SERVED, NULL, "id,schemas,userName,password", DEFAULT_U);
	projects(
	    U, SERVED, NULL,
	    ENT
	    ",urn:ietf:params:scim:schemas:extension:CustomExtension:2.0:User:floor,"
	    "name.givenName,name.familyName,emails.type,emails.primary,displayName,active,groups,"
	    "meta,hobby,externalId",
	    "{" ALWAYS_U ",'emails':[{'value':'b@x'},{'value':'b@home'}],"
	    "'" CUSTOM "':{'badge':'42'}}");
	projects(U, SERVED, NULL, ENT ":manager,ENT", /* "ENT" is just an unknown name */
	         "{" ALWAYS_U
	         ",'externalId':'e1','name':{'givenName':'Barbara','familyName':'Jensen'},"
	         "'displayName':'Babs','active':true,"
	         "'emails':[{'value':'b@x','type':'work','primary':true},{'value':'b@home','type':'"
	         "home'}],"
	         "'groups':[{'value':'g1','display':'eng'}],"
	         "'" ENT "':{'department':'R&D','employeeNumber':'7'},"
	         "'" CUSTOM "':{'badge':'42','floor':3},'hobby':'chess',"
	         "'meta':{'resourceType':'User','location':'https://h/scim/v2/Users/2819c223'}}");
}

#define GROUP_SERVED                                                                               \
	"{'schemas':['" CORE_G "'],'id':'g1','displayName':'eng','members':[{'value':'u1',"        \
	"'display':'Alice','$ref':'https://h/scim/v2/Users/u1'},{'value':'u2'}],"                  \
	"'meta':{'resourceType':'Group'}}"

Test(projection, group_members)
{
	struct scim_projection *p;

	projects(G, GROUP_SERVED, NULL, "members",
	         "{'schemas':['" CORE_G
	         "'],'id':'g1','displayName':'eng','meta':{'resourceType':'Group'}}");
	projects(G, GROUP_SERVED, "members.value", NULL,
	         "{'schemas':['" CORE_G "'],'id':'g1','members':[{'value':'u1'},{'value':'u2'}]}");
	projects(G, GROUP_SERVED, "displayName", NULL,
	         "{'schemas':['" CORE_G "'],'id':'g1','displayName':'eng'}");
	projects(G, GROUP_SERVED, NULL, "members.display,members.$ref",
	         "{'schemas':['" CORE_G
	         "'],'id':'g1','displayName':'eng','members':[{'value':'u1'},"
	         "{'value':'u2'}],'meta':{'resourceType':'Group'}}");

	/* wants(): whether the HTTP layer must load the members at all. */
	p = proj(G, NULL, "members");
	cr_assert_not(scim_projection_wants(p, "members"));
	cr_assert_not(scim_projection_wants(p, "MEMBERS"));
	cr_assert(scim_projection_wants(p, "displayName"));
	cr_assert(scim_projection_wants(p, "id"));
	scim_projection_free(p);
	p = proj(G, "id", NULL);
	cr_assert_not(scim_projection_wants(p, "members"));
	cr_assert(scim_projection_wants(p, "id"));
	cr_assert(scim_projection_wants(p, "schemas"));
	cr_assert_not(scim_projection_wants(p, "displayName"));
	scim_projection_free(p);
	p = proj(G, "Members.Value", NULL);
	cr_assert(scim_projection_wants(p, "members"));
	scim_projection_free(p);
	p = proj(G, NULL, "members.display");
	cr_assert(scim_projection_wants(p, "members"));
	scim_projection_free(p);
	p = proj(G, NULL, NULL);
	cr_assert(scim_projection_wants(p, "members"));
	scim_projection_free(p);
	cr_assert(scim_projection_wants(NULL, "members"));
}

Test(projection, wants_for_users)
{
	struct scim_projection *p = proj(U, NULL, NULL);

	cr_assert_not(scim_projection_wants(p, "password"));
	cr_assert(scim_projection_wants(p, "groups"));
	cr_assert(scim_projection_wants(p, ENT));
	scim_projection_free(p);
	p = proj(U, "userName," ENT ":manager", NULL);
	cr_assert_not(scim_projection_wants(p, "groups"));
	cr_assert(scim_projection_wants(p, ENT));
	cr_assert(scim_projection_wants(p, "username"));
	cr_assert_not(scim_projection_wants(p, "password"));
	scim_projection_free(p);
	p = proj(U, "password", NULL);
	cr_assert_not(scim_projection_wants(p, "password"));
	scim_projection_free(p);
	p = proj(U, NULL, "groups," ENT);
	cr_assert_not(scim_projection_wants(p, "groups"));
	cr_assert_not(scim_projection_wants(p, ENT));
	cr_assert(scim_projection_wants(p, "userName"));
	scim_projection_free(p);
	p = proj(U, NULL, "userName,id");
	cr_assert(scim_projection_wants(p, "userName"));
	cr_assert(scim_projection_wants(p, "id"));
	scim_projection_free(p);
}

Test(projection, bad_lists)
{
	char many[2000] = "", *longname;

	bad_projection("userName", "emails", "cannot both be given");
	bad_projection("emails[type eq \"work\"]", NULL, "is not an attribute name");
	bad_projection("name.givenName.x", NULL, "is not an attribute name");
	bad_projection("name.", NULL, "is not an attribute name");
	bad_projection(".name", NULL, "is not an attribute name");
	bad_projection("user name", NULL, "is not an attribute name");
	bad_projection(NULL, "members,\"x\"", "is not an attribute name");
	bad_projection(ENT ":", NULL, "is not an attribute name");
	bad_projection("urn:x y", NULL, "is not an attribute name");
	for (int i = 0; i < 101; i++)
		strcat(many, "a,");
	bad_projection(many, NULL, "more than 100 attribute names");
	longname = malloc(600);
	memset(longname, 'a', 599);
	longname[599] = '\0';
	bad_projection(longname, NULL, "longer than 512 bytes");
	free(longname);
	/* 100 names, empty items and a blank excludedAttributes are fine. */
	many[200] = '\0';
	struct scim_projection *p = proj(U, many, "  ");
	scim_projection_free(p);
	p = proj(U, " , ,", "members");
	cr_assert_not(scim_projection_wants(p, "members"));
	scim_projection_free(p);
}

Test(projection, odd_resources)
{
	struct scim_projection *p = proj(U, "emails.value,name.givenName", NULL);
	json_t *r = js("{'id':'x','emails':['a@x',['b'],{'type':'work'}],'name':'Bob'}");
	json_t *out = scim_projection_apply(p, r, U), *w = js("{'id':'x'}");

	assert_json(out, w, "values without the sub-attributes asked for");
	json_decref(out);
	json_decref(w);
	json_decref(r);
	r = js("[1,2]");
	out = scim_projection_apply(p, r, U);
	assert_json(out, r, "a non-object");
	json_decref(out);
	json_decref(r);
	scim_projection_free(p);
	cr_assert_null(scim_projection_free(NULL));
}
