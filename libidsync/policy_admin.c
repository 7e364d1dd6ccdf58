/* SPDX-License-Identifier: MIT */
/*
 * The access policy's admin actions: manual grants and revocations (an
 * IdP-derived grant cannot be removed by hand) and the role source mode.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/groups.h"
#include "libidsync/policy_internal.h"
#include "libidsync/sessions.h"
#include "libidsync/strv.h"
#include "libidsync/workspace.h"

int
ids_policy_grant_manual(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id,
			const char *workspace, const char *role, char **why)
{
	_cleanup_(ids_workspace_freep) struct ids_workspace *w = NULL;
	_cleanup_(ids_grant_freep) struct ids_grant *g = NULL;
	struct ids_role *rr = NULL;
	struct ids_policy_result res = {0};
	struct ids_pol_eval e;
	int r;

	*why = NULL;
	r = ids_pol_eval_init(&e, t, ctx, user_id, &res, "admin");
	if (r == -ENOENT)
		r = ids_why(why, r, "no such user");
	if (r == 0 && (e.user->deleted || !e.user->active))
		r = ids_why(why, -EPERM, "%s is %s", e.user->login,
			   e.user->deleted ? "deleted" : "deactivated");
	if (r == 0 && ids_workspace_get(t, workspace, &w) < 0)
		r = ids_why(why, -ENOENT, "no workspace \"%s\"", workspace);
	if (r == 0 && role && ids_role_get(t, role, &rr) < 0)
		r = ids_why(why, -ENOENT, "no role \"%s\"", role);
	ids_role_free(rr);
	if (r == 0 && role && ids_grant_get(t, user_id, workspace, &g) == 0) {
		/* Setting the role of an existing grant by hand. */
		char *one[] = {(char *)role, NULL};
		r = ids_grant_add_source(g, IDS_SOURCE_MANUAL, ctx->actor, role);
		if (r == 0)
			r = ids_grant_set_roles(g, one);
		g->roles_manual = true;
		if (r == 0)
			r = ids_grant_put(t, g);
		if (r == 0)
			r = ids_txn_bump_generation(t);
		if (r == 0)
			r = ids_pol_audit(&e, IDS_MSG_GRANT, workspace, g->roles, "manual",
					   "roles set by hand");
	} else if (r == 0) {
		r = ids_pol_give(&e, workspace, IDS_SOURCE_MANUAL, ctx->actor,
			 role ? role : e.org->default_role);
		if (r == 0 && res.n && res.decisions[0].outcome == IDS_OUTCOME_REFUSED_SEATS)
			r = ids_why(why, -ENOSPC, "%s: %s", workspace, res.decisions[0].detail);
	}
	ids_policy_result_clear(&res);
	ids_pol_eval_clear(&e);
	return r;
}

static const char *
idp_source_label(struct ids_txn *t, const struct ids_grant_source *s, char *buf, size_t size)
{
	struct ids_group *g = NULL;
	const char *bar;

	if (s->kind == IDS_SOURCE_LOGIN) {
		snprintf(buf, size, "IdP group of mapping \"%s\" (at login)", s->ref);
		return buf;
	}
	bar = strchr(s->ref, '|');
	if (bar) {
		_cleanup_free_ char *gid = strndup(s->ref, (size_t)(bar - s->ref));
		if (gid && ids_group_get(t, gid, &g) == 0)
			snprintf(buf, size, "IdP group \"%s\" (mapping \"%s\")", g->display_name,
				 bar + 1);
		else
			snprintf(buf, size, "IdP group %s", s->ref);
		ids_group_free(g);
		return buf;
	}
	snprintf(buf, size, "IdP group %s", s->ref);
	return buf;
}

int
ids_policy_revoke_manual(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id,
			 const char *workspace, char **why)
{
	_cleanup_(ids_grant_freep) struct ids_grant *g = NULL;
	struct ids_pol_eval e;
	char label[512];
	int r;

	*why = NULL;
	r = ids_pol_eval_init(&e, t, ctx, user_id, NULL, "admin");
	if (r == -ENOENT)
		r = ids_why(why, r, "no such user");
	if (r == 0 && ids_grant_get(t, user_id, workspace, &g) < 0)
		r = ids_why(why, -ENOENT, "%s does not hold workspace \"%s\"", e.user->login,
			   workspace);
	for (size_t i = 0; r == 0 && i < g->n_sources; i++)
		if (ids_source_is_idp(g->sources[i].kind))
			r = ids_why(why, -EPERM,
				   "%s holds \"%s\" through %s: remove them from that group in the "
				   "IdP",
				   e.user->login, workspace,
				   idp_source_label(t, &g->sources[i], label, sizeof(label)));
	while (r == 0 && g->n_sources > 0) {
		_cleanup_free_ char *ref = strdup(g->sources[0].ref);
		r = ref ? ids_pol_take(&e, g, IDS_SOURCE_MANUAL, ref, "revoked by an admin") : -ENOMEM;
	}
	ids_pol_eval_clear(&e);
	return r;
}

int
ids_policy_set_role_mode(struct ids_txn *t, const struct ids_identity_ctx *ctx,
			 enum ids_role_mode mode, bool confirmed, char **why)
{
	_cleanup_(ids_org_freep) struct ids_org *org = NULL;
	struct ids_pol_grant_list all = {0};
	int r;

	*why = NULL;
	r = ids_org_get(t, &org);
	if (r < 0 || org->role_mode == mode)
		return r;
	if (mode == IDS_ROLE_MODE_SCIM && !confirmed)
		return ids_why(why, -EPERM,
			      "switching the role mode from sso to scim recomputes every role from "
			      "the IdP and erases roles set by hand; this cannot be undone "
			      "(confirm to proceed)");
	org->role_mode = mode;
	r = ids_org_put(t, org);
	if (r == 0 && mode == IDS_ROLE_MODE_SCIM)
		r = ids_grant_foreach(t, NULL, ids_pol_copy_grant_cb, &all);
	for (size_t i = 0; r == 0 && i < all.n; i++) {
		char **roles = NULL;
		r = ids_pol_roles_from_sources(t, all.v[i], &roles);
		if (r == 0 && roles[0])
			r = ids_grant_set_roles(all.v[i], roles);
		all.v[i]->roles_manual = false;
		ids_strv_free(roles);
		if (r == 0)
			r = ids_grant_put(t, all.v[i]);
	}
	ids_pol_grant_list_clear(&all);
	if (r == 0)
		r = ids_txn_bump_generation(t);
	if (r == 0)
		r = ids_audit(t, IDS_MSG_CONFIG_CHANGED, "actor", ctx->actor, "action", "role-mode",
			      "role_mode", ids_role_mode_name(mode), IDS_END);
	return r;
}
