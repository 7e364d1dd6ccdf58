/* SPDX-License-Identifier: MIT */
/*
 * The access policy, one named scenario per rule of DESIGN.md "Access
 * policy" / the policy issue. Each scenario is a table of steps in a small
 * language (see run_step) ending in expectations on the grants; a rule that
 * breaks makes its scenario fail.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "libidsync/grants.h"
#include "libidsync/groups.h"
#include "libidsync/mapping.h"
#include "libidsync/model.h"
#include "libidsync/org.h"
#include "libidsync/policy.h"
#include "libidsync/strv.h"
#include "libidsync/workspace.h"

static struct fixture f;
static struct ids_policy_result last;

static void
setup(void)
{
	fixture_setup(&f);
}

static void
teardown(void)
{
	ids_policy_result_clear(&last);
	fixture_teardown(&f);
}

TestSuite(policy, .init = setup, .fini = teardown);

static char *
user_id_of(struct ids_txn *t, const char *login)
{
	struct ids_user *u = NULL;
	char *id;

	cr_assert_eq(ids_user_get_by_login(t, login, &u), 0, "no user %s", login);
	id = strdup(u->id);
	ids_user_free(u);
	return id;
}

/* "k=v" options of a step. */
static const char *
opt(char **w, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; w[i]; i++)
		if (strncmp(w[i], key, n) == 0 && w[i][n] == '=')
			return w[i] + n + 1;
	return NULL;
}

static int
grant_str_cb(const struct ids_grant *g, void *data)
{
	FILE *m = data;
	char *roles = ids_strv_join((const char *const *)g->roles, "+");

	fprintf(m, "%s:%s ", g->workspace, roles);
	free(roles);
	return 0;
}

/* The user's grants as "ws:role+role ws:role" in workspace order. */
static char *
grants_of(struct ids_txn *t, const char *login)
{
	char *buf = NULL, *id = user_id_of(t, login);
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	cr_assert_eq(ids_grant_foreach(t, id, grant_str_cb, m), 0);
	fclose(m);
	free(id);
	if (len && buf[len - 1] == ' ')
		buf[len - 1] = '\0';
	return buf;
}

