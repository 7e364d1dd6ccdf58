/* SPDX-License-Identifier: MIT */
/*
 * Turns IdP identities into Unix users and keeps them so: create, update and
 * rename, (de)activate, delete. Uniqueness of userName and login is checked
 * here, ids come from idalloc.c, names from names.c. Never commits: the
 * caller's transaction is the unit of change.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "libidsync/audit.h"
#include "libidsync/groups.h"
#include "libidsync/cleanup.h"
#include "libidsync/idalloc.h"
#include "libidsync/identity.h"
#include "libidsync/names.h"
#include "libidsync/strv.h"

int
ids_uuid_new(char out[37])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -EIO;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	return 0;
}

/*
 * The live user (not deleted) whose uid was derived from seed, in *holder
 * (malloc'd), or NULL when there is none. 0 or -errno.
 */
static int
seed_holder(struct ids_txn *t, const char *seed, char **holder)
{
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	struct ids_val v;
	int r;

	*holder = NULL;
	r = ids_txn_get_str(t, IDS_DB_ID_SEED, seed, &v);
	if (r == -ENOENT || (r == 0 && v.size != 4))
		return 0;
	if (r < 0)
		return r;
	r = ids_user_get_by_uid(t, ids_from_be32(v.data), &u);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (u->deleted)
		return 0;
	*holder = strdup(u->id);
	return *holder ? 0 : -ENOMEM;
}

/* The user id that holds key in index db, or NULL (malloc'd). */
static char *
index_owner(struct ids_txn *t, enum ids_db db, const char *key)
{
	struct ids_val v;

	if (ids_txn_get_str(t, db, key, &v) < 0)
		return NULL;
	return strndup(v.data, v.size);
}

static char *
gecos_for(const struct ids_identity_in *in, const char *login)
{
	_cleanup_free_ char *joined = NULL;

	if (in->display_name && *in->display_name)
		return ids_gecos_clean(in->display_name);
	if ((in->given_name && *in->given_name) || (in->family_name && *in->family_name)) {
		if (asprintf(&joined, "%s%s%s", in->given_name ? in->given_name : "",
			     in->given_name && in->family_name ? " " : "",
			     in->family_name ? in->family_name : "") < 0)
			return NULL;
		return ids_gecos_clean(joined);
	}
	return strdup(login);
}

static char *
home_for(const char *tmpl, const char *login)
{
	const char *at = strstr(tmpl, "{login}");
	char *out;

	if (!at)
		return strdup(tmpl);
	if (asprintf(&out, "%.*s%s%s", (int)(at - tmpl), tmpl, login, at + 7) < 0)
		return NULL;
	return out;
}

/*
 * Checks that login may belong to user self_id (NULL for a new user). A login
 * held by a deleted user's tombstone may be taken over: *takeover gets that
 * user's id.
 */
static int
login_available(struct ids_txn *t, const char *login, const char *self_id, const char *user_name,
		char **takeover, char **why)
{
	_cleanup_free_ char *holder = index_owner(t, IDS_DB_USER_BY_LOGIN, login);
	_cleanup_(ids_user_freep) struct ids_user *other = NULL;
	int r;

	struct ids_val v;

	*takeover = NULL;
	/* A login is also its private group's name: it must not be a workspace group. */
	if (ids_txn_get_str(t, IDS_DB_UNIX_GROUPS, login, &v) == 0)
		return ids_why(why, -EEXIST,
			      "userName \"%s\" would become login \"%s\", which is the name of a "
			      "workspace group",
			      user_name, login);
	if (!holder || (self_id && strcmp(holder, self_id) == 0))
		return 0;
	r = ids_user_get(t, holder, &other);
	if (r < 0)
		return r;
	if (other->deleted) {
		*takeover = TAKE_PTR(holder);
		return 0;
	}
	return ids_why(why, -EEXIST,
		      "userName \"%s\" would become login \"%s\", which already belongs to "
		      "userName \"%s\"",
		      user_name, login, other->user_name);
}

