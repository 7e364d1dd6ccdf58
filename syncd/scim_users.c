/* SPDX-License-Identifier: MIT */
/*
 * /Users: SCIM User resources onto idsync identities. Reads serve the
 * resource as the IdP sent it with the authoritative POSIX-backed values
 * (id, userName, externalId, active, groups, meta); writes go through the
 * identity and policy layers, which derive the Unix view and the grants.
 * Called by scim_dispatch() inside the transaction the HTTP layer opened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "libidsync/cleanup.h"
#include "libidsync/groups.h"
#include "libidsync/identity.h"
#include "libidsync/log.h"
#include "libidsync/strv.h"
#include "libidsync/policy.h"
#include "syncd/scim_list.h"
#include "syncd/scim_patch.h"
#include "syncd/scim_resource.h"
#include "syncd/scim_service.h"

static const struct scim_rtype *const rt = &scim_rtype_user;

/* groups: the SCIM groups the user is a member of, as RFC 7643 §4.1.2 lists them. */
struct groups_ctx {
	struct ids_txn *t;
	json_t *arr;
	const char *base_url;
};

static int
group_cb(const char *id, size_t len, void *data)
{
	struct groups_ctx *gc = data;
	_cleanup_(ids_group_freep) struct ids_group *g = NULL;
	_cleanup_free_ char *gid = strndup(id, len);
	int r;

	if (!gid)
		return -ENOMEM;
	r = ids_group_get(gc->t, gid, &g);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return json_array_append_new(gc->arr, scim_reference(gc->base_url, "/Groups", gid,
							     g->display_name, "direct"));
}

/* The resource as served: what the IdP sent plus what idsync is authoritative for. */
static json_t *
user_resource(struct ids_txn *t, const struct ids_user *u, const char *base_url, bool groups)
{
	json_t *o = u->scim ? json_deep_copy(u->scim) : json_object();

	if (!o || scim_set_common(o, SCIM_URN_USER, "User", "/Users", base_url, u->id,
				  u->external_id, u->created, u->modified, u->version) < 0 ||
	    json_object_set_new(o, "userName", json_string(u->user_name)) < 0 ||
	    json_object_set_new(o, "active", json_boolean(u->active)) < 0) {
		json_decref(o);
		return NULL;
	}
	if (groups) {
		struct groups_ctx gc = {t, json_array(), base_url};
		if (!gc.arr || ids_member_foreach_of_user(t, u->id, group_cb, &gc) < 0) {
			json_decref(gc.arr);
			json_decref(o);
			return NULL;
		}
		if (json_array_size(gc.arr))
			json_object_set_new(o, "groups", gc.arr);
		else
			json_decref(gc.arr);
	}
	return o;
}

static int
respond_user(struct ids_txn *t, const struct scim_req *rq, const struct ids_user *u, int status,
	     struct scim_resp *rs, struct scim_err *e)
{
	return scim_respond(rs, status, user_resource(t, u, rq->base_url, true), rq->base_url,
			    "/Users", u->id, u->version, e);
}

/* A live (not deleted) user by SCIM id; 404 otherwise. */
static int
load_user(struct ids_txn *t, const char *id, struct ids_user **out, struct scim_err *e)
{
	int r = ids_user_get(t, id, out);

	if (r == 0 && (*out)->deleted) {
		*out = ids_user_free(*out);
		r = -ENOENT;
	}
	if (r == -ENOENT)
		return scim_fail(e, 404, NULL, "no user with id \"%.80s\"", id);
	if (r < 0)
		return scim_fail_errno(e, r, NULL, "cannot read the user");
	return 0;
}

/* What the identity layer needs from a validated resource. */
static void
identity_in(json_t *res, bool active, struct ids_identity_in *in)
{
	json_t *name = json_object_get(res, "name"), *act = json_object_get(res, "active");

	*in = (struct ids_identity_in){
		.user_name = ids_json_str(res, "userName"),
		.external_id = ids_json_str(res, "externalId"),
		.display_name = ids_json_str(res, "displayName"),
		.given_name = name ? ids_json_str(name, "givenName") : NULL,
		.family_name = name ? ids_json_str(name, "familyName") : NULL,
		.active = json_is_boolean(act) ? json_is_true(act) : active,
		.scim = res,
	};
}

static struct ids_identity_ctx
ctx_of(struct scim_service *svc, const struct scim_req *rq)
{
	return (struct ids_identity_ctx){svc->cfg, svc->lf, rq->now, rq->actor};
}

