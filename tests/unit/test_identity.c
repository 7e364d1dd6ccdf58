/* SPDX-License-Identifier: MIT */
/*
 * Identity lifecycle: create with uniqueness rules, rename, deactivate,
 * delete with tombstones and login take-over, workspaces' group names.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "libidsync/model.h"
#include "libidsync/workspace.h"

static struct fixture f;

static void
setup(void)
{
	fixture_setup(&f);
}

static void
teardown(void)
{
	fixture_teardown(&f);
}

TestSuite(identity, .init = setup, .fini = teardown);

static int
create(const char *user_name, const char *ext, char **why)
{
	struct ids_identity_in in = {.user_name = user_name, .external_id = ext, .active = true,
				     .given_name = "Given", .family_name = "Family"};
	struct ids_txn *t;
	int r;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	r = ids_identity_create(t, &f.ctx, &in, NULL, why);
	if (r < 0) {
		ids_txn_abort(t);
		return r;
	}
	return ids_txn_commit(t);
}

static struct ids_user *
get(const char *login)
{
	struct ids_txn *t;
	struct ids_user *u = NULL;

	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	(void)ids_user_get_by_login(t, login, &u);
	ids_txn_abort(t);
	return u;
}

Test(identity, create_fills_posix_view)
{
	char *why = NULL;
	struct ids_user *u;

	cr_assert_eq(create("Grace.Hopper@example.com", "E1", &why), 0);
	u = get("grace.hopper");
	cr_assert_not_null(u);
	cr_assert_str_eq(u->home, "/home/grace.hopper");
	cr_assert_str_eq(u->shell, "/bin/bash");
	cr_assert_str_eq(u->gecos, "Given Family");
	cr_assert_str_eq(u->user_name, "Grace.Hopper@example.com");
	cr_assert(u->active && !u->deleted);
	cr_assert_eq(strlen(u->id), 36);
	ids_user_free(u);
}

Test(identity, username_unique_case_insensitively)
{
	char *why = NULL;

	cr_assert_eq(create("dup@example.com", NULL, &why), 0);
	cr_assert_eq(create("DUP@Example.COM", NULL, &why), -EEXIST);
	cr_assert_not_null(strstr(why, "already exists"));
	free(why);
}

Test(identity, login_conflict_between_users_is_an_error_not_a_rename)
{
	char *why = NULL;

	cr_assert_eq(create("sam@one.example", NULL, &why), 0);
	cr_assert_eq(create("sam@two.example", NULL, &why), -EEXIST);
	cr_assert_not_null(strstr(why, "already belongs to userName \"sam@one.example\""), "%s", why);
	free(why);
	cr_assert_null(get("sam1"));
}

Test(identity, failed_create_changes_nothing)
{
	char *why = NULL;
	uint64_t before, after;
	struct ids_txn *t;

	cr_assert_eq(create("ok@example.com", NULL, &why), 0);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_txn_count(t, IDS_DB_ID_OWNER, &before), 0);
	ids_txn_abort(t);
	cr_assert_eq(create("root@example.com", NULL, &why), -EEXIST);
	free(why);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_txn_count(t, IDS_DB_ID_OWNER, &after), 0);
	ids_txn_abort(t);
	cr_assert_eq(before, after);
}

static void
with_user(const char *login, int (*fn)(struct ids_txn *, const char *id))
{
	struct ids_txn *t;
	struct ids_user *u;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_user_get_by_login(t, login, &u), 0);
	cr_assert_eq(fn(t, u->id), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	ids_user_free(u);
}

static int
do_delete(struct ids_txn *t, const char *id)
{
	return ids_identity_delete(t, &f.ctx, id);
}

static int
do_deactivate(struct ids_txn *t, const char *id)
{
	return ids_identity_set_active(t, &f.ctx, id, false);
}

static int
count_grants_cb(const struct ids_grant *g, void *data)
{
	(*(int *)data)++;
	return 0;
}

static int
grants_of(const char *login)
{
	struct ids_txn *t;
	struct ids_user *u;
	int n = 0;

	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_user_get_by_login(t, login, &u), 0);
	cr_assert_eq(ids_grant_foreach(t, u->id, count_grants_cb, &n), 0);
	ids_txn_abort(t);
	ids_user_free(u);
	return n;
}

static void
grant(const char *login, const char *ws, const char *source)
{
	struct ids_txn *t;
	struct ids_user *u;
	char *roles[] = {"member", NULL};
	struct ids_grant *g;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_user_get_by_login(t, login, &u), 0);
	g = ids_grant_new(u->id, ws, 0);
	cr_assert_eq(ids_grant_set_roles(g, roles), 0);
	cr_assert_eq(ids_grant_add_source(g, IDS_SOURCE_MANUAL, source, "member"), 0);
	cr_assert_eq(ids_grant_put(t, g), 0);
	ids_grant_free(g);
	cr_assert_eq(ids_txn_commit(t), 0);
	ids_user_free(u);
}

Test(identity, deactivation_keeps_user_drops_grants)
{
	char *why = NULL;
	struct ids_user *u;

	cr_assert_eq(create("eve@example.com", NULL, &why), 0);
	grant("eve", "build", "manual:admin");
	grant("eve", "docs", "scim-group:G1");
	cr_assert_eq(grants_of("eve"), 2);
	with_user("eve", do_deactivate);
	u = get("eve");
	cr_assert_not_null(u, "deactivated users still resolve");
	cr_assert(!u->active);
	ids_user_free(u);
	cr_assert_eq(grants_of("eve"), 0);
}

Test(identity, delete_removes_memberships_and_grants_keeps_tombstone)
{
	char *why = NULL;
	struct ids_user *u;
	struct ids_txn *t;
	struct ids_val v;

	cr_assert_eq(create("mal@example.com", "M-1", &why), 0);
	grant("mal", "build", "manual:admin");
	u = get("mal");
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_txn_put(t, IDS_DB_MEMBER_OF, u->id, strlen(u->id), "G1", 2, false), 0);
	cr_assert_eq(ids_txn_put(t, IDS_DB_MEMBERS, "G1", 2, u->id, strlen(u->id), false), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	with_user("mal", do_delete);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_txn_get(t, IDS_DB_MEMBERS, "G1", 2, &v), -ENOENT);
	cr_assert_eq(ids_txn_get_str(t, IDS_DB_MEMBER_OF, u->id, &v), -ENOENT);
	cr_assert_eq(ids_txn_get_str(t, IDS_DB_USER_BY_NAME, "mal@example.com", &v), -ENOENT);
	cr_assert_eq(ids_txn_get_str(t, IDS_DB_USER_BY_EXTID, "M-1", &v), -ENOENT);
	ids_txn_abort(t);
	ids_user_free(u);
	u = get("mal");
	cr_assert_not_null(u, "a deleted user still resolves by login until it is taken");
	cr_assert(u->deleted && !u->active);
	ids_user_free(u);
	cr_assert_eq(grants_of("mal"), 0);
}

Test(identity, deleted_users_login_taken_over_by_new_identity)
{
	char *why = NULL;
	struct ids_user *old, *now;

	cr_assert_eq(create("kim@example.com", "K-OLD", &why), 0);
	old = get("kim");
	with_user("kim", do_delete);
	cr_assert_eq(create("kim@example.com", "K-NEW", &why), 0, "%s", why ? why : "");
	now = get("kim");
	cr_assert_not_null(now);
	cr_assert_str_neq(now->id, old->id);
	cr_assert_neq(now->uid, old->uid);
	ids_user_free(old);
	ids_user_free(now);
}

Test(identity, rename_to_taken_username_refused)
{
	char *why = NULL;
	struct ids_user *u;
	struct ids_txn *t;

	cr_assert_eq(create("one@example.com", NULL, &why), 0);
	cr_assert_eq(create("two@example.com", NULL, &why), 0);
	u = get("two");
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	struct ids_identity_in in = {.user_name = "ONE@example.com", .active = true};
	cr_assert_eq(ids_identity_update(t, &f.ctx, u->id, &in, NULL, &why), -EEXIST);
	ids_txn_abort(t);
	free(why);
	ids_user_free(u);
}

static int
mkws(const char *name, uint32_t gid, char **why)
{
	struct ids_workspace_in in = {.name = name, .gid = gid, .managed = true};
	struct ids_txn *t;
	int r;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	r = ids_workspace_create(t, &f.ctx, &in, why);
	if (r < 0) {
		ids_txn_abort(t);
		return r;
	}
	return ids_txn_commit(t);
}

Test(identity, workspace_creates_role_groups)
{
	char *why = NULL;
	struct ids_txn *t;
	struct ids_unix_group *g;

	cr_assert_eq(mkws("build", 700001, &why), 0, "%s", why ? why : "");
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_unix_group_get(t, "build", &g), 0);
	cr_assert_eq(g->gid, 700001);
	ids_unix_group_free(g);
	cr_assert_eq(ids_unix_group_get(t, "build-ro", &g), 0);
	cr_assert_geq(g->gid, f.cfg->gid_min);
	ids_unix_group_free(g);
	cr_assert_eq(ids_unix_group_get(t, "build-admin", &g), 0);
	ids_unix_group_free(g);
	ids_txn_abort(t);
}

Test(identity, workspace_name_collisions_refused)
{
	char *why = NULL;

	cr_assert_eq(create("ops@example.com", NULL, &why), 0);
	cr_assert_eq(mkws("ops", 0, &why), -EEXIST, "a user's private group name");
	free(why);
	cr_assert_eq(mkws("devs", 0, &why), -EEXIST, "a local group");
	cr_assert_not_null(strstr(why, "/group"));
	free(why);
	cr_assert_eq(mkws("Bad Name", 0, &why), -EINVAL);
	free(why);
	cr_assert_eq(mkws("web", 50, &why), -EEXIST, "gid of a local group");
	free(why);
	cr_assert_eq(mkws("web", 0, &why), 0);
	cr_assert_eq(mkws("web", 0, &why), -EEXIST);
	free(why);
	/* And a user may not take a workspace group's name as login. */
	cr_assert_eq(create("web-ro@example.com", NULL, &why), -EEXIST);
	cr_assert_not_null(strstr(why, "workspace group"));
	free(why);
}
