/* SPDX-License-Identifier: MIT */
/*
 * SCIM filters and PATCH paths (scim_filter.c, scim_filter_match.c): the RFC
 * 7644 grammar (every operator, precedence, not, grouping, value paths,
 * URN-qualified names, keywords in any case), the comparison rules against
 * a served resource (caseExact from the schema, multi-valued, complex
 * "value", pr, numbers, booleans, null), index planning, every error class
 * with its position, the length and depth limits (a 1 MiB "((((" fails fast),
 * PATCH path parsing and reference resolution.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "syncd/scim_filter.h"

#define ENTERPRISE_PREFIX SCIM_URN_ENTERPRISE ":"

static const struct scim_limits lim = {.filter_max_length = 8192, .filter_max_depth = 16};

static const char user_json[] =
    "{\"schemas\": [\"" SCIM_URN_USER "\", \"" SCIM_URN_ENTERPRISE "\"],"
    " \"id\": \"2819c223-7f76-453a-919d-413861904646\","
    " \"externalId\": \"Ext-701984\","
    " \"userName\": \"Bjensen@example.com\","
    " \"name\": {\"formatted\": \"Ms. Barbara J Jensen, III\", \"familyName\": \"Jensen\","
    "  \"givenName\": \"Barbara\"},"
    " \"displayName\": \"Babs Jensen\","
    " \"nickName\": \"\","
    " \"title\": null,"
    " \"active\": true,"
    " \"emails\": [{\"value\": \"bjensen@example.com\", \"type\": \"work\", \"primary\": true},"
    "  {\"value\": \"babs@jensen.org\", \"type\": \"home\"}],"
    " \"phoneNumbers\": [],"
    " \"addresses\": [{\"type\": \"work\", \"locality\": \"Hollywood\", \"postalCode\": "
    "\"91608\"}],"
    " \"groups\": [{\"value\": \"e9e30dba\", \"display\": \"Tour Guides\"}],"
    " \"tags\": [\"Alpha\", \"beta\"],"
    " \"loginCount\": 42, \"score\": 4.5,"
    " \"meta\": {\"resourceType\": \"User\", \"created\": \"2010-01-23T04:56:22Z\","
    "  \"lastModified\": \"2011-05-13T04:42:34Z\"},"
    " \"" SCIM_URN_ENTERPRISE "\": {\"employeeNumber\": \"701984\", \"costCenter\": \"4130\","
    "  \"manager\": {\"value\": \"26118915\", \"displayName\": \"John Smith\"}}}";

static const char group_json[] =
    "{\"id\": \"g1\", \"externalId\": \"Grp-1\", \"displayName\": \"Tour Guides\","
    " \"members\": [{\"value\": \"2819c223\", \"display\": \"Babs\"},"
    "  {\"value\": \"902c246b\", \"type\": \"User\"}]}";

static json_t *user, *group;

static void
setup(void)
{
	json_error_t err;

	user = json_loads(user_json, 0, &err);
	cr_assert_not_null(user, "sample user: %s", err.text);
	group = json_loads(group_json, 0, &err);
	cr_assert_not_null(group, "sample group: %s", err.text);
}

static void
teardown(void)
{
	json_decref(user);
	json_decref(group);
}

TestSuite(scim_filter, .init = setup, .fini = teardown, .timeout = 30);

static struct scim_filter *
parse_rt(const struct scim_rtype *rt, const char *text)
{
	struct scim_err e = {0};
	struct scim_filter *f = NULL;

	cr_assert_eq(scim_filter_parse(text, strlen(text), rt, &lim, &f, &e), 0, "parse \"%s\": %s",
	             text, e.detail);
	cr_assert_not_null(f);
	cr_assert_eq(e.status, 0);
	return f;
}

static struct scim_filter *
parse(const char *text)
{
	return parse_rt(&scim_rtype_user, text);
}

/* Whether the sample user matches text. */
static bool
um(const char *text)
{
	struct scim_filter *f = parse(text);
	bool r = scim_filter_match(f, user, &scim_rtype_user);

	scim_filter_free(f);
	return r;
}

/* Whether the sample group matches text. */
static bool
gm(const char *text)
{
	struct scim_filter *f = parse_rt(&scim_rtype_group, text);
	bool r = scim_filter_match(f, group, &scim_rtype_group);

	scim_filter_free(f);
	return r;
}

#define YES(text) cr_expect(um(text), "user should match: %s", text)
#define NO(text)  cr_expect(!um(text), "user should not match: %s", text)

/* Parsing text (of length len) under l fails with 400 invalidFilter and a detail containing want.
 */
static void
fails_len(const char *text, size_t len, const struct scim_limits *l, const char *want)
{
	struct scim_err e = {0};
	struct scim_filter *f = (struct scim_filter *)1;

	cr_assert_eq(scim_filter_parse(text, len, &scim_rtype_user, l, &f, &e), -1,
	             "parse should fail: %.80s", text);
	cr_assert_null(f);
	cr_expect_eq(e.status, 400);
	cr_expect_str_eq(e.scim_type, SCIM_ERR_INVALID_FILTER);
	cr_expect(strncmp(e.detail, "filter: ", 8) == 0, "detail: %s", e.detail);
	cr_expect(strstr(e.detail, want), "\"%s\" not in \"%s\"", want, e.detail);
	/* Details become JSON: they must always render. */
	json_t *j = scim_err_to_json(&e);
	cr_expect_not_null(j, "detail not renderable: %s", e.detail);
	json_decref(j);
}

