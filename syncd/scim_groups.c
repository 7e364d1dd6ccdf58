/* SPDX-License-Identifier: MIT */
/*
 * /Groups: SCIM Group resources and their memberships. The group record
 * holds the resource without members; memberships live in their own keys
 * (groups.c), so adding one member to a 10k-member group writes two small
 * keys and re-evaluates one user's grants. Every membership change goes
 * through ids_policy_sync_scim() for the users it touched; a rename or a new
 * externalId re-evaluates every member (mappings may match by either).
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
#include "libidsync/policy.h"
#include "libidsync/strv.h"
#include "syncd/scim_list.h"
#include "syncd/scim_patch.h"
#include "syncd/scim_resource.h"
#include "syncd/scim_service.h"

static const struct scim_rtype *const rt = &scim_rtype_group;

/* ---- serving ---- */

struct members_ctx {
	struct ids_txn *t;
	json_t *arr;
	const char *base_url;
};

static int
member_cb(const char *id, size_t len, void *data)
{
	struct members_ctx *mc = data;
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	_cleanup_free_ char *uid = strndup(id, len);
	int r;

	if (!uid)
		return -ENOMEM;
	r = ids_user_get(mc->t, uid, &u);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return json_array_append_new(mc->arr, scim_reference(mc->base_url, "/Users", uid,
							     u->user_name, "User"));
}

static json_t *
group_resource(struct ids_txn *t, const struct ids_group *g, const char *base_url, bool members)
{
	json_t *o = g->scim ? json_deep_copy(g->scim) : json_object();

	if (!o || scim_set_common(o, SCIM_URN_GROUP, "Group", "/Groups", base_url, g->id,
				  g->external_id, g->created, g->modified, g->version) < 0 ||
	    json_object_set_new(o, "displayName", json_string(g->display_name)) < 0) {
		json_decref(o);
		return NULL;
	}
	json_object_del(o, "members");
	if (members) {
		struct members_ctx mc = {t, json_array(), base_url};
		if (!mc.arr || ids_member_foreach_of_group(t, g->id, member_cb, &mc) < 0) {
			json_decref(mc.arr);
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, "members", mc.arr);
	}
	return o;
}

static int
respond_group(struct ids_txn *t, const struct scim_req *rq, const struct ids_group *g, int status,
	      bool members, struct scim_resp *rs, struct scim_err *e)
{
	return scim_respond(rs, status, group_resource(t, g, rq->base_url, members), rq->base_url,
			    "/Groups", g->id, g->version, e);
}

static int
load_group(struct ids_txn *t, const char *id, struct ids_group **out, struct scim_err *e)
{
	int r = ids_group_get(t, id, out);

	if (r == -ENOENT)
		return scim_fail(e, 404, NULL, "no group with id \"%.80s\"", id);
	if (r < 0)
		return scim_fail_errno(e, r, NULL, "cannot read the group");
	return 0;
}

/* ---- membership changes, and the users whose grants they touch ---- */

struct change {
	struct scim_service *svc;
	struct ids_txn *t;
	const struct scim_req *rq;
	const char *group_id;
	json_t *touched; /* user ids to re-evaluate: an object used as a set (keys), or NULL */
	size_t skipped; /* unknown member ids skipped */
};

static int
touch(struct change *c, const char *user_id)
{
	/* A set, not a list: a 10k-member push must not cost 10k² comparisons. */
	if (!c->touched && !(c->touched = json_object()))
		return -ENOMEM;
	return json_object_set_new(c->touched, user_id, json_true()) < 0 ? -ENOMEM : 0;
}

/* Adds a member; an id that names no live user is skipped and logged, as IdPs expect. */
static int
member_add(void *data, const char *value, json_t *member, struct scim_err *e)
{
	struct change *c = data;
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	int r = ids_user_get(c->t, value, &u);

	if (r == -ENOENT || (r == 0 && u->deleted)) {
		ids_log_warnx("scim: group %s: member \"%.80s\" is not a known user: skipped",
			      c->group_id, value);
		c->skipped++;
		return 0;
	}
	if (r == 0)
		r = ids_member_add(c->t, c->group_id, value);
	if (r == 1)
		return 0; /* already a member: adding is idempotent */
	if (r == 0 && touch(c, value) < 0)
		r = -ENOMEM;
	return r < 0 ? scim_fail_errno(e, r, NULL, "cannot add the member") : 0;
}

