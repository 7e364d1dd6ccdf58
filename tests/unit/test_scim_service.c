/* SPDX-License-Identifier: MIT */
/*
 * The SCIM handlers driven directly (scim_dispatch on a scratch store, no
 * HTTP): responses, and their effects on identities, memberships and grants
 * through the access policy. The HTTP, TLS and batching layers are covered
 * end to end by tests/scim/.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "libidsync/grants.h"
#include "libidsync/groups.h"
#include "libidsync/mapping.h"
#include "libidsync/workspace.h"
#include "syncd/scim_service.h"

static struct fixture f;
static struct scim_service svc;

static void
setup(void)
{
	fixture_setup(&f);
	cr_assert_eq(scim_service_init(&svc, f.cfg, f.store), 0);
}

static void
teardown(void)
{
	scim_service_clear(&svc);
	fixture_teardown(&f);
}

TestSuite(scim_service, .init = setup, .fini = teardown);

struct reply {
	int status;
	json_t *body;
	char etag[64];
	char scim_type[32];
};

/* One request: query "k=v&k=v" (already decoded, no '&' in values), body JSON text or NULL. */
static struct reply
call(enum scim_method m, const char *path, const char *query, const char *body, const char *if_match)
{
	struct scim_param params[8];
	struct scim_req rq = {.method = m, .path = path, .params = params, .if_match = if_match,
			      .base_url = "https://h/scim/v2", .actor = "scim:test", .now = 1700000000};
	struct scim_resp rs = {0};
	struct scim_err e = {0};
	struct reply out = {0};
	struct ids_txn *t;
	char *q = query ? strdup(query) : NULL, *save = NULL;

	for (char *kv = q ? strtok_r(q, "&", &save) : NULL; kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		cr_assert_not_null(eq);
		*eq = '\0';
		params[rq.n_params++] = (struct scim_param){kv, eq + 1};
	}
	if (body) {
		json_error_t jerr;
		rq.body = json_loads(body, 0, &jerr);
		cr_assert_not_null(rq.body, "test body: %s", jerr.text);
	}
	cr_assert_eq(ids_txn_begin(f.store, scim_req_is_write(&rq), &t), 0);
	if (scim_dispatch(&svc, t, &rq, &rs, &e) == 0) {
		cr_assert_eq(ids_txn_commit(t), 0);
		out.status = rs.status;
		out.body = json_incref(rs.body);
		if (rs.etag)
			snprintf(out.etag, sizeof(out.etag), "%s", rs.etag);
	} else {
		ids_txn_abort(t);
		cr_assert_eq(rs.status, 0, "a failed handler leaves the response alone");
		out.status = e.status;
		out.body = scim_err_to_json(&e);
		snprintf(out.scim_type, sizeof(out.scim_type), "%s", e.scim_type ? e.scim_type : "");
	}
	scim_resp_clear(&rs);
	json_decref(rq.body);
	free(q);
	return out;
}

/* The body as text, for messages (a static buffer: nothing to free). */
static const char *
dump(json_t *o)
{
	static char buf[8192];
	size_t n = o ? json_dumpb(o, buf, sizeof(buf) - 1, JSON_COMPACT) : 0;

	buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
	return buf;
}

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static char *
create_user(const char *user_name, const char *external_id)
{
	char body[512];
	struct reply r;
	char *id;

	snprintf(body, sizeof(body),
		 "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"%s\","
		 "\"externalId\":\"%s\",\"name\":{\"givenName\":\"G\",\"familyName\":\"F\"},"
		 "\"active\":true,\"password\":\"hunter2\"}",
		 user_name, external_id);
	r = call(SCIM_POST, "/Users", NULL, body, NULL);
	cr_assert_eq(r.status, 201, "%s", dump(r.body));
	id = strdup(str(r.body, "id"));
	json_decref(r.body);
	return id;
}

static bool
has_grant(const char *user_id, const char *ws)
{
	struct ids_txn *t;
	struct ids_grant *g = NULL;
	int r;

	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	r = ids_grant_get(t, user_id, ws, &g);
	ids_txn_abort(t);
	ids_grant_free(g);
	return r == 0;
}

