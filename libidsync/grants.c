/* SPDX-License-Identifier: MIT */
/*
 * Grant records: encoding, validation, and source bookkeeping. Keys are
 * user id, NUL, workspace, so all grants of a user are one range. Decides
 * nothing: the access policy (policy.c) does.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/cleanup.h"
#include "libidsync/grants.h"
#include "libidsync/model.h"
#include "libidsync/strv.h"

static const char *const kind_names[] = {
	[IDS_SOURCE_SCIM] = "scim",
	[IDS_SOURCE_LOGIN] = "login",
	[IDS_SOURCE_MANUAL] = "manual",
};

const char *
ids_source_kind_name(enum ids_source_kind k)
{
	return kind_names[k];
}

bool
ids_source_is_idp(enum ids_source_kind k)
{
	return k == IDS_SOURCE_SCIM || k == IDS_SOURCE_LOGIN;
}

struct ids_grant *
ids_grant_new(const char *user_id, const char *workspace, int64_t created)
{
	struct ids_grant *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->user_id = strdup(user_id);
	g->workspace = strdup(workspace);
	g->roles = calloc(1, sizeof(char *));
	g->created = created;
	if (!g->user_id || !g->workspace || !g->roles)
		return ids_grant_free(g);
	return g;
}

static void
source_clear(struct ids_grant_source *s)
{
	free(s->ref);
	free(s->role);
}

struct ids_grant *
ids_grant_free(struct ids_grant *g)
{
	if (!g)
		return NULL;
	free(g->user_id);
	free(g->workspace);
	ids_strv_free(g->roles);
	for (size_t i = 0; i < g->n_sources; i++)
		source_clear(&g->sources[i]);
	free(g->sources);
	free(g);
	return NULL;
}

const struct ids_grant_source *
ids_grant_find_source(const struct ids_grant *g, enum ids_source_kind kind, const char *ref)
{
	for (size_t i = 0; i < g->n_sources; i++)
		if (g->sources[i].kind == kind && strcmp(g->sources[i].ref, ref) == 0)
			return &g->sources[i];
	return NULL;
}

int
ids_grant_add_source(struct ids_grant *g, enum ids_source_kind kind, const char *ref,
		     const char *role)
{
	struct ids_grant_source *s = (struct ids_grant_source *)ids_grant_find_source(g, kind, ref);
	char *role_copy = strdup(role);

	if (!role_copy)
		return -ENOMEM;
	if (s) {
		free(s->role);
		s->role = role_copy;
		return 0;
	}
	s = realloc(g->sources, (g->n_sources + 1) * sizeof(*s));
	if (!s) {
		free(role_copy);
		return -ENOMEM;
	}
	g->sources = s;
	s = &g->sources[g->n_sources];
	s->kind = kind;
	s->role = role_copy;
	s->ref = strdup(ref);
	if (!s->ref) {
		free(role_copy);
		return -ENOMEM;
	}
	g->n_sources++;
	return 0;
}

bool
ids_grant_remove_source(struct ids_grant *g, enum ids_source_kind kind, const char *ref)
{
	for (size_t i = 0; i < g->n_sources; i++) {
		if (g->sources[i].kind != kind || strcmp(g->sources[i].ref, ref) != 0)
			continue;
		source_clear(&g->sources[i]);
		memmove(&g->sources[i], &g->sources[i + 1],
			(g->n_sources - i - 1) * sizeof(g->sources[0]));
		g->n_sources--;
		return true;
	}
	return false;
}

int
ids_grant_set_roles(struct ids_grant *g, char *const *roles)
{
	size_t n = 0;
	char **copy;

	while (roles && roles[n])
		n++;
	copy = calloc(n + 1, sizeof(char *));
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(copy[i] = strdup(roles[i]))) {
			ids_strv_free(copy);
			return -ENOMEM;
		}
	ids_strv_free(g->roles);
	g->roles = copy;
	return 0;
}

bool
ids_grant_has_role(const struct ids_grant *g, const char *role)
{
	return ids_strv_contains((const char *const *)g->roles, role);
}

/* Grant keys are user id, NUL, workspace. */
static size_t
grant_key(const char *user_id, const char *ws, char *buf, size_t size)
{
	size_t a = strlen(user_id) + 1, b = ws ? strlen(ws) : 0;

	if (a + b > size)
		return 0;
	memcpy(buf, user_id, a);
	if (b)
		memcpy(buf + a, ws, b);
	return a + b;
}

