/* SPDX-License-Identifier: MIT */
/*
 * The access policy's core (policy.h): one evaluation's state, giving and
 * taking grant sources with roles and seats, and the login rules. SCIM rules
 * are in policy_scim.c, admin actions in policy_admin.c. Never commits.
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

static const char *const outcome_names[] = {
	[IDS_OUTCOME_GRANTED] = "granted",         [IDS_OUTCOME_UPDATED] = "updated",
	[IDS_OUTCOME_UNCHANGED] = "unchanged",     [IDS_OUTCOME_REFUSED_SEATS] = "refused-seats",
	[IDS_OUTCOME_REVOKED] = "revoked",         [IDS_OUTCOME_KEPT] = "kept",
};

const char *
ids_outcome_name(enum ids_outcome o)
{
	return outcome_names[o];
}

void
ids_policy_result_clear(struct ids_policy_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n; i++) {
		free(res->decisions[i].workspace);
		free(res->decisions[i].roles);
		free(res->decisions[i].detail);
	}
	free(res->decisions);
	free(res->open_workspace);
	free(res->open_dir);
	memset(res, 0, sizeof(*res));
}

void
ids_pol_eval_clear(struct ids_pol_eval *e)
{
	ids_org_free(e->org);
	ids_user_free(e->user);
	ids_strv_free(e->managed);
}

static int
collect_managed(const struct ids_workspace *ws, void *data)
{
	return ws->managed ? ids_strv_push(data, ws->name) : 0;
}

int
ids_pol_eval_init(struct ids_pol_eval *e, struct ids_txn *t, const struct ids_identity_ctx *ctx,
	  const char *user_id, struct ids_policy_result *res, const char *cause)
{
	int r;

	*e = (struct ids_pol_eval){.t = t, .ctx = ctx, .res = res, .cause = cause};
	r = ids_org_get(t, &e->org);
	if (r == 0 && user_id)
		r = ids_user_get(t, user_id, &e->user);
	if (r == 0) {
		e->managed = calloc(1, sizeof(char *));
		r = e->managed ? ids_workspace_foreach(t, collect_managed, &e->managed) : -ENOMEM;
	}
	if (r == 0)
		r = ids_roles_seed_defaults(t);
	return r;
}

bool
ids_pol_is_managed(const struct ids_pol_eval *e, const char *ws)
{
	return ids_strv_contains((const char *const *)e->managed, ws);
}

size_t
ids_pol_n_managed(const struct ids_pol_eval *e)
{
	size_t n = 0;

	while (e->managed[n])
		n++;
	return n;
}

bool
ids_pol_role_is_read_only(struct ids_txn *t, const char *name)
{
	struct ids_role *role = NULL;
	bool ro = ids_role_get(t, name, &role) == 0 && role->read_only;

	ids_role_free(role);
	return ro;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Effective roles from a list with repeats: unique, sorted, and read-only
 * roles dropped when any other role is present (read-only never combines).
 */
static int
effective_roles(struct ids_txn *t, char **names, size_t n, char ***out)
{
	char **v = calloc(n + 1, sizeof(char *));
	bool any_paid = false;
	size_t k = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!ids_pol_role_is_read_only(t, names[i]))
			any_paid = true;
	for (size_t i = 0; i < n; i++) {
		if (ids_strv_contains((const char *const *)v, names[i]))
			continue;
		if (any_paid && ids_pol_role_is_read_only(t, names[i]))
			continue;
		v[k] = strdup(names[i]);
		if (!v[k++]) {
			ids_strv_free(v);
			return -ENOMEM;
		}
	}
	if (k)
		qsort(v, k, sizeof(char *), cmp_str);
	*out = v;
	return 0;
}

/* Roles from the grant's sources alone (scim mode, and new grants). */
int
ids_pol_roles_from_sources(struct ids_txn *t, const struct ids_grant *g, char ***out)
{
	_cleanup_free_ char **names = calloc(g->n_sources + 1, sizeof(char *));

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < g->n_sources; i++)
		names[i] = g->sources[i].role;
	return effective_roles(t, names, g->n_sources, out);
}

/* Current roles plus role: union (sso mode: roles are only ever added). */
static int
roles_plus(struct ids_txn *t, const struct ids_grant *g, const char *role, char ***out)
{
	size_t n = 0;
	_cleanup_free_ char **names = NULL;

	while (g->roles[n])
		n++;
	names = calloc(n + 2, sizeof(char *));
	if (!names)
		return -ENOMEM;
	memcpy(names, g->roles, n * sizeof(char *));
	names[n] = (char *)role;
	return effective_roles(t, names, n + 1, out);
}

static bool
same_roles(char *const *a, char *const *b)
{
	size_t i;

	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return !a[i] && !b[i];
}