/*
 * Maps identifier to ws. Mappings apply once two or more managed workspaces
 * exist (with one, every user gets it at login): "other" is the second.
 */
static void
workspace_mapped(const char *ws, const char *label, const char *identifier)
{
	struct ids_workspace_in in = {.name = ws, .managed = true};
	char *workspaces[] = {(char *)ws, NULL};
	struct ids_mapping m = {(char *)label, (char *)identifier, workspaces, NULL};
	struct ids_txn *t;
	char *why = NULL;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	for (const char *name = ws; name; name = name == ws ? "other" : NULL) {
		struct ids_workspace *have = NULL;
		in.name = name;
		if (ids_workspace_get(t, name, &have) == 0)
			ids_workspace_free(have);
		else
			cr_assert_eq(ids_workspace_create(t, &f.ctx, &in, &why), 0, "%s", why ? why : "");
	}
	cr_assert_eq(ids_mapping_put(t, &m, false, &why), 0, "%s", why ? why : "");
	cr_assert_eq(ids_txn_commit(t), 0);
}

Test(scim_service, create_then_lookup_by_username_ignores_case_and_never_returns_password)
{
	char *id = create_user("Ada.Lovelace@Example.com", "ext-ada");
	struct reply r = call(SCIM_GET, "/Users",
			      "filter=userName eq \"ada.lovelace@example.COM\"&startIndex=1&count=100",
			      NULL, NULL);

	cr_assert_eq(r.status, 200);
	cr_assert_eq(json_integer_value(json_object_get(r.body, "totalResults")), 1);
	cr_assert_str_eq(str(json_array_get(json_object_get(r.body, "Resources"), 0), "id"), id);
	cr_assert_null(strstr(dump(r.body), "hunter2"));
	cr_assert_null(strstr(dump(r.body), "password"));
	json_decref(r.body);

	r = call(SCIM_GET, "/Users", "filter=userName eq \"8d3c2a52-0b8e-4a5b-9c5e-1f0e9c1d2a01\"",
		 NULL, NULL);
	cr_assert_eq(r.status, 200, "a lookup that finds nothing is an empty list, not 404");
	cr_assert_eq(json_integer_value(json_object_get(r.body, "totalResults")), 0);
	cr_assert_eq(json_array_size(json_object_get(r.body, "Resources")), 0);
	json_decref(r.body);
	free(id);
}

Test(scim_service, duplicate_username_in_other_case_is_409_uniqueness)
{
	free(create_user("grace@example.com", "g1"));
	struct reply r = call(SCIM_POST, "/Users", NULL,
			      "{\"userName\":\"GRACE@example.com\",\"externalId\":\"g2\"}", NULL);
	cr_assert_eq(r.status, 409);
	cr_assert_str_eq(r.scim_type, "uniqueness");
	json_decref(r.body);
}

Test(scim_service, name_that_cannot_be_a_login_is_refused_with_the_reason)
{
	struct reply r = call(SCIM_POST, "/Users", NULL, "{\"userName\":\"root@example.com\"}", NULL);

	cr_assert(r.status == 409 || r.status == 400, "got %d", r.status);
	cr_assert_not_null(strstr(str(r.body, "detail"), "root"), "%s", str(r.body, "detail"));
	json_decref(r.body);
}

Test(scim_service, unknown_id_is_404_and_bad_filter_is_400_invalid_filter)
{
	struct reply r = call(SCIM_GET, "/Users/6d6f6e6b-6579-4000-8000-000000000000", NULL, NULL, NULL);

	cr_assert_eq(r.status, 404);
	json_decref(r.body);
	r = call(SCIM_GET, "/Users", "filter=userName eq", NULL, NULL);
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(r.scim_type, "invalidFilter");
	json_decref(r.body);
}

