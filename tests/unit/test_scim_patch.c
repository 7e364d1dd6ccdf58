/* SPDX-License-Identifier: MIT */
/*
 * SCIM PATCH (scim_patch.c): the PatchOp body, add / replace / remove on
 * single, complex, multi-valued and extension attributes, value filters,
 * mutability, type checks, and the shapes Entra ID and Okta really send,
 * including Group members routed to hooks instead of the JSON. Each result
 * is compared with the exact JSON expected.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "syncd/scim_patch.h"

static const struct scim_limits lim = {.filter_max_length = 4096, .filter_max_depth = 16};

/* Test JSON is written with ' for " (and \\' for \" inside strings). */
static json_t *
parse(const char *text)
{
	char *s = strdup(text);
	json_error_t err;
	json_t *j;

	cr_assert_not_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	cr_assert_not_null(j, "bad test JSON (%s): %s", err.text, s);
	free(s);
	return j;
}

static char *
dump(json_t *j)
{
	return json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
}

static int
apply_body(const struct scim_rtype *rt, json_t *res, json_t *body,
	   const struct scim_patch_hooks *h, struct scim_err *e)
{
	int rc;

	memset(e, 0, sizeof(*e));
	rc = scim_patch_apply(res, body, rt, &lim, h, e);
	if (rc == 0)
		cr_assert_eq(e->status, 0, "success with an error filled: %s", e->detail);
	else
		cr_assert_neq(e->status, 0, "failure without an error");
	return rc;
}

/* Applies the Operations array ops to a resource; *out gets the resource. */
static int
run(const struct scim_rtype *rt, const char *res, const char *ops,
    const struct scim_patch_hooks *h, json_t **out, struct scim_err *e)
{
	json_t *r = parse(res), *body;
	int rc;

	body = json_pack("{s[s]so}", "schemas", SCIM_URN_PATCH, "Operations", parse(ops));
	cr_assert_not_null(body);
	rc = apply_body(rt, r, body, h, e);
	json_decref(body);
	*out = r;
	return rc;
}

static void
same_json(json_t *got, const char *want_text)
{
	json_t *want = parse(want_text);
	char *g = dump(got), *w = dump(want);

	cr_assert(json_equal(got, want), "got\n  %s\nwant\n  %s", g, w);
	free(g);
	free(w);
	json_decref(want);
}

static void
expect_h(const struct scim_rtype *rt, const char *res, const char *ops,
	 const struct scim_patch_hooks *h, const char *want)
{
	struct scim_err e;
	json_t *r;

	cr_assert_eq(run(rt, res, ops, h, &r, &e), 0, "refused: %d %s: %s", e.status,
		     e.scim_type ? e.scim_type : "-", e.detail);
	same_json(r, want);
	json_decref(r);
}

static void
expect(const struct scim_rtype *rt, const char *res, const char *ops, const char *want)
{
	expect_h(rt, res, ops, NULL, want);
}

/* Expects 400 scim_type; returns nothing, checks the detail mentions what (when not NULL). */
static void
refuse_h(const struct scim_rtype *rt, const char *res, const char *ops,
	 const struct scim_patch_hooks *h, const char *scim_type, const char *what)
{
	struct scim_err e;
	json_t *r;

	cr_assert_eq(run(rt, res, ops, h, &r, &e), -1, "accepted: %s", ops);
	cr_assert_eq(e.status, 400, "status %d (%s) for %s", e.status, e.detail, ops);
	cr_assert_not_null(e.scim_type, "no scimType: %s", e.detail);
	cr_assert_str_eq(e.scim_type, scim_type, "%s for %s (%s)", e.scim_type, ops, e.detail);
	if (what)
		cr_assert_not_null(strstr(e.detail, what), "detail \"%s\" lacks \"%s\"", e.detail,
				   what);
	json_decref(r);
}

static void
refuse(const struct scim_rtype *rt, const char *res, const char *ops, const char *scim_type)
{
	refuse_h(rt, res, ops, NULL, scim_type, NULL);
}

#define U (&scim_rtype_user)
#define G (&scim_rtype_group)

/* A stored user: client-writable attributes only. */
#define ALICE_HEAD                                                                              \
	"'schemas':['urn:ietf:params:scim:schemas:core:2.0:User'],"                             \
	"'userName':'alice@example.com','displayName':'Alice','active':true"
#define ALICE_NAME "'name':{'givenName':'Alice','familyName':'Liddell'}"
#define ALICE_EMAILS                                                                            \
	"{'value':'alice@example.com','type':'work','primary':true},"                           \
	"{'value':'alice@home.example','type':'home'}"
#define ALICE "{" ALICE_HEAD "," ALICE_NAME ",'emails':[" ALICE_EMAILS "]}"
/* Alice with her emails replaced by the array text e. */
#define ALICE_E(e) "{" ALICE_HEAD "," ALICE_NAME ",'emails':[" e "]}"
#define ALICE_WITH_ENT                                                                          \
	"{" ALICE_HEAD "," ALICE_NAME ",'emails':[" ALICE_EMAILS "],'title':'CEO',"             \
	"'" ENT "':{'department':'Sales'}}"
#define ENT        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define BOB        "{'userName':'bob'}"
#define GROUP_URN  "'schemas':['urn:ietf:params:scim:schemas:core:2.0:Group']"
#define TEAM       "{" GROUP_URN ",'displayName':'Team'}"

/* ---- the fake membership store: records each hook call ---- */

struct rec {
	char log[4096];
	const char *fail_value; /* add/remove of this value fails */
	bool fail_silently;     /* ... returning -1 without filling e */
	json_t *members;        /* what remove_where evaluates its filter on */
};

static void
rec_log(struct rec *r, const char *fmt, ...)
{
	size_t n = strlen(r->log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->log + n, sizeof(r->log) - n, fmt, ap);
	va_end(ap);
}

static int
rec_fail(struct rec *r, const char *value, struct scim_err *e)
{
	if (!r->fail_value || strcmp(r->fail_value, value) != 0)
		return 0;
	if (r->fail_silently)
		return -1;
	return scim_fail(e, 404, NULL, "no such member %s", value);
}

static int
h_add(void *ctx, const char *value, json_t *member, struct scim_err *e)
{
	struct rec *r = ctx;

	cr_assert(json_is_object(member));
	cr_assert_str_eq(json_string_value(json_object_get(member, "value")), value);
	rec_log(r, "add %s;", value);
	return rec_fail(r, value, e);
}

static int
h_remove(void *ctx, const char *value, struct scim_err *e)
{
	struct rec *r = ctx;

	rec_log(r, "remove %s;", value);
	return rec_fail(r, value, e);
}

