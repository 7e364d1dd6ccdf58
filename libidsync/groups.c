/* SPDX-License-Identifier: MIT */
/*
 * SCIM group records with their indexes, and memberships in both directions
 * (dupsort databases: one small pair per membership). Called by the SCIM
 * service and the access policy; never decides access itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/cleanup.h"
#include "libidsync/groups.h"
#include "libidsync/model.h"
#include "libidsync/strv.h"

struct ids_group *
ids_group_free(struct ids_group *g)
{
	if (!g)
		return NULL;
	free(g->id);
	free(g->display_name);
	free(g->external_id);
	json_decref(g->scim);
	free(g);
	return NULL;
}

static int
decode(const char *id, const void *data, size_t size, struct ids_group **out)
{
	_cleanup_(ids_group_freep) struct ids_group *g = calloc(1, sizeof(*g));
	json_t *o = json_loadb(data, size, JSON_REJECT_DUPLICATES, NULL), *scim;
	const char *name = ids_json_str(o, "displayName"), *ext = ids_json_str(o, "externalId");

	if (!g) {
		json_decref(o);
		return -ENOMEM;
	}
	if (!json_is_object(o) || json_integer_value(json_object_get(o, "v")) != 1 || !name ||
	    (json_object_get(o, "externalId") && !json_is_null(json_object_get(o, "externalId")) && !ext)) {
		json_decref(o);
		return -EBADMSG;
	}
	g->id = strdup(id);
	g->display_name = strdup(name);
	g->external_id = ext ? strdup(ext) : NULL;
	g->created = json_integer_value(json_object_get(o, "created"));
	g->modified = json_integer_value(json_object_get(o, "modified"));
	g->version = (uint64_t)json_integer_value(json_object_get(o, "version"));
	scim = json_object_get(o, "scim");
	g->scim = json_is_object(scim) ? json_incref(scim) : NULL;
	json_decref(o);
	if (!g->id || !g->display_name || (ext && !g->external_id))
		return -ENOMEM;
	*out = TAKE_PTR(g);
	return 0;
}

int
ids_group_get(struct ids_txn *t, const char *id, struct ids_group **out)
{
	struct ids_val v;
	int r = ids_txn_get_str(t, IDS_DB_GROUPS, id, &v);

	if (r < 0)
		return r;
	r = decode(id, v.data, v.size, out);
	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}

static int
find_by(struct ids_txn *t, enum ids_db db, const char *key, struct ids_group **out)
{
	_cleanup_free_ char *id = NULL;
	struct ids_val v;
	int r = ids_txn_get_str(t, db, key, &v);

	if (r < 0)
		return r;
	id = strndup(v.data, v.size);
	if (!id)
		return -ENOMEM;
	r = ids_group_get(t, id, out);
	return r == -ENOENT ? ids_txn_fail(t, -EBADMSG) : r;
}

int
ids_group_find_by_name(struct ids_txn *t, const char *display_name, struct ids_group **out)
{
	_cleanup_free_ char *key = ids_strdup_lower(display_name);

	return key ? find_by(t, IDS_DB_GROUP_BY_NAME, key, out) : -ENOMEM;
}

int
ids_group_find_by_external_id(struct ids_txn *t, const char *external_id, struct ids_group **out)
{
	return find_by(t, IDS_DB_GROUP_BY_EXTID, external_id, out);
}

/* Points key at id in db, removing old_key when it pointed at id. */
static void
reindex(struct ids_txn *t, enum ids_db db, const char *old_key, const char *new_key, const char *id)
{
	struct ids_val v;

	if (old_key && (!new_key || strcmp(old_key, new_key) != 0) &&
	    ids_txn_get_str(t, db, old_key, &v) == 0 && v.size == strlen(id) &&
	    memcmp(v.data, id, v.size) == 0)
		(void)ids_txn_del(t, db, old_key, strlen(old_key), NULL, 0);
	if (new_key)
		ids_txn_put_str(t, db, new_key, id);
}