Test(scim_service, pages_are_stable_and_cover_every_user_once)
{
	char seen[30][64] = {{0}};
	size_t n = 0;

	for (int i = 0; i < 25; i++) {
		char name[64], ext[16];
		snprintf(name, sizeof(name), "user%02d@example.com", i);
		snprintf(ext, sizeof(ext), "e%d", i);
		free(create_user(name, ext));
	}
	for (int start = 1; start <= 25; start += 10) {
		char q[64];
		struct reply r;
		json_t *res, *it;
		size_t i;
		snprintf(q, sizeof(q), "startIndex=%d&count=10", start);
		r = call(SCIM_GET, "/Users", q, NULL, NULL);
		cr_assert_eq(r.status, 200);
		cr_assert(json_is_integer(json_object_get(r.body, "totalResults")));
		cr_assert_eq(json_integer_value(json_object_get(r.body, "totalResults")), 25);
		cr_assert_eq(json_integer_value(json_object_get(r.body, "startIndex")), start);
		res = json_object_get(r.body, "Resources");
		cr_assert_eq(json_array_size(res), start == 21 ? 5 : 10);
		json_array_foreach(res, i, it) {
			for (size_t k = 0; k < n; k++)
				cr_assert_str_neq(seen[k], str(it, "id"), "a user on two pages");
			snprintf(seen[n++], 64, "%s", str(it, "id"));
		}
		json_decref(r.body);
	}
	cr_assert_eq(n, 25);

	struct reply r = call(SCIM_GET, "/Users", "count=0", NULL, NULL);
	cr_assert_eq(json_integer_value(json_object_get(r.body, "totalResults")), 25);
	cr_assert_eq(json_array_size(json_object_get(r.body, "Resources")), 0);
	json_decref(r.body);
}

Test(scim_service, group_membership_grants_and_revokes_with_overlap)
{
	char *ada = create_user("ada@example.com", "a"), *bob = create_user("bob@example.com", "b");
	char body[1024], path[128];
	struct reply r;
	char *eng, *ops;

	workspace_mapped("build", "eng-map", "Engineers");
	workspace_mapped("build", "ops-map", "Operators");
	snprintf(body, sizeof(body),
		 "{\"displayName\":\"Engineers\",\"members\":[{\"value\":\"%s\"},"
		 "{\"value\":\"not-a-user\"}]}",
		 ada);
	r = call(SCIM_POST, "/Groups", NULL, body, NULL);
	cr_assert_eq(r.status, 201, "an unknown member is skipped, not a failure: %s",
		     dump(r.body));
	cr_assert_eq(json_array_size(json_object_get(r.body, "members")), 1);
	eng = strdup(str(r.body, "id"));
	json_decref(r.body);
	cr_assert(has_grant(ada, "build"));
	cr_assert_not(has_grant(bob, "build"));

	r = call(SCIM_POST, "/Groups", NULL, "{\"displayName\":\"Operators\"}", NULL);
	ops = strdup(str(r.body, "id"));
	json_decref(r.body);

	/* Entra's member add, twice: idempotent. */
	snprintf(path, sizeof(path), "/Groups/%s", ops);
	snprintf(body, sizeof(body),
		 "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":"
		 "[{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"value\":\"%s\"}]}]}",
		 ada);
	for (int i = 0; i < 2; i++) {
		r = call(SCIM_PATCH, path, NULL, body, NULL);
		cr_assert_eq(r.status, 204);
		json_decref(r.body);
	}
	r = call(SCIM_GET, path, NULL, NULL, NULL);
	cr_assert_eq(json_array_size(json_object_get(r.body, "members")), 1, "no duplicate member");
	json_decref(r.body);

	/* Leaving Engineers keeps build: Operators still grants it (overlap). */
	snprintf(path, sizeof(path), "/Groups/%s", eng);
	snprintf(body, sizeof(body),
		 "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":"
		 "[{\"op\":\"remove\",\"path\":\"members[value eq \\\"%s\\\"]\"}]}",
		 ada);
	r = call(SCIM_PATCH, path, NULL, body, NULL);
	cr_assert_eq(r.status, 204, "%s", dump(r.body));
	json_decref(r.body);
	cr_assert(has_grant(ada, "build"), "another group still grants build");

	/* Leaving Operators too (Entra: path members with a value array) revokes it. */
	snprintf(path, sizeof(path), "/Groups/%s", ops);
	snprintf(body, sizeof(body),
		 "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":"
		 "[{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\"%s\"}]}]}",
		 ada);
	r = call(SCIM_PATCH, path, NULL, body, NULL);
	cr_assert_eq(r.status, 204);
	json_decref(r.body);
	cr_assert_not(has_grant(ada, "build"));
	free(ada);
	free(bob);
	free(eng);
	free(ops);
}