static int
h_remove_where(void *ctx, const struct scim_filter *f, struct scim_err *e)
{
	const struct scim_attr *members = scim_schema_find(G, NULL, "members", NULL);
	struct rec *r = ctx;
	json_t *m;
	size_t i;

	cr_assert_not_null(f);
	rec_log(r, "where");
	json_array_foreach (r->members, i, m)
		if (scim_filter_match_value(f, m, members))
			rec_log(r, " %s", json_string_value(json_object_get(m, "value")));
	rec_log(r, ";");
	return 0;
}

static int
h_clear(void *ctx, struct scim_err *e)
{
	rec_log(ctx, "clear;");
	return 0;
}

static struct rec rec;
static struct scim_patch_hooks hooks = {.attr = "members",
					.add = h_add,
					.remove = h_remove,
					.remove_where = h_remove_where,
					.clear = h_clear,
					.ctx = &rec};

static void
rec_setup(void)
{
	memset(&rec, 0, sizeof(rec));
	rec.members = parse("[{'value':'u1','display':'Ann','type':'User'},"
			    "{'value':'u2','display':'Ben','type':'User'},"
			    "{'value':'g1','display':'Ops','type':'Group'}]");
}

static void
rec_teardown(void)
{
	json_decref(rec.members);
}

/* A group patched through the hooks: the JSON must come out as want, the hooks log as log. */
static void
group_ok(const char *res, const char *ops, const char *want, const char *log)
{
	expect_h(G, res, ops, &hooks, want);
	cr_assert_str_eq(rec.log, log, "hooks: %s", ops);
}

/* ---- the body ---- */

Test(scim_patch, body_shape_is_checked)
{
	static const char *bad[] = {
		"[]",
		"{'Operations':[{'op':'add','path':'title','value':'x'}]}",
		"{'schemas':'urn:ietf:params:scim:api:messages:2.0:PatchOp',"
		"'Operations':[{'op':'add','path':'title','value':'x'}]}",
		"{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User'],"
		"'Operations':[{'op':'add','path':'title','value':'x'}]}",
		"{'schemas':['urn:ietf:params:scim:api:messages:2.0:PatchOp']}",
		"{'schemas':['urn:ietf:params:scim:api:messages:2.0:PatchOp'],'Operations':[]}",
		"{'schemas':['urn:ietf:params:scim:api:messages:2.0:PatchOp'],'Operations':{}}",
		"{'schemas':['urn:ietf:params:scim:api:messages:2.0:PatchOp'],'Operations':[1]}",
		"{'schemas':['urn:ietf:params:scim:api:messages:2.0:PatchOp'],'Operations':[{}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *res = parse(ALICE), *body = parse(bad[i]);
		struct scim_err e;
		cr_assert_eq(apply_body(U, res, body, NULL, &e), -1, "accepted %s", bad[i]);
		cr_assert_eq(e.status, 400);
		cr_assert_str_eq(e.scim_type, SCIM_ERR_INVALID_SYNTAX, "%s: %s", bad[i], e.detail);
		json_decref(res);
		json_decref(body);
	}
}

Test(scim_patch, body_keys_and_urn_in_any_case)
{
	json_t *res = parse(BOB), *body;
	struct scim_err e;

	body = parse("{'SCHEMAS':['URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP'],"
		     "'operations':[{'OP':'Add','Path':'title','Value':'Boss'}]}");
	cr_assert_eq(apply_body(U, res, body, NULL, &e), 0, "%s", e.detail);
	same_json(res, "{'userName':'bob','title':'Boss'}");
	json_decref(res);
	json_decref(body);
}

Test(scim_patch, op_names_in_any_case)
{
	expect(U, BOB,
	       "[{'op':'Add','path':'title','value':'a'},{'op':'REPLACE','path':'nickName',"
	       "'value':'b'},{'op':'rEmOvE','path':'title'},{'op':'replace','path':'locale',"
	       "'value':'en'}]",
	       "{'userName':'bob','nickName':'b','locale':'en'}");
}

Test(scim_patch, bad_operations)
{
	refuse(U, BOB, "[{'op':'move','path':'title','value':'x'}]", SCIM_ERR_INVALID_SYNTAX);
	refuse(U, BOB, "[{'op':1,'path':'title','value':'x'}]", SCIM_ERR_INVALID_SYNTAX);
	refuse(U, BOB, "[{'path':'title','value':'x'}]", SCIM_ERR_INVALID_SYNTAX);
	refuse(U, BOB, "[{'op':'add','path':'title'}]", SCIM_ERR_INVALID_SYNTAX);
	refuse(U, BOB, "[{'op':'replace','path':'title'}]", SCIM_ERR_INVALID_SYNTAX);
	refuse(U, BOB, "[{'op':'add','value':'x'}]", SCIM_ERR_INVALID_SYNTAX);
	refuse(U, BOB, "[{'op':'add','path':7,'value':'x'}]", SCIM_ERR_INVALID_PATH);
	refuse(U, BOB, "[{'op':'add','path':'emails[type eq','value':'x'}]", SCIM_ERR_INVALID_PATH);
	refuse(U, BOB, "[{'op':'add','path':'urn:example:nope:x','value':'x'}]",
	       SCIM_ERR_INVALID_PATH);
	refuse(U, BOB, "[{'op':'add','path':'name.nickname','value':'x'}]", SCIM_ERR_INVALID_PATH);
	refuse(U, BOB, "[{'op':'add','path':'title.x','value':'x'}]", SCIM_ERR_INVALID_PATH);
	refuse(U, BOB, "[{'op':'add','path':'title[value eq 1]','value':'x'}]",
	       SCIM_ERR_INVALID_PATH);
}

Test(scim_patch, error_names_the_operation)
{
	refuse_h(U, BOB,
		 "[{'op':'add','path':'title','value':'x'},{'op':'add','path':'active',"
		 "'value':'maybe'}]",
		 NULL, SCIM_ERR_INVALID_VALUE, "operation 2: active");
}