/* Runs one step in its own transaction; returns the step's result (0 or -errno). */
static int
run_step(const char *step)
{
	char **w = NULL, *why = NULL;
	struct ids_txn *t;
	int r = 0;

	cr_assert_eq(ids_strv_split(step, " ", &w), 0);
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	const char *cmd = w[0];
	if (strcmp(cmd, "ws") == 0) {
		const char *seats = opt(w, "seats"), *ro = opt(w, "seats_ro"), *dir = opt(w, "dir");
		struct ids_workspace_in in = {.name = w[1],
					      .managed = !ids_strv_contains((const char *const *)w, "local"),
					      .dir = dir,
					      .seats = seats ? (uint32_t)atoi(seats) : 0,
					      .seats_ro = ro ? (uint32_t)atoi(ro) : 0};
		r = ids_workspace_create(t, &f.ctx, &in, &why);
	} else if (strcmp(cmd, "map") == 0) {
		/* map LABEL IDENTIFIER WS[,WS] [role=R] */
		struct ids_mapping m = {.label = w[1], .identifier = w[2], .role = (char *)opt(w, "role")};
		cr_assert_eq(ids_strv_split(w[3], ",", &m.workspaces), 0);
		r = ids_mapping_put(t, &m, false, &why);
		ids_strv_free(m.workspaces);
		if (r == 0)
			r = ids_policy_sync_all(t, &f.ctx);
	} else if (strcmp(cmd, "user") == 0) {
		char un[128];
		struct ids_identity_in in = {.user_name = un, .active = true};
		snprintf(un, sizeof(un), "%s@example.com", w[1]);
		r = ids_identity_create(t, &f.ctx, &in, NULL, &why);
	} else if (strcmp(cmd, "org") == 0) {
		struct ids_org *org = NULL;
		cr_assert_eq(ids_org_get(t, &org), 0);
		if (opt(w, "read_only_new_members"))
			org->read_only_new_members = strcmp(opt(w, "read_only_new_members"), "yes") == 0;
		if (opt(w, "default_role")) {
			free(org->default_role);
			org->default_role = strdup(opt(w, "default_role"));
		}
		if (opt(w, "revoke_on_login"))
			org->revoke_on_login = strcmp(opt(w, "revoke_on_login"), "yes") == 0;
		r = ids_org_put(t, org);
		ids_org_free(org);
	} else if (strcmp(cmd, "mode") == 0) {
		r = ids_policy_set_role_mode(t, &f.ctx,
					     strcmp(w[1], "scim") == 0 ? IDS_ROLE_MODE_SCIM
								       : IDS_ROLE_MODE_SSO,
					     opt(w, "confirm") != NULL, &why);
	} else if (strcmp(cmd, "login") == 0) {
		/* login USER [GROUP,GROUP] | login USER unknown */
		char *id = user_id_of(t, w[1]);
		char **groups = NULL;
		bool unknown = w[2] && strcmp(w[2], "unknown") == 0;
		if (w[2] && !unknown)
			cr_assert_eq(ids_strv_split(w[2], ",", &groups), 0);
		ids_policy_result_clear(&last);
		r = ids_policy_login(t, &f.ctx, id, (const char *const *)groups, unknown, &last);
		ids_strv_free(groups);
		free(id);
	} else if (strcmp(cmd, "group") == 0) {
		/* group ID NAME [ext=X]: a SCIM group push */
		struct ids_group g = {.id = w[1], .display_name = w[2],
				      .external_id = (char *)opt(w, "ext"), .version = 1};
		r = ids_group_put(t, &g);
		if (r == 0)
			r = ids_policy_sync_all(t, &f.ctx);
	} else if (strcmp(cmd, "join") == 0 || strcmp(cmd, "leave") == 0) {
		char *id = user_id_of(t, w[1]);
		r = strcmp(cmd, "join") == 0 ? ids_member_add(t, w[2], id) : ids_member_remove(t, w[2], id);
		if (r >= 0)
			r = ids_policy_sync_scim(t, &f.ctx, id, NULL);
		free(id);
	} else if (strcmp(cmd, "grant") == 0) {
		char *id = user_id_of(t, w[1]);
		r = ids_policy_grant_manual(t, &f.ctx, id, w[2], w[3], &why);
		free(id);
	} else if (strcmp(cmd, "revoke") == 0) {
		char *id = user_id_of(t, w[1]);
		r = ids_policy_revoke_manual(t, &f.ctx, id, w[2], &why);
		free(id);
	} else if (strcmp(cmd, "deactivate") == 0 || strcmp(cmd, "reactivate") == 0 ||
		   strcmp(cmd, "delete") == 0) {
		char *id = user_id_of(t, w[1]);
		r = strcmp(cmd, "deactivate") == 0   ? ids_policy_deactivate(t, &f.ctx, id)
		    : strcmp(cmd, "reactivate") == 0 ? ids_policy_reactivate(t, &f.ctx, id)
						     : ids_policy_delete(t, &f.ctx, id);
		free(id);
	} else if (strcmp(cmd, "expect") == 0) {
		/* expect USER [ws:role ...] : exactly these grants */
		char *got = grants_of(t, w[1]), *want = ids_strv_join((const char *const *)w + 2, " ");
		cr_assert_str_eq(got, want, "grants of %s: got \"%s\", want \"%s\"", w[1], got, want);
		free(got);
		free(want);
	} else if (strcmp(cmd, "expect-open") == 0) {
		cr_assert_not_null(last.open_workspace, "no workspace opened");
		cr_assert_str_eq(last.open_workspace, w[1]);
	} else if (strcmp(cmd, "expect-outcome") == 0) {
		/* expect-outcome WS OUTCOME: in the last login's decisions */
		bool found = false;
		for (size_t i = 0; i < last.n; i++)
			if (strcmp(last.decisions[i].workspace, w[1]) == 0 &&
			    strcmp(ids_outcome_name(last.decisions[i].outcome), w[2]) == 0)
				found = true;
		cr_assert(found, "no decision %s %s", w[1], w[2]);
	} else {
		cr_assert_fail("unknown step \"%s\"", step);
	}
	if (r >= 0)
		cr_assert_eq(ids_txn_commit(t), 0, "%s", step);
	else
		ids_txn_abort(t);
	free(why);
	ids_strv_free(w);
	return r;
}

