/* SPDX-License-Identifier: MIT */
/*
 * Encodes, decodes and validates the store's records (users, Unix groups,
 * roles) and keeps the user indexes consistent. Called by identity.c,
 * the policy engine and the snapshot publisher. Decoding never trusts a field.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/cleanup.h"
#include "libidsync/err.h"
#include "libidsync/model.h"
#include "libidsync/strv.h"

#define RECORD_VERSION 1

const char *
ids_json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int
ids_json_put(struct ids_txn *t, enum ids_db db, const char *key, json_t *o)
{
	_cleanup_free_ char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	if (!s)
		return ids_txn_fail(t, -ENOMEM);
	return ids_txn_put(t, db, key, strlen(key), s, strlen(s), false);
}

int
ids_json_decode(const void *data, size_t size, json_t **out)
{
	json_t *o = json_loadb(data, size, JSON_REJECT_DUPLICATES, NULL);

	if (!o || !json_is_object(o) || json_integer_value(json_object_get(o, "v")) != RECORD_VERSION) {
		json_decref(o);
		return -EBADMSG;
	}
	*out = o;
	return 0;
}

int
ids_json_get(struct ids_txn *t, enum ids_db db, const char *key, json_t **out)
{
	struct ids_val v;
	int r = ids_txn_get_str(t, db, key, &v);

	if (r < 0)
		return r;
	return ids_json_decode(v.data, v.size, out);
}

/* Copies a required (or, with optional, possibly absent) string field. */
static int
take_str(json_t *o, const char *key, bool optional, char **out)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		*out = NULL;
		return optional ? 0 : -EBADMSG;
	}
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return -EBADMSG;
	*out = strdup(json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

static int
take_u32(json_t *o, const char *key, uint32_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
		return -EBADMSG;
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

static int
take_bool(json_t *o, const char *key, bool *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		return -EBADMSG;
	*out = json_is_true(v);
	return 0;
}

static int
take_strv(json_t *o, const char *key, char ***out)
{
	return ids_json_strv(json_object_get(o, key), out);
}

int
ids_json_strv(json_t *a, char ***out)
{
	json_t *e;
	size_t i;
	char **v;

	if (!json_is_array(a) || json_array_size(a) > 4096)
		return -EBADMSG;
	v = calloc(json_array_size(a) + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	json_array_foreach(a, i, e)
	{
		if (!json_is_string(e) || strlen(json_string_value(e)) != json_string_length(e)) {
			ids_strv_free(v);
			return -EBADMSG;
		}
		v[i] = strdup(json_string_value(e));
		if (!v[i]) {
			ids_strv_free(v);
			return -ENOMEM;
		}
	}
	*out = v;
	return 0;
}

json_t *
ids_strv_to_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && v && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* ---- users ---- */

struct ids_user *
ids_user_free(struct ids_user *u)
{
	if (!u)
		return NULL;
	free(u->id);
	free(u->user_name);
	free(u->external_id);
	free(u->login);
	free(u->gecos);
	free(u->home);
	free(u->shell);
	free(u->seed);
	json_decref(u->scim);
	free(u);
	return NULL;
}

char *
ids_user_encode(const struct ids_user *u)
{
	json_t *o;
	char *s;

	o = json_pack("{s:i, s:s, s:s, s:s?, s:s, s:I, s:s, s:s, s:s, s:b, s:b, s:s, s:I, s:I, s:I, s:O?}",
		      "v", RECORD_VERSION, "id", u->id, "userName", u->user_name, "externalId",
		      u->external_id, "login", u->login, "uid", (json_int_t)u->uid, "gecos",
		      u->gecos, "home", u->home, "shell", u->shell, "active", u->active, "deleted",
		      u->deleted, "seed", u->seed, "created", (json_int_t)u->created, "modified",
		      (json_int_t)u->modified, "version", (json_int_t)u->version, "scim", u->scim);
	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

int
ids_user_decode(const void *data, size_t size, struct ids_user **out)
{
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	json_t *o = NULL, *scim;
	int r;

	r = ids_json_decode(data, size, &o);
	if (r < 0)
		return r;
	u = calloc(1, sizeof(*u));
	if (!u) {
		json_decref(o);
		return -ENOMEM;
	}
	if ((r = take_str(o, "id", false, &u->id)) < 0 ||
	    (r = take_str(o, "userName", false, &u->user_name)) < 0 ||
	    (r = take_str(o, "externalId", true, &u->external_id)) < 0 ||
	    (r = take_str(o, "login", false, &u->login)) < 0 ||
	    (r = take_u32(o, "uid", &u->uid)) < 0 || (r = take_str(o, "gecos", false, &u->gecos)) < 0 ||
	    (r = take_str(o, "home", false, &u->home)) < 0 ||
	    (r = take_str(o, "shell", false, &u->shell)) < 0 ||
	    (r = take_bool(o, "active", &u->active)) < 0 ||
	    (r = take_bool(o, "deleted", &u->deleted)) < 0 ||
	    (r = take_str(o, "seed", false, &u->seed)) < 0) {
		json_decref(o);
		return r;
	}
	u->created = json_integer_value(json_object_get(o, "created"));
	u->modified = json_integer_value(json_object_get(o, "modified"));
	u->version = (uint64_t)json_integer_value(json_object_get(o, "version"));
	scim = json_object_get(o, "scim");
	if (json_is_null(scim))
		scim = NULL;
	if (scim && !json_is_object(scim)) {
		json_decref(o);
		return -EBADMSG;
	}
	u->scim = json_incref(scim);
	json_decref(o);
	if (!*u->id || strlen(u->id) > IDS_ID_MAX || !*u->login)
		return -EBADMSG;
	*out = TAKE_PTR(u);
	return 0;
}

int
ids_user_get(struct ids_txn *t, const char *id, struct ids_user **out)
{
	struct ids_val v;
	int r = ids_txn_get_str(t, IDS_DB_USERS, id, &v);

	if (r < 0)
		return r;
	r = ids_user_decode(v.data, v.size, out);
	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}

static int
get_by_index(struct ids_txn *t, enum ids_db db, const void *key, size_t klen, struct ids_user **out)
{
	_cleanup_free_ char *id = NULL;
	struct ids_val v;
	int r = ids_txn_get(t, db, key, klen, &v);

	if (r < 0)
		return r;
	id = strndup(v.data, v.size);
	if (!id)
		return -ENOMEM;
	r = ids_user_get(t, id, out);
	/* An index entry that points nowhere means the store is damaged. */
	return r == -ENOENT ? ids_txn_fail(t, -EBADMSG) : r;
}

int
ids_user_get_by_login(struct ids_txn *t, const char *login, struct ids_user **out)
{
	return get_by_index(t, IDS_DB_USER_BY_LOGIN, login, strlen(login), out);
}

int
ids_user_get_by_uid(struct ids_txn *t, uint32_t uid, struct ids_user **out)
{
	unsigned char be[4];

	ids_be32(uid, be);
	return get_by_index(t, IDS_DB_USER_BY_UID, be, 4, out);
}

/* Lowercases ASCII into a malloc'd copy (userName and displayName indexes are case-insensitive). */
static int
index_set(struct ids_txn *t, enum ids_db db, const char *old_key, const char *new_key, const char *id)
{
	if (old_key && (!new_key || strcmp(old_key, new_key) != 0)) {
		/* Remove the old entry only if it still points at this record. */
		struct ids_val v;
		if (ids_txn_get_str(t, db, old_key, &v) == 0 && v.size == strlen(id) &&
		    memcmp(v.data, id, v.size) == 0)
			(void)ids_txn_del(t, db, old_key, strlen(old_key), NULL, 0);
	}
	if (new_key)
		return ids_txn_put_str(t, db, new_key, id);
	return ids_txn_error(t);
}

/*
 * The POSIX view (IDS_DB_USER_POSIX): u8 version (1), u8 flags (POSIX_ACTIVE,
 * POSIX_DELETED), u32 BE uid, u32 BE lengths of login, gecos, home and shell,
 * then those strings without terminators. Exactly POSIX_HEADER + the lengths.
 */
#define POSIX_VERSION 1
#define POSIX_ACTIVE  0x01
#define POSIX_DELETED 0x02
#define POSIX_HEADER  22

static int
posix_put(struct ids_txn *t, const struct ids_user *u)
{
	const char *f[4] = {u->login, u->gecos, u->home, u->shell};
	size_t len[4], size = POSIX_HEADER;
	_cleanup_free_ unsigned char *rec = NULL;
	unsigned char *p;

	for (int i = 0; i < 4; i++) {
		len[i] = strlen(f[i]);
		if (len[i] > UINT32_MAX / 8)
			return ids_txn_fail(t, -EINVAL);
		size += len[i];
	}
	rec = malloc(size);
	if (!rec)
		return ids_txn_fail(t, -ENOMEM);
	rec[0] = POSIX_VERSION;
	rec[1] = (u->active ? POSIX_ACTIVE : 0) | (u->deleted ? POSIX_DELETED : 0);
	ids_be32(u->uid, rec + 2);
	p = rec + POSIX_HEADER;
	for (int i = 0; i < 4; i++) {
		ids_be32((uint32_t)len[i], rec + 6 + 4 * i);
		memcpy(p, f[i], len[i]);
		p += len[i];
	}
	return ids_txn_put(t, IDS_DB_USER_POSIX, u->id, strlen(u->id), rec, size, false);
}

int
ids_user_put(struct ids_txn *t, const struct ids_user *u)
{
	_cleanup_(ids_user_freep) struct ids_user *old = NULL;
	_cleanup_free_ char *enc = NULL, *old_name = NULL, *new_name = NULL;
	unsigned char be[4];
	int r;

	r = ids_user_get(t, u->id, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	enc = ids_user_encode(u);
	if (!enc)
		return ids_txn_fail(t, -ENOMEM);
	if (old && old->uid != u->uid)
		return ids_txn_fail(t, -EINVAL); /* a uid never changes */
	/* Deleted users leave the SCIM indexes (their userName may be used again). */
	if (old && !old->deleted)
		old_name = ids_strdup_lower(old->user_name);
	if (!u->deleted)
		new_name = ids_strdup_lower(u->user_name);
	if ((old && !old->deleted && !old_name) || (!u->deleted && !new_name))
		return ids_txn_fail(t, -ENOMEM);
	ids_txn_put(t, IDS_DB_USERS, u->id, strlen(u->id), enc, strlen(enc), false);
	posix_put(t, u); /* in the same transaction: the view never disagrees with the record */
	index_set(t, IDS_DB_USER_BY_NAME, old_name, new_name, u->id);
	index_set(t, IDS_DB_USER_BY_EXTID, old && !old->deleted ? old->external_id : NULL,
		  u->deleted ? NULL : u->external_id, u->id);
	index_set(t, IDS_DB_USER_BY_LOGIN, old ? old->login : NULL, u->login, u->id);
	ids_be32(u->uid, be);
	ids_txn_put(t, IDS_DB_USER_BY_UID, be, 4, u->id, strlen(u->id), false);
	return ids_txn_error(t);
}

struct user_iter {
	ids_user_fn fn;
	void *user;
};

static int
user_iter_cb(const struct ids_val *k, const struct ids_val *v, void *p)
{
	struct user_iter *it = p;
	_cleanup_(ids_user_freep) struct ids_user *u = NULL;
	int r = ids_user_decode(v->data, v->size, &u);

	if (r < 0)
		return r;
	return it->fn(u, it->user);
}

int
ids_user_foreach(struct ids_txn *t, ids_user_fn fn, void *user)
{
	struct user_iter it = {fn, user};
	int r = ids_txn_iterate(t, IDS_DB_USERS, NULL, 0, user_iter_cb, &it);
	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}

static int
posix_decode(const struct ids_val *k, const struct ids_val *v, struct ids_user_posix *p)
{
	const unsigned char *d = v->data;
	const char **f[4] = {&p->login, &p->gecos, &p->home, &p->shell};
	size_t *len[4] = {&p->login_len, &p->gecos_len, &p->home_len, &p->shell_len};
	size_t at = POSIX_HEADER;

	if (v->size < POSIX_HEADER || d[0] != POSIX_VERSION ||
	    (d[1] & ~(POSIX_ACTIVE | POSIX_DELETED)) || k->size == 0 || k->size > IDS_ID_MAX ||
	    memchr(k->data, '\0', k->size))
		return -EBADMSG;
	p->id = k->data;
	p->id_len = k->size;
	p->uid = ids_from_be32(d + 2);
	p->active = d[1] & POSIX_ACTIVE;
	p->deleted = d[1] & POSIX_DELETED;
	for (int i = 0; i < 4; i++) {
		size_t l = ids_from_be32(d + 6 + 4 * i);
		if (l > v->size - at || memchr(d + at, '\0', l))
			return -EBADMSG;
		*f[i] = (const char *)d + at;
		*len[i] = l;
		at += l;
	}
	if (at != v->size || p->login_len == 0)
		return -EBADMSG;
	return 0;
}

struct posix_iter {
	ids_user_posix_fn fn;
	void *user;
};

static int
posix_iter_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct posix_iter *it = data;
	struct ids_user_posix p;
	int r = posix_decode(k, v, &p);

	return r < 0 ? r : it->fn(&p, it->user);
}

/* The slow way: the view of each decoded record. */
static int
posix_from_user_cb(const struct ids_user *u, void *data)
{
	struct posix_iter *it = data;
	struct ids_user_posix p = {
		.id = u->id, .id_len = strlen(u->id),
		.login = u->login, .login_len = strlen(u->login),
		.gecos = u->gecos, .gecos_len = strlen(u->gecos),
		.home = u->home, .home_len = strlen(u->home),
		.shell = u->shell, .shell_len = strlen(u->shell),
		.uid = u->uid, .active = u->active, .deleted = u->deleted,
	};

	return it->fn(&p, it->user);
}

int
ids_user_posix_foreach(struct ids_txn *t, ids_user_posix_fn fn, void *user)
{
	struct posix_iter it = {fn, user};
	uint64_t n_users = 0, n_posix = 0;
	int r;

	if ((r = ids_txn_count(t, IDS_DB_USERS, &n_users)) < 0 ||
	    (r = ids_txn_count(t, IDS_DB_USER_POSIX, &n_posix)) < 0)
		return r;
	if (n_users != n_posix)
		return ids_user_foreach(t, posix_from_user_cb, &it);
	r = ids_txn_iterate(t, IDS_DB_USER_POSIX, NULL, 0, posix_iter_cb, &it);
	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}

static int
rebuild_cb(const struct ids_user *u, void *data)
{
	return posix_put(data, u);
}

int
ids_user_posix_rebuild(struct ids_txn *t)
{
	int r = ids_txn_drop(t, IDS_DB_USER_POSIX);

	if (r < 0)
		return r;
	r = ids_user_foreach(t, rebuild_cb, t);
	return r < 0 ? r : ids_txn_error(t);
}

/* ---- Unix groups of workspaces ---- */

struct ids_unix_group *
ids_unix_group_free(struct ids_unix_group *g)
{
	if (!g)
		return NULL;
	free(g->name);
	free(g->workspace);
	free(g);
	return NULL;
}

static int
unix_group_decode(const char *name, size_t nlen, const void *data, size_t size,
		  struct ids_unix_group **out)
{
	struct ids_unix_group *g;
	json_t *o;
	int r = ids_json_decode(data, size, &o);

	if (r < 0)
		return r;
	g = calloc(1, sizeof(*g));
	if (!g) {
		json_decref(o);
		return -ENOMEM;
	}
	g->name = strndup(name, nlen);
	if (!g->name)
		r = -ENOMEM;
	if (r == 0)
		r = take_u32(o, "gid", &g->gid);
	if (r == 0)
		r = take_str(o, "workspace", false, &g->workspace);
	json_decref(o);
	if (r < 0) {
		ids_unix_group_free(g);
		return r;
	}
	*out = g;
	return 0;
}

int
ids_unix_group_get(struct ids_txn *t, const char *name, struct ids_unix_group **out)
{
	struct ids_val v;
	int r = ids_txn_get_str(t, IDS_DB_UNIX_GROUPS, name, &v);

	if (r < 0)
		return r;
	r = unix_group_decode(name, strlen(name), v.data, v.size, out);
	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}

int
ids_unix_group_put(struct ids_txn *t, const struct ids_unix_group *g)
{
	json_t *o = json_pack("{s:i, s:I, s:s}", "v", RECORD_VERSION, "gid", (json_int_t)g->gid,
			      "workspace", g->workspace);
	int r;

	if (!o)
		return ids_txn_fail(t, -ENOMEM);
	r = ids_json_put(t, IDS_DB_UNIX_GROUPS, g->name, o);
	json_decref(o);
	return r;
}

struct unix_group_iter {
	ids_unix_group_fn fn;
	void *user;
};

static int
unix_group_iter_cb(const struct ids_val *k, const struct ids_val *v, void *p)
{
	struct unix_group_iter *it = p;
	struct ids_unix_group *g;
	int r = unix_group_decode(k->data, k->size, v->data, v->size, &g);

	if (r < 0)
		return r;
	r = it->fn(g, it->user);
	ids_unix_group_free(g);
	return r;
}

int
ids_unix_group_foreach(struct ids_txn *t, ids_unix_group_fn fn, void *user)
{
	struct unix_group_iter it = {fn, user};
	int r = ids_txn_iterate(t, IDS_DB_UNIX_GROUPS, NULL, 0, unix_group_iter_cb, &it);
	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}

/* ---- roles ---- */

struct ids_role *
ids_role_free(struct ids_role *r)
{
	if (!r)
		return NULL;
	free(r->name);
	ids_strv_free(r->groups);
	free(r);
	return NULL;
}

int
ids_role_get(struct ids_txn *t, const char *name, struct ids_role **out)
{
	struct ids_role *role;
	json_t *o;
	int r = ids_json_get(t, IDS_DB_ROLES, name, &o);

	if (r < 0)
		return r == -EBADMSG ? ids_txn_fail(t, r) : r;
	role = calloc(1, sizeof(*role));
	if (!role) {
		json_decref(o);
		return -ENOMEM;
	}
	role->name = strdup(name);
	r = role->name ? 0 : -ENOMEM;
	if (r == 0)
		r = take_strv(o, "groups", &role->groups);
	if (r == 0)
		r = take_bool(o, "read_only", &role->read_only);
	json_decref(o);
	if (r < 0) {
		ids_role_free(role);
		return r == -EBADMSG ? ids_txn_fail(t, r) : r;
	}
	*out = role;
	return 0;
}

int
ids_role_put(struct ids_txn *t, const struct ids_role *role)
{
	json_t *o = json_pack("{s:i, s:o, s:b}", "v", RECORD_VERSION, "groups",
			      ids_strv_to_json(role->groups), "read_only", role->read_only);
	int r;

	if (!o)
		return ids_txn_fail(t, -ENOMEM);
	r = ids_json_put(t, IDS_DB_ROLES, role->name, o);
	json_decref(o);
	return r;
}

int
ids_roles_seed_defaults(struct ids_txn *t)
{
	static char *member[] = {"{ws}", NULL};
	static char *read_only[] = {"{ws}-ro", NULL};
	static char *admin[] = {"{ws}", "{ws}-admin", NULL};
	const struct ids_role defaults[] = {
		{"member", member, false},
		{"read-only", read_only, true},
		{"admin", admin, false},
	};
	struct ids_val v;

	for (size_t i = 0; i < IDS_ARRAY_SIZE(defaults); i++)
		if (ids_txn_get_str(t, IDS_DB_ROLES, defaults[i].name, &v) == -ENOENT)
			ids_role_put(t, &defaults[i]);
	return ids_txn_error(t);
}

char *
ids_role_expand(const char *tmpl, const char *ws)
{
	const char *at = strstr(tmpl, "{ws}");
	char *out;

	if (!at)
		return strdup(tmpl);
	if (asprintf(&out, "%.*s%s%s", (int)(at - tmpl), tmpl, ws, at + 4) < 0)
		return NULL;
	return out;
}