Test(scim_patch, operation_limit)
{
	json_t *ops = json_array(), *body, *res;
	struct scim_err e;

	for (int i = 0; i < 1000; i++)
		json_array_append_new(ops, json_pack("{sssss[{ss}]}", "op", "add", "path",
						     "emails", "value", "value", "x@example.com"));
	body = json_pack("{s[s]sO}", "schemas", SCIM_URN_PATCH, "Operations", ops);
	res = parse(BOB);
	cr_assert_eq(apply_body(U, res, body, NULL, &e), 0, "%s", e.detail);
	same_json(res, "{'userName':'bob','emails':[{'value':'x@example.com'}]}");
	json_decref(body);
	json_array_append_new(ops, json_pack("{ssss}", "op", "remove", "path", "emails"));
	body = json_pack("{s[s]so}", "schemas", SCIM_URN_PATCH, "Operations", ops);
	cr_assert_eq(apply_body(U, res, body, NULL, &e), -1);
	cr_assert_str_eq(e.scim_type, SCIM_ERR_INVALID_SYNTAX);
	cr_assert_not_null(strstr(e.detail, "1000"), "%s", e.detail);
	cr_assert_not_null(json_object_get(res, "emails"), "applied a refused PATCH");
	json_decref(body);
	json_decref(res);
}

/* ---- add ---- */

Test(scim_patch, add_single_valued_sets)
{
	expect(U, BOB, "[{'op':'add','path':'title','value':'Boss'}]",
	       "{'userName':'bob','title':'Boss'}");
	expect(U, "{'userName':'bob','title':'Old'}", "[{'op':'add','path':'title','value':'New'}]",
	       "{'userName':'bob','title':'New'}");
}

Test(scim_patch, add_multi_valued_appends_without_duplicates)
{
	/* the same value twice, and a value already there by "value" (emails are not caseExact) */
	expect(U, ALICE,
	       "[{'op':'add','path':'emails','value':[{'value':'a2@example.com','type':'other'},"
	       "{'value':'ALICE@EXAMPLE.COM','type':'work'},{'value':'a2@example.com'}]}]",
	       ALICE_E(ALICE_EMAILS ",{'value':'a2@example.com','type':'other'}"));
	/* one value instead of an array */
	expect(U, BOB, "[{'op':'add','path':'emails','value':{'value':'b@example.com'}}]",
	       "{'userName':'bob','emails':[{'value':'b@example.com'}]}");
	/* repeats inside the first add too */
	expect(U, BOB,
	       "[{'op':'add','path':'emails','value':[{'value':'b@x'},{'value':'b@x'}]},"
	       "{'op':'add','path':'emails','value':[{'value':'b@x'}]}]",
	       "{'userName':'bob','emails':[{'value':'b@x'}]}");
	/* nothing to add */
	expect(U, BOB, "[{'op':'add','path':'emails','value':[]}]", BOB);
}

Test(scim_patch, add_primary_value_demotes_the_others)
{
	expect(U, ALICE,
	       "[{'op':'add','path':'emails',"
	       "'value':[{'value':'new@example.com','primary':'True'}]}]",
	       ALICE_E("{'value':'alice@example.com','type':'work','primary':false},"
		       "{'value':'alice@home.example','type':'home'},"
		       "{'value':'new@example.com','primary':true}"));
}

Test(scim_patch, add_complex_merges_sub_attributes)
{
	expect(U, "{'userName':'bob','name':{'givenName':'Bob'}}",
	       "[{'op':'add','path':'name','value':{'middleName':'P','GIVENNAME':'Robert'}}]",
	       "{'userName':'bob','name':{'givenName':'Robert','middleName':'P'}}");
	expect(U, BOB, "[{'op':'add','path':'name.familyName','value':'Builder'}]",
	       "{'userName':'bob','name':{'familyName':'Builder'}}");
}

Test(scim_patch, add_without_path_takes_each_key_as_a_path)
{
	expect(U, BOB,
	       "[{'op':'add','value':{'title':'Boss','name.givenName':'Bob',"
	       "'" ENT ":department':'Eng','" ENT "':{'costCenter':'42','manager':'m1'},"
	       "'emails':[{'value':'b@x','type':'work'}]}}]",
	       "{'userName':'bob','title':'Boss','name':{'givenName':'Bob'},"
	       "'" ENT "':{'department':'Eng','costCenter':'42','manager':{'value':'m1'}},"
	       "'emails':[{'value':'b@x','type':'work'}]}");
	/* the core URN's object, and URN-qualified core names */
	expect(U, BOB,
	       "[{'op':'add','value':{'urn:ietf:params:scim:schemas:core:2.0:User':{'title':'T'},"
	       "'urn:ietf:params:scim:schemas:core:2.0:User:nickName':'N'}}]",
	       "{'userName':'bob','title':'T','nickName':'N'}");
	refuse(U, BOB, "[{'op':'add','value':'x'}]", SCIM_ERR_INVALID_SYNTAX);
	refuse(U, BOB, "[{'op':'add','value':{'" ENT "':'x'}}]", SCIM_ERR_INVALID_VALUE);
	refuse(U, BOB, "[{'op':'add','value':{'not a path':'x'}}]", SCIM_ERR_INVALID_PATH);
}

Test(scim_patch, extension_object_and_schemas_entry_created)
{
	expect(U, "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User'],'userName':'bob'}",
	       "[{'op':'add','path':'" ENT ":employeeNumber','value':'701'}]",
	       "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User','" ENT "'],"
	       "'userName':'bob','" ENT "':{'employeeNumber':'701'}}");
	/* the URN is not repeated, in any case; no "schemas" is not created */
	expect(U,
	       "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User',"
	       "'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER'],'userName':'bob'}",
	       "[{'op':'add','path':'" ENT ":division','value':'D'}]",
	       "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User',"
	       "'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER'],'userName':'bob',"
	       "'" ENT "':{'division':'D'}}");
	expect(U, BOB, "[{'op':'add','path':'" ENT ":division','value':'D'}]",
	       "{'userName':'bob','" ENT "':{'division':'D'}}");
	/* removing its last attribute removes the object and the URN */
	expect(U,
	       "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User','" ENT "'],"
	       "'userName':'bob','" ENT "':{'division':'D'}}",
	       "[{'op':'remove','path':'" ENT ":division'}]",
	       "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User'],'userName':'bob'}");
}

/* ---- replace ---- */

Test(scim_patch, replace_single_and_null)
{
	expect(U, "{'userName':'bob','title':'Old'}",
	       "[{'op':'replace','path':'title','value':'New'}]",
	       "{'userName':'bob','title':'New'}");
	expect(U, "{'userName':'bob','title':'Old'}",
	       "[{'op':'replace','path':'title','value':null}]", BOB);
	expect(U, BOB, "[{'op':'replace','path':'title','value':'T'}]",
	       "{'userName':'bob','title':'T'}");
}

Test(scim_patch, replace_multi_valued_replaces_all)
{
	expect(U, ALICE, "[{'op':'replace','path':'emails','value':[{'value':'only@x'}]}]",
	       ALICE_E("{'value':'only@x'}"));
	expect(U, ALICE, "[{'op':'replace','path':'emails','value':[]}]",
	       "{" ALICE_HEAD "," ALICE_NAME "}");
	expect(U, ALICE, "[{'op':'replace','path':'emails','value':{'value':'one@x'}}]",
	       ALICE_E("{'value':'one@x'}"));
}