static int
decode(const char *key, size_t klen, const void *data, size_t size, struct ids_grant **out)
{
	const char *nul = memchr(key, '\0', klen);
	_cleanup_(ids_grant_freep) struct ids_grant *g = NULL;
	_cleanup_free_ char *uid = NULL, *ws = NULL;
	json_t *o = NULL, *srcs, *s;
	size_t i;
	int r;

	if (!nul || nul == key || (size_t)(nul - key) + 1 >= klen)
		return -EBADMSG;
	uid = strndup(key, (size_t)(nul - key));
	ws = strndup(nul + 1, klen - (size_t)(nul - key) - 1);
	if (!uid || !ws)
		return -ENOMEM;
	r = ids_json_decode(data, size, &o);
	if (r < 0)
		return r;
	g = ids_grant_new(uid, ws, json_integer_value(json_object_get(o, "created")));
	if (!g) {
		json_decref(o);
		return -ENOMEM;
	}
	ids_strv_free(g->roles);
	g->roles = NULL;
	r = ids_json_strv(json_object_get(o, "roles"), &g->roles);
	g->roles_manual = json_is_true(json_object_get(o, "roles_manual"));
	srcs = json_object_get(o, "sources");
	if (r == 0 && (!g->roles[0] || !json_is_array(srcs)))
		r = -EBADMSG;
	json_array_foreach(srcs, i, s)
	{
		const char *kind = ids_json_str(s, "kind"), *ref = ids_json_str(s, "ref"),
			   *role = ids_json_str(s, "role");
		size_t k;

		if (r < 0)
			break;
		if (!kind || !ref || !role) {
			r = -EBADMSG;
			break;
		}
		for (k = 0; k < (sizeof(kind_names) / sizeof(kind_names[0])); k++)
			if (strcmp(kind, kind_names[k]) == 0)
				break;
		if (k == (sizeof(kind_names) / sizeof(kind_names[0]))) {
			r = -EBADMSG;
			break;
		}
		r = ids_grant_add_source(g, (enum ids_source_kind)k, ref, role);
	}
	json_decref(o);
	if (r < 0)
		return r;
	*out = TAKE_PTR(g);
	return 0;
}

int
ids_grant_get(struct ids_txn *t, const char *user_id, const char *workspace, struct ids_grant **out)
{
	char key[512];
	size_t klen = grant_key(user_id, workspace, key, sizeof(key));
	struct ids_val v;
	int r;

	if (!klen)
		return -ENOENT;
	r = ids_txn_get(t, IDS_DB_GRANTS, key, klen, &v);
	if (r < 0)
		return r;
	r = decode(key, klen, v.data, v.size, out);
	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}

/* True when every role of g is a read-only role: the grant takes a read-only seat. */
static bool
grant_is_read_only(struct ids_txn *t, const struct ids_grant *g)
{
	for (size_t i = 0; g->roles[i]; i++) {
		struct ids_role *role = NULL;
		bool ro = ids_role_get(t, g->roles[i], &role) == 0 && role->read_only;

		ids_role_free(role);
		if (!ro)
			return false;
	}
	return true;
}

/* The seat index: workspace, NUL, user id. */
static size_t
seat_key(const char *ws, const char *user_id, char *buf, size_t size)
{
	return grant_key(ws, user_id, buf, size);
}

int
ids_grant_put(struct ids_txn *t, const struct ids_grant *g)
{
	char key[512];
	size_t klen = grant_key(g->user_id, g->workspace, key, sizeof(key));
	_cleanup_free_ char *s = NULL;
	json_t *o, *srcs = json_array();

	if (!klen || !g->roles || !g->roles[0]) {
		json_decref(srcs);
		return ids_txn_fail(t, -EINVAL);
	}
	for (size_t i = 0; srcs && i < g->n_sources; i++)
		json_array_append_new(srcs, json_pack("{s:s, s:s, s:s}", "kind",
						      kind_names[g->sources[i].kind], "ref",
						      g->sources[i].ref, "role", g->sources[i].role));
	o = json_pack("{s:i, s:o, s:b, s:o, s:I}", "v", 1, "roles", ids_strv_to_json(g->roles),
		      "roles_manual", g->roles_manual, "sources", srcs, "created",
		      (json_int_t)g->created);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	if (!s)
		return ids_txn_fail(t, -ENOMEM);
	ids_txn_put(t, IDS_DB_GRANTS, key, klen, s, strlen(s), false);
	klen = seat_key(g->workspace, g->user_id, key, sizeof(key));
	if (!klen)
		return ids_txn_fail(t, -EINVAL);
	ids_txn_put(t, IDS_DB_WS_GRANTS, key, klen, grant_is_read_only(t, g) ? "r" : "w", 1, false);
	return ids_txn_error(t);
}