/* Runs steps; "!" before a step means it must fail (and change nothing). */
static void
run(const char *const *steps)
{
	for (size_t i = 0; steps[i]; i++) {
		bool must_fail = steps[i][0] == '!';
		int r = run_step(steps[i] + must_fail);

		if (must_fail)
			cr_assert_lt(r, 0, "step should have failed: %s", steps[i] + 1);
		else
			cr_assert_geq(r, 0, "step failed (%d): %s", r, steps[i]);
	}
}

#define SCENARIO(name, ...)                                                                        \
	Test(policy, name)                                                                         \
	{                                                                                          \
		static const char *const steps[] = {__VA_ARGS__, NULL};                            \
		run(steps);                                                                        \
	}

/* Rule 1: mapping identifier -> several workspaces; one workspace from several groups. */
SCENARIO(r1_mapping_targets_and_overlap, "ws build", "ws docs", "ws lab",
	 "map engineering eng-guid build,docs", "map writers writers-guid docs", "user ann",
	 "user ben", "login ann eng-guid", "expect ann build:member docs:member",
	 "login ben writers-guid,unrelated", "expect ben docs:member")

/* Rule 1: SCIM groups match by id, externalId or displayName. */
SCENARIO(r1_scim_match_by_id_external_id_display_name, "ws build", "ws docs", "ws lab",
	 "map by-name Engineering build", "map by-ext EXT-9 docs", "map by-id G3 lab", "user ann",
	 "group G1 engineering", "group G2 Writers ext=EXT-9", "group G3 Lab", "join ann G1",
	 "expect ann build:member", "join ann G2", "expect ann build:member docs:member",
	 "join ann G3", "expect ann build:member docs:member lab:member")

/* Rule 2: with one managed workspace every authenticated user gets it; mappings are idle. */
SCENARIO(r2_single_workspace_for_everyone, "ws build", "ws lab local", "user ann",
	 "login ann nothing-mapped", "expect ann build:member", "expect-open build")

/* Rule 2: with two or more, only mapped groups grant. */
SCENARIO(r2_multi_workspace_needs_mapping, "ws build", "ws docs", "user ann",
	 "login ann nothing-mapped", "expect ann")

/* Rule 3: default role, read-only new members, and a mapping's own role wins. */
SCENARIO(r3_default_and_read_only_new_members, "ws build", "ws docs", "map eng eng build",
	 "map adm adm docs role=admin", "org read_only_new_members=yes", "user ann",
	 "login ann eng,adm", "expect ann build:read-only docs:admin")
SCENARIO(r3_configured_default_role, "ws build", "ws docs", "map eng eng build",
	 "org default_role=admin", "user ann", "login ann eng", "expect ann build:admin")

/* Rule 4: union of roles; read-only never combines; never down to read-only at login. */
SCENARIO(r4_union_of_roles, "ws build", "ws docs", "map eng eng build",
	 "map adm adm build role=admin", "user ann", "login ann eng,adm",
	 "expect ann build:admin+member")
SCENARIO(r4_read_only_loses_to_any_other_role, "ws build", "ws docs",
	 "map viewers viewers build role=read-only", "map eng eng build", "user ann",
	 "login ann viewers", "expect ann build:read-only", "login ann viewers,eng",
	 "expect ann build:member")
SCENARIO(r4_login_never_downgrades_to_read_only, "ws build", "ws docs", "map eng eng build",
	 "map viewers viewers build role=read-only", "user ann", "login ann eng",
	 "expect ann build:member", "login ann viewers", "expect ann build:member")