Test(scim_patch, replace_complex_merges)
{
	/* RFC 7644 §3.5.2.3: sub-attributes not in the value are left unchanged; null removes */
	expect(U,
	       "{'userName':'bob','name':{'givenName':'Bob','familyName':'B','formatted':'Bob B'}}",
	       "[{'op':'replace','path':'name','value':{'givenName':'Rob','formatted':null}}]",
	       "{'userName':'bob','name':{'givenName':'Rob','familyName':'B'}}");
	expect(U, "{'userName':'bob','name':{'givenName':'Bob'}}",
	       "[{'op':'replace','path':'name.givenName','value':'Rob'}]",
	       "{'userName':'bob','name':{'givenName':'Rob'}}");
	expect(U, "{'userName':'bob','name':{'givenName':'Bob'}}",
	       "[{'op':'replace','path':'name.givenName','value':null}]", BOB);
	refuse(U, BOB, "[{'op':'replace','path':'name','value':'Bob'}]", SCIM_ERR_INVALID_VALUE);
}

Test(scim_patch, replace_filter_merges_into_each_match)
{
	expect(U, ALICE,
	       "[{'op':'replace','path':'emails[type eq \\'work\\']','value':{'value':'w@x',"
	       "'display':'W'}}]",
	       ALICE_E("{'value':'w@x','type':'work','primary':true,'display':'W'},"
		       "{'value':'alice@home.example','type':'home'}"));
	expect(U, ALICE,
	       "[{'op':'replace','path':'emails[type eq \\'work\\' or type eq \\'home\\'].display',"
	       "'value':'D'}]",
	       ALICE_E("{'value':'alice@example.com','type':'work','primary':true,'display':'D'},"
		       "{'value':'alice@home.example','type':'home','display':'D'}"));
	/* the filter compares case-insensitively (type is not caseExact), names too */
	expect(U, ALICE,
	       "[{'op':'replace','path':'EMAILS[TYPE eq \\'HOME\\'].VALUE','value':'h@x'}]",
	       ALICE_E("{'value':'alice@example.com','type':'work','primary':true},"
		       "{'value':'h@x','type':'home'}"));
	/* primary moved to the match */
	expect(U, ALICE,
	       "[{'op':'replace','path':'emails[type eq \\'home\\'].primary','value':true}]",
	       ALICE_E("{'value':'alice@example.com','type':'work','primary':false},"
		       "{'value':'alice@home.example','type':'home','primary':true}"));
	refuse(U, ALICE, "[{'op':'replace','path':'emails[type eq \\'work\\']','value':'x@y'}]",
	       SCIM_ERR_INVALID_VALUE);
}

Test(scim_patch, replace_filter_without_match_adds_a_value)
{
	/* Entra: the work email of a user who has none */
	expect(U, BOB,
	       "[{'op':'replace','path':'emails[type eq \\'work\\'].value','value':'bob@x'}]",
	       "{'userName':'bob','emails':[{'type':'work','value':'bob@x'}]}");
	expect(U, "{'userName':'bob','emails':[{'value':'h@x','type':'home'}]}",
	       "[{'op':'Add','path':'emails[type eq \\'work\\'].value','value':'bob@x'}]",
	       "{'userName':'bob','emails':[{'value':'h@x','type':'home'},"
	       "{'type':'work','value':'bob@x'}]}");
	/* an object value, and and-ed terms; the filter's spelling is the schema's */
	expect(U, BOB,
	       "[{'op':'replace','path':'addresses[Type eq \\'work\\' and primary eq true]',"
	       "'value':{'locality':'Oslo'}}]",
	       "{'userName':'bob','addresses':[{'type':'work','primary':true,'locality':'Oslo'}]}");
	expect(U, BOB,
	       "[{'op':'replace','path':'phoneNumbers[type eq \\'mobile\\'].value','value':null}]",
	       BOB);
	/* no value can be made from other filters */
	refuse_h(U, BOB,
		 "[{'op':'replace','path':'emails[type ne \\'work\\'].value','value':'b@x'}]", NULL,
		 SCIM_ERR_NO_TARGET, "emails[type ne");
	refuse(U, BOB, "[{'op':'replace','path':'emails[type eq \\'a\\' or type eq \\'b\\']',"
		       "'value':{'value':'b@x'}}]",
	       SCIM_ERR_NO_TARGET);
	refuse(U, BOB, "[{'op':'replace','path':'emails[value co \\'x\\'].type','value':'work'}]",
	       SCIM_ERR_NO_TARGET);
}

Test(scim_patch, replace_without_path)
{
	/* Okta deactivation */
	expect(U, ALICE, "[{'op':'replace','value':{'active':false}}]",
	       "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User'],"
	       "'userName':'alice@example.com','displayName':'Alice','active':false," ALICE_NAME
	       ",'emails':[" ALICE_EMAILS "]}");
	/* Entra with the 2020 flag: lowercase ops, dotted, URN-qualified and filtered keys */
	expect(U, ALICE,
	       "[{'op':'replace','value':{'active':'False','name.givenName':'A',"
	       "'" ENT ":department':'X','emails[type eq \\'work\\'].value':'a@b',"
	       "'phoneNumbers[type eq \\'mobile\\'].value':'+47 1'}}]",
	       "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User','" ENT "'],"
	       "'userName':'alice@example.com','displayName':'Alice','active':false,"
	       "'name':{'givenName':'A','familyName':'Liddell'},"
	       "'emails':[{'value':'a@b','type':'work','primary':true},"
	       "{'value':'alice@home.example','type':'home'}],"
	       "'phoneNumbers':[{'type':'mobile','value':'+47 1'}],"
	       "'" ENT "':{'department':'X'}}");
	/* a multi-valued attribute's values all replaced */
	expect(U, ALICE, "[{'op':'replace','value':{'emails':[{'value':'z@x'}]}}]",
	       ALICE_E("{'value':'z@x'}"));
	refuse(U, BOB, "[{'op':'replace','value':[{'title':'x'}]}]", SCIM_ERR_INVALID_SYNTAX);
}

Test(scim_patch, echoed_server_attributes_ignored_without_path)
{
	/* Okta's group rename carries the id; clients echo schemas and meta */
	expect(G, TEAM,
	       "[{'op':'replace','value':{'id':'6c5bb468-14b2-4183-baf2-06d523e03bd3',"
	       "'displayName':'Renamed','schemas':['x'],'meta':{'resourceType':'Group'}}}]",
	       "{" GROUP_URN ",'displayName':'Renamed'}");
	expect(U, BOB, "[{'op':'add','value':{'ID':'x','groups':[{'value':'g'}],'title':'T'}}]",
	       "{'userName':'bob','title':'T'}");
}