int
ids_pol_report(struct ids_pol_eval *e, const char *ws, enum ids_outcome o, char *const *roles, const char *detail)
{
	struct ids_policy_result *res = e->res;
	struct ids_decision *grown, *d;

	if (!res)
		return 0;
	grown = realloc(res->decisions, (res->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	res->decisions = grown;
	d = &res->decisions[res->n++];
	d->workspace = strdup(ws);
	d->outcome = o;
	d->roles = ids_strv_join((const char *const *)roles, ",");
	d->detail = strdup(detail ? detail : "");
	return d->workspace && d->roles && d->detail ? 0 : -ENOMEM;
}

int
ids_pol_audit(struct ids_pol_eval *e, struct ids_msgid msg, const char *ws, char *const *roles,
	       const char *source, const char *detail)
{
	_cleanup_free_ char *r = ids_strv_join((const char *const *)roles, ",");

	return ids_audit(e->t, msg, "user", e->user->login, "workspace", ws, "roles",
			 r ? r : "", "cause", e->cause, "actor", e->ctx->actor, "source", source,
			 "detail", detail ? detail : "", IDS_END);
}

/* The role a mapping brings: its own, else read-only for new members if set, else the default. */
const char *
ids_pol_mapping_role(const struct ids_pol_eval *e, const struct ids_mapping *m)
{
	if (m && m->role)
		return m->role;
	return e->org->read_only_new_members ? "read-only" : e->org->default_role;
}

/*
 * Gives workspace ws to the user for source (kind, ref) with role: a new
 * grant (seats permitting) or one more source on an existing grant, with
 * roles as the role mode allows.
 */
int
ids_pol_give(struct ids_pol_eval *e, const char *ws, enum ids_source_kind kind, const char *ref, const char *role)
{
	_cleanup_(ids_grant_freep) struct ids_grant *g = NULL;
	char **roles = NULL, src[600];
	int r = ids_grant_get(e->t, e->user->id, ws, &g);

	snprintf(src, sizeof(src), "%s:%s", ids_source_kind_name(kind), ref);
	if (r == -ENOENT) {
		_cleanup_(ids_workspace_freep) struct ids_workspace *w = NULL;
		uint32_t used, used_ro;
		char *one[] = {(char *)role, NULL};
		bool ro = ids_pol_role_is_read_only(e->t, role);

		r = ids_workspace_get(e->t, ws, &w);
		if (r == 0)
			r = ids_grant_count_workspace(e->t, ws, &used, &used_ro);
		if (r < 0)
			return r;
		if ((w->seats && used >= w->seats) || (ro && w->seats_ro && used_ro >= w->seats_ro)) {
			char detail[128];
			snprintf(detail, sizeof(detail), "no free %sseat (%u of %u used)",
				 ro && w->seats_ro && used_ro >= w->seats_ro ? "read-only " : "",
				 ro && w->seats_ro && used_ro >= w->seats_ro ? used_ro : used,
				 ro && w->seats_ro && used_ro >= w->seats_ro ? w->seats_ro : w->seats);
			ids_pol_audit(e, IDS_MSG_SEAT_REFUSED, ws, one, src, detail);
			return ids_pol_report(e, ws, IDS_OUTCOME_REFUSED_SEATS, one, detail);
		}
		g = ids_grant_new(e->user->id, ws, e->ctx->now);
		if (!g)
			return -ENOMEM;
		r = ids_grant_add_source(g, kind, ref, role);
		if (r == 0)
			r = ids_grant_set_roles(g, one);
		if (r == 0)
			r = ids_grant_put(e->t, g);
		if (r == 0)
			r = ids_txn_bump_generation(e->t);
		if (r == 0)
			r = ids_pol_audit(e, IDS_MSG_GRANT, ws, g->roles, src, "new grant");
		return r < 0 ? r : ids_pol_report(e, ws, IDS_OUTCOME_GRANTED, g->roles, src);
	}
	if (r < 0)
		return r;
	{
		const struct ids_grant_source *have = ids_grant_find_source(g, kind, ref);
		bool source_new = !have || strcmp(have->role, role) != 0;

		r = ids_grant_add_source(g, kind, ref, role);
		if (r < 0)
			return r;
		/* scim mode: roles follow the sources; sso mode: only added, and never over roles
		 * an admin set by hand. */
		if (e->org->role_mode == IDS_ROLE_MODE_SCIM)
			r = ids_pol_roles_from_sources(e->t, g, &roles);
		else if (!g->roles_manual)
			r = roles_plus(e->t, g, role, &roles);
		if (r < 0)
			return r;
		if (roles && roles[0] && !same_roles(roles, g->roles)) {
			r = ids_grant_set_roles(g, roles);
			source_new = true;
		}
		ids_strv_free(roles);
		if (r < 0)
			return r;
		if (!source_new)
			return ids_pol_report(e, ws, IDS_OUTCOME_UNCHANGED, g->roles, src);
		r = ids_grant_put(e->t, g);
		if (r == 0)
			r = ids_txn_bump_generation(e->t);
		if (r == 0)
			r = ids_pol_audit(e, IDS_MSG_GRANT, ws, g->roles, src, "source or role added");
		return r < 0 ? r : ids_pol_report(e, ws, IDS_OUTCOME_UPDATED, g->roles, src);
	}
}

/*
 * Removes source (kind, ref) from the user's grant of ws; revokes the grant
 * when no source is left. In scim role mode the roles follow the sources.
 */
int
ids_pol_take(struct ids_pol_eval *e, struct ids_grant *g, enum ids_source_kind kind, const char *ref,
     const char *why)
{
	char src[600], **roles = NULL;
	int r;

	snprintf(src, sizeof(src), "%s:%s", ids_source_kind_name(kind), ref);
	if (!ids_grant_remove_source(g, kind, ref))
		return 0;
	if (g->n_sources == 0) {
		r = ids_grant_del(e->t, g->user_id, g->workspace);
		if (r == 0)
			r = ids_txn_bump_generation(e->t);
		if (r == 0)
			r = ids_pol_audit(e, IDS_MSG_REVOKE, g->workspace, g->roles, src, why);
		return r < 0 ? r : ids_pol_report(e, g->workspace, IDS_OUTCOME_REVOKED, g->roles, why);
	}
	if (e->org->role_mode == IDS_ROLE_MODE_SCIM) {
		r = ids_pol_roles_from_sources(e->t, g, &roles);
		if (r == 0 && roles[0])
			r = ids_grant_set_roles(g, roles);
		ids_strv_free(roles);
		if (r < 0)
			return r;
	}
	r = ids_grant_put(e->t, g);
	if (r == 0)
		r = ids_txn_bump_generation(e->t);
	if (r == 0)
		r = ids_pol_audit(e, IDS_MSG_GRANT_SOURCE_REMOVED, g->workspace, g->roles, src,
				  "source removed; other sources keep the workspace");
	return r < 0 ? r : ids_pol_report(e, g->workspace, IDS_OUTCOME_KEPT, g->roles, why);
}

int
ids_pol_copy_grant_cb(const struct ids_grant *g, void *data)
{
	struct ids_pol_grant_list *l = data;
	struct ids_grant **grown = realloc(l->v, (l->n + 1) * sizeof(*grown));
	struct ids_grant *copy = ids_grant_new(g->user_id, g->workspace, g->created);

	if (!grown || !copy) {
		ids_grant_free(copy);
		free(grown == l->v ? NULL : grown);
		return -ENOMEM;
	}
	l->v = grown;
	l->v[l->n++] = copy;
	copy->roles_manual = g->roles_manual;
	for (size_t i = 0; i < g->n_sources; i++)
		if (ids_grant_add_source(copy, g->sources[i].kind, g->sources[i].ref,
					 g->sources[i].role) < 0)
			return -ENOMEM;
	return ids_grant_set_roles(copy, g->roles);
}

void
ids_pol_grant_list_clear(struct ids_pol_grant_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ids_grant_free(l->v[i]);
	free(l->v);
}

/* ---- login ---- */

struct login_match {
	struct ids_pol_eval *e;
	const char *const *groups;
	int given;
};

static int
login_mapping_cb(const struct ids_mapping *m, void *data)
{
	struct login_match *lm = data;
	int r = 0;

	if (!ids_strv_contains(lm->groups, m->identifier))
		return 0;
	for (size_t i = 0; r == 0 && m->workspaces[i]; i++) {
		if (!ids_pol_is_managed(lm->e, m->workspaces[i]))
			continue; /* local workspaces are never touched by IdP events */
		r = ids_pol_give(lm->e, m->workspaces[i], IDS_SOURCE_LOGIN, m->label, ids_pol_mapping_role(lm->e, m));
		lm->given++;
	}
	return r;
}

struct stale_login {
	struct ids_pol_eval *e;
	const char *const *groups;
	struct ids_grant **stale;
	size_t n;
};

/* Collects grants with login sources whose mapping the assertion no longer supports. */
static int
collect_stale_login(const struct ids_grant *g, void *data)
{
	struct stale_login *sl = data;

	for (size_t i = 0; i < g->n_sources; i++) {
		struct ids_mapping *m = NULL;
		bool stale;

		if (g->sources[i].kind != IDS_SOURCE_LOGIN || strcmp(g->sources[i].ref, LOGIN_ALL) == 0)
			continue;
		stale = ids_mapping_get(sl->e->t, g->sources[i].ref, &m) < 0 ||
			!ids_strv_contains(sl->groups, m->identifier);
		ids_mapping_free(m);
		if (stale) {
			struct ids_grant **grown = realloc(sl->stale, (sl->n + 1) * sizeof(*grown));
			struct ids_grant *copy;
			if (!grown)
				return -ENOMEM;
			sl->stale = grown;
			/* A private copy: the callback's grant is freed after it returns. */
			if (ids_grant_get(sl->e->t, g->user_id, g->workspace, &copy) < 0)
				return -EIO;
			sl->stale[sl->n++] = copy;
			return 0;
		}
	}
	return 0;
}

static int
revoke_stale_login(struct ids_pol_eval *e, const char *const *groups)
{
	struct stale_login sl = {e, groups, NULL, 0};
	int r = ids_grant_foreach(e->t, e->user->id, collect_stale_login, &sl);

	for (size_t i = 0; i < sl.n; i++) {
		struct ids_grant *g = sl.stale[i];
		for (size_t j = g->n_sources; r == 0 && j > 0; j--) {
			struct ids_grant_source *s = &g->sources[j - 1];
			struct ids_mapping *m = NULL;
			_cleanup_free_ char *ref = NULL;

			if (s->kind != IDS_SOURCE_LOGIN || strcmp(s->ref, LOGIN_ALL) == 0)
				continue;
			if (ids_mapping_get(e->t, s->ref, &m) == 0 &&
			    ids_strv_contains(groups, m->identifier)) {
				ids_mapping_free(m);
				continue;
			}
			ids_mapping_free(m);
			ref = strdup(s->ref);
			r = ref ? ids_pol_take(e, g, IDS_SOURCE_LOGIN, ref,
				       "the assertion no longer carries the mapped group")
				: -ENOMEM;
		}
		ids_grant_free(g);
	}
	free(sl.stale);
	return r;
}

static int
first_grant_cb(const struct ids_grant *g, void *data)
{
	char **name = data;

	*name = strdup(g->workspace);
	return *name ? 1 : -ENOMEM;
}

int
ids_policy_open_workspace(struct ids_txn *t, const char *user_id, char **workspace)
{
	_cleanup_(ids_grant_freep) struct ids_grant *g = NULL;
	char *last = NULL;
	struct ids_val v;
	int r;

	*workspace = NULL;
	if (ids_txn_get_str(t, IDS_DB_LAST_WORKSPACE, user_id, &v) == 0) {
		last = strndup(v.data, v.size);
		if (!last)
			return -ENOMEM;
		if (ids_grant_get(t, user_id, last, &g) == 0) {
			*workspace = last;
			return 0;
		}
		free(last);
	}
	/* Else the first granted workspace by name: a user's grants are keyed in name order. */
	r = ids_grant_foreach(t, user_id, first_grant_cb, workspace);
	return r < 0 ? r : 0;
}

static int
choose_workspace(struct ids_pol_eval *e)
{
	_cleanup_(ids_workspace_freep) struct ids_workspace *w = NULL;
	int r = ids_policy_open_workspace(e->t, e->user->id, &e->res->open_workspace);

	if (r < 0 || !e->res->open_workspace)
		return r;
	r = ids_txn_put_str(e->t, IDS_DB_LAST_WORKSPACE, e->user->id, e->res->open_workspace);
	if (r == 0 && ids_workspace_get(e->t, e->res->open_workspace, &w) == 0 && w->dir) {
		e->res->open_dir = strdup(w->dir);
		if (!e->res->open_dir)
			r = -ENOMEM;
	}
	return r;
}

int
ids_policy_login(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id,
		 const char *const *groups, bool groups_unknown, struct ids_policy_result *res)
{
	struct ids_policy_result local = {0};
	struct ids_pol_eval e;
	int r;

	if (!res)
		res = &local;
	r = ids_pol_eval_init(&e, t, ctx, user_id, res, "login");
	if (r == 0 && (!e.user->active || e.user->deleted))
		r = -EPERM;
	if (r == 0 && groups_unknown) {
		/* The groups are not in the assertion (Entra overage): what SCIM knows holds,
		 * and nothing is revoked on it. */
		r = ids_policy_sync_scim(t, ctx, user_id, res);
	} else if (r == 0 && ids_pol_n_managed(&e) == 1) {
		/* One workspace: every authenticated user gets it. */
		r = ids_pol_give(&e, e.managed[0], IDS_SOURCE_LOGIN, LOGIN_ALL, ids_pol_mapping_role(&e, NULL));
	} else if (r == 0 && ids_pol_n_managed(&e) >= 2) {
		struct login_match lm = {&e, groups ? groups : (const char *const[]){NULL}, 0};
		r = ids_mapping_foreach(t, login_mapping_cb, &lm);
		if (r == 0 && e.org->revoke_on_login)
			r = revoke_stale_login(&e, lm.groups);
	}
	if (r == 0)
		r = choose_workspace(&e);
	ids_pol_eval_clear(&e);
	ids_policy_result_clear(&local);
	return r;
}
