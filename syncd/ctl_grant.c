/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl grant add|revoke and explain: manual grants by an admin (an
 * IdP-derived grant cannot be revoked by hand), and why a user holds each
 * workspace, with the sources, roles, Unix groups and seats involved.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/cleanup.h"
#include "libidsync/grants.h"
#include "libidsync/groups.h"
#include "libidsync/mapping.h"
#include "libidsync/model.h"
#include "libidsync/policy.h"
#include "libidsync/strv.h"
#include "libidsync/workspace.h"
#include "syncd/ctl.h"

static int
cmd_grant(struct ctl *c, int argc, char **argv)
{
	_cleanup_free_ char *why = NULL, *id = NULL;
	const char *role = NULL;
	bool add = strcmp(argv[1], "add") == 0;
	struct ctl_write w;
	int r;

	if (argc == 6 && add && strcmp(argv[4], "--role") == 0)
		role = argv[5];
	else if (argc != 4) {
		ctl_err("usage: idsyncctl grant add USER WORKSPACE [--role ROLE] | grant revoke USER "
			"WORKSPACE");
		return CTL_USAGE;
	}
	r = ctl_write_begin(c, &w);
	if (r != CTL_OK)
		return r;
	r = ctl_user_id(w.t, argv[2], &id) == CTL_OK ? 0 : -ENOENT;
	if (r < 0) {
		ids_txn_abort(w.t);
		ids_localfiles_free(w.lf);
		return CTL_FAIL;
	}
	if (add)
		r = ids_policy_grant_manual(w.t, &w.ctx, id, argv[3], role, &why);
	else
		r = ids_policy_revoke_manual(w.t, &w.ctx, id, argv[3], &why);
	return ctl_write_end(c, &w, r, why);
}

/* A source in words: which IdP group, which mapping, which admin. */
static json_t *
source_json(struct ids_txn *t, const struct ids_grant_source *s)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "kind", ids_source_kind_name(s->kind), "ref",
			      s->ref, "role", s->role);
	const char *bar = strchr(s->ref, '|');

	if (s->kind == IDS_SOURCE_SCIM && bar) {
		_cleanup_free_ char *gid = strndup(s->ref, (size_t)(bar - s->ref));
		struct ids_group *g = NULL;
		if (gid && ids_group_get(t, gid, &g) == 0)
			json_object_set_new(o, "group", json_string(g->display_name));
		ids_group_free(g);
		json_object_set_new(o, "mapping", json_string(bar + 1));
		json_object_set_new(o, "why", json_string("member of the pushed IdP group"));
	} else if (s->kind == IDS_SOURCE_LOGIN) {
		json_object_set_new(o, "mapping", json_string(s->ref));
		json_object_set_new(o, "why",
				    json_string(strcmp(s->ref, "*") == 0
							? "the only managed workspace: every "
							  "authenticated user gets it"
							: "the assertion carried the mapped group at login"));
	} else {
		json_object_set_new(o, "admin", json_string(s->ref));
		json_object_set_new(o, "why", json_string("granted by an admin"));
	}
	return o;
}

struct explain_ctx {
	struct ids_txn *t;
	json_t *grants;
};

static int
explain_cb(const struct ids_grant *g, void *data)
{
	struct explain_ctx *ec = data;
	_cleanup_(ids_workspace_freep) struct ids_workspace *ws = NULL;
	json_t *sources = json_array(), *groups = json_array();
	uint32_t used = 0, used_ro = 0;

	for (size_t i = 0; i < g->n_sources; i++)
		json_array_append_new(sources, source_json(ec->t, &g->sources[i]));
	for (size_t i = 0; g->roles[i]; i++) {
		struct ids_role *role = NULL;
		if (ids_role_get(ec->t, g->roles[i], &role) == 0)
			for (size_t j = 0; role->groups[j]; j++) {
				char *name = ids_role_expand(role->groups[j], g->workspace);
				if (name)
					json_array_append_new(groups, json_string(name));
				free(name);
			}
		ids_role_free(role);
	}
	(void)ids_workspace_get(ec->t, g->workspace, &ws);
	(void)ids_grant_count_workspace(ec->t, g->workspace, &used, &used_ro);
	return json_array_append_new(
		ec->grants,
		json_pack("{s:s, s:o, s:b, s:o, s:o, s:s, s:{s:I, s:I, s:I, s:I}}", "workspace",
			  g->workspace, "roles", ids_strv_to_json(g->roles), "roles_set_by_hand",
			  g->roles_manual, "unix_groups", groups, "sources", sources, "kind",
			  ws && ws->managed ? "managed" : "local", "seats", "used",
			  (json_int_t)used, "limit", (json_int_t)(ws ? ws->seats : 0), "read_only_used",
			  (json_int_t)used_ro, "read_only_limit", (json_int_t)(ws ? ws->seats_ro : 0)));
}