/* Rule 5: login adds what is missing and never removes (by default). */
SCENARIO(r5_login_adds_never_removes, "ws build", "ws docs", "map eng eng build",
	 "map w w docs", "user ann", "login ann eng", "expect ann build:member", "login ann w",
	 "expect ann build:member docs:member", "login ann", "expect ann build:member docs:member")
SCENARIO(r5_opt_in_revoke_on_login, "ws build", "ws docs", "map eng eng build", "map w w docs",
	 "org revoke_on_login=yes", "user ann", "login ann eng,w",
	 "expect ann build:member docs:member", "login ann w", "expect ann docs:member",
	 "login ann unknown", "expect ann docs:member")

/* Rule 6: a full workspace refuses that grant only; the others go through. */
SCENARIO(r6_seats_refuse_one_workspace_only, "ws build seats=1", "ws docs", "map eng eng build,docs",
	 "user ann", "user ben", "login ann eng", "expect ann build:member docs:member",
	 "login ben eng", "expect ben docs:member", "expect-outcome build refused-seats",
	 "expect-outcome docs granted")
SCENARIO(r6_read_only_seats, "ws build seats_ro=1", "ws docs",
	 "map viewers viewers build role=read-only", "map eng eng build", "user ann", "user ben",
	 "user cat", "login ann viewers", "login ben viewers", "expect ben",
	 "expect-outcome build refused-seats", "login cat eng", "expect cat build:member")

/* Rule 7: leaving a group revokes only when no other source holds the workspace. */
SCENARIO(r7_overlap_keeps_workspace, "ws build", "ws docs", "map eng Engineering build",
	 "map ops Ops build", "user ann", "group G1 Engineering", "group G2 Ops", "join ann G1",
	 "join ann G2", "expect ann build:member", "leave ann G1", "expect ann build:member",
	 "leave ann G2", "expect ann")
SCENARIO(r7_manual_grant_survives_group_removal, "ws build", "ws docs",
	 "map eng Engineering build", "user ann", "group G1 Engineering", "join ann G1",
	 "grant ann build", "leave ann G1", "expect ann build:member")
SCENARIO(r7_login_source_of_pushed_group_goes_with_membership, "ws build", "ws docs",
	 "map eng Engineering build", "user ann", "group G1 Engineering", "join ann G1",
	 "login ann Engineering", "expect ann build:member", "leave ann G1", "expect ann")

/* Rule 8: deactivation drops grants and reactivation re-derives them; deletion is total. */
SCENARIO(r8_deactivate_and_reactivate, "ws build", "ws docs", "map eng Engineering build",
	 "user ann", "group G1 Engineering", "join ann G1", "grant ann docs",
	 "expect ann build:member docs:member", "deactivate ann", "expect ann", "!login ann Engineering",
	 "reactivate ann", "expect ann build:member")
SCENARIO(r8_delete_removes_everything_manual_included, "ws build", "ws docs",
	 "map eng Engineering build", "user ann", "group G1 Engineering", "join ann G1",
	 "grant ann docs", "delete ann", "expect ann")

/* Rule 9: local workspaces are never touched by IdP events; IdP grants resist manual revoke. */
SCENARIO(r9_local_workspace_untouched_by_idp, "ws build", "ws docs", "ws lab local",
	 "map eng eng build,lab", "user ann", "login ann eng", "expect ann build:member",
	 "grant ann lab", "expect ann build:member lab:member", "login ann eng",
	 "expect ann build:member lab:member")
SCENARIO(r9_idp_grant_cannot_be_revoked_by_hand, "ws build", "ws docs",
	 "map eng Engineering build", "user ann", "group G1 Engineering", "join ann G1",
	 "!revoke ann build", "expect ann build:member", "grant ann docs", "revoke ann docs",
	 "expect ann build:member")