#define OP_ACTIVE "[{'op':'Replace','path':'active','value':'%s'}]"

Test(scim_patch, booleans_sent_as_strings)
{
	static const char *yes[] = {"True", "true", "TRUE"}, *no[] = {"False", "false", "fAlSe"};
	char ops[128];

	for (int i = 0; i < 3; i++) {
		snprintf(ops, sizeof(ops), OP_ACTIVE, no[i]);
		expect(U, "{'userName':'bob','active':true}", ops,
		       "{'userName':'bob','active':false}");
		snprintf(ops, sizeof(ops), OP_ACTIVE, yes[i]);
		expect(U, "{'userName':'bob','active':false}", ops,
		       "{'userName':'bob','active':true}");
	}
	expect(U, BOB, "[{'op':'add','path':'emails','value':[{'value':'b@x','primary':'True'}]}]",
	       "{'userName':'bob','emails':[{'value':'b@x','primary':true}]}");
	refuse(U, BOB, "[{'op':'replace','path':'active','value':'yes'}]", SCIM_ERR_INVALID_VALUE);
	refuse(U, BOB, "[{'op':'replace','path':'active','value':1}]", SCIM_ERR_INVALID_VALUE);
	refuse(U, BOB, "[{'op':'replace','path':'active','value':[true]}]", SCIM_ERR_INVALID_VALUE);
}

Test(scim_patch, type_mismatches_refused)
{
	refuse(U, BOB, "[{'op':'replace','path':'userName','value':5}]", SCIM_ERR_INVALID_VALUE);
	refuse(U, BOB, "[{'op':'replace','path':'userName','value':{'a':1}}]",
	       SCIM_ERR_INVALID_VALUE);
	refuse(U, BOB, "[{'op':'add','path':'emails','value':[{'value':5}]}]",
	       SCIM_ERR_INVALID_VALUE);
	refuse(U, BOB, "[{'op':'add','path':'emails','value':['b@x']}]", SCIM_ERR_INVALID_VALUE);
	refuse(U, BOB, "[{'op':'add','path':'emails','value':[[{'value':'b@x'}]]}]",
	       SCIM_ERR_INVALID_VALUE);
	refuse(U, BOB, "[{'op':'add','path':'name.givenName','value':true}]",
	       SCIM_ERR_INVALID_VALUE);
	refuse(U, BOB, "[{'op':'add','value':{'" ENT ":department':['x']}}]",
	       SCIM_ERR_INVALID_VALUE);
	/* attributes the schema does not know are kept as sent */
	expect(U, BOB, "[{'op':'add','path':'xTra','value':{'any':[1,true]}}]",
	       "{'userName':'bob','xTra':{'any':[1,true]}}");
}

Test(scim_patch, entra_manager_as_an_id_string)
{
	expect(U, BOB,
	       "[{'op':'Replace','path':'" ENT ":manager',"
	       "'value':'26118915-6090-4610-87e4-49d8ca9f808d'}]",
	       "{'userName':'bob',"
	       "'" ENT "':{'manager':{'value':'26118915-6090-4610-87e4-49d8ca9f808d'}}}");
	/* a new manager replaces the old one whole */
	expect(U, "{'userName':'bob','" ENT "':{'manager':{'value':'old','$ref':'../Users/old'},"
		  "'department':'D'}}",
	       "[{'op':'Replace','path':'" ENT ":manager','value':'new'}]",
	       "{'userName':'bob','" ENT "':{'manager':{'value':'new'},'department':'D'}}");
	expect(U, "{'userName':'bob','" ENT "':{'manager':{'value':'old'},'department':'D'}}",
	       "[{'op':'Remove','path':'" ENT ":manager'}]",
	       "{'userName':'bob','" ENT "':{'department':'D'}}");
	expect(U, "{'userName':'bob','" ENT "':{'manager':{'value':'old'}}}",
	       "[{'op':'Remove','path':'" ENT ":manager','value':[{'value':'old'}]}]", BOB);
	/* displayName is the server's: dropped from a value, refused as a path */
	expect(U, BOB,
	       "[{'op':'add','path':'" ENT ":manager','value':{'value':'m','displayName':'M'}}]",
	       "{'userName':'bob','" ENT "':{'manager':{'value':'m'}}}");
	refuse(U, BOB, "[{'op':'add','path':'" ENT ":manager.displayName','value':'M'}]",
	       SCIM_ERR_MUTABILITY);
}

/* ---- remove ---- */

Test(scim_patch, remove_needs_a_path)
{
	refuse(U, ALICE, "[{'op':'remove'}]", SCIM_ERR_NO_TARGET);
	refuse(U, ALICE, "[{'op':'remove','value':{'emails':[{'value':'alice@example.com'}]}}]",
	       SCIM_ERR_NO_TARGET);
}

Test(scim_patch, remove_attribute)
{
	expect(U, ALICE, "[{'op':'remove','path':'emails'}]", "{" ALICE_HEAD "," ALICE_NAME "}");
	expect(U, ALICE, "[{'op':'remove','path':'Name'}]",
	       "{" ALICE_HEAD ",'emails':[" ALICE_EMAILS "]}");
	/* what is not there is already removed */
	expect(U, BOB, "[{'op':'remove','path':'title'},{'op':'remove','path':'" ENT ":manager'}]",
	       BOB);
	expect(U, ALICE, "[{'op':'remove','path':'name.givenName'}]",
	       "{" ALICE_HEAD ",'name':{'familyName':'Liddell'},'emails':[" ALICE_EMAILS "]}");
	expect(U, "{'userName':'bob','name':{'givenName':'B'}}",
	       "[{'op':'remove','path':'name.givenName'}]", BOB);
	/* a sub-attribute of every value */
	expect(U, ALICE, "[{'op':'remove','path':'emails.type'}]",
	       ALICE_E("{'value':'alice@example.com','primary':true},"
		       "{'value':'alice@home.example'}"));
}

