/* SPDX-License-Identifier: MIT */
/*
 * Workspace records and the Unix groups their roles give, with gids from
 * idalloc.c: create, read, update, remove, seat counts. Names are checked
 * like logins: a group name must never shadow a user's private group, a
 * local group or a reserved name.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/grants.h"
#include "libidsync/idalloc.h"
#include "libidsync/names.h"
#include "libidsync/strv.h"
#include "libidsync/workspace.h"

/* Collects the distinct group names that the roles give in workspace ws. */
struct names_ctx {
	const char *ws;
	char **names;
	size_t n;
};

static int
collect_role_groups(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct names_ctx *nc = data;
	json_t *o = json_loadb(v->data, v->size, 0, NULL), *groups, *g;
	size_t i;
	int r = 0;

	groups = json_object_get(o, "groups");
	if (!json_is_array(groups)) {
		json_decref(o);
		return -EBADMSG;
	}
	json_array_foreach(groups, i, g)
	{
		char *name, **grown;

		if (!json_is_string(g)) {
			r = -EBADMSG;
			break;
		}
		name = ids_role_expand(json_string_value(g), nc->ws);
		if (!name) {
			r = -ENOMEM;
			break;
		}
		if (ids_strv_contains((const char *const *)nc->names, name)) {
			free(name);
			continue;
		}
		grown = realloc(nc->names, (nc->n + 2) * sizeof(char *));
		if (!grown) {
			free(name);
			r = -ENOMEM;
			break;
		}
		nc->names = grown;
		nc->names[nc->n++] = name;
		nc->names[nc->n] = NULL;
	}
	json_decref(o);
	return r;
}

static int
check_group_name(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *name,
		 char **why)
{
	const char *problem, *file;
	struct ids_val v;

	if (ids_name_check(name, &problem) < 0)
		return ids_why(why, -EINVAL, "group name \"%s\" %s", name, problem);
	if (ids_name_reserved(ctx->cfg, name))
		return ids_why(why, -EEXIST, "group name \"%s\" is a reserved system name", name);
	file = ctx->lf ? ids_localfiles_name_owner(ctx->lf, name) : NULL;
	if (file)
		return ids_why(why, -EEXIST, "group name \"%s\" already exists in %s on this host",
			      name, file);
	if (ids_txn_get_str(t, IDS_DB_UNIX_GROUPS, name, &v) == 0)
		return ids_why(why, -EEXIST, "group \"%s\" already exists", name);
	if (ids_txn_get_str(t, IDS_DB_USER_BY_LOGIN, name, &v) == 0)
		return ids_why(why, -EEXIST,
			      "group name \"%s\" is a user's login (and private group)", name);
	return 0;
}