static void
fails(const char *text, const char *want)
{
	fails_len(text, strlen(text), &lim, want);
}

Test(scim_filter, eq_follows_case_exact)
{
	YES("userName eq \"bjensen@example.com\""); /* caseExact false */
	YES("userName eq \"BJENSEN@EXAMPLE.COM\"");
	YES("externalId eq \"Ext-701984\"");
	NO("externalId eq \"ext-701984\""); /* caseExact true */
	YES("id eq \"2819c223-7f76-453a-919d-413861904646\"");
	NO("id eq \"2819C223-7F76-453A-919D-413861904646\"");
	YES("displayName eq \"babs jensen\"");
	YES("tags eq \"alpha\""); /* unknown attribute: case-insensitive */
	NO("userName eq \"bjensen\"");
}

Test(scim_filter, ne_is_not_eq)
{
	NO("userName ne \"bjensen@example.com\"");
	YES("userName ne \"someone\"");
	YES("externalId ne \"ext-701984\"");
	YES("nosuch ne \"x\"");        /* absent: not equal */
	NO("emails.type ne \"work\""); /* a work email exists */
}

Test(scim_filter, co_sw_ew)
{
	YES("userName co \"JENSEN@\"");
	YES("userName co \"\"");
	NO("userName co \"smith\"");
	YES("userName sw \"bJ\"");
	NO("userName sw \"jensen\"");
	YES("userName ew \".COM\"");
	NO("userName ew \"example\"");
	YES("externalId sw \"Ext-\"");
	NO("externalId sw \"ext-\"");
	YES("externalId ew \"984\"");
	NO("userName ew \"a-much-longer-suffix-than-the-value-itself@example.com\"");
}

Test(scim_filter, ordering_on_strings_dates_numbers)
{
	YES("userName gt \"a\"");
	YES("userName gt \"BA\""); /* case-insensitive: "bj" > "ba" */
	NO("userName lt \"b\"");
	YES("userName ge \"bjensen@example.com\"");
	YES("userName le \"BJENSEN@EXAMPLE.COM\"");
	NO("userName lt \"bjensen@example.com\"");
	YES("externalId lt \"ext\""); /* caseExact: 'E' < 'e' */
	YES("meta.lastModified gt \"2011-05-13T04:42:33Z\"");
	NO("meta.lastModified gt \"2011-05-13T04:42:34Z\"");
	YES("meta.lastModified ge \"2011-05-13T04:42:34Z\"");
	YES("meta.created lt \"2011-01-01T00:00:00Z\"");
	YES("loginCount gt 41");
	NO("loginCount gt 42");
	YES("loginCount ge 42");
	YES("loginCount lt 42.5");
	YES("loginCount le 42");
	YES("loginCount eq 42");
	YES("loginCount eq 42.0");
	YES("score gt 4");
	YES("score lt 4.6e0");
	YES("score eq 45e-1");
	NO("loginCount eq \"42\""); /* a string is not a number */
	NO("loginCount co 4");
}

Test(scim_filter, booleans_and_null)
{
	YES("active eq true");
	NO("active eq false");
	YES("active ne false");
	YES("active eq TRUE");
	NO("active eq \"true\"");
	NO("active gt false"); /* ordering on booleans never matches */
	NO("active lt true");
	YES("title eq null");  /* null value */
	YES("nosuch eq null"); /* absent */
	NO("userName eq null");
	YES("userName ne null");
	NO("title ne null");
	YES("nickName eq null"); /* "" is not present */
}

Test(scim_filter, pr)
{
	YES("userName pr");
	YES("USERNAME PR");
	NO("title pr");        /* null */
	NO("nickName pr");     /* "" */
	NO("phoneNumbers pr"); /* [] */
	NO("nosuch pr");
	YES("emails pr");
	YES("emails.type pr");
	NO("emails.display pr");
	YES("name pr");
	YES("name.givenName pr");
	NO("name.middleName pr");
	YES(ENTERPRISE_PREFIX "manager pr");
	YES(ENTERPRISE_PREFIX "manager.displayName pr");
	YES("active pr");
}

Test(scim_filter, multi_valued)
{
	YES("emails co \"@jensen.org\""); /* complex without sub: its "value" */
	YES("emails eq \"BJENSEN@example.com\"");
	NO("emails co \"@nowhere\"");
	YES("emails.type eq \"home\"");
	YES("emails.value ew \".org\"");
	NO("emails.type eq \"other\"");
	YES("emails.primary eq true");
	YES("groups eq \"e9e30dba\"");
	NO("groups eq \"E9E30DBA\""); /* groups.value is caseExact */
	YES("groups.display eq \"tour guides\"");
	YES("addresses.locality eq \"hollywood\"");
	YES("tags eq \"BETA\"");
	YES("tags sw \"al\"");
	NO("name eq \"Barbara\""); /* a complex value with no "value" */
	NO("name gt \"a\"");
	cr_expect(gm("members eq \"902c246b\""));
	cr_expect(gm("members.value eq \"2819c223\""));
	cr_expect(!gm("members eq \"2819C223\""));
	cr_expect(gm("members.display eq \"BABS\""));
	cr_expect(gm("members.type eq \"user\""));
	cr_expect(!gm("members eq \"nobody\""));
}