/* Rule 10: role mode sso -> scim needs confirmation and erases roles set by hand. */
SCENARIO(r10_role_mode_switch, "ws build", "ws docs", "map eng Engineering build",
	 "user ann", "group G1 Engineering", "join ann G1", "grant ann build read-only",
	 "expect ann build:read-only", "!mode scim", "expect ann build:read-only",
	 "mode scim confirm=yes", "expect ann build:member")
SCENARIO(r10_scim_mode_removes_roles_with_their_source, "ws build", "ws docs",
	 "map eng Engineering build", "map adm Admins build role=admin", "mode scim confirm=yes",
	 "user ann", "group G1 Engineering", "group G2 Admins", "join ann G1", "join ann G2",
	 "expect ann build:admin+member", "leave ann G2", "expect ann build:member")
SCENARIO(r10_sso_mode_keeps_roles_when_a_source_goes, "ws build", "ws docs",
	 "map eng Engineering build", "map adm Admins build role=admin", "user ann",
	 "group G1 Engineering", "group G2 Admins", "join ann G1", "join ann G2",
	 "expect ann build:admin+member", "leave ann G2", "expect ann build:admin+member")

/* Rule 11: open the last used workspace among those granted now, else the first by name. */
SCENARIO(r11_open_first_then_last_used, "ws docs", "ws build", "map eng eng build,docs", "user ann",
	 "login ann eng", "expect-open build")

Test(policy, r11_last_used_is_remembered_and_dropped_when_revoked)
{
	static const char *const steps[] = {"ws build", "ws docs", "map eng eng build",
					    "map w w docs", "user ann", "login ann w", NULL};
	struct ids_txn *t;
	char *id, *ws = NULL;

	run(steps);
	cr_assert_str_eq(last.open_workspace, "docs");
	run((const char *const[]){"login ann eng,w", "expect-open docs", NULL});
	/* docs goes (revoke_on_login): the first remaining one opens. */
	run((const char *const[]){"org revoke_on_login=yes", "login ann eng", "expect-open build",
				  NULL});
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	id = user_id_of(t, "ann");
	cr_assert_eq(ids_policy_open_workspace(t, id, &ws), 0);
	cr_assert_str_eq(ws, "build");
	ids_txn_abort(t);
	free(ws);
	free(id);
}

Test(policy, refused_admin_action_changes_nothing)
{
	static const char *const steps[] = {"ws build seats=1", "ws docs", "user ann", "user ben",
					    "grant ann build", NULL};
	uint64_t gen_before, gen_after, audit_before, audit_after;
	struct ids_txn *t;

	run(steps);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	ids_txn_generation(t, &gen_before);
	ids_txn_count(t, IDS_DB_AUDIT, &audit_before);
	ids_txn_abort(t);
	run((const char *const[]){"!grant ben build", "!grant ben nowhere", "!grant ann build nosuchrole",
				  "!revoke ben build", "expect ben", NULL});
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	ids_txn_generation(t, &gen_after);
	ids_txn_count(t, IDS_DB_AUDIT, &audit_after);
	ids_txn_abort(t);
	cr_assert_eq(gen_before, gen_after);
	cr_assert_eq(audit_before, audit_after);
}

Test(policy, deactivation_ends_running_processes)
{
	static const char *const steps[] = {"ws build", "user sam", NULL};
	struct ids_txn *t;
	struct ids_user *u = NULL;
	pid_t child;
	int status;

	if (geteuid() != 0)
		cr_skip_test("needs root to run a process as the user");
	run(steps);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_user_get_by_login(t, "sam", &u), 0);
	ids_txn_abort(t);
	child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		if (setgid(u->uid) < 0 || setuid(u->uid) < 0)
			_exit(3);
		pause();
		_exit(0);
	}
	usleep(200000);
	run((const char *const[]){"deactivate sam", NULL});
	/* SIGTERM arrives from a detached helper right after the commit. */
	for (int i = 0; i < 50; i++) {
		if (waitpid(child, &status, WNOHANG) == child)
			break;
		usleep(100000);
	}
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
		  "the user's process was not ended");
	ids_user_free(u);
}