int
ids_workspace_create(struct ids_txn *t, const struct ids_identity_ctx *ctx,
		     const struct ids_workspace_in *in, char **why)
{
	struct names_ctx nc = {.ws = in->name};
	struct ids_val v;
	int r;

	*why = NULL;
	if (ids_txn_get_str(t, IDS_DB_WORKSPACES, in->name, &v) == 0)
		return ids_why(why, -EEXIST, "workspace \"%s\" already exists", in->name);
	r = ids_roles_seed_defaults(t);
	if (r < 0)
		return r;
	r = ids_txn_iterate(t, IDS_DB_ROLES, NULL, 0, collect_role_groups, &nc);
	if (r == 0 && !ids_strv_contains((const char *const *)nc.names, in->name))
		r = -EINVAL; /* every role set lacks "{ws}": refuse rather than guess */
	for (size_t i = 0; r == 0 && i < nc.n; i++)
		r = check_group_name(t, ctx, nc.names[i], why);
	for (size_t i = 0; r == 0 && i < nc.n; i++) {
		struct ids_unix_group g = {.name = nc.names[i], .workspace = (char *)in->name};
		_cleanup_free_ char *seed = NULL;
		uint32_t probes;

		if (asprintf(&seed, "g:%s", nc.names[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		uint32_t want = in->gid && strcmp(nc.names[i], in->name) == 0 ? in->gid : 0;

		for (size_t k = 0; !want && in->group_names && in->group_names[k]; k++)
			if (strcmp(in->group_names[k], nc.names[i]) == 0)
				want = in->group_gids[k];
		if (want) {
			r = ids_idalloc_claim(t, ctx->lf, IDS_ID_GROUP, want, seed, nc.names[i]);
			if (r == -EEXIST)
				r = ids_why(why, r, "gid %u for group \"%s\" is already in use", want,
					   nc.names[i]);
			g.gid = want;
		} else {
			r = ids_idalloc_assign(t, ctx->cfg, ctx->lf, IDS_ID_GROUP, seed, nc.names[i],
					       &g.gid, &probes);
		}
		if (r == 0)
			r = ids_unix_group_put(t, &g);
	}
	if (r == -EINVAL && !*why)
		r = ids_why(why, r, "no role gives the group \"{ws}\"");
	if (r == 0) {
		struct ids_workspace ws = {(char *)in->name, 0,       in->managed, (char *)in->dir,
					   in->seats,        in->seats_ro, ctx->now};
		r = ids_workspace_put(t, &ws);
	}
	if (r == 0) {
		ids_txn_bump_generation(t);
		ids_audit(t, IDS_MSG_CONFIG_CHANGED, "actor", ctx->actor, "action",
			  "workspace-created", "workspace", in->name, IDS_END);
		r = ids_txn_error(t);
	}
	ids_strv_free(nc.names);
	return r;
}

struct ids_workspace *
ids_workspace_free(struct ids_workspace *ws)
{
	if (!ws)
		return NULL;
	free(ws->name);
	free(ws->dir);
	free(ws);
	return NULL;
}

static int
decode(struct ids_txn *t, const char *name, const void *data, size_t size,
       struct ids_workspace **out)
{
	_cleanup_(ids_workspace_freep) struct ids_workspace *ws = calloc(1, sizeof(*ws));
	struct ids_unix_group *g = NULL;
	json_t *o = NULL, *seats, *seats_ro;
	const char *dir;
	int r;

	if (!ws)
		return -ENOMEM;
	r = ids_json_decode(data, size, &o);
	if (r < 0)
		return r;
	dir = ids_json_str(o, "dir");
	seats = json_object_get(o, "seats");
	seats_ro = json_object_get(o, "seats_ro");
	if (!json_is_boolean(json_object_get(o, "managed")) || !json_is_integer(seats) ||
	    !json_is_integer(seats_ro) || json_integer_value(seats) < 0 ||
	    json_integer_value(seats) > UINT32_MAX || json_integer_value(seats_ro) < 0 ||
	    json_integer_value(seats_ro) > UINT32_MAX) {
		json_decref(o);
		return -EBADMSG;
	}
	ws->managed = json_is_true(json_object_get(o, "managed"));
	ws->seats = (uint32_t)json_integer_value(seats);
	ws->seats_ro = (uint32_t)json_integer_value(seats_ro);
	ws->created = json_integer_value(json_object_get(o, "created"));
	ws->name = strdup(name);
	ws->dir = dir ? strdup(dir) : NULL;
	json_decref(o);
	if (!ws->name || (dir && !ws->dir))
		return -ENOMEM;
	/* The gid is the workspace group's: one truth, in the Unix group record. */
	r = ids_unix_group_get(t, name, &g);
	if (r < 0)
		return r == -ENOENT ? -EBADMSG : r;
	ws->gid = g->gid;
	ids_unix_group_free(g);
	*out = TAKE_PTR(ws);
	return 0;
}

int
ids_workspace_get(struct ids_txn *t, const char *name, struct ids_workspace **out)
{
	struct ids_val v;
	int r = ids_txn_get_str(t, IDS_DB_WORKSPACES, name, &v);

	if (r < 0)
		return r;
	r = decode(t, name, v.data, v.size, out);
	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}

int
ids_workspace_put(struct ids_txn *t, const struct ids_workspace *ws)
{
	json_t *rec = json_pack("{s:i, s:b, s:s?, s:I, s:I, s:I}", "v", 1, "managed", ws->managed,
				"dir", ws->dir, "seats", (json_int_t)ws->seats, "seats_ro",
				(json_int_t)ws->seats_ro, "created", (json_int_t)ws->created);
	int r = rec ? ids_json_put(t, IDS_DB_WORKSPACES, ws->name, rec) : ids_txn_fail(t, -ENOMEM);

	json_decref(rec);
	if (r == 0)
		r = ids_txn_bump_generation(t);
	return r;
}

struct ws_iter {
	struct ids_txn *t;
	ids_workspace_fn fn;
	void *user;
};

static int
ws_iter_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct ws_iter *it = data;
	_cleanup_free_ char *name = strndup(k->data, k->size);
	struct ids_workspace *ws = NULL;
	int r;

	if (!name)
		return -ENOMEM;
	r = decode(it->t, name, v->data, v->size, &ws);
	if (r < 0)
		return r;
	r = it->fn(ws, it->user);
	ids_workspace_free(ws);
	return r;
}

int
ids_workspace_foreach(struct ids_txn *t, ids_workspace_fn fn, void *user)
{
	struct ws_iter it = {t, fn, user};
	int r = ids_txn_iterate(t, IDS_DB_WORKSPACES, NULL, 0, ws_iter_cb, &it);

	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}

static int
count_managed_cb(const struct ids_workspace *ws, void *data)
{
	if (ws->managed)
		(*(uint32_t *)data)++;
	return 0;
}

int
ids_workspace_count_managed(struct ids_txn *t, uint32_t *out)
{
	*out = 0;
	return ids_workspace_foreach(t, count_managed_cb, out);
}

int
ids_workspace_seats_used(struct ids_txn *t, const char *name, uint32_t *total, uint32_t *read_only)
{
	return ids_grant_count_workspace(t, name, total, read_only);
}

struct drop_groups {
	struct ids_txn *t;
	const char *ws;
	char **names;
	size_t n;
};

static int
collect_ws_groups(const struct ids_unix_group *g, void *data)
{
	struct drop_groups *d = data;
	char **grown;

	if (strcmp(g->workspace, d->ws) != 0)
		return 0;
	grown = realloc(d->names, (d->n + 2) * sizeof(char *));
	if (!grown)
		return -ENOMEM;
	d->names = grown;
	d->names[d->n] = strdup(g->name);
	if (!d->names[d->n])
		return -ENOMEM;
	d->names[++d->n] = NULL;
	(void)ids_idalloc_release(d->t, g->gid);
	return 0;
}

int
ids_workspace_remove(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *name)
{
	_cleanup_(ids_workspace_freep) struct ids_workspace *ws = NULL;
	struct drop_groups d = {t, name, NULL, 0};
	char **users = NULL;
	int r = ids_workspace_get(t, name, &ws);

	if (r < 0)
		return r;
	r = ids_grant_users_of_workspace(t, name, &users);
	for (size_t i = 0; r == 0 && users[i]; i++) {
		struct ids_user *u = NULL;

		r = ids_grant_del(t, users[i], name);
		(void)ids_user_get(t, users[i], &u);
		ids_audit(t, IDS_MSG_REVOKE, "user", u ? u->login : users[i], "workspace", name,
			  "cause", "admin", "actor", ctx->actor, "detail", "workspace removed",
			  IDS_END);
		ids_user_free(u);
	}
	ids_strv_free(users);
	if (r == 0)
		r = ids_unix_group_foreach(t, collect_ws_groups, &d);
	for (size_t i = 0; r == 0 && i < d.n; i++)
		r = ids_txn_del(t, IDS_DB_UNIX_GROUPS, d.names[i], strlen(d.names[i]), NULL, 0);
	ids_strv_free(d.names);
	if (r == 0) {
		(void)ids_txn_del(t, IDS_DB_WORKSPACES, name, strlen(name), NULL, 0);
		ids_txn_bump_generation(t);
		ids_audit(t, IDS_MSG_CONFIG_CHANGED, "actor", ctx->actor, "action",
			  "workspace-removed", "workspace", name, "dir", ws->dir ? ws->dir : "",
			  IDS_END);
		r = ids_txn_error(t);
	}
	return r;
}

struct sync_ctx {
	struct ids_txn *t;
	const struct ids_identity_ctx *ctx;
	char **why;
};

static int
sync_one(const struct ids_workspace *ws, void *data)
{
	struct sync_ctx *sc = data;
	struct names_ctx nc = {.ws = ws->name};
	int r = ids_txn_iterate(sc->t, IDS_DB_ROLES, NULL, 0, collect_role_groups, &nc);

	for (size_t i = 0; r == 0 && i < nc.n; i++) {
		struct ids_unix_group g = {.name = nc.names[i], .workspace = ws->name};
		_cleanup_free_ char *seed = NULL;
		struct ids_val v;
		uint32_t probes;

		if (ids_txn_get_str(sc->t, IDS_DB_UNIX_GROUPS, nc.names[i], &v) == 0)
			continue; /* exists (ours, or checked when it was made) */
		r = check_group_name(sc->t, sc->ctx, nc.names[i], sc->why);
		if (r == 0 && asprintf(&seed, "g:%s", nc.names[i]) < 0)
			r = -ENOMEM;
		if (r == 0)
			r = ids_idalloc_assign(sc->t, sc->ctx->cfg, sc->ctx->lf, IDS_ID_GROUP, seed,
					       nc.names[i], &g.gid, &probes);
		if (r == 0)
			r = ids_unix_group_put(sc->t, &g);
	}
	ids_strv_free(nc.names);
	return r;
}

int
ids_workspace_sync_role_groups(struct ids_txn *t, const struct ids_identity_ctx *ctx, char **why)
{
	struct sync_ctx sc = {t, ctx, why};
	int r;

	*why = NULL;
	r = ids_workspace_foreach(t, sync_one, &sc);
	if (r == 0)
		r = ids_txn_bump_generation(t);
	return r;
}