Test(scim_filter, logical_and_precedence)
{
	struct scim_filter *f;

	YES("userName pr and active eq true");
	NO("userName pr and active eq false");
	YES("title pr or active eq true");
	NO("title pr or nickName pr");
	/* a or b and c is a or (b and c): true; (a or b) and c would be false */
	YES("userName pr or title pr and nickName pr");
	NO("(userName pr or title pr) and nickName pr");
	/* b and c or a is (b and c) or a: true */
	YES("title pr and nickName pr or userName pr");
	NO("title pr and (nickName pr or userName pr)");
	f = parse("a pr or b pr and c pr");
	cr_assert_eq(f->op, SCIM_OP_OR);
	cr_assert_eq(f->left->op, SCIM_OP_PR);
	cr_assert_str_eq(f->left->ref.attr, "a");
	cr_assert_eq(f->right->op, SCIM_OP_AND);
	cr_assert_str_eq(f->right->left->ref.attr, "b");
	cr_assert_str_eq(f->right->right->ref.attr, "c");
	scim_filter_free(f);
	f = parse("a pr and b pr or c pr");
	cr_assert_eq(f->op, SCIM_OP_OR);
	cr_assert_eq(f->left->op, SCIM_OP_AND);
	cr_assert_eq(f->right->op, SCIM_OP_PR);
	scim_filter_free(f);
}

Test(scim_filter, not_and_grouping)
{
	struct scim_filter *f;

	NO("not (userName pr)");
	YES("not (title pr)");
	YES("NOT(title pr)");
	YES("not (title pr) and not (nickName pr)");
	NO("not (title pr or userName pr)");
	YES("not (not (userName pr))");
	YES("((((userName pr))))");
	YES("(title pr or (active eq true and (userName sw \"b\")))");
	YES("userName pr and (title pr or not (nickName pr))");
	f = parse("not (a pr)");
	cr_assert_eq(f->op, SCIM_OP_NOT);
	cr_assert_eq(f->left->op, SCIM_OP_PR);
	cr_assert_null(f->right);
	scim_filter_free(f);
}

Test(scim_filter, value_paths)
{
	struct scim_filter *f;

	YES("emails[type eq \"work\"]");
	YES("emails[type eq \"work\" and value co \"@example.com\"]");
	/* both tests must hold for one value, not across values */
	NO("emails[type eq \"home\" and value co \"@example.com\"]");
	YES("emails[type eq \"home\" or value co \"@nowhere\"]");
	YES("emails[not (type eq \"work\")]");
	YES("emails[(type eq \"x\" or type eq \"home\") and value ew \".org\"]");
	YES("emails[primary eq true]");
	YES("emails[TYPE EQ \"WORK\"]");
	NO("emails[display pr]");
	YES("addresses[type eq \"work\" and postalCode sw \"916\"]");
	YES(ENTERPRISE_PREFIX "manager[value eq \"26118915\"]"); /* a singular complex */
	YES("tags[value eq \"alpha\"]"); /* a multi-valued simple attribute */
	NO("phoneNumbers[type pr]");
	NO("nosuch[type pr]");
	YES("emails[type eq \"work\"] and not (userName sw \"a\")");
	YES("emails[type eq \"work\" and value co \"@example.com\"] or not (userName sw \"a\")");
	cr_expect(gm("id eq \"g1\" and members[value eq \"2819c223\"]"));
	cr_expect(!gm("id eq \"g1\" and members[value eq \"u\"]"));
	cr_expect(gm("members[type eq \"User\" and value sw \"902\"]"));
	f = parse("emails[type eq \"work\"]");
	cr_assert_eq(f->op, SCIM_OP_VALUE_PATH);
	cr_assert_str_eq(f->ref.attr, "emails");
	cr_assert_eq(f->left->op, SCIM_OP_EQ);
	cr_assert_str_eq(f->left->ref.attr, "type");
	cr_assert_str_eq(json_string_value(f->left->value), "work");
	scim_filter_free(f);
}

Test(scim_filter, urn_qualified_names)
{
	struct scim_filter *f;

	YES(ENTERPRISE_PREFIX "employeeNumber eq \"701984\"");
	NO(ENTERPRISE_PREFIX "employeeNumber eq \"1\"");
	YES(ENTERPRISE_PREFIX "manager.value eq \"26118915\"");
	YES(ENTERPRISE_PREFIX "manager eq \"26118915\"");
	YES("URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq "
	    "\"701984\"");
	YES(SCIM_URN_USER ":userName eq \"bjensen@example.com\"");
	YES(SCIM_URN_USER ":name.familyName eq \"jensen\"");
	YES("employeeNumber eq \"701984\""); /* an extension attribute named without its URN */
	YES("costCenter sw \"41\"");
	f = parse(ENTERPRISE_PREFIX "manager.displayName pr");
	cr_assert_str_eq(f->ref.urn, SCIM_URN_ENTERPRISE);
	cr_assert_str_eq(f->ref.attr, "manager");
	cr_assert_str_eq(f->ref.sub, "displayName");
	scim_filter_free(f);
	f = parse(SCIM_URN_USER ":userName pr");
	cr_assert_null(f->ref.urn, "the core schema's URN is dropped");
	cr_assert_str_eq(f->ref.attr, "userName");
	scim_filter_free(f);
	f = parse_rt(&scim_rtype_group, SCIM_URN_GROUP ":displayName eq \"Tour Guides\"");
	cr_assert(scim_filter_match(f, group, &scim_rtype_group));
	scim_filter_free(f);
	fails(SCIM_URN_GROUP ":displayName eq \"x\"",
	      "is not a schema of User resources at offset 0");
	fails("urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge eq \"1\"",
	      "is not a schema of User");
	fails("userName eq \"x\" and foo:bar pr",
	      "\"foo\" is not a schema of User resources at offset 20");
	fails(ENTERPRISE_PREFIX " eq \"x\"", "expected an attribute name");
	fails(SCIM_URN_ENTERPRISE " pr",
	      "expected \":\" and an attribute name after the schema URN");
}