Test(scim_service, deactivation_by_string_boolean_drops_grants_and_reactivation_restores)
{
	char *ada = create_user("ada@example.com", "a");
	char body[512], path[128];
	struct reply r;

	workspace_mapped("build", "eng-map", "Engineers");
	snprintf(body, sizeof(body), "{\"displayName\":\"Engineers\",\"members\":[{\"value\":\"%s\"}]}",
		 ada);
	json_decref(call(SCIM_POST, "/Groups", NULL, body, NULL).body);
	cr_assert(has_grant(ada, "build"));

	snprintf(path, sizeof(path), "/Users/%s", ada);
	r = call(SCIM_PATCH, path, NULL,
		 "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":"
		 "[{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}]}",
		 NULL);
	cr_assert_eq(r.status, 200, "%s", dump(r.body));
	cr_assert(json_is_false(json_object_get(r.body, "active")));
	json_decref(r.body);
	cr_assert_not(has_grant(ada, "build"));

	/* Okta: a no-path replace. */
	r = call(SCIM_PATCH, path, NULL,
		 "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":"
		 "[{\"op\":\"replace\",\"value\":{\"active\":true}}]}",
		 NULL);
	cr_assert_eq(r.status, 200);
	json_decref(r.body);
	cr_assert(has_grant(ada, "build"), "grants come back from the memberships");
	free(ada);
}

Test(scim_service, put_replaces_the_profile_and_if_match_guards_it)
{
	char *id = create_user("ada@example.com", "a");
	char path[128], etag[64];
	struct reply r;

	snprintf(path, sizeof(path), "/Users/%s", id);
	r = call(SCIM_GET, path, NULL, NULL, NULL);
	snprintf(etag, sizeof(etag), "%s", r.etag);
	cr_assert_str_eq(etag, "W/\"1\"");
	json_decref(r.body);

	r = call(SCIM_PUT, path, NULL,
		 "{\"userName\":\"ada@example.com\",\"externalId\":\"a\",\"title\":\"Countess\","
		 "\"active\":true}",
		 "W/\"99\"");
	cr_assert_eq(r.status, 412);
	json_decref(r.body);

	r = call(SCIM_PUT, path, NULL,
		 "{\"userName\":\"ada@example.com\",\"externalId\":\"a\",\"title\":\"Countess\","
		 "\"active\":true}",
		 etag);
	cr_assert_eq(r.status, 200, "%s", dump(r.body));
	cr_assert_str_eq(str(r.body, "title"), "Countess");
	cr_assert_null(json_object_get(r.body, "name"), "attributes left out of a PUT are cleared");
	json_decref(r.body);
	free(id);
}

Test(scim_service, delete_user_removes_memberships_and_then_404)
{
	char *ada = create_user("ada@example.com", "a");
	char body[256], path[128], gpath[128];
	struct reply r;

	snprintf(body, sizeof(body), "{\"displayName\":\"G\",\"members\":[{\"value\":\"%s\"}]}", ada);
	r = call(SCIM_POST, "/Groups", NULL, body, NULL);
	snprintf(gpath, sizeof(gpath), "/Groups/%s", str(r.body, "id"));
	json_decref(r.body);

	snprintf(path, sizeof(path), "/Users/%s", ada);
	r = call(SCIM_DELETE, path, NULL, NULL, NULL);
	cr_assert_eq(r.status, 204);
	json_decref(r.body);
	r = call(SCIM_GET, path, NULL, NULL, NULL);
	cr_assert_eq(r.status, 404);
	json_decref(r.body);
	r = call(SCIM_GET, gpath, NULL, NULL, NULL);
	cr_assert_eq(json_array_size(json_object_get(r.body, "members")), 0);
	json_decref(r.body);
	free(ada);
}