static int
create_user(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq,
	    struct scim_resp *rs, struct scim_err *e)
{
	struct ids_identity_ctx ctx = ctx_of(svc, rq);
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	_cleanup_free_ char *why = NULL;
	struct ids_identity_in in;
	json_t *res = NULL;
	int r;

	if (scim_resource_validate(rq->body, rt, &res, e) < 0)
		return -1;
	identity_in(res, true, &in);
	r = ids_identity_create(t, &ctx, &in, &u, &why);
	json_decref(res);
	if (r < 0)
		return scim_fail_errno(e, r, why, "cannot create the user");
	return respond_user(t, rq, u, 201, rs, e);
}

/*
 * Replaces what the IdP says about u with the validated resource res, with
 * activation changes through the policy (offboarding, grants coming back).
 */
static int
replace_user(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq,
	     struct ids_user *u, json_t *res, struct scim_resp *rs, struct scim_err *e)
{
	struct ids_identity_ctx ctx = ctx_of(svc, rq);
	_cleanup_(ids_user_freep) struct ids_user *updated = NULL;
	_cleanup_free_ char *why = NULL;
	struct ids_identity_in in;
	bool active;
	int r;

	/* A body without "active" leaves it as it is: a PUT never reactivates by omission. */
	identity_in(res, u->active, &in);
	active = in.active;
	in.active = u->active; /* the activation change goes through the policy below */
	r = ids_identity_update(t, &ctx, u->id, &in, NULL, &why);
	if (r == 0 && active != u->active)
		r = active ? ids_policy_reactivate(t, &ctx, u->id) : ids_policy_deactivate(t, &ctx, u->id);
	if (r < 0)
		return scim_fail_errno(e, r, why, "cannot update the user");
	r = ids_user_get(t, u->id, &updated);
	if (r < 0)
		return scim_fail_errno(e, r, NULL, "cannot read the updated user");
	return respond_user(t, rq, updated, 200, rs, e);
}

static int
put_user(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq, const char *id,
	 struct scim_resp *rs, struct scim_err *e)
{
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	json_t *res = NULL;
	int r;

	if (load_user(t, id, &u, e) < 0 || scim_check_if_match(rq, u->version, e) < 0)
		return -1;
	if (scim_resource_validate(rq->body, rt, &res, e) < 0)
		return -1;
	r = replace_user(svc, t, rq, u, res, rs, e);
	json_decref(res);
	return r;
}

static int
patch_user(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq, const char *id,
	   struct scim_resp *rs, struct scim_err *e)
{
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	json_t *cur, *res = NULL;
	int r;

	if (load_user(t, id, &u, e) < 0 || scim_check_if_match(rq, u->version, e) < 0)
		return -1;
	/* The client-writable attributes as they stand, with our authoritative values. */
	cur = user_resource(t, u, rq->base_url, false);
	if (!cur)
		return scim_oom(e);
	json_object_del(cur, "id");
	json_object_del(cur, "meta");
	r = scim_patch_apply(cur, rq->body, rt, &svc->limits, NULL, e);
	if (r == 0)
		r = scim_resource_validate(cur, rt, &res, e);
	json_decref(cur);
	if (r < 0)
		return -1;
	r = replace_user(svc, t, rq, u, res, rs, e);
	json_decref(res);
	return r;
}

static int
delete_user(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq, const char *id,
	    struct scim_resp *rs, struct scim_err *e)
{
	struct ids_identity_ctx ctx = ctx_of(svc, rq);
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	int r;

	if (load_user(t, id, &u, e) < 0 || scim_check_if_match(rq, u->version, e) < 0)
		return -1;
	r = ids_policy_delete(t, &ctx, u->id);
	if (r < 0)
		return scim_fail_errno(e, r, NULL, "cannot delete the user");
	rs->status = 204;
	return 0;
}

/* ---- list and search ---- */

struct list_ctx {
	struct scim_list *l;
	struct ids_txn *t;
	const char *base_url;
	bool groups;
};

static int
list_one(const struct ids_user *u, void *data)
{
	struct list_ctx *lc = data;
	json_t *o;
	int r;

	if (u->deleted)
		return 0;
	o = user_resource(lc->t, u, lc->base_url, lc->groups);
	if (!o)
		return -ENOMEM;
	r = scim_list_matches(lc->l, o) ? scim_list_add(lc->l, o) : 0;
	json_decref(o);
	return r;
}

