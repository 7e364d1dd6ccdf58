/* SPDX-License-Identifier: MIT */
/*
 * The access policy's SCIM rules: grants follow the user's pushed group
 * memberships through the mappings (overlap-aware: a grant goes only when no
 * source is left), and offboarding (deactivation, deletion, sessions).
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

/* One wanted SCIM source: workspace, ref "<group id>|<mapping label>", role. */
struct want {
	char *ws, *ref, *role;
};

struct scim_ctx {
	struct ids_pol_eval *e;
	struct want *wants;
	size_t n;
	struct ids_group *group; /* the group being matched */
};

static bool
group_matches(const struct ids_group *g, const char *identifier)
{
	return strcmp(g->id, identifier) == 0 ||
	       (g->external_id && strcmp(g->external_id, identifier) == 0) ||
	       strcasecmp(g->display_name, identifier) == 0;
}

static int
want_cb(const struct ids_mapping *m, void *data)
{
	struct scim_ctx *sc = data;

	if (!group_matches(sc->group, m->identifier))
		return 0;
	for (size_t i = 0; m->workspaces[i]; i++) {
		struct want *grown;
		char *ref;

		if (!ids_pol_is_managed(sc->e, m->workspaces[i]))
			continue;
		if (asprintf(&ref, "%s|%s", sc->group->id, m->label) < 0)
			return -ENOMEM;
		grown = realloc(sc->wants, (sc->n + 1) * sizeof(*grown));
		if (!grown) {
			free(ref);
			return -ENOMEM;
		}
		sc->wants = grown;
		sc->wants[sc->n++] = (struct want){strdup(m->workspaces[i]), ref,
						   strdup(ids_pol_mapping_role(sc->e, m))};
		if (!sc->wants[sc->n - 1].ws || !sc->wants[sc->n - 1].role)
			return -ENOMEM;
	}
	return 0;
}

static int
group_wants_cb(const char *group_id, size_t len, void *data)
{
	struct scim_ctx *sc = data;
	_cleanup_free_ char *id = strndup(group_id, len);
	int r;

	if (!id)
		return -ENOMEM;
	r = ids_group_get(sc->e->t, id, &sc->group);
	if (r == -ENOENT)
		return 0; /* a membership of a group being deleted */
	if (r < 0)
		return r;
	r = ids_mapping_foreach(sc->e->t, want_cb, sc);
	sc->group = ids_group_free(sc->group);
	return r;
}

static bool
wanted(const struct scim_ctx *sc, const char *ws, const char *ref)
{
	for (size_t i = 0; i < sc->n; i++)
		if (strcmp(sc->wants[i].ws, ws) == 0 && strcmp(sc->wants[i].ref, ref) == 0)
			return true;
	return false;
}

/* A login source is stale for SCIM when its group was pushed and the user is not in it. */
struct pushed_probe {
	struct ids_pol_eval *e;
	const char *identifier;
	bool pushed, member;
};

static int
pushed_cb(const struct ids_group *g, void *data)
{
	struct pushed_probe *p = data;

	if (!group_matches(g, p->identifier))
		return 0;
	p->pushed = true;
	if (ids_member_is(p->e->t, g->id, p->e->user->id))
		p->member = true;
	return 0;
}

static bool
login_source_stale(struct ids_pol_eval *e, const char *label)
{
	struct ids_mapping *m = NULL;
	struct pushed_probe p = {e, NULL, false, false};

	if (strcmp(label, LOGIN_ALL) == 0 || ids_mapping_get(e->t, label, &m) < 0)
		return false;
	p.identifier = m->identifier;
	(void)ids_group_foreach(e->t, pushed_cb, &p);
	ids_mapping_free(m);
	return p.pushed && !p.member;
}