int
ids_group_put(struct ids_txn *t, const struct ids_group *g)
{
	_cleanup_(ids_group_freep) struct ids_group *old = NULL;
	_cleanup_free_ char *old_name = NULL, *new_name = ids_strdup_lower(g->display_name), *s = NULL;
	struct ids_val v;
	json_t *o;
	int r;

	if (!new_name)
		return ids_txn_fail(t, -ENOMEM);
	r = ids_txn_get_str(t, IDS_DB_GROUP_BY_NAME, new_name, &v);
	if (r == 0 && (v.size != strlen(g->id) || memcmp(v.data, g->id, v.size) != 0))
		return -EEXIST;
	r = ids_group_get(t, g->id, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	if (old && !(old_name = ids_strdup_lower(old->display_name)))
		return ids_txn_fail(t, -ENOMEM);
	o = json_pack("{s:i, s:s, s:s?, s:I, s:I, s:I, s:O?}", "v", 1, "displayName",
		      g->display_name, "externalId", g->external_id, "created", (json_int_t)g->created,
		      "modified", (json_int_t)g->modified, "version", (json_int_t)g->version, "scim",
		      g->scim);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	if (!s)
		return ids_txn_fail(t, -ENOMEM);
	ids_txn_put_str(t, IDS_DB_GROUPS, g->id, s);
	reindex(t, IDS_DB_GROUP_BY_NAME, old_name, new_name, g->id);
	reindex(t, IDS_DB_GROUP_BY_EXTID, old ? old->external_id : NULL, g->external_id, g->id);
	return ids_txn_error(t);
}

static int
drop_reverse_cb(const char *user_id, size_t len, void *data)
{
	struct {
		struct ids_txn *t;
		const char *group_id;
	} *c = data;

	(void)ids_txn_del(c->t, IDS_DB_MEMBER_OF, user_id, len, c->group_id, strlen(c->group_id));
	return ids_txn_error(c->t);
}

int
ids_group_del(struct ids_txn *t, const char *id)
{
	_cleanup_(ids_group_freep) struct ids_group *g = NULL;
	_cleanup_free_ char *name = NULL;
	struct {
		struct ids_txn *t;
		const char *group_id;
	} c = {t, id};
	int r = ids_group_get(t, id, &g);

	if (r < 0)
		return r;
	r = ids_member_foreach_of_group(t, id, drop_reverse_cb, &c);
	if (r < 0)
		return r;
	(void)ids_txn_del(t, IDS_DB_MEMBERS, id, strlen(id), NULL, 0);
	name = ids_strdup_lower(g->display_name);
	if (!name)
		return ids_txn_fail(t, -ENOMEM);
	reindex(t, IDS_DB_GROUP_BY_NAME, name, NULL, id);
	reindex(t, IDS_DB_GROUP_BY_EXTID, g->external_id, NULL, id);
	ids_txn_del(t, IDS_DB_GROUPS, id, strlen(id), NULL, 0);
	return ids_txn_error(t);
}

struct group_iter {
	ids_group_fn fn;
	void *user;
};

static int
group_iter_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct group_iter *it = data;
	_cleanup_free_ char *id = strndup(k->data, k->size);
	struct ids_group *g = NULL;
	int r;

	if (!id)
		return -ENOMEM;
	r = decode(id, v->data, v->size, &g);
	if (r < 0)
		return r;
	r = it->fn(g, it->user);
	ids_group_free(g);
	return r;
}

int
ids_group_foreach(struct ids_txn *t, ids_group_fn fn, void *user)
{
	struct group_iter it = {fn, user};
	int r = ids_txn_iterate(t, IDS_DB_GROUPS, NULL, 0, group_iter_cb, &it);

	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}

int
ids_member_add(struct ids_txn *t, const char *group_id, const char *user_id)
{
	size_t gl = strlen(group_id), ul = strlen(user_id);
	int r = ids_txn_put(t, IDS_DB_MEMBERS, group_id, gl, user_id, ul, true);

	if (r == -EEXIST)
		return 1; /* idempotent: IdPs resend memberships */
	if (r < 0)
		return r;
	r = ids_txn_put(t, IDS_DB_MEMBER_OF, user_id, ul, group_id, gl, true);
	return r == -EEXIST ? 0 : r;
}

int
ids_member_remove(struct ids_txn *t, const char *group_id, const char *user_id)
{
	size_t gl = strlen(group_id), ul = strlen(user_id);
	int r = ids_txn_del(t, IDS_DB_MEMBERS, group_id, gl, user_id, ul);

	(void)ids_txn_del(t, IDS_DB_MEMBER_OF, user_id, ul, group_id, gl);
	return r < 0 ? r : ids_txn_error(t);
}

struct id_iter {
	const char *key;
	size_t klen;
	ids_id_fn fn;
	void *user;
};

static int
id_iter_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct id_iter *it = data;

	/* The prefix match admits longer keys: keep exact ones only. */
	if (k->size != it->klen)
		return 0;
	return it->fn(v->data, v->size, it->user);
}

static int
foreach_dup(struct ids_txn *t, enum ids_db db, const char *key, ids_id_fn fn, void *user)
{
	struct id_iter it = {key, strlen(key), fn, user};

	return ids_txn_iterate(t, db, key, it.klen, id_iter_cb, &it);
}

static int
probe_cb(const char *id, size_t len, void *data)
{
	const char *want = data;

	return len == strlen(want) && memcmp(id, want, len) == 0 ? 1 : 0;
}

bool
ids_member_is(struct ids_txn *t, const char *group_id, const char *user_id)
{
	/* A user has few groups: scan the user's side. */
	return foreach_dup(t, IDS_DB_MEMBER_OF, user_id, probe_cb, (void *)group_id) == 1;
}

int
ids_member_foreach_of_group(struct ids_txn *t, const char *group_id, ids_id_fn fn, void *user)
{
	return foreach_dup(t, IDS_DB_MEMBERS, group_id, fn, user);
}

int
ids_member_foreach_of_user(struct ids_txn *t, const char *user_id, ids_id_fn fn, void *user)
{
	return foreach_dup(t, IDS_DB_MEMBER_OF, user_id, fn, user);
}