/* The user an equality term on an indexed attribute names; 1 when found, 0 when none. */
static int
lookup_indexed(struct ids_txn *t, const char *attr, const char *value, struct ids_user **out,
	       bool *indexed)
{
	_cleanup_free_ char *key = NULL, *uid = NULL;
	enum ids_db db;
	struct ids_val v;
	int r;

	*indexed = true;
	if (strcasecmp(attr, "id") == 0) {
		r = ids_user_get(t, value, out);
		return r == -ENOENT ? 0 : r < 0 ? r : 1;
	}
	if (strcasecmp(attr, "userName") == 0) {
		db = IDS_DB_USER_BY_NAME;
		key = ids_strdup_lower(value);
	} else if (strcasecmp(attr, "externalId") == 0) {
		db = IDS_DB_USER_BY_EXTID;
		key = strdup(value);
	} else {
		*indexed = false;
		return 0;
	}
	if (!key)
		return -ENOMEM;
	r = ids_txn_get_str(t, db, key, &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	uid = strndup(v.data, v.size);
	if (!uid)
		return -ENOMEM;
	r = ids_user_get(t, uid, out);
	return r == -ENOENT ? 0 : r < 0 ? r : 1;
}

static int
list_users(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq, bool search,
	   struct scim_resp *rs, struct scim_err *e)
{
	static const char *const index_attrs[] = {"id", "userName", "externalId", NULL};
	struct scim_list l;
	struct list_ctx lc = {&l, t, rq->base_url, true};
	const char *attr, *value;
	bool indexed = false;
	int r = 0;

	if (scim_list_begin(&l, svc, rq, rt, search, e) < 0)
		return -1;
	lc.groups = scim_projection_wants(l.proj, "groups");
	if (scim_list_indexed_term(l.filter, index_attrs, &attr, &value)) {
		_cleanup_(ids_user_freep) struct ids_user *u = NULL;
		r = lookup_indexed(t, attr, value, &u, &indexed);
		if (r > 0)
			r = list_one(u, &lc);
	}
	if (!indexed)
		r = ids_user_foreach(t, list_one, &lc);
	if (r >= 0) {
		rs->status = 200;
		rs->body = scim_list_response(&l);
		if (!rs->body)
			r = -ENOMEM;
	}
	scim_list_clear(&l);
	return r < 0 ? scim_fail_errno(e, r, NULL, "cannot list users") : 0;
}

int
scim_users_handle(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq,
		  const char *rest, struct scim_resp *rs, struct scim_err *e)
{
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	const char *id = *rest == '/' ? rest + 1 : NULL;

	if (!id || !*id) {
		if (rq->method == SCIM_GET)
			return list_users(svc, t, rq, false, rs, e);
		if (rq->method == SCIM_POST)
			return create_user(svc, t, rq, rs, e);
		return scim_fail(e, 405, NULL, "/Users takes GET and POST");
	}
	if (strcmp(id, ".search") == 0) {
		if (rq->method != SCIM_POST)
			return scim_fail(e, 405, NULL, "/Users/.search takes POST");
		return list_users(svc, t, rq, true, rs, e);
	}
	if (strchr(id, '/'))
		return scim_fail(e, 404, NULL, "no SCIM endpoint at /Users/%.100s", id);
	switch (rq->method) {
	case SCIM_GET: {
		struct scim_projection *p = NULL;
		json_t *o;
		if (scim_projection_parse(scim_req_param(rq, "attributes"),
					  scim_req_param(rq, "excludedAttributes"), rt, &p, e) < 0)
			return -1;
		if (load_user(t, id, &u, e) < 0) {
			scim_projection_free(p);
			return -1;
		}
		o = user_resource(t, u, rq->base_url, scim_projection_wants(p, "groups"));
		rs->body = o ? scim_projection_apply(p, o, rt) : NULL;
		json_decref(o);
		scim_projection_free(p);
		if (!rs->body)
			return scim_oom(e);
		rs->status = 200;
		rs->etag = scim_etag(u->version);
		return 0;
	}
	case SCIM_PUT:
		return put_user(svc, t, rq, id, rs, e);
	case SCIM_PATCH:
		return patch_user(svc, t, rq, id, rs, e);
	case SCIM_DELETE:
		return delete_user(svc, t, rq, id, rs, e);
	default:
		return scim_fail(e, 405, NULL, "/Users/{id} takes GET, PUT, PATCH and DELETE");
	}
}