static int
member_remove(void *data, const char *value, struct scim_err *e)
{
	struct change *c = data;
	int r = ids_member_remove(c->t, c->group_id, value);

	if (r == -ENOENT)
		return 0;
	if (r == 0 && touch(c, value) < 0)
		r = -ENOMEM;
	return r < 0 ? scim_fail_errno(e, r, NULL, "cannot remove the member") : 0;
}

/* A NULL-terminated vector that grows by doubling (ids_strv_push counts it each time). */
struct id_list {
	char **v;
	size_t n, cap;
};

static int
collect_cb(const char *id, size_t len, void *data)
{
	struct id_list *l = data;

	if (l->n + 1 >= l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **grown = realloc(l->v, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		l->v = grown;
		l->cap = cap;
	}
	l->v[l->n] = strndup(id, len);
	if (!l->v[l->n])
		return -ENOMEM;
	l->v[++l->n] = NULL;
	return 0;
}

/* The current member ids (a copy: removing while iterating would disturb the cursor). */
static int
members_of(struct ids_txn *t, const char *group_id, char ***out)
{
	struct id_list l = {0};
	int r = ids_member_foreach_of_group(t, group_id, collect_cb, &l);

	if (r < 0) {
		ids_strv_free(l.v);
		l.v = NULL;
	}
	*out = l.v;
	return r;
}

static int
member_remove_where(void *data, const struct scim_filter *f, struct scim_err *e)
{
	struct change *c = data;
	char **ids = NULL;
	int r = members_of(c->t, c->group_id, &ids);

	for (size_t i = 0; r == 0 && ids && ids[i]; i++) {
		_cleanup_(ids_user_freep) struct ids_user *u = NULL;
		json_t *m;
		if (ids_user_get(c->t, ids[i], &u) < 0)
			continue;
		m = json_pack("{s:s, s:s, s:s}", "value", ids[i], "display", u->user_name, "type",
			      "User");
		if (!m) {
			r = -ENOMEM;
			break;
		}
		if (scim_filter_match_value(f, m, scim_schema_find(rt, NULL, "members", NULL)) &&
		    member_remove(c, ids[i], e) < 0)
			r = -1;
		json_decref(m);
	}
	ids_strv_free(ids);
	if (r == -ENOMEM)
		return scim_oom(e);
	return r < 0 ? (e->status ? -1 : scim_fail_errno(e, r, NULL, "cannot read members")) : 0;
}

static int
member_clear(void *data, struct scim_err *e)
{
	struct change *c = data;
	char **ids = NULL;
	int r = members_of(c->t, c->group_id, &ids);

	if (r < 0)
		return scim_fail_errno(e, r, NULL, "cannot read members");
	for (size_t i = 0; ids && ids[i]; i++)
		if (member_remove(c, ids[i], e) < 0) {
			ids_strv_free(ids);
			return -1;
		}
	ids_strv_free(ids);
	return 0;
}

/* Re-evaluates the grants of every touched user (and of every member, when all is set). */
static int
sync_touched(struct change *c, bool all, struct scim_err *e)
{
	struct ids_identity_ctx ctx = {c->svc->cfg, c->svc->lf, c->rq->now, c->rq->actor};
	const char *user_id;
	json_t *unused;
	int r = 0;

	if (all) {
		char **ids = NULL;
		r = members_of(c->t, c->group_id, &ids);
		for (size_t i = 0; r == 0 && ids && ids[i]; i++)
			r = touch(c, ids[i]);
		ids_strv_free(ids);
	}
	json_object_foreach(c->touched, user_id, unused) {
		if (r < 0)
			break;
		r = ids_policy_sync_scim(c->t, &ctx, user_id, NULL);
		if (r == -ENOENT || r == -EPERM)
			r = 0; /* a user deleted meanwhile, or inactive: nothing to grant */
	}
	return r < 0 ? scim_fail_errno(e, r, NULL, "cannot apply the membership change") : 0;
}

static void
change_clear(struct change *c)
{
	json_decref(c->touched);
	c->touched = NULL;
}

/* 409 when another group than self_id holds externalId ext (the index holds one group per value). */
static int
check_external_id(struct ids_txn *t, const char *ext, const char *self_id, struct scim_err *e)
{
	_cleanup_(ids_group_freep) struct ids_group *other = NULL;
	int r;

	if (!ext)
		return 0;
	r = ids_group_find_by_external_id(t, ext, &other);
	if (r == -ENOENT || (r == 0 && strcmp(other->id, self_id) == 0))
		return 0;
	if (r < 0)
		return scim_fail_errno(e, r, NULL, "cannot read the groups");
	return scim_fail(e, 409, SCIM_ERR_UNIQUENESS,
			 "externalId \"%.200s\" already belongs to the group \"%.200s\" (id %s)", ext,
			 other->display_name, other->id);
}

/* ---- requests ---- */

static int
create_group(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq,
	     struct scim_resp *rs, struct scim_err *e)
{
	char id[37];
	json_t *res = NULL, *members;
	struct ids_group g;
	struct change c = {svc, t, rq, id, NULL, 0};
	int r;

	if (scim_resource_validate(rq->body, rt, &res, e) < 0)
		return -1;
	if (ids_uuid_new(id) < 0) {
		json_decref(res);
		return scim_fail(e, 500, NULL, "cannot make a group id");
	}
	/* The record holds the resource without members; they go to the membership keys. */
	members = json_incref(json_object_get(res, "members"));
	json_object_del(res, "members");
	g = (struct ids_group){id, (char *)ids_json_str(res, "displayName"),
			       (char *)ids_json_str(res, "externalId"), rq->now, rq->now, 1, res};
	r = check_external_id(t, g.external_id, id, e);
	if (r == 0) {
		r = ids_group_put(t, &g);
		if (r == -EEXIST)
			r = scim_fail(e, 409, SCIM_ERR_UNIQUENESS,
				      "a group named \"%.200s\" already exists", g.display_name);
		else if (r < 0)
			r = scim_fail_errno(e, r, NULL, "cannot create the group");
	}
	if (r == 0 && members) {
		json_t *m;
		size_t i;
		json_array_foreach(members, i, m)
			if (r == 0)
				r = member_add(&c, json_string_value(json_object_get(m, "value")), m, e);
	}
	if (r == 0)
		r = sync_touched(&c, false, e);
	if (r == 0)
		r = respond_group(t, rq, &g, 201, true, rs, e);
	change_clear(&c);
	json_decref(members);
	json_decref(res);
	return r;
}

/* Writes g's new name, externalId and resource; re-evaluates members when matching may change. */
static int
store_group(struct change *c, struct ids_group *g, json_t *res, struct scim_err *e)
{
	const char *name = ids_json_str(res, "displayName"), *ext = ids_json_str(res, "externalId");
	bool renamed = strcmp(name, g->display_name) != 0 ||
		       (ext ? !g->external_id || strcmp(ext, g->external_id) != 0 : !!g->external_id);
	_cleanup_free_ char *old_name = NULL, *old_ext = NULL;
	int r;

	if (check_external_id(c->t, ext, g->id, e) < 0)
		return -1;
	old_name = g->display_name;
	old_ext = g->external_id;

	g->display_name = strdup(name);
	g->external_id = ext ? strdup(ext) : NULL;
	if (!g->display_name || (ext && !g->external_id))
		return scim_oom(e);
	json_decref(g->scim);
	g->scim = json_incref(res);
	g->modified = c->rq->now;
	g->version++;
	r = ids_group_put(c->t, g);
	if (r == -EEXIST)
		return scim_fail(e, 409, SCIM_ERR_UNIQUENESS, "a group named \"%.200s\" already exists",
				 name);
	if (r < 0)
		return scim_fail_errno(e, r, NULL, "cannot update the group");
	return sync_touched(c, renamed, e);
}

static int
put_group(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq, const char *id,
	  struct scim_resp *rs, struct scim_err *e)
{
	_cleanup_(ids_group_freep) struct ids_group *g = NULL;
	struct change c = {svc, t, rq, id, NULL, 0};
	json_t *res = NULL, *members;
	char **old = NULL;
	int r;

	if (load_group(t, id, &g, e) < 0 || scim_check_if_match(rq, g->version, e) < 0)
		return -1;
	if (scim_resource_validate(rq->body, rt, &res, e) < 0)
		return -1;
	members = json_incref(json_object_get(res, "members"));
	json_object_del(res, "members");
	r = 0;
	/* PUT replaces the members too, but only when the body has them (Okta's renames do not). */
	if (members) {
		json_t *m;
		size_t i;
		json_t *wanted = json_object(); /* the new member ids, as a set */
		r = wanted ? members_of(t, id, &old) : -ENOMEM;
		json_array_foreach(members, i, m)
			if (r == 0 && json_object_set_new(wanted, json_string_value(json_object_get(m, "value")),
							  json_true()) < 0)
				r = -ENOMEM;
		for (size_t k = 0; r == 0 && old && old[k]; k++)
			if (!json_object_get(wanted, old[k]))
				r = member_remove(&c, old[k], e);
		json_decref(wanted);
		json_array_foreach(members, i, m)
			if (r == 0)
				r = member_add(&c, json_string_value(json_object_get(m, "value")), m, e);
		ids_strv_free(old);
		json_decref(members);
		if (r < 0 && !e->status)
			r = scim_fail_errno(e, r, NULL, "cannot replace the members");
	}
	if (r == 0)
		r = store_group(&c, g, res, e);
	if (r == 0)
		r = respond_group(t, rq, g, 200, true, rs, e);
	change_clear(&c);
	json_decref(res);
	return r;
}

static int
patch_group(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq, const char *id,
	    struct scim_resp *rs, struct scim_err *e)
{
	_cleanup_(ids_group_freep) struct ids_group *g = NULL;
	struct change c = {svc, t, rq, id, NULL, 0};
	struct scim_patch_hooks hooks = {"members", member_add, member_remove, member_remove_where,
					 member_clear, &c};
	json_t *cur, *res = NULL;
	int r;

	if (load_group(t, id, &g, e) < 0 || scim_check_if_match(rq, g->version, e) < 0)
		return -1;
	cur = group_resource(t, g, rq->base_url, false);
	if (!cur)
		return scim_oom(e);
	json_object_del(cur, "id");
	json_object_del(cur, "meta");
	r = scim_patch_apply(cur, rq->body, rt, &svc->limits, &hooks, e);
	if (r == 0)
		r = scim_resource_validate(cur, rt, &res, e);
	json_decref(cur);
	if (r == 0)
		r = store_group(&c, g, res, e);
	/*
	 * RFC 7644 §3.5.2: 204, or 200 with the resource when attributes were
	 * asked for. Sending a 10k-member list back for each member added is not
	 * worth it, and Entra and Okta both accept 204.
	 */
	if (r == 0 && (scim_req_param(rq, "attributes") || scim_req_param(rq, "excludedAttributes")))
		r = respond_group(t, rq, g, 200, true, rs, e);
	else if (r == 0)
		rs->status = 204;
	change_clear(&c);
	json_decref(res);
	return r;
}

static int
delete_group(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq, const char *id,
	     struct scim_resp *rs, struct scim_err *e)
{
	_cleanup_(ids_group_freep) struct ids_group *g = NULL;
	struct change c = {svc, t, rq, id, NULL, 0};
	int r;

	if (load_group(t, id, &g, e) < 0 || scim_check_if_match(rq, g->version, e) < 0)
		return -1;
	{
		char **ids = NULL;
		r = members_of(t, id, &ids);
		for (size_t i = 0; r == 0 && ids && ids[i]; i++)
			r = touch(&c, ids[i]);
		ids_strv_free(ids);
	}
	if (r == 0)
		r = ids_group_del(t, id);
	if (r < 0) {
		change_clear(&c);
		return scim_fail_errno(e, r, NULL, "cannot delete the group");
	}
	r = sync_touched(&c, false, e);
	change_clear(&c);
	if (r == 0)
		rs->status = 204;
	return r;
}

/* ---- list and search ---- */

struct list_ctx {
	struct scim_list *l;
	struct ids_txn *t;
	const char *base_url;
	bool members;
};

static int
list_one(const struct ids_group *g, void *data)
{
	struct list_ctx *lc = data;
	json_t *o = group_resource(lc->t, g, lc->base_url, lc->members);
	int r;

	if (!o)
		return -ENOMEM;
	r = scim_list_matches(lc->l, o) ? scim_list_add(lc->l, o) : 0;
	json_decref(o);
	return r;
}

static int
lookup_indexed(struct ids_txn *t, const char *attr, const char *value, struct ids_group **out,
	       bool *indexed)
{
	int r;

	*indexed = true;
	if (strcasecmp(attr, "id") == 0)
		r = ids_group_get(t, value, out);
	else if (strcasecmp(attr, "displayName") == 0)
		r = ids_group_find_by_name(t, value, out);
	else if (strcasecmp(attr, "externalId") == 0)
		r = ids_group_find_by_external_id(t, value, out);
	else
		return *indexed = false, 0;
	return r == -ENOENT ? 0 : r < 0 ? r : 1;
}

/* Whether the filter mentions members (then each candidate needs its member list). */
static bool
filter_needs_members(const struct scim_filter *f)
{
	if (!f)
		return false;
	if (f->ref.attr && strcasecmp(f->ref.attr, "members") == 0)
		return true;
	return filter_needs_members(f->left) || filter_needs_members(f->right);
}

static int
list_groups(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq, bool search,
	    struct scim_resp *rs, struct scim_err *e)
{
	static const char *const index_attrs[] = {"id", "displayName", "externalId", NULL};
	struct scim_list l;
	struct list_ctx lc = {&l, t, rq->base_url, true};
	const char *attr, *value;
	bool indexed = false;
	int r = 0;

	if (scim_list_begin(&l, svc, rq, rt, search, e) < 0)
		return -1;
	lc.members = scim_projection_wants(l.proj, "members") || filter_needs_members(l.filter);
	if (scim_list_indexed_term(l.filter, index_attrs, &attr, &value)) {
		_cleanup_(ids_group_freep) struct ids_group *g = NULL;
		r = lookup_indexed(t, attr, value, &g, &indexed);
		if (r > 0)
			r = list_one(g, &lc);
	}
	if (!indexed)
		r = ids_group_foreach(t, list_one, &lc);
	if (r >= 0) {
		rs->status = 200;
		rs->body = scim_list_response(&l);
		if (!rs->body)
			r = -ENOMEM;
	}
	scim_list_clear(&l);
	return r < 0 ? scim_fail_errno(e, r, NULL, "cannot list groups") : 0;
}

int
scim_groups_handle(struct scim_service *svc, struct ids_txn *t, const struct scim_req *rq,
		   const char *rest, struct scim_resp *rs, struct scim_err *e)
{
	const char *id = *rest == '/' ? rest + 1 : NULL;

	if (!id || !*id) {
		if (rq->method == SCIM_GET)
			return list_groups(svc, t, rq, false, rs, e);
		if (rq->method == SCIM_POST)
			return create_group(svc, t, rq, rs, e);
		return scim_fail(e, 405, NULL, "/Groups takes GET and POST");
	}
	if (strcmp(id, ".search") == 0) {
		if (rq->method != SCIM_POST)
			return scim_fail(e, 405, NULL, "/Groups/.search takes POST");
		return list_groups(svc, t, rq, true, rs, e);
	}
	if (strchr(id, '/'))
		return scim_fail(e, 404, NULL, "no SCIM endpoint at /Groups/%.100s", id);
	switch (rq->method) {
	case SCIM_GET: {
		_cleanup_(ids_group_freep) struct ids_group *g = NULL;
		struct scim_projection *p = NULL;
		json_t *o;
		if (scim_projection_parse(scim_req_param(rq, "attributes"),
					  scim_req_param(rq, "excludedAttributes"), rt, &p, e) < 0)
			return -1;
		if (load_group(t, id, &g, e) < 0) {
			scim_projection_free(p);
			return -1;
		}
		o = group_resource(t, g, rq->base_url, scim_projection_wants(p, "members"));
		rs->body = o ? scim_projection_apply(p, o, rt) : NULL;
		json_decref(o);
		scim_projection_free(p);
		if (!rs->body)
			return scim_oom(e);
		rs->status = 200;
		rs->etag = scim_etag(g->version);
		return 0;
	}
	case SCIM_PUT:
		return put_group(svc, t, rq, id, rs, e);
	case SCIM_PATCH:
		return patch_group(svc, t, rq, id, rs, e);
	case SCIM_DELETE:
		return delete_group(svc, t, rq, id, rs, e);
	default:
		return scim_fail(e, 405, NULL, "/Groups/{id} takes GET, PUT, PATCH and DELETE");
	}
}