Test(scim_patch, remove_filtered_values)
{
	expect(U, ALICE, "[{'op':'remove','path':'emails[type eq \\'work\\']'}]",
	       ALICE_E("{'value':'alice@home.example','type':'home'}"));
	expect(U, ALICE,
	       "[{'op':'remove','path':'emails[value ew \\'example\\' or primary eq true]'}]",
	       "{" ALICE_HEAD "," ALICE_NAME "}");
	expect(U, ALICE, "[{'op':'remove','path':'emails[type eq \\'work\\'].primary'}]",
	       ALICE_E("{'value':'alice@example.com','type':'work'},"
		       "{'value':'alice@home.example','type':'home'}"));
	refuse(U, ALICE, "[{'op':'remove','path':'emails[type eq \\'other\\']'}]",
	       SCIM_ERR_NO_TARGET);
	refuse(U, BOB, "[{'op':'remove','path':'emails[type eq \\'work\\']'}]", SCIM_ERR_NO_TARGET);
	refuse(U, BOB, "[{'op':'remove','path':'" ENT ":manager[value eq \\'x\\']'}]",
	       SCIM_ERR_INVALID_PATH);
}

Test(scim_patch, remove_values_listed_in_value)
{
	/* Entra's shape, on an attribute kept in the JSON */
	expect(U, ALICE,
	       "[{'op':'Remove','path':'emails','value':[{'value':'ALICE@home.example'},"
	       "{'value':'nobody@x'}]}]",
	       ALICE_E("{'value':'alice@example.com','type':'work','primary':true}"));
	expect(U, ALICE,
	       "[{'op':'Remove','path':'emails','value':{'value':'alice@home.example'}},"
	       "{'op':'Remove','path':'emails','value':[{'value':'alice@example.com'}]}]",
	       "{" ALICE_HEAD "," ALICE_NAME "}");
	/* an empty list removes nothing */
	expect(U, ALICE, "[{'op':'Remove','path':'emails','value':[]}]", ALICE);
}

/* ---- mutability ---- */

Test(scim_patch, server_attributes_refused_by_path)
{
	static const char *paths[] = {"id", "ID", "meta", "meta.created", "meta.lastModified",
				      "schemas", "groups", "groups[value eq \\'g\\']",
				      "urn:ietf:params:scim:schemas:core:2.0:User:id"};
	static const char *ops[] = {"add", "replace", "remove"};
	char body[256];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		for (size_t j = 0; j < 3; j++) {
			snprintf(body, sizeof(body), "[{'op':'%s','path':'%s','value':'x'}]",
				 ops[j], paths[i]);
			refuse(U, ALICE, body, SCIM_ERR_MUTABILITY);
		}
	refuse(G, TEAM, "[{'op':'replace','path':'id','value':'x'}]", SCIM_ERR_MUTABILITY);
}

/* A resource type with an immutable attribute, to check "may be set once". */
static const struct scim_attr imm_attrs[] = {
	{.name = "badge", .type = SCIM_T_STRING, .mutability = SCIM_MUT_IMMUTABLE},
	{.name = "label", .type = SCIM_T_STRING},
};
static const struct scim_schema imm_schema = {
	.id = "urn:example:params:scim:schemas:Thing", .attrs = imm_attrs, .n_attrs = 2};
static const struct scim_rtype imm_rtype = {.id = "Thing", .core = &imm_schema};

Test(scim_patch, immutable_may_be_set_once)
{
	expect(&imm_rtype, "{}", "[{'op':'add','path':'badge','value':'b1'}]", "{'badge':'b1'}");
	expect(&imm_rtype, "{'badge':'b1'}", "[{'op':'replace','path':'BADGE','value':'b1'}]",
	       "{'badge':'b1'}");
	expect(&imm_rtype, "{'badge':'b1'}",
	       "[{'op':'replace','value':{'badge':'b1','label':'L'}}]",
	       "{'badge':'b1','label':'L'}");
	refuse(&imm_rtype, "{'badge':'b1'}", "[{'op':'replace','path':'badge','value':'b2'}]",
	       SCIM_ERR_MUTABILITY);
	refuse(&imm_rtype, "{'badge':'b1'}", "[{'op':'remove','path':'badge'}]",
	       SCIM_ERR_MUTABILITY);
}

/* ---- names ---- */

Test(scim_patch, names_case_insensitive_schema_spelling)
{
	/* the existing key is replaced, not doubled */
	expect(U, BOB, "[{'op':'replace','path':'USERNAME','value':'robert'}]",
	       "{'userName':'robert'}");
	/* new keys take the schema's spelling, sub-attributes too */
	expect(U, BOB,
	       "[{'op':'add','path':'DISPLAYNAME','value':'Bob'},"
	       "{'op':'add','path':'Name.GivenName','value':'B'},"
	       "{'op':'add','path':'PhoneNumbers','value':[{'VALUE':'1','Type':'work'}]},"
	       "{'op':'add','path':'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:"
	       "COSTCENTER','value':'C'}]",
	       "{'userName':'bob','displayName':'Bob','name':{'givenName':'B'},"
	       "'phoneNumbers':[{'value':'1','type':'work'}],'" ENT "':{'costCenter':'C'}}");
	/* a resource spelling its keys otherwise is patched where they are */
	expect(U, "{'username':'bob','EMAILS':[{'Value':'b@x','Type':'work'}]}",
	       "[{'op':'replace','path':'emails[type eq \\'work\\'].value','value':'c@x'}]",
	       "{'username':'bob','EMAILS':[{'Value':'c@x','Type':'work'}]}");
}

/* ---- hooks: Group members ---- */

TestSuite(scim_patch_members, .init = rec_setup, .fini = rec_teardown);

Test(scim_patch_members, add_goes_to_hooks)
{
	/* Okta: add members with a value array; the JSON is not touched */
	group_ok(TEAM,
		 "[{'op':'add','path':'members','value':[{'value':'u1','display':'Ann'},"
		 "{'value':'u2'}]}]",
		 TEAM, "add u1;add u2;");
}

Test(scim_patch_members, add_is_repeated_to_hooks)
{
	/* idempotence is the membership store's business: both adds reach it */
	group_ok(TEAM,
		 "[{'op':'add','path':'members','value':[{'value':'u1'}]},"
		 "{'op':'Add','path':'Members','value':{'value':'u1'}}]",
		 TEAM, "add u1;add u1;");
}