Test(scim_service, group_lookup_by_name_without_members_and_rename)
{
	char *ada = create_user("ada@example.com", "a");
	char body[256], path[128];
	struct reply r;

	snprintf(body, sizeof(body), "{\"displayName\":\"Group1\",\"members\":[{\"value\":\"%s\"}]}",
		 ada);
	r = call(SCIM_POST, "/Groups", NULL, body, NULL);
	snprintf(path, sizeof(path), "/Groups/%s", str(r.body, "id"));
	json_decref(r.body);

	r = call(SCIM_GET, "/Groups", "excludedAttributes=members&filter=displayName eq \"group1\"",
		 NULL, NULL);
	cr_assert_eq(json_integer_value(json_object_get(r.body, "totalResults")), 1);
	cr_assert_null(json_object_get(json_array_get(json_object_get(r.body, "Resources"), 0),
				       "members"));
	json_decref(r.body);

	/* Okta's rename: a no-path replace echoing the id. */
	snprintf(body, sizeof(body),
		 "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":"
		 "[{\"op\":\"replace\",\"value\":{\"id\":\"%s\",\"displayName\":\"Group2\"}}]}",
		 path + 8);
	r = call(SCIM_PATCH, path, NULL, body, NULL);
	cr_assert_eq(r.status, 204, "%s", dump(r.body));
	json_decref(r.body);
	r = call(SCIM_GET, path, NULL, NULL, NULL);
	cr_assert_str_eq(str(r.body, "displayName"), "Group2");
	cr_assert_eq(json_array_size(json_object_get(r.body, "members")), 1, "a rename keeps members");
	json_decref(r.body);

	/* Okta pushes an empty group as replace members []. */
	r = call(SCIM_PATCH, path, NULL,
		 "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":"
		 "[{\"op\":\"replace\",\"path\":\"members\",\"value\":[]}]}",
		 NULL);
	cr_assert_eq(r.status, 204);
	json_decref(r.body);
	r = call(SCIM_GET, path, NULL, NULL, NULL);
	cr_assert_eq(json_array_size(json_object_get(r.body, "members")), 0);
	json_decref(r.body);
	free(ada);
}

Test(scim_service, discovery_documents_describe_what_is_supported)
{
	struct reply r = call(SCIM_GET, "/ServiceProviderConfig", NULL, NULL, NULL);

	cr_assert_eq(r.status, 200);
	cr_assert(json_is_true(json_object_get(json_object_get(r.body, "patch"), "supported")));
	cr_assert(json_is_false(json_object_get(json_object_get(r.body, "bulk"), "supported")));
	cr_assert(json_is_false(json_object_get(json_object_get(r.body, "sort"), "supported")));
	json_decref(r.body);
	r = call(SCIM_GET, "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", NULL, NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(str(r.body, "id"), "urn:ietf:params:scim:schemas:core:2.0:User");
	json_decref(r.body);
	r = call(SCIM_GET, "/ResourceTypes", NULL, NULL, NULL);
	cr_assert_eq(json_integer_value(json_object_get(r.body, "totalResults")), 2);
	json_decref(r.body);
	r = call(SCIM_GET, "/Schemas/urn:nope", NULL, NULL, NULL);
	cr_assert_eq(r.status, 404);
	json_decref(r.body);
}

/* A filter answered through an index still has every term checked on each candidate. */
Test(scim_service, indexed_lookups_check_the_whole_filter)
{
	static const struct {
		const char *query;
		int total;
	} cases[] = {
		{"filter=title eq \"x\" and userName eq \"ADA@example.com\"", 0},
		{"filter=userName eq \"ada@example.com\" and active eq true", 1},
		{"filter=userName eq \"ada@example.com\" and active eq false", 0},
		{"filter=externalId eq \"a\"", 1},
		{"filter=externalId eq \"A\"", 0}, /* externalId is caseExact */
		{"filter=userName eq \"ada@example.com\" or userName eq \"bob@example.com\"", 2},
		{"filter=not (userName eq \"ada@example.com\")", 1},
		{"filter=emails[type eq \"work\"] or userName sw \"b\"", 1},
	};
	char *ada = create_user("ada@example.com", "a"), *bob = create_user("bob@example.com", "b");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply r = call(SCIM_GET, "/Users", cases[i].query, NULL, NULL);
		cr_assert_eq(r.status, 200, "%s: %s", cases[i].query, dump(r.body));
		cr_assert_eq(json_integer_value(json_object_get(r.body, "totalResults")),
			     cases[i].total, "%s", cases[i].query);
		json_decref(r.body);
	}
	free(ada);
	free(bob);
}