static int
cmd_explain(struct ctl *c, const char *who)
{
	_cleanup_free_ char *id = NULL, *open = NULL;
	struct ids_user *u = NULL;
	struct ids_txn *t = NULL;
	struct explain_ctx ec;
	json_t *out, *g, *s;
	size_t i, j;
	int r = ctl_read_begin(c, &t);

	if (r != CTL_OK)
		return r;
	if (ctl_user_id(t, who, &id) != CTL_OK || ids_user_get(t, id, &u) < 0) {
		ids_txn_abort(t);
		return CTL_FAIL;
	}
	ec = (struct explain_ctx){t, json_array()};
	r = ids_grant_foreach(t, id, explain_cb, &ec);
	if (r == 0)
		r = ids_policy_open_workspace(t, id, &open);
	ids_txn_abort(t);
	if (r < 0) {
		ctl_err("%s: %s", who, strerror(-r));
		json_decref(ec.grants);
		ids_user_free(u);
		return CTL_FAIL;
	}
	out = json_pack("{s:s, s:I, s:s, s:o, s:s?}", "login", u->login, "uid", (json_int_t)u->uid,
			"state", u->deleted ? "deleted" : u->active ? "active" : "inactive",
			"grants", ec.grants, "opens", open);
	if (c->json) {
		ctl_print_json(out);
	} else {
		printf("%s (uid %u, %s)\n", u->login, u->uid,
		       json_string_value(json_object_get(out, "state")));
		if (!u->active)
			printf("  deactivated users hold no workspaces and cannot log in\n");
		json_array_foreach(ec.grants, i, g)
		{
			json_t *seats = json_object_get(g, "seats");
			char *roles = json_dumps(json_object_get(g, "roles"), JSON_COMPACT);
			char limit[16] = "-", ro_limit[16] = "-";
			printf("\n%s (%s workspace) roles %s%s\n", json_string_value(json_object_get(g, "workspace")),
			       json_string_value(json_object_get(g, "kind")), roles ? roles : "?",
			       json_is_true(json_object_get(g, "roles_set_by_hand")) ? " (set by hand)" : "");
			free(roles);
			roles = json_dumps(json_object_get(g, "unix_groups"), JSON_COMPACT);
			printf("  unix groups %s\n", roles ? roles : "?");
			free(roles);
			/* A limit of 0 means none. */
			if (json_integer_value(json_object_get(seats, "limit")))
				snprintf(limit, sizeof(limit), "%lld",
					 (long long)json_integer_value(json_object_get(seats, "limit")));
			if (json_integer_value(json_object_get(seats, "read_only_limit")))
				snprintf(ro_limit, sizeof(ro_limit), "%lld",
					 (long long)json_integer_value(
						 json_object_get(seats, "read_only_limit")));
			printf("  seats %lld/%s, read-only %lld/%s\n",
			       (long long)json_integer_value(json_object_get(seats, "used")), limit,
			       (long long)json_integer_value(json_object_get(seats, "read_only_used")),
			       ro_limit);
			json_array_foreach(json_object_get(g, "sources"), j, s)
			{
				const char *group = json_string_value(json_object_get(s, "group"));
				const char *mapping = json_string_value(json_object_get(s, "mapping"));
				const char *admin = json_string_value(json_object_get(s, "admin"));
				printf("  because: %s", json_string_value(json_object_get(s, "why")));
				if (group)
					printf(" \"%s\"", group);
				if (mapping)
					printf(" (mapping \"%s\")", mapping);
				if (admin)
					printf(" (%s)", admin);
				printf(", role %s\n", json_string_value(json_object_get(s, "role")));
			}
		}
		if (!json_array_size(ec.grants))
			printf("  no workspaces\n");
		else
			printf("\nopens %s at login\n", open ? open : "-");
	}
	json_decref(out);
	ids_user_free(u);
	return CTL_OK;
}

int
ctl_cmd_grant(struct ctl *c, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "revoke") == 0))
		return cmd_grant(c, argc, argv);
	ctl_err("usage: idsyncctl grant add USER WORKSPACE [--role ROLE] | grant revoke USER WORKSPACE");
	return CTL_USAGE;
}

int
ctl_cmd_explain(struct ctl *c, int argc, char **argv)
{
	if (argc != 2) {
		ctl_err("usage: idsyncctl explain USER");
		return CTL_USAGE;
	}
	return cmd_explain(c, argv[1]);
}