Test(scim_patch_members, bad_members_refused)
{
	static const char *bad[] = {"[{'value':''}]", "[{'value':5}]", "[{}]", "['u1']", "'u1'",
				    "[{'value':'a\\u0000b'}]", "[null]"};
	char ops[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(ops, sizeof(ops), "[{'op':'add','path':'members','value':%s}]", bad[i]);
		refuse_h(G, TEAM, ops, &hooks, SCIM_ERR_INVALID_VALUE, "members");
		/* nothing is cleared, nothing half-added */
		snprintf(ops, sizeof(ops),
			 "[{'op':'replace','path':'members','value':[{'value':'u1'},%s]}]", bad[i]);
		if (bad[i][0] == '[')
			refuse_h(G, TEAM, ops, &hooks, SCIM_ERR_INVALID_VALUE, "members");
		snprintf(ops, sizeof(ops), "[{'op':'remove','path':'members','value':%s}]", bad[i]);
		refuse_h(G, TEAM, ops, &hooks, SCIM_ERR_INVALID_VALUE, "members");
	}
	/* a NUL byte would cut the id short: refused in the JSON string and in the filter's */
	refuse_h(G, TEAM, "[{'op':'remove','path':'members[value eq \\'a\\u0000b\\']'}]", &hooks,
		 SCIM_ERR_INVALID_PATH, NULL);
	refuse_h(G, TEAM, "[{'op':'remove','path':'members[value eq \\'a\\\\u0000b\\']'}]",
		 &hooks, SCIM_ERR_INVALID_PATH, NULL);
	refuse_h(G, TEAM, "[{'op':'remove','path':'members[value eq \\'\\']'}]", &hooks,
		 SCIM_ERR_INVALID_VALUE, NULL);
	refuse_h(G, TEAM, "[{'op':'add','path':'members.value','value':'u1'}]", &hooks,
		 SCIM_ERR_INVALID_PATH, NULL);
	refuse_h(G, TEAM,
		 "[{'op':'add','path':'members[value eq \\'u1\\']','value':{'value':'u1'}}]",
		 &hooks, SCIM_ERR_INVALID_PATH, NULL);
	refuse_h(G, TEAM, "[{'op':'remove','path':'members[value eq \\'u1\\'].display'}]", &hooks,
		 SCIM_ERR_INVALID_PATH, NULL);
	cr_assert_str_eq(rec.log, "");
}

Test(scim_patch_members, remove_by_value_filter)
{
	/* Entra and Okta: one member by id */
	group_ok(TEAM, "[{'op':'Remove','path':'members[value eq \\'u2\\']'}]", TEAM, "remove u2;");
	group_ok(TEAM, "[{'op':'remove','path':'MEMBERS[VALUE EQ \\'g1\\']'}]", TEAM,
		 "remove u2;remove g1;");
	group_ok(TEAM,
		 "[{'op':'remove','path':'urn:ietf:params:scim:schemas:core:2.0:Group:members"
		 "[value eq \\'u1\\']'}]",
		 TEAM, "remove u2;remove g1;remove u1;");
}

Test(scim_patch_members, remove_by_other_filters)
{
	group_ok(TEAM,
		 "[{'op':'remove','path':'members[type eq \\'Group\\']'},"
		 "{'op':'remove','path':'members[value eq \\'u1\\' or value eq \\'u2\\']'},"
		 "{'op':'remove','path':'members[value eq \\'u1\\' and display eq \\'Ann\\']'}]",
		 TEAM, "where g1;where u1 u2;where u1;");
}

Test(scim_patch_members, remove_with_value_array)
{
	/* Entra */
	group_ok(TEAM,
		 "[{'op':'Remove','path':'members','value':[{'value':'u1'},{'value':'g1'}]}]",
		 TEAM, "remove u1;remove g1;");
	/* an empty array removes nobody; no value removes everybody */
	group_ok(TEAM,
		 "[{'op':'Remove','path':'members','value':[]},{'op':'remove','path':'members'}]",
		 TEAM, "remove u1;remove g1;clear;");
	/* without a path, the value naming the attribute */
	group_ok(TEAM, "[{'op':'remove','value':{'members':[{'value':'u2'}]}}]", TEAM,
		 "remove u1;remove g1;clear;remove u2;");
}

Test(scim_patch_members, replace_clears_then_adds)
{
	/* Okta pushing an empty group */
	group_ok(TEAM, "[{'op':'replace','path':'members','value':[]}]", TEAM, "clear;");
	group_ok(TEAM,
		 "[{'op':'replace','path':'members','value':[{'value':'u1'},{'value':'u2'}]}]",
		 TEAM, "clear;clear;add u1;add u2;");
}

Test(scim_patch_members, without_path)
{
	group_ok(TEAM,
		 "[{'op':'add','value':{'members':[{'value':'u1'}]}},"
		 "{'op':'replace','value':{'displayName':'New','members':[{'value':'u2'}]}}]",
		 "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:Group'],'displayName':'New'}",
		 "add u1;clear;add u2;");
}

Test(scim_patch_members, members_in_json_never_touched)
{
	/* even when the resource holds some (it should not): hooks own the attribute */
	group_ok("{'displayName':'Team','members':[{'value':'old'}]}",
		 "[{'op':'add','path':'members','value':[{'value':'u1'}]},"
		 "{'op':'remove','path':'members[value eq \\'old\\']'},"
		 "{'op':'replace','path':'members','value':[]}]",
		 "{'displayName':'Team','members':[{'value':'old'}]}", "add u1;remove old;clear;");
}

Test(scim_patch_members, hook_failure_fails_the_patch)
{
	struct scim_err e;
	json_t *r;

	rec.fail_value = "u2";
	cr_assert_eq(run(G, TEAM,
			 "[{'op':'add','path':'members','value':[{'value':'u1'},{'value':'u2'},"
			 "{'value':'u3'}]}]",
			 &hooks, &r, &e),
		     -1);
	cr_assert_eq(e.status, 404, "the hook's error is kept: %d %s", e.status, e.detail);
	cr_assert_not_null(strstr(e.detail, "no such member u2"), "%s", e.detail);
	cr_assert_str_eq(rec.log, "add u1;add u2;");
	json_decref(r);
	rec.fail_silently = true;
	cr_assert_eq(run(G, TEAM, "[{'op':'remove','path':'members[value eq \\'u2\\']'}]", &hooks,
			 &r, &e),
		     -1);
	cr_assert_eq(e.status, 500);
	json_decref(r);
}

Test(scim_patch_members, incomplete_hooks_refused)
{
	struct scim_patch_hooks h = hooks;
	struct scim_err e;
	json_t *r;

	h.remove_where = NULL;
	cr_assert_eq(run(G, TEAM, "[{'op':'add','path':'displayName','value':'x'}]", &h, &r, &e),
		     -1);
	cr_assert_eq(e.status, 500);
	json_decref(r);
	/* no attribute: no hooks */
	h.attr = NULL;
	expect_h(G, TEAM, "[{'op':'add','path':'members','value':[{'value':'u1'}]}]", &h,
		 "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:Group'],'displayName':'Team',"
		 "'members':[{'value':'u1'}]}");
}