int
ids_identity_create(struct ids_txn *t, const struct ids_identity_ctx *ctx,
		    const struct ids_identity_in *in, struct ids_user **out, char **why)
{
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	_cleanup_free_ char *lname = NULL, *holder = NULL, *takeover = NULL;
	char uidbuf[16], id[37];
	uint32_t probes;
	int r;

	*why = NULL;
	if (!in->user_name || !*in->user_name)
		return ids_why(why, -EINVAL, "userName is required");
	lname = ids_strdup_lower(in->user_name);
	if (!lname)
		return -ENOMEM;
	holder = index_owner(t, IDS_DB_USER_BY_NAME, lname);
	if (holder)
		return ids_why(why, -EEXIST, "userName \"%s\" already exists (id %s)", in->user_name,
			      holder);
	if (in->external_id && *in->external_id) {
		free(holder);
		holder = index_owner(t, IDS_DB_USER_BY_EXTID, in->external_id);
		if (holder)
			return ids_why(why, -EEXIST, "externalId \"%s\" already belongs to user %s",
				      in->external_id, holder);
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	r = ids_login_derive(ctx->cfg, ctx->lf, in->user_name, &u->login, why);
	if (r < 0)
		return r;
	r = login_available(t, u->login, NULL, in->user_name, &takeover, why);
	if (r < 0)
		return r;
	r = ids_uuid_new(id);
	if (r < 0)
		return r;
	u->id = strdup(id);
	u->user_name = strdup(in->user_name);
	u->external_id = in->external_id ? strdup(in->external_id) : NULL;
	u->gecos = gecos_for(in, u->login);
	u->home = home_for(ctx->cfg->home_template, u->login);
	u->shell = strdup(ctx->cfg->shell);
	/* The identity as first seen: externalId when the IdP sends one, else userName. */
	if (asprintf(&u->seed, "u:%s", in->external_id && *in->external_id ? in->external_id : lname) < 0)
		u->seed = NULL;
	if (!u->id || !u->user_name || (in->external_id && !u->external_id) || !u->gecos ||
	    !u->home || !u->shell || !u->seed)
		return -ENOMEM;
	/*
	 * One identity, one uid: an identity already held by a live user (one
	 * user's externalId equal to another's userName, say) must not share its uid.
	 */
	r = seed_holder(t, u->seed, &holder);
	if (r < 0)
		return r;
	if (holder)
		return ids_why(why, -EEXIST,
			      "the IdP identity \"%s\" already belongs to user %s: send a distinct externalId",
			      u->seed + 2, holder);
	u->active = in->active;
	u->created = u->modified = ctx->now;
	u->version = 1;
	u->scim = json_incref(in->scim);

	r = ids_idalloc_assign(t, ctx->cfg, ctx->lf, IDS_ID_USER, u->seed, u->id, &u->uid, &probes);
	if (r == -ENOSPC)
		return ids_why(why, r, "no free uid left in identity.uid_min..uid_max");
	if (r < 0)
		return r;
	if (takeover) {
		ids_txn_del(t, IDS_DB_USER_BY_LOGIN, u->login, strlen(u->login), NULL, 0);
		ids_audit(t, IDS_MSG_USER_UPDATED, "actor", ctx->actor, "user", u->login, "action",
			  "login-taken-from-deleted-user", "previous_id", takeover, IDS_END);
	}
	ids_user_put(t, u);
	ids_txn_bump_generation(t);
	snprintf(uidbuf, sizeof(uidbuf), "%u", u->uid);
	ids_audit(t, IDS_MSG_USER_PROVISIONED, "actor", ctx->actor, "user", u->login, "uid", uidbuf,
		  "id", u->id, "userName", u->user_name, "active", u->active ? "true" : "false", IDS_END);
	r = ids_txn_error(t);
	if (r < 0)
		return r;
	if (out)
		*out = TAKE_PTR(u);
	return 0;
}

static int
load_live(struct ids_txn *t, const char *id, struct ids_user **out)
{
	struct ids_user *u;
	int r = ids_user_get(t, id, &u);

	if (r < 0)
		return r;
	if (u->deleted) {
		ids_user_free(u);
		return -ENOENT;
	}
	*out = u;
	return 0;
}

struct drop_ctx {
	struct ids_txn *t;
	const struct ids_identity_ctx *ctx;
	const struct ids_user *u;
	const char *reason;
};

static int
drop_grants_cb(const struct ids_grant *g, void *data)
{
	struct drop_ctx *dc = data;

	_cleanup_free_ char *roles = ids_strv_join((const char *const *)g->roles, ",");

	ids_grant_del(dc->t, g->user_id, g->workspace);
	/* The same fields as the policy's grant and revoke records. */
	ids_audit(dc->t, IDS_MSG_REVOKE, "user", dc->u->login, "workspace", g->workspace, "roles",
		  roles ? roles : "", "cause", "offboarding", "actor", dc->ctx->actor, "source",
		  "all", "detail", dc->reason, IDS_END);
	return ids_txn_error(dc->t);
}

/* Revokes every grant of u, manual ones included, each audited with reason. */
static int
drop_grants(struct ids_txn *t, const struct ids_identity_ctx *ctx, const struct ids_user *u,
	    const char *reason)
{
	struct drop_ctx dc = {t, ctx, u, reason};

	return ids_grant_foreach(t, u->id, drop_grants_cb, &dc);
}

int
ids_identity_update(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *id,
		    const struct ids_identity_in *in, struct ids_user **out, char **why)
{
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	_cleanup_free_ char *lname = NULL, *holder = NULL, *login = NULL, *takeover = NULL,
			    *old_login = NULL;
	bool was_active;
	int r;

	*why = NULL;
	if (!in->user_name || !*in->user_name)
		return ids_why(why, -EINVAL, "userName is required");
	r = load_live(t, id, &u);
	if (r < 0)
		return r;
	lname = ids_strdup_lower(in->user_name);
	if (!lname)
		return -ENOMEM;
	holder = index_owner(t, IDS_DB_USER_BY_NAME, lname);
	if (holder && strcmp(holder, id) != 0)
		return ids_why(why, -EEXIST, "userName \"%s\" already exists (id %s)", in->user_name,
			      holder);
	if (strcmp(u->user_name, in->user_name) != 0) {
		r = ids_login_derive(ctx->cfg, ctx->lf, in->user_name, &login, why);
		if (r < 0)
			return r;
		r = login_available(t, login, id, in->user_name, &takeover, why);
		if (r < 0)
			return r;
		if (strcmp(login, u->login) != 0) {
			old_login = u->login;
			u->login = TAKE_PTR(login);
		}
		free(u->user_name);
		u->user_name = strdup(in->user_name);
		if (!u->user_name)
			return -ENOMEM;
	}
	if (in->external_id && *in->external_id) {
		free(holder);
		holder = index_owner(t, IDS_DB_USER_BY_EXTID, in->external_id);
		if (holder && strcmp(holder, id) != 0)
			return ids_why(why, -EEXIST, "externalId \"%s\" already belongs to user %s",
				      in->external_id, holder);
	}
	free(u->external_id);
	u->external_id = in->external_id ? strdup(in->external_id) : NULL;
	free(u->gecos);
	u->gecos = gecos_for(in, u->login);
	if ((in->external_id && !u->external_id) || !u->gecos)
		return -ENOMEM;
	was_active = u->active;
	u->active = in->active;
	json_decref(u->scim);
	u->scim = json_incref(in->scim);
	u->modified = ctx->now;
	u->version++;
	if (takeover)
		ids_txn_del(t, IDS_DB_USER_BY_LOGIN, u->login, strlen(u->login), NULL, 0);
	ids_user_put(t, u);
	if (was_active && !u->active)
		drop_grants(t, ctx, u, "user deactivated");
	ids_txn_bump_generation(t);
	if (old_login)
		ids_audit(t, IDS_MSG_USER_UPDATED, "actor", ctx->actor, "user", u->login,
			  "previous_login", old_login, "id", id, "action", "renamed", IDS_END);
	if (was_active != u->active)
		ids_audit(t, u->active ? IDS_MSG_USER_UPDATED : IDS_MSG_USER_DEACTIVATED, "actor",
			  ctx->actor, "user", u->login, "id", id, "active",
			  u->active ? "true" : "false", IDS_END);
	r = ids_txn_error(t);
	if (r < 0)
		return r;
	if (out)
		*out = TAKE_PTR(u);
	return 0;
}

int
ids_identity_set_active(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *id,
			bool active)
{
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	int r = load_live(t, id, &u);

	if (r < 0)
		return r;
	if (u->active == active)
		return 0;
	u->active = active;
	u->modified = ctx->now;
	u->version++;
	ids_user_put(t, u);
	if (!active)
		drop_grants(t, ctx, u, "user deactivated");
	ids_txn_bump_generation(t);
	ids_audit(t, active ? IDS_MSG_USER_UPDATED : IDS_MSG_USER_DEACTIVATED, "actor", ctx->actor,
		  "user", u->login, "id", id, "active", active ? "true" : "false", IDS_END);
	return ids_txn_error(t);
}

struct membership_ctx {
	struct ids_txn *t;
	const char *user_id;
};

static int
drop_membership_cb(const char *group_id, size_t len, void *data)
{
	struct membership_ctx *mc = data;

	/* The reverse pair (group -> user); this user's own list is dropped whole after. */
	(void)ids_txn_del(mc->t, IDS_DB_MEMBERS, group_id, len, mc->user_id, strlen(mc->user_id));
	return ids_txn_error(mc->t);
}

int
ids_identity_delete(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *id)
{
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	char uidbuf[16];
	int r = load_live(t, id, &u);

	if (r < 0)
		return r;
	r = ids_member_foreach_of_user(t, id, drop_membership_cb, &(struct membership_ctx){t, id});
	if (r < 0)
		return ids_txn_fail(t, r);
	(void)ids_txn_del(t, IDS_DB_MEMBER_OF, id, strlen(id), NULL, 0); /* -ENOENT: none */
	drop_grants(t, ctx, u, "user deleted");
	(void)ids_txn_del(t, IDS_DB_LAST_WORKSPACE, id, strlen(id), NULL, 0);
	u->active = false;
	u->deleted = true;
	u->modified = ctx->now;
	u->version++;
	ids_user_put(t, u);
	ids_idalloc_release(t, u->uid);
	ids_txn_bump_generation(t);
	snprintf(uidbuf, sizeof(uidbuf), "%u", u->uid);
	ids_audit(t, IDS_MSG_USER_DELETED, "actor", ctx->actor, "user", u->login, "uid", uidbuf,
		  "id", id, IDS_END);
	return ids_txn_error(t);
}