/* One identity, one uid: an externalId (or a seed) another live user holds is refused. */
Test(scim_service, duplicate_external_id_is_refused_not_given_the_same_uid)
{
	char *bob = create_user("bob@example.com", "shared-ext");
	struct reply r = call(SCIM_POST, "/Users", NULL,
			      "{\"userName\":\"carol@example.com\",\"externalId\":\"shared-ext\"}", NULL);
	char path[128], body[256];

	cr_assert_eq(r.status, 409, "%s", dump(r.body));
	cr_assert_str_eq(r.scim_type, "uniqueness");
	json_decref(r.body);

	/* Someone whose externalId is another user's userName-derived identity. */
	r = call(SCIM_POST, "/Users", NULL, "{\"userName\":\"dave@example.com\"}", NULL);
	cr_assert_eq(r.status, 201);
	json_decref(r.body);
	r = call(SCIM_POST, "/Users", NULL,
		 "{\"userName\":\"erin@example.com\",\"externalId\":\"dave@example.com\"}", NULL);
	cr_assert_eq(r.status, 409, "%s", dump(r.body));
	json_decref(r.body);

	/* And a PUT cannot take another user's externalId either. */
	r = call(SCIM_POST, "/Users", NULL, "{\"userName\":\"frank@example.com\",\"externalId\":\"f\"}",
		 NULL);
	snprintf(path, sizeof(path), "/Users/%s", str(r.body, "id"));
	json_decref(r.body);
	snprintf(body, sizeof(body), "{\"userName\":\"frank@example.com\",\"externalId\":\"shared-ext\"}");
	r = call(SCIM_PUT, path, NULL, body, NULL);
	cr_assert_eq(r.status, 409, "%s", dump(r.body));
	json_decref(r.body);
	free(bob);
}

Test(scim_service, group_names_and_external_ids_are_unique)
{
	struct reply r = call(SCIM_POST, "/Groups", NULL, "{\"displayName\":\"Eng\",\"externalId\":\"x1\"}", NULL);

	cr_assert_eq(r.status, 201);
	json_decref(r.body);
	r = call(SCIM_POST, "/Groups", NULL, "{\"displayName\":\"ENG\"}", NULL);
	cr_assert_eq(r.status, 409, "displayName is unique case-insensitively");
	json_decref(r.body);
	r = call(SCIM_POST, "/Groups", NULL, "{\"displayName\":\"Ops\",\"externalId\":\"x1\"}", NULL);
	cr_assert_eq(r.status, 409, "%s", dump(r.body));
	cr_assert_str_eq(r.scim_type, "uniqueness");
	json_decref(r.body);
	r = call(SCIM_GET, "/Groups", "filter=externalId eq \"x1\"", NULL, NULL);
	cr_assert_eq(json_integer_value(json_object_get(r.body, "totalResults")), 1);
	cr_assert_str_eq(str(json_array_get(json_object_get(r.body, "Resources"), 0), "displayName"),
			 "Eng");
	json_decref(r.body);
}