Test(scim_patch_members, without_hooks_members_are_json)
{
	expect(G, "{'displayName':'Team','members':[{'value':'u1'},{'value':'u2'}]}",
	       "[{'op':'add','path':'members','value':[{'value':'u2'},{'value':'u3'}]},"
	       "{'op':'remove','path':'members[value eq \\'u1\\']'},"
	       "{'op':'remove','path':'members','value':[{'value':'u3'}]}]",
	       "{'displayName':'Team','members':[{'value':'u2'}]}");
	/* member ids are caseExact: U2 is another member */
	expect(G, "{'displayName':'Team','members':[{'value':'u2'}]}",
	       "[{'op':'add','path':'members','value':[{'value':'U2'}]}]",
	       "{'displayName':'Team','members':[{'value':'u2'},{'value':'U2'}]}");
}

/* ---- whole requests as the IdPs send them ---- */

Test(scim_patch, entra_user_update_one_op_per_attribute)
{
	expect(U, ALICE_WITH_ENT,
	       "[{'op':'Replace','path':'displayName','value':'Alice L'},"
	       "{'op':'Replace','path':'name.givenName','value':'Alicia'},"
	       "{'op':'Replace','path':'emails[type eq \\'work\\'].value',"
	       "'value':'al@example.com'},"
	       "{'op':'Add','path':'addresses[type eq \\'work\\'].locality','value':'Bergen'},"
	       "{'op':'Replace','path':'" ENT ":department','value':'Research'},"
	       "{'op':'Replace','path':'" ENT ":manager',"
	       "'value':'26118915-6090-4610-87e4-49d8ca9f808d'},"
	       "{'op':'Replace','path':'active','value':'False'},"
	       "{'op':'Remove','path':'title'}]",
	       "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User','" ENT "'],"
	       "'userName':'alice@example.com','displayName':'Alice L','active':false,"
	       "'name':{'givenName':'Alicia','familyName':'Liddell'},"
	       "'emails':[{'value':'al@example.com','type':'work','primary':true},"
	       "{'value':'alice@home.example','type':'home'}],"
	       "'addresses':[{'type':'work','locality':'Bergen'}],"
	       "'" ENT "':{'department':'Research',"
	       "'manager':{'value':'26118915-6090-4610-87e4-49d8ca9f808d'}}}");
}

Test(scim_patch_members, entra_group_update)
{
	group_ok(TEAM,
		 "[{'op':'Replace','path':'displayName','value':'Team 2'},"
		 "{'op':'Add','path':'members','value':[{'value':'u1'}]},"
		 "{'op':'Remove','path':'members','value':[{'value':'u2'}]}]",
		 "{" GROUP_URN ",'displayName':'Team 2'}",
		 "add u1;remove u2;");
}

Test(scim_patch_members, okta_group_rename_and_push)
{
	group_ok(TEAM,
		 "[{'op':'replace','value':{'id':'abf4dd94-a4c0-4f67-89c9-76b03340cb9b',"
		 "'displayName':'Engineering'}},"
		 "{'op':'add','path':'members',"
		 "'value':[{'value':'u1','display':'ann@example.com'}]},"
		 "{'op':'remove','path':'members[value eq \\'u2\\']'}]",
		 "{" GROUP_URN ",'displayName':'Engineering'}",
		 "add u1;remove u2;");
}

Test(scim_patch, extension_urn_as_the_path)
{
	expect(U, "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User'],'userName':'bob'}",
	       "[{'op':'add','path':'" ENT "','value':{'department':'D','manager':'m'}}]",
	       "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User','" ENT "'],"
	       "'userName':'bob','" ENT "':{'department':'D','manager':{'value':'m'}}}");
	expect(U,
	       "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User','" ENT "'],"
	       "'userName':'bob','" ENT "':{'department':'D'}}",
	       "[{'op':'remove','path':'" ENT "'}]",
	       "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User'],'userName':'bob'}");
	refuse(U, BOB, "[{'op':'add','path':'" ENT "','value':'x'}]", SCIM_ERR_INVALID_VALUE);
}

Test(scim_patch, unknown_attributes_follow_their_shape)
{
	/* an attribute the schema does not know: multi-valued when it holds an array */
	expect(U, "{'userName':'bob','tags':[{'value':'a','k':1},{'value':'b','k':2}]}",
	       "[{'op':'add','path':'tags','value':[{'value':'A'},{'value':'c'}]},"
	       "{'op':'remove','path':'tags[k eq 2]'},"
	       "{'op':'replace','path':'tags[value eq \\'a\\'].k','value':3}]",
	       "{'userName':'bob','tags':[{'value':'a','k':3},{'value':'c'}]}");
	expect(U, BOB, "[{'op':'replace','path':'tags[kind eq \\'x\\'].value','value':'v'}]",
	       "{'userName':'bob','tags':[{'kind':'x','value':'v'}]}");
}

/* Large multi-valued attributes stay linear: 20000 values in, 10000 out. */
Test(scim_patch, large_multi_valued_attributes, .timeout = 20)
{
	json_t *res = json_pack("{ss}", "userName", "bob"), *emails = json_array();
	json_t *more = json_array(), *gone = json_array(), *body;
	struct scim_err e;
	char v[32];

	for (int i = 0; i < 20000; i++) {
		snprintf(v, sizeof(v), "u%d@example.com", i);
		json_array_append_new(emails, json_pack("{ss}", "value", v));
		/* half of them already there, in another case */
		snprintf(v, sizeof(v), "U%d@EXAMPLE.COM", i + 10000);
		json_array_append_new(more, json_pack("{ss}", "value", v));
		if (i % 2 == 0) {
			snprintf(v, sizeof(v), "u%d@example.com", i);
			json_array_append_new(gone, json_pack("{ss}", "value", v));
		}
	}
	json_object_set_new(res, "emails", emails);
	body = json_pack("{s[s]s[{ssssso}{ssssso}{ssss}]}", "schemas", SCIM_URN_PATCH, "Operations",
			 "op", "add", "path", "emails", "value", more, "op", "remove", "path",
			 "emails", "value", gone, "op", "remove", "path",
			 "emails[value sw \"U2\"]");
	cr_assert_not_null(body);
	cr_assert_eq(apply_body(U, res, body, NULL, &e), 0, "%s", e.detail);
	/*
	 * 30000 distinct values; the 10000 even ones below 20000 removed; then those
	 * starting with u2 in any case: 20000-29999 and the odd 21-29, 201-299,
	 * 2001-2999 (555). Left: 10000 - 555.
	 */
	emails = json_object_get(res, "emails");
	cr_assert_eq(json_array_size(emails), 9445, "%zu values", json_array_size(emails));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(emails, 0), "value")),
			 "u1@example.com");
	json_decref(body);
	json_decref(res);
}