Test(scim_filter, keywords_and_names_any_case)
{
	struct scim_filter *f;

	YES("USERNAME EQ \"bjensen@example.com\" AND ACTIVE Eq True");
	YES("username eq \"x\" Or EMAILS[TYPE eq \"home\"]");
	YES("Title EQ NULL");
	YES("EmAiLs.VaLuE Co \"JENSEN.ORG\"");
	YES("NAME.GIVENNAME sw \"barb\"");
	f = parse("UserName Eq \"x\"");
	cr_assert_str_eq(f->ref.attr, "UserName", "names keep the request's spelling");
	cr_assert_eq(f->op, SCIM_OP_EQ);
	scim_filter_free(f);
	f = parse("a Gt 1 aNd b gE 2 OR c LT 3 or d le 4 and e Sw \"x\" and f eW \"y\" and g cO "
	          "\"z\" and h NE 5");
	scim_filter_free(f);
}

Test(scim_filter, names_and_spacing)
{
	struct scim_filter *f;

	YES("  userName   eq   \"bjensen@example.com\"  ");
	YES("userName eq \"bjensen@example.com\"\tand\nactive eq true");
	f = parse("x-y_z9 pr and members.$ref pr and $ref pr");
	cr_assert_str_eq(f->left->ref.attr, "x-y_z9");
	cr_assert_str_eq(f->right->left->ref.sub, "$ref");
	cr_assert_str_eq(f->right->right->ref.attr, "$ref");
	scim_filter_free(f);
	fails("9lives pr", "expected an attribute name, not \"9lives\" at offset 0");
	fails("_x pr", "expected an attribute name");
	fails("a.b.c pr", "expected a sub-attribute name, not \"b.c\" at offset 2");
	fails("a. pr", "expected a sub-attribute name");
	fails("user$name pr", "expected an attribute name");
	fails("emails[value.x eq 1]", "expected a sub-attribute name");
	fails("emails[" SCIM_URN_USER ":value eq 1]", "expected a sub-attribute name");
}

