/* SPDX-License-Identifier: MIT */
/*
 * ids-fixture: a test and demo tool that drives the core library directly
 * (provision, rename, deactivate, delete users; SCIM groups and memberships;
 * logins with an assertion's groups), standing in for idsyncd and pam_idsync
 * until they exist. Not installed.
 * Every command is one store transaction followed by a snapshot publication.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libidsync/cleanup.h"
#include "libidsync/groups.h"
#include "libidsync/identity.h"
#include "libidsync/policy.h"
#include "libidsync/snapshot.h"
#include "libidsync/strv.h"
#include "libidsync/workspace.h"

static int
usage(void)
{
	fprintf(stderr,
		"usage: ids-fixture CONFIG COMMAND ARGS\n"
		"  provision USERNAME [EXTERNAL_ID|-] [DISPLAY_NAME]\n"
		"  rename LOGIN NEW_USERNAME\n"
		"  deactivate LOGIN | activate LOGIN | delete LOGIN   (through the access policy)\n"
		"  workspace NAME [GID]\n"
		"  grant LOGIN WORKSPACE ROLE[,ROLE...] [SOURCE]\n"
		"  group ID DISPLAY_NAME [EXTERNAL_ID]      a SCIM group push\n"
		"  join LOGIN GROUP_ID | leave LOGIN GROUP_ID   a SCIM membership change\n"
		"  login LOGIN [GROUP,GROUP...|unknown]      a login with the assertion's groups\n");
	return 2;
}

static int
run(struct ids_txn *t, struct ids_identity_ctx *ctx, int argc, char **argv, char **why)
{
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	const char *cmd = argv[0];
	int r;

	if (strcmp(cmd, "provision") == 0 && argc >= 2) {
		struct ids_identity_in in = {
			.user_name = argv[1],
			.external_id = argc > 2 && strcmp(argv[2], "-") != 0 ? argv[2] : NULL,
			.display_name = argc > 3 ? argv[3] : NULL,
			.active = true,
		};
		r = ids_identity_create(t, ctx, &in, &u, why);
		if (r == 0)
			printf("%s %u\n", u->login, u->uid);
		return r;
	}
	if (strcmp(cmd, "group") == 0 && argc >= 3) {
		struct ids_group g = {.id = argv[1], .display_name = argv[2],
				      .external_id = argc > 3 ? argv[3] : NULL,
				      .created = ctx->now, .modified = ctx->now, .version = 1};
		r = ids_group_put(t, &g);
		return r < 0 ? r : ids_policy_sync_all(t, ctx);
	}
	if (strcmp(cmd, "workspace") == 0 && argc >= 2) {
		struct ids_workspace_in in = {.name = argv[1], .managed = true,
					      .gid = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 0};
		return ids_workspace_create(t, ctx, &in, why);
	}
	if (argc < 2)
		return -EINVAL;
	r = ids_user_get_by_login(t, argv[1], &u);
	if (r < 0)
		return r;
	if (strcmp(cmd, "rename") == 0 && argc == 3) {
		struct ids_identity_in in = {.user_name = argv[2], .external_id = u->external_id,
					     .display_name = u->gecos, .active = u->active};
		return ids_identity_update(t, ctx, u->id, &in, NULL, why);
	}
	if (strcmp(cmd, "deactivate") == 0)
		return ids_policy_deactivate(t, ctx, u->id);
	if (strcmp(cmd, "activate") == 0)
		return ids_policy_reactivate(t, ctx, u->id);
	if (strcmp(cmd, "delete") == 0)
		return ids_policy_delete(t, ctx, u->id);
	if ((strcmp(cmd, "join") == 0 || strcmp(cmd, "leave") == 0) && argc == 3) {
		r = strcmp(cmd, "join") == 0 ? ids_member_add(t, argv[2], u->id)
					     : ids_member_remove(t, argv[2], u->id);
		return r < 0 ? r : ids_policy_sync_scim(t, ctx, u->id, NULL);
	}
	if (strcmp(cmd, "login") == 0) {
		struct ids_policy_result res = {0};
		bool unknown = argc > 2 && strcmp(argv[2], "unknown") == 0;
		char **groups = NULL;

		if (argc > 2 && !unknown && ids_strv_split(argv[2], ",", &groups) < 0)
			return -ENOMEM;
		r = ids_policy_login(t, ctx, u->id, (const char *const *)groups, unknown, &res);
		for (size_t i = 0; r == 0 && i < res.n; i++)
			printf("%-12s %-14s roles %-14s %s\n", res.decisions[i].workspace,
			       ids_outcome_name(res.decisions[i].outcome), res.decisions[i].roles,
			       res.decisions[i].detail);
		if (r == 0)
			printf("IDSYNC_WORKSPACE=%s\nIDSYNC_WORKSPACE_DIR=%s\n",
			       res.open_workspace ? res.open_workspace : "",
			       res.open_dir ? res.open_dir : "");
		ids_policy_result_clear(&res);
		ids_strv_free(groups);
		return r;
	}
	if (strcmp(cmd, "grant") == 0 && argc >= 4) {
		/* SOURCE is KIND:REF with KIND scim, login or manual. */
		const char *src = argc > 4 ? argv[4] : "manual:ids-fixture", *colon = strchr(src, ':');
		enum ids_source_kind kind = IDS_SOURCE_MANUAL;
		_cleanup_(ids_grant_freep) struct ids_grant *g = ids_grant_new(u->id, argv[2], ctx->now);
		char **roles = NULL;

		if (!g || !colon)
			return -EINVAL;
		if (strncmp(src, "scim:", 5) == 0)
			kind = IDS_SOURCE_SCIM;
		else if (strncmp(src, "login:", 6) == 0)
			kind = IDS_SOURCE_LOGIN;
		r = ids_strv_split(argv[3], ",", &roles);
		if (r == 0)
			r = ids_grant_set_roles(g, roles);
		if (r == 0)
			r = ids_grant_add_source(g, kind, colon + 1, roles[0] ? roles[0] : "member");
		ids_strv_free(roles);
		if (r == 0)
			r = ids_grant_put(t, g);
		if (r == 0)
			r = ids_txn_bump_generation(t);
		return r;
	}
	return -EINVAL;
}

int
main(int argc, char **argv)
{
	struct ids_config *cfg = NULL;
	struct ids_localfiles *lf = NULL;
	struct ids_store *s = NULL;
	struct ids_txn *t = NULL;
	char *errors = NULL, *why = NULL;
	int r;

	if (argc < 3)
		return usage();
	r = ids_config_load(argv[1], &cfg, &errors);
	if (r < 0) {
		fputs(errors ? errors : "cannot load config\n", stderr);
		return 3;
	}
	r = ids_localfiles_load(cfg, &lf);
	if (r == 0)
		r = ids_store_open(cfg->store_path, cfg->map_size_mb, IDS_STORE_CREATE, &s);
	if (r == 0)
		r = ids_txn_begin(s, true, &t);
	if (r == 0) {
		struct ids_identity_ctx ctx = {cfg, lf, time(NULL), "ids-fixture"};
		r = run(t, &ctx, argc - 2, argv + 2, &why);
		if (r == 0)
			r = ids_txn_commit(t);
		else
			ids_txn_abort(t);
	}
	if (r == 0)
		r = ids_snapshot_publish(s, cfg, false, NULL);
	if (r < 0) {
		fprintf(stderr, "ids-fixture: %s: %s\n", argv[2], why ? why : strerror(-r));
		r = r == -EINVAL && !why ? usage() : 1;
	}
	free(why);
	ids_store_free(s);
	ids_localfiles_free(lf);
	ids_config_free(cfg);
	return r;
}
