/* SPDX-License-Identifier: MIT */
/*
 * Creates workspaces and the Unix groups their roles give, with gids from
 * idalloc.c. Names are checked like logins: a group name must never shadow a
 * user's private group, a local group or a reserved name.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/idalloc.h"
#include "libidsync/names.h"
#include "libidsync/strv.h"
#include "libidsync/workspace.h"

static int
refuse(char **why, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
refuse(char **why, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(why, fmt, ap) < 0)
		*why = NULL;
	va_end(ap);
	return r;
}

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
		return refuse(why, -EINVAL, "group name \"%s\" %s", name, problem);
	if (ids_name_reserved(ctx->cfg, name))
		return refuse(why, -EEXIST, "group name \"%s\" is a reserved system name", name);
	file = ctx->lf ? ids_localfiles_name_owner(ctx->lf, name) : NULL;
	if (file)
		return refuse(why, -EEXIST, "group name \"%s\" already exists in %s on this host",
			      name, file);
	if (ids_txn_get_str(t, IDS_DB_UNIX_GROUPS, name, &v) == 0)
		return refuse(why, -EEXIST, "group \"%s\" already exists", name);
	if (ids_txn_get_str(t, IDS_DB_USER_BY_LOGIN, name, &v) == 0)
		return refuse(why, -EEXIST,
			      "group name \"%s\" is a user's login (and private group)", name);
	return 0;
}

int
ids_workspace_create(struct ids_txn *t, const struct ids_identity_ctx *ctx,
		     const struct ids_workspace_in *in, char **why)
{
	struct names_ctx nc = {.ws = in->name};
	struct ids_val v;
	json_t *rec;
	int r;

	*why = NULL;
	if (ids_txn_get_str(t, IDS_DB_WORKSPACES, in->name, &v) == 0)
		return refuse(why, -EEXIST, "workspace \"%s\" already exists", in->name);
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
		if (in->gid && strcmp(nc.names[i], in->name) == 0) {
			r = ids_idalloc_claim(t, ctx->lf, IDS_ID_GROUP, in->gid, seed, in->name);
			if (r == -EEXIST)
				r = refuse(why, r, "gid %u is already in use", in->gid);
			g.gid = in->gid;
		} else {
			r = ids_idalloc_assign(t, ctx->cfg, ctx->lf, IDS_ID_GROUP, seed, nc.names[i],
					       &g.gid, &probes);
		}
		if (r == 0)
			r = ids_unix_group_put(t, &g);
	}
	if (r == -EINVAL && !*why)
		r = refuse(why, r, "no role gives the group \"{ws}\"");
	if (r == 0) {
		rec = json_pack("{s:i, s:b, s:s?, s:I}", "v", 1, "managed", in->managed, "dir",
				in->dir, "created", (json_int_t)ctx->now);
		r = rec ? ids_json_put(t, IDS_DB_WORKSPACES, in->name, rec) : -ENOMEM;
		json_decref(rec);
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