int
ids_grant_del(struct ids_txn *t, const char *user_id, const char *workspace)
{
	char key[512];
	size_t klen = grant_key(user_id, workspace, key, sizeof(key));

	int r;

	if (!klen)
		return -ENOENT;
	r = ids_txn_del(t, IDS_DB_GRANTS, key, klen, NULL, 0);
	if (r < 0)
		return r;
	klen = seat_key(workspace, user_id, key, sizeof(key));
	(void)ids_txn_del(t, IDS_DB_WS_GRANTS, key, klen, NULL, 0);
	return ids_txn_error(t);
}

struct grant_iter {
	ids_grant_fn fn;
	void *user;
};

static int
grant_iter_cb(const struct ids_val *k, const struct ids_val *v, void *p)
{
	struct grant_iter *it = p;
	struct ids_grant *g = NULL;
	int r = decode(k->data, k->size, v->data, v->size, &g);

	if (r < 0)
		return r;
	r = it->fn(g, it->user);
	ids_grant_free(g);
	return r;
}

struct seat_count {
	uint32_t total, read_only;
};

static int
seat_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct seat_count *c = data;

	c->total++;
	if (v->size == 1 && *(const char *)v->data == 'r')
		c->read_only++;
	return 0;
}

int
ids_grant_count_workspace(struct ids_txn *t, const char *workspace, uint32_t *total,
			  uint32_t *read_only)
{
	struct seat_count c = {0};
	char prefix[512];
	size_t plen = strlen(workspace) + 1;
	int r;

	if (plen > sizeof(prefix))
		return -ENOENT;
	memcpy(prefix, workspace, plen);
	r = ids_txn_iterate(t, IDS_DB_WS_GRANTS, prefix, plen, seat_cb, &c);
	if (r < 0)
		return r;
	*total = c.total;
	*read_only = c.read_only;
	return 0;
}

struct id_list {
	size_t wl;
	char **ids;
	size_t n;
};

static int
collect_user_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct id_list *l = data;
	char **grown;

	if (k->size <= l->wl)
		return -EBADMSG;
	grown = realloc(l->ids, (l->n + 2) * sizeof(char *));
	if (!grown)
		return -ENOMEM;
	l->ids = grown;
	l->ids[l->n] = strndup((const char *)k->data + l->wl, k->size - l->wl);
	if (!l->ids[l->n])
		return -ENOMEM;
	l->ids[++l->n] = NULL;
	return 0;
}

int
ids_grant_users_of_workspace(struct ids_txn *t, const char *workspace, char ***user_ids)
{
	struct id_list l = {.wl = strlen(workspace) + 1};
	char prefix[512];
	int r;

	if (l.wl > sizeof(prefix))
		return -ENOENT;
	memcpy(prefix, workspace, l.wl);
	l.ids = calloc(1, sizeof(char *));
	if (!l.ids)
		return -ENOMEM;
	r = ids_txn_iterate(t, IDS_DB_WS_GRANTS, prefix, l.wl, collect_user_cb, &l);
	if (r < 0) {
		ids_strv_free(l.ids);
		return r;
	}
	*user_ids = l.ids;
	return 0;
}

int
ids_grant_foreach(struct ids_txn *t, const char *user_id, ids_grant_fn fn, void *user)
{
	struct grant_iter it = {fn, user};
	char prefix[512];
	size_t plen = 0;
	int r;

	if (user_id) {
		plen = strlen(user_id) + 1;
		if (plen > sizeof(prefix))
			return -ENOENT;
		memcpy(prefix, user_id, plen);
	}
	r = ids_txn_iterate(t, IDS_DB_GRANTS, prefix, plen, grant_iter_cb, &it);
	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}