Test(scim_filter, values)
{
	struct scim_filter *f;

	f = parse("a eq \"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\"");
	cr_assert_str_eq(json_string_value(f->value),
	                 "q\"b\\s/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	scim_filter_free(f);
	f = parse("a eq \"caf\xc3\xa9\"");
	cr_assert_str_eq(json_string_value(f->value), "caf\xc3\xa9");
	scim_filter_free(f);
	f = parse("a eq -12");
	cr_assert(json_is_integer(f->value));
	cr_assert_eq(json_integer_value(f->value), -12);
	scim_filter_free(f);
	f = parse("a eq 1.5e3");
	cr_assert(json_is_real(f->value));
	cr_assert_float_eq(json_real_value(f->value), 1500.0, 1e-9);
	scim_filter_free(f);
	f = parse("a eq 99999999999999999999");
	cr_assert(json_is_real(f->value), "an integer too large for json_int_t is a real");
	scim_filter_free(f);
	f = parse("a eq FALSE and b eq Null");
	cr_assert(json_is_false(f->left->value));
	cr_assert(json_is_null(f->right->value));
	scim_filter_free(f);
	/* Bare words that are not true/false/null/numbers are strings (old Microsoft examples). */
	f = parse("externalId eq 5a74b3d5");
	cr_assert_str_eq(json_string_value(f->value), "5a74b3d5");
	scim_filter_free(f);
	f = parse("a eq 01 or b eq +1 or c eq 1. or d eq -");
	cr_assert_str_eq(json_string_value(f->left->value), "01");
	cr_assert_str_eq(json_string_value(f->right->left->value), "+1");
	cr_assert_str_eq(json_string_value(f->right->right->left->value), "1.");
	cr_assert_str_eq(json_string_value(f->right->right->right->value), "-");
	scim_filter_free(f);
	YES("externalId eq Ext-701984");
	fails("a eq 1e999", "number out of range at offset 5");
	fails("a eq caf\xc3", "invalid UTF-8 at offset 8");
}

Test(scim_filter, string_errors)
{
	fails("userName eq \"abc", "unterminated string at offset 12");
	fails("userName eq \"abc\\\"", "unterminated string at offset 12");
	fails("userName eq \"a\\qb\"", "invalid escape sequence in a string at offset 14");
	fails("userName eq \"\\u12\"", "invalid escape sequence");
	fails("userName eq \"\\u12G4\"", "invalid escape sequence");
	fails("userName eq \"\\ud83d\"", "invalid escape sequence"); /* lone high surrogate */
	fails("userName eq \"\\ude00\"", "invalid escape sequence"); /* lone low surrogate */
	fails("userName eq \"\\ud83d\\u0041\"", "invalid escape sequence");
	fails("userName eq \"\\u0000\"", "\\u0000 in a string");
	fails("userName eq \"a\tb\"", "control character 0x09 in a string at offset 14");
	fails("userName eq \"\x7f\"", "control character 0x7f");
	fails("userName eq \"\xff\"", "invalid UTF-8 in a string at offset 13");
	fails("userName eq \"\xc0\xaf\"", "invalid UTF-8");     /* overlong */
	fails("userName eq \"\xed\xa0\x80\"", "invalid UTF-8"); /* surrogate */
	fails("userName eq \"\xe2\x82\"", "invalid UTF-8");     /* truncated */
	fails("userName\x01 eq \"x\"", "control character 0x01 at offset 8");
	fails_len("userName eq \"a\0b\"", 17, &lim,
	          "control character 0x00 in a string at offset 14");
	fails_len("userName eq x\0", 14, &lim, "control character 0x00 at offset 13");
}

Test(scim_filter, syntax_errors)
{
	fails("", "filter: the filter is empty");
	fails("   ", "the filter is empty");
	fails("userName xyz",
	      "filter: expected a comparison operator after \"userName\" at offset 9");
	fails("userName", "expected a comparison operator after \"userName\" at offset 8");
	fails("userName equals \"x\"", "expected a comparison operator after \"userName\"");
	fails("userName eq",
	      "expected a value (a string, number, true, false or null) after \"eq\" at offset 11");
	fails("userName eq )", "expected a value");
	fails("userName eq and", "expected a value");
	fails("userName pr \"x\"",
	      "expected \"and\", \"or\" or the end of the filter after \"pr\" at offset 12");
	fails("userName eq \"x\" junk",
	      "expected \"and\", \"or\" or the end of the filter after \"x\" at offset 16");
	fails("userName eq \"x\")", "unbalanced \")\"");
	fails("userName eq \"x\" and",
	      "expected an attribute name, \"(\" or \"not\" after \"and\" at offset 19");
	fails("and userName pr", "expected an attribute name, \"(\" or \"not\" at offset 0");
	fails("userName pr or or title pr", "after \"or\" at offset 15");
	fails("(userName pr", "expected \"and\", \"or\" or \")\" after \"pr\" at offset 12");
	fails("()", "expected an attribute name, \"(\" or \"not\" after \"(\" at offset 1");
	fails("not userName pr", "expected \"(\" after \"not\" at offset 4");
	fails("not", "expected \"(\" after \"not\" at offset 3");
	fails("emails[type eq \"work\"",
	      "expected \"and\", \"or\" or \"]\" after \"work\" at offset 21");
	fails("emails[]", "expected a sub-attribute name, \"(\" or \"not\"");
	fails("emails[type eq \"work\"].value eq \"x\"",
	      "expected \"and\", \"or\" or the end of the filter");
	fails("emails[type[value eq \"x\"]]",
	      "a value path cannot be nested in another at offset 11");
	fails("emails.value[type eq \"x\"]", "without a sub-attribute at offset 12");
	fails("\"userName\" eq \"x\"", "expected an attribute name, \"(\" or \"not\" at offset 0");
	fails("userName eq \"x\" ]", "expected \"and\", \"or\" or the end of the filter");
	fails("userName eq \""
	      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" x",
	      "aaa...\" at offset");
}

Test(scim_filter, too_long)
{
	struct scim_limits small = {.filter_max_length = 20, .filter_max_depth = 16};
	struct scim_filter *f = NULL;
	struct scim_err e = {0};
	const char *ok = "userName eq \"abcdef\""; /* exactly 20 bytes */

	cr_assert_eq(strlen(ok), 20);
	cr_assert_eq(scim_filter_parse(ok, 20, &scim_rtype_user, &small, &f, &e), 0, "%s",
	             e.detail);
	scim_filter_free(f);
	fails_len("userName eq \"abcdefg\"", 21, &small, "filter: longer than 20 bytes");
}

/* k nested parentheses around "a pr". */
static char *
nested(unsigned k, const char *open, const char *inner)
{
	size_t ol = strlen(open), il = strlen(inner);
	char *s = malloc(k * (ol + 1) + il + 1), *p = s;
	unsigned i;

	cr_assert_not_null(s);
	for (i = 0; i < k; i++, p += ol)
		memcpy(p, open, ol);
	memcpy(p, inner, il);
	p += il;
	for (i = 0; i < k; i++)
		*p++ = strcmp(open, "emails[") == 0 ? ']' : ')';
	*p = '\0';
	return s;
}

Test(scim_filter, too_deep)
{
	struct scim_filter *f;
	char *s;

	s = nested(16, "(", "userName pr");
	cr_expect(um(s), "16 levels are allowed");
	free(s);
	s = nested(17, "(", "userName pr");
	fails(s, "filter: nested deeper than 16 levels at offset 16");
	free(s);
	s = nested(16, "not (", "userName pr");
	f = parse(s);
	cr_expect(scim_filter_match(f, user, &scim_rtype_user), "an even number of nots");
	scim_filter_free(f);
	free(s);
	s = nested(17, "not (", "userName pr");
	fails(s, "nested deeper than 16 levels");
	free(s);
	/* 15 parentheses around an and chain inside an or chain: 17 levels */
	s = nested(15, "(", "a pr or b pr and c pr");
	fails(s, "nested deeper than 16 levels");
	free(s);
	s = nested(14, "(", "a pr or b pr and c pr");
	f = parse(s);
	scim_filter_free(f);
	free(s);
	/* a value path is a level too */
	s = nested(16, "(", "emails[type pr]");
	fails(s, "nested deeper than 16 levels");
	free(s);
	s = nested(15, "(", "emails[type pr]");
	cr_expect(um(s));
	free(s);
}

Test(scim_filter, one_mebibyte_of_parentheses_fails_fast)
{
	struct scim_limits big = {.filter_max_length = 2u << 20, .filter_max_depth = 16};
	size_t n = 1u << 20;
	char *s = malloc(n + 1);
	struct timespec t0, t1;

	cr_assert_not_null(s);
	memset(s, '(', n);
	s[n] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fails_len(s, n, &big, "nested deeper than 16 levels at offset 16");
	/* Under the default length limit it is refused before any parsing. */
	fails_len(s, n, &lim, "longer than 8192 bytes");
	/* Even a caller's absurd depth limit cannot make the parser recurse a million times. */
	big.filter_max_depth = 4000000000u;
	fails_len(s, n, &big, "nested deeper than");
	memset(s, '[', n);
	fails_len(s, n, &big, "expected an attribute name");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect_lt((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 2000,
	             "took too long");
	free(s);
}

Test(scim_filter, one_mebibyte_chain_is_linear_and_flat)
{
	struct scim_limits big = {.filter_max_length = 2u << 20, .filter_max_depth = 16};
	const char *term = "title pr or ";
	size_t tl = strlen(term), k = (1u << 20) / tl, i;
	char *s = malloc(k * tl + 16);
	struct scim_filter *f = NULL;
	struct scim_err e = {0};
	struct timespec t0, t1;

	cr_assert_not_null(s);
	for (i = 0; i < k; i++)
		memcpy(s + i * tl, term, tl);
	strcpy(s + k * tl, "userName pr");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(scim_filter_parse(s, strlen(s), &scim_rtype_user, &big, &f, &e), 0, "%s",
	             e.detail);
	cr_expect(scim_filter_match(f, user, &scim_rtype_user), "the last of ~87k terms matches");
	cr_expect(!scim_filter_eq_term(f, NULL, NULL));
	scim_filter_free(f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect_lt((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 5000,
	             "took too long");
	free(s);
}

Test(scim_filter, eq_term_planning)
{
	static const struct {
		const char *filter, *attr, *value;
	} cases[] = {
	    {"userName eq \"test_user_dd0bd5e6-ee6e-4a0c-8df1-3b1f0f4b3a01\"", "userName",
	     "test_user_dd0bd5e6-ee6e-4a0c-8df1-3b1f0f4b3a01"},
	    {"EXTERNALID Eq \"x\"", "EXTERNALID", "x"},
	    {"id eq \"g\" and members[value eq \"u\"]", "id", "g"},
	    {"active eq true and title pr and displayName eq \"D\"", "displayName", "D"},
	    {"(userName pr and (externalId eq \"e\")) and id eq \"i\"", "externalId", "e"},
	    {SCIM_URN_USER ":userName eq \"u\"", "userName", "u"},
	    {"externalId eq 5a74b3d5", "externalId", "5a74b3d5"},
	    {"userName eq \"x\" or id eq \"y\"", NULL, NULL},
	    {"not (userName eq \"x\")", NULL, NULL},
	    {"userName ne \"x\"", NULL, NULL},
	    {"userName co \"x\"", NULL, NULL},
	    {"loginCount eq 5", NULL, NULL},
	    {"name.givenName eq \"x\"", NULL, NULL},
	    {ENTERPRISE_PREFIX "employeeNumber eq \"1\"", NULL, NULL},
	    {"emails[value eq \"x\"]", NULL, NULL},
	    {"userName eq null", NULL, NULL},
	    {"(userName eq \"x\" or title pr) and id eq \"y\"", "id", "y"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scim_filter *f = parse(cases[i].filter);
		const char *a = "unset", *v = "unset";
		bool r = scim_filter_eq_term(f, &a, &v);

		cr_expect_eq(r, cases[i].attr != NULL, "%s", cases[i].filter);
		if (r && cases[i].attr) {
			cr_expect_str_eq(a, cases[i].attr, "%s", cases[i].filter);
			cr_expect_str_eq(v, cases[i].value, "%s", cases[i].filter);
		}
		scim_filter_free(f);
	}
}

Test(scim_filter, match_value_directly)
{
	const struct scim_attr *emails = scim_schema_find(&scim_rtype_user, NULL, "emails", NULL);
	struct scim_path *p = NULL;
	struct scim_err e = {0};
	json_t *work = json_array_get(scim_json_get(user, "emails"), 0);

	cr_assert_not_null(emails);
	cr_assert_eq(scim_path_parse("emails[type eq \"WORK\" and primary eq true]",
	                             &scim_rtype_user, &lim, &p, &e),
	             0, "%s", e.detail);
	cr_expect(scim_filter_match_value(p->filter, work, emails));
	cr_expect(!scim_filter_match_value(
	    p->filter, json_array_get(scim_json_get(user, "emails"), 1), emails));
	cr_expect(scim_filter_match_value(p->filter, work, NULL),
	          "an unknown attribute still matches");
	cr_expect(!scim_filter_match_value(p->filter, NULL, emails));
	cr_expect(!scim_filter_match(NULL, user, &scim_rtype_user));
	json_t *str = json_string("x");
	cr_expect(!scim_filter_match(p->filter, str, &scim_rtype_user), "not an object");
	json_decref(str);
	scim_path_free(p);
}

/* Parses a path that must succeed. */
static struct scim_path *
path_ok(const struct scim_rtype *rt, const char *text)
{
	struct scim_path *p = NULL;
	struct scim_err e = {0};

	cr_assert_eq(scim_path_parse(text, rt, &lim, &p, &e), 0, "path %s: %s", text, e.detail);
	cr_assert_not_null(p);
	return p;
}

static void
path_fails(const struct scim_rtype *rt, const char *text, const char *want)
{
	struct scim_path *p = (struct scim_path *)1;
	struct scim_err e = {0};

	cr_assert_eq(scim_path_parse(text, rt, &lim, &p, &e), -1, "path should fail: %s", text);
	cr_assert_null(p);
	cr_expect_eq(e.status, 400);
	cr_expect_str_eq(e.scim_type, SCIM_ERR_INVALID_PATH, "%s", text);
	cr_expect(strncmp(e.detail, "path: ", 6) == 0, "detail: %s", e.detail);
	cr_expect(strstr(e.detail, want), "\"%s\" not in \"%s\"", want, e.detail);
}

Test(scim_filter, paths)
{
	struct scim_path *p;

	p = path_ok(&scim_rtype_group, "members");
	cr_expect_null(p->ref.urn);
	cr_expect_str_eq(p->ref.attr, "members");
	cr_expect_null(p->ref.sub);
	cr_expect_null(p->filter);
	scim_path_free(p);

	p = path_ok(&scim_rtype_user, "name.givenName");
	cr_expect_str_eq(p->ref.attr, "name");
	cr_expect_str_eq(p->ref.sub, "givenName");
	cr_expect_null(p->filter);
	scim_path_free(p);

	p = path_ok(&scim_rtype_group, "members[value eq \"2819c223\"]");
	cr_expect_str_eq(p->ref.attr, "members");
	cr_expect_null(p->ref.sub);
	cr_assert_not_null(p->filter);
	cr_expect_eq(p->filter->op, SCIM_OP_EQ);
	cr_expect_str_eq(p->filter->ref.attr, "value");
	cr_expect_str_eq(json_string_value(p->filter->value), "2819c223");
	scim_path_free(p);

	p = path_ok(&scim_rtype_user, "emails[type eq \"work\"].value");
	cr_expect_str_eq(p->ref.attr, "emails");
	cr_expect_str_eq(p->ref.sub, "value");
	cr_assert_not_null(p->filter);
	cr_expect_str_eq(p->filter->ref.attr, "type");
	scim_path_free(p);

	p = path_ok(&scim_rtype_user, "emails[type eq \"work\" and not (primary eq false)]");
	cr_expect_eq(p->filter->op, SCIM_OP_AND);
	cr_expect_eq(p->filter->right->op, SCIM_OP_NOT);
	scim_path_free(p);

	p = path_ok(&scim_rtype_user, ENTERPRISE_PREFIX "manager");
	cr_expect_str_eq(p->ref.urn, SCIM_URN_ENTERPRISE);
	cr_expect_str_eq(p->ref.attr, "manager");
	cr_expect_null(p->ref.sub);
	scim_path_free(p);

	p = path_ok(&scim_rtype_user, ENTERPRISE_PREFIX "manager.value");
	cr_expect_str_eq(p->ref.urn, SCIM_URN_ENTERPRISE);
	cr_expect_str_eq(p->ref.attr, "manager");
	cr_expect_str_eq(p->ref.sub, "value");
	scim_path_free(p);

	p = path_ok(&scim_rtype_user, SCIM_URN_USER ":Name.FamilyName");
	cr_expect_null(p->ref.urn);
	cr_expect_str_eq(p->ref.attr, "Name");
	cr_expect_str_eq(p->ref.sub, "FamilyName");
	scim_path_free(p);

	p = path_ok(&scim_rtype_user,
	            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber");
	cr_expect_str_eq(p->ref.attr, "employeeNumber");
	scim_path_free(p);

	p = path_ok(&scim_rtype_user, "x509Certificates[value pr].display");
	cr_expect_str_eq(p->ref.sub, "display");
	scim_path_free(p);
}

Test(scim_filter, path_errors)
{
	struct scim_limits shallow = {.filter_max_length = 8192, .filter_max_depth = 1};
	struct scim_path *p = NULL;
	struct scim_err e = {0};

	path_fails(&scim_rtype_user, "", "path: the path is empty at offset 0");
	path_fails(&scim_rtype_user, "1abc",
	           "expected an attribute name, not \"1abc\" at offset 0");
	path_fails(&scim_rtype_user, "members x",
	           "expected \"[\" or the end of the path after \"members\" at offset 8");
	path_fails(&scim_rtype_user, "members[",
	           "expected a sub-attribute name, \"(\" or \"not\" after \"[\" at offset 8");
	path_fails(&scim_rtype_user, "members[value eq \"x\"", "expected \"and\", \"or\" or \"]\"");
	path_fails(&scim_rtype_user, "members]", "expected \"[\" or the end of the path");
	path_fails(&scim_rtype_user, "emails[type eq \"work\"]value",
	           "\".\" and a sub-attribute name, or the end of the path");
	path_fails(&scim_rtype_user, "emails[type eq \"work\"] .value", "or the end of the path");
	path_fails(&scim_rtype_user, "emails[type eq \"work\"].1x",
	           "expected a sub-attribute name, not \"1x\" at offset 23");
	path_fails(&scim_rtype_user, "emails[type eq \"work\"].value.x",
	           "expected a sub-attribute name");
	path_fails(&scim_rtype_user, "emails[type eq \"work\"].value[x pr]",
	           "or the end of the path");
	path_fails(&scim_rtype_user, "emails.value[type pr]", "without a sub-attribute");
	path_fails(&scim_rtype_user, "emails[type eq \"w]", "unterminated string at offset 15");
	path_fails(&scim_rtype_user, "emails[type xx \"w\"]",
	           "expected a comparison operator after \"type\"");
	path_fails(&scim_rtype_user, "urn:ietf:params:scim:schemas:extension:acme:2.0:User:x",
	           "is not a schema of User resources");
	path_fails(&scim_rtype_group, ENTERPRISE_PREFIX "manager",
	           "is not a schema of Group resources");
	path_fails(&scim_rtype_user, SCIM_URN_ENTERPRISE,
	           "expected \":\" and an attribute name after the schema URN at offset 58");
	path_fails(&scim_rtype_user, "(members)", "expected an attribute name at offset 0");
	path_fails(&scim_rtype_user, "name.givenName.x", "expected a sub-attribute name");
	cr_assert_eq(scim_path_parse("emails[(type pr)]", &scim_rtype_user, &shallow, &p, &e), -1);
	cr_expect_str_eq(e.scim_type, SCIM_ERR_INVALID_PATH);
	cr_expect(strstr(e.detail, "nested deeper than 1 levels"), "%s", e.detail);
	memset(&e, 0, sizeof(e));
	cr_assert_eq(scim_path_parse("emails[type pr]", &scim_rtype_user, &shallow, &p, &e), 0,
	             "%s", e.detail);
	scim_path_free(p);
	shallow.filter_max_length = 5;
	memset(&e, 0, sizeof(e));
	cr_assert_eq(scim_path_parse("members", &scim_rtype_group, &shallow, &p, &e), -1);
	cr_expect_str_eq(e.detail, "path: longer than 5 bytes");
	cr_expect_null(scim_path_free(NULL));
	cr_expect_null(scim_filter_free(NULL));
}

Test(scim_filter, ref_resolve)
{
	const struct scim_attr *a, *parent;
	struct scim_attr_ref ref = {0};

	ref.attr = "emails";
	a = scim_ref_resolve(&scim_rtype_user, &ref, &parent);
	cr_assert_not_null(a);
	cr_expect_str_eq(a->name, "emails");
	cr_expect_eq(parent, a);

	ref.attr = "EMAILS";
	ref.sub = "Type";
	a = scim_ref_resolve(&scim_rtype_user, &ref, &parent);
	cr_assert_not_null(a);
	cr_expect_str_eq(a->name, "type");
	cr_assert_not_null(parent);
	cr_expect_str_eq(parent->name, "emails");

	ref.sub = "nosuch";
	cr_expect_null(scim_ref_resolve(&scim_rtype_user, &ref, &parent));
	cr_expect_str_eq(parent->name, "emails", "the parent is known even when the sub is not");

	ref.attr = "manager";
	ref.sub = "displayName";
	cr_expect_null(scim_ref_resolve(&scim_rtype_user, &ref, &parent), "manager is not core");
	cr_expect_null(parent);
	ref.urn = SCIM_URN_ENTERPRISE;
	a = scim_ref_resolve(&scim_rtype_user, &ref, &parent);
	cr_assert_not_null(a);
	cr_expect_eq(a->mutability, SCIM_MUT_READONLY);
	cr_expect_str_eq(parent->name, "manager");

	ref.urn = NULL;
	ref.attr = "meta";
	ref.sub = "lastModified";
	a = scim_ref_resolve(&scim_rtype_group, &ref, &parent);
	cr_assert_not_null(a);
	cr_expect_eq(a->type, SCIM_T_DATETIME);

	ref.attr = "members";
	ref.sub = "value";
	a = scim_ref_resolve(&scim_rtype_group, &ref, NULL);
	cr_assert_not_null(a);
	cr_expect_eq(a->mutability, SCIM_MUT_IMMUTABLE);
	cr_expect_null(scim_ref_resolve(&scim_rtype_user, &ref, NULL),
	               "members is a Group attribute");
}