static int
sync_scim(struct ids_pol_eval *e)
{
	struct scim_ctx sc = {.e = e};
	struct ids_pol_grant_list held = {0};
	int r;

	if (!e->user->active || e->user->deleted)
		return 0;
	/* Mappings apply with two or more managed workspaces. */
	if (ids_pol_n_managed(e) >= 2)
		r = ids_member_foreach_of_user(e->t, e->user->id, group_wants_cb, &sc);
	else
		r = 0;
	if (r == 0)
		r = ids_grant_foreach(e->t, e->user->id, ids_pol_copy_grant_cb, &held);
	/* Remove what no longer holds: SCIM sources not wanted, login sources of groups left. */
	for (size_t i = 0; r == 0 && i < held.n; i++) {
		struct ids_grant *g = held.v[i];

		if (!ids_pol_is_managed(e, g->workspace))
			continue;
		for (size_t j = g->n_sources; r == 0 && j > 0; j--) {
			struct ids_grant_source *s = &g->sources[j - 1];
			_cleanup_free_ char *ref = NULL;
			enum ids_source_kind kind = s->kind;

			if (kind == IDS_SOURCE_SCIM && !wanted(&sc, g->workspace, s->ref))
				ref = strdup(s->ref);
			else if (kind == IDS_SOURCE_LOGIN && login_source_stale(e, s->ref))
				ref = strdup(s->ref);
			else
				continue;
			r = ref ? ids_pol_take(e, g, kind, ref, "no longer a member of the mapped IdP group")
				: -ENOMEM;
		}
	}
	for (size_t i = 0; r == 0 && i < sc.n; i++)
		r = ids_pol_give(e, sc.wants[i].ws, IDS_SOURCE_SCIM, sc.wants[i].ref, sc.wants[i].role);
	for (size_t i = 0; i < sc.n; i++) {
		free(sc.wants[i].ws);
		free(sc.wants[i].ref);
		free(sc.wants[i].role);
	}
	free(sc.wants);
	ids_group_free(sc.group);
	ids_pol_grant_list_clear(&held);
	return r;
}

int
ids_policy_sync_scim(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id,
		     struct ids_policy_result *res)
{
	struct ids_pol_eval e;
	int r = ids_pol_eval_init(&e, t, ctx, user_id, res, "scim");

	if (r == 0)
		r = sync_scim(&e);
	ids_pol_eval_clear(&e);
	return r;
}

static int
collect_user_ids(const struct ids_user *u, void *data)
{
	return u->deleted || !u->active ? 0 : ids_strv_push(data, u->id);
}

int
ids_policy_sync_all(struct ids_txn *t, const struct ids_identity_ctx *ctx)
{
	char **ids = calloc(1, sizeof(char *));
	int r = ids ? ids_user_foreach(t, collect_user_ids, &ids) : -ENOMEM;

	for (size_t i = 0; r == 0 && ids[i]; i++)
		r = ids_policy_sync_scim(t, ctx, ids[i], NULL);
	ids_strv_free(ids);
	return r;
}

static int
end_sessions_if_set(struct ids_pol_eval *e)
{
	if (!e->org->end_sessions)
		return 0;
	return ids_sessions_end_after_commit(e->t, e->user->uid, e->user->login);
}

int
ids_policy_deactivate(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id)
{
	struct ids_pol_eval e;
	int r = ids_pol_eval_init(&e, t, ctx, user_id, NULL, "scim");

	if (r == 0 && e.user->active && !e.user->deleted) {
		r = ids_identity_set_active(t, ctx, user_id, false);
		if (r == 0)
			r = end_sessions_if_set(&e);
	}
	ids_pol_eval_clear(&e);
	return r;
}

int
ids_policy_reactivate(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id)
{
	int r = ids_identity_set_active(t, ctx, user_id, true);

	/* Grants come back from what the user's memberships say now. */
	return r < 0 ? r : ids_policy_sync_scim(t, ctx, user_id, NULL);
}

int
ids_policy_delete(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id)
{
	struct ids_pol_eval e;
	int r = ids_pol_eval_init(&e, t, ctx, user_id, NULL, "scim");

	if (r == 0 && e.user->deleted)
		r = -ENOENT;
	if (r == 0)
		r = ids_identity_delete(t, ctx, user_id);
	if (r == 0)
		r = end_sessions_if_set(&e);
	ids_pol_eval_clear(&e);
	return r;
}
