/* SPDX-License-Identifier: MIT */
/*
 * Builds the NSS snapshot from the store and publishes it atomically (write
 * a new file, fsync, rename, bump the .gen word) under a lock. Owns the
 * derivation of Unix group membership: grants x roles -> workspace groups.
 * Called by every writer after a change; never modifies the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libidsync/cleanup.h"
#include "libidsync/grants.h"
#include "libidsync/log.h"
#include "libidsync/model.h"
#include "libidsync/snapshot.h"
#include "libidsync/snapshot_format.h"
#include "libidsync/strv.h"

/* A user as the snapshot shows it. */
struct snap_user {
	char *id, *login, *gecos, *home, *shell;
	uint32_t uid;
	bool active;
};

struct snap_group {
	char *name;
	uint32_t gid;
};

/* One membership: user (index into users) in group gid. */
struct snap_member {
	uint32_t gid;
	uint32_t user;
};

struct build {
	struct ids_txn *t;
	const struct ids_config *cfg;
	struct snap_user *users; /* in user-id order (the store's), for bsearch by id */
	size_t n_users, cap_users;
	struct snap_group *groups; /* in name order (the store's) */
	size_t n_groups, cap_groups;
	struct snap_member *members;
	size_t n_members, cap_members;
	struct ids_role **roles;
	size_t n_roles, cap_roles;
};

static int
grow(void **arr, size_t n, size_t *cap, size_t elem)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 64;
	p = realloc(*arr, *cap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

static void
build_free(struct build *b)
{
	for (size_t i = 0; i < b->n_users; i++) {
		free(b->users[i].id);
		free(b->users[i].login);
		free(b->users[i].gecos);
		free(b->users[i].home);
		free(b->users[i].shell);
	}
	free(b->users);
	for (size_t i = 0; i < b->n_groups; i++)
		free(b->groups[i].name);
	free(b->groups);
	free(b->members);
	for (size_t i = 0; i < b->n_roles; i++)
		ids_role_free(b->roles[i]);
	free(b->roles);
}

static int
collect_user(const struct ids_user *u, void *data)
{
	struct build *b = data;
	struct snap_user *su;
	struct ids_val v;

	if (u->deleted) {
		/* A deleted user resolves only while no new identity has taken its login. */
		if (ids_txn_get_str(b->t, IDS_DB_USER_BY_LOGIN, u->login, &v) < 0 ||
		    v.size != strlen(u->id) || memcmp(v.data, u->id, v.size) != 0)
			return 0;
	}
	if (grow((void **)&b->users, b->n_users, &b->cap_users, sizeof(*b->users)) < 0)
		return -ENOMEM;
	su = &b->users[b->n_users];
	*su = (struct snap_user){
		.id = strdup(u->id),
		.login = strdup(u->login),
		.gecos = strdup(u->gecos),
		.home = strdup(u->home),
		.shell = strdup(u->active ? u->shell : b->cfg->inactive_shell),
		.uid = u->uid,
		.active = u->active,
	};
	b->n_users++;
	if (!su->id || !su->login || !su->gecos || !su->home || !su->shell)
		return -ENOMEM;
	return 0;
}

static int
collect_group(const struct ids_unix_group *g, void *data)
{
	struct build *b = data;

	if (grow((void **)&b->groups, b->n_groups, &b->cap_groups, sizeof(*b->groups)) < 0)
		return -ENOMEM;
	b->groups[b->n_groups].name = strdup(g->name);
	b->groups[b->n_groups].gid = g->gid;
	if (!b->groups[b->n_groups++].name)
		return -ENOMEM;
	return 0;
}

static int
cmp_user_id(const void *key, const void *elem)
{
	return strcmp(key, ((const struct snap_user *)elem)->id);
}

static int
cmp_group_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct snap_group *)elem)->name);
}

static int cmp_by_gid(const void *a, const void *b, void *data);
static int cmp_by_user(const void *a, const void *b, void *data);

/* bsearch() and qsort() with an empty (possibly NULL) array are undefined: these are not. */
static const struct snap_user *
find_user(const struct build *b, const char *id)
{
	return b->n_users ? bsearch(id, b->users, b->n_users, sizeof(*b->users), cmp_user_id) : NULL;
}

static const struct snap_group *
find_group(const struct build *b, const char *name)
{
	return b->n_groups ? bsearch(name, b->groups, b->n_groups, sizeof(*b->groups), cmp_group_name)
			   : NULL;
}

static void
sort_members(struct build *b, int (*cmp)(const void *, const void *, void *))
{
	if (b->n_members)
		qsort_r(b->members, b->n_members, sizeof(*b->members), cmp, b);
}

static const struct ids_role *
find_role(struct build *b, const char *name)
{
	struct ids_role *role;

	for (size_t i = 0; i < b->n_roles; i++)
		if (strcmp(b->roles[i]->name, name) == 0)
			return b->roles[i];
	if (ids_role_get(b->t, name, &role) < 0)
		return NULL;
	if (grow((void **)&b->roles, b->n_roles, &b->cap_roles, sizeof(*b->roles)) < 0) {
		ids_role_free(role);
		return NULL;
	}
	b->roles[b->n_roles++] = role;
	return role;
}

static int
add_member(struct build *b, uint32_t gid, uint32_t user)
{
	for (size_t i = b->n_members; i > 0 && b->members[i - 1].user == user; i--)
		if (b->members[i - 1].gid == gid)
			return 0; /* two roles giving the same group */
	if (grow((void **)&b->members, b->n_members, &b->cap_members, sizeof(*b->members)) < 0)
		return -ENOMEM;
	b->members[b->n_members++] = (struct snap_member){gid, user};
	return 0;
}

/* A grant gives its user the Unix groups of its roles in its workspace. */
static int
collect_grant(const struct ids_grant *g, void *data)
{
	struct build *b = data;
	const struct snap_user *su;
	bool read_only_only = true;

	su = find_user(b, g->user_id);
	if (!su || !su->active)
		return 0; /* deactivated users keep no workspace groups */
	/* Read-only never combines with another role: any other role wins. */
	for (size_t i = 0; g->roles[i]; i++) {
		const struct ids_role *role = find_role(b, g->roles[i]);
		if (role && !role->read_only)
			read_only_only = false;
	}
	for (size_t i = 0; g->roles[i]; i++) {
		const struct ids_role *role = find_role(b, g->roles[i]);
		if (!role) {
			ids_log_warnx("grant of %s to %s names unknown role %s; ignored",
				      g->workspace, su->login, g->roles[i]);
			continue;
		}
		if (role->read_only && !read_only_only)
			continue;
		for (size_t j = 0; role->groups[j]; j++) {
			_cleanup_free_ char *name = ids_role_expand(role->groups[j], g->workspace);
			const struct snap_group *sg;

			if (!name)
				return -ENOMEM;
			sg = find_group(b, name);
			if (!sg) {
				ids_log_warnx("role %s in %s gives group %s, which does not exist; "
					      "ignored",
					      role->name, g->workspace, name);
				continue;
			}
			if (add_member(b, sg->gid, (uint32_t)(su - b->users)) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* ---- writing ---- */

static int
from_mdb(int rc)
{
	if (rc == MDB_SUCCESS)
		return 0;
	if (rc == MDB_MAP_FULL)
		return -ENOSPC;
	return rc > 0 ? -rc : -EIO;
}

static int
put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen)
{
	MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};

	return from_mdb(mdb_put(txn, dbi, &key, &val, 0));
}

/* The fields of a user fit the snapshot's limits (else the user is left out, with a warning). */
static bool
user_fits(const struct snap_user *u)
{
	return strlen(u->login) <= IDS_SNAP_NAME_MAX && strlen(u->gecos) <= IDS_SNAP_FIELD_MAX &&
	       strlen(u->home) <= IDS_SNAP_FIELD_MAX && strlen(u->shell) <= IDS_SNAP_FIELD_MAX;
}

static int
put_passwd(MDB_txn *txn, MDB_dbi by_uid, const struct snap_user *u)
{
	struct ids_snap_pw h = {0};
	size_t ln = strlen(u->login), lg = strlen(u->gecos), ld = strlen(u->home),
	       ls = strlen(u->shell);
	size_t size = sizeof(h) + ln + lg + ld + ls + 4;
	_cleanup_free_ char *rec = NULL;
	unsigned char be[4];
	char *p;

	if (!user_fits(u)) {
		ids_log_warnx("user %s has a field too long for the snapshot; left out", u->login);
		return 0;
	}
	rec = malloc(size);
	if (!rec)
		return -ENOMEM;
	h.uid = h.gid = u->uid;
	h.name_len = (uint16_t)ln;
	h.gecos_len = (uint16_t)lg;
	h.dir_len = (uint16_t)ld;
	h.shell_len = (uint16_t)ls;
	h.flags = u->active ? IDS_SNAP_PW_ACTIVE : 0;
	memcpy(rec, &h, sizeof(h));
	p = rec + sizeof(h);
	p = stpcpy(p, u->login) + 1;
	p = stpcpy(p, u->gecos) + 1;
	p = stpcpy(p, u->home) + 1;
	stpcpy(p, u->shell);
	ids_be32(u->uid, be);
	return put(txn, by_uid, be, 4, rec, size);
}

/* Writes one group record with members (member logins, NUL-separated). */
static int
put_group(MDB_txn *txn, MDB_dbi by_gid, const char *name, uint32_t gid, uint8_t kind,
	  const char *members, uint32_t n_members, size_t members_len)
{
	struct ids_snap_gr h = {0};
	size_t ln = strlen(name), size = sizeof(h) + ln + 1 + members_len;
	_cleanup_free_ char *rec = malloc(size);
	unsigned char be[4];

	if (!rec)
		return -ENOMEM;
	h.gid = gid;
	h.n_members = n_members;
	h.members_len = (uint32_t)members_len;
	h.name_len = (uint16_t)ln;
	h.kind = kind;
	memcpy(rec, &h, sizeof(h));
	memcpy(rec + sizeof(h), name, ln + 1);
	if (members_len)
		memcpy(rec + sizeof(h) + ln + 1, members, members_len);
	ids_be32(gid, be);
	return put(txn, by_gid, be, 4, rec, size);
}

/* ---- lookup tables (snapshot_format.h) ---- */

struct tab_entry {
	uint32_t id, hash, rec;
	const char *name; /* the build's own string */
	size_t name_len;
};

struct tab_build {
	unsigned char *recs;
	size_t len, cap;
	struct tab_entry *e;
	size_t n, cap_e;
	uint32_t magic, seed;
};

static void
tab_free(struct tab_build *t)
{
	free(t->recs);
	free(t->e);
}

/* Reserves an aligned record of size bytes for id and name; returns where to write it, or NULL. */
static unsigned char *
tab_add(struct tab_build *t, size_t size, uint32_t id, const char *name)
{
	size_t at = (t->len + IDS_SNAP_REC_ALIGN - 1) & ~(size_t)(IDS_SNAP_REC_ALIGN - 1);

	if (at + size > UINT32_MAX / 2)
		return NULL; /* offsets are u32; a table this big is not a real directory */
	if (at + size > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		unsigned char *p;
		while (cap < at + size)
			cap *= 2;
		p = realloc(t->recs, cap);
		if (!p)
			return NULL;
		t->recs = p;
		t->cap = cap;
	}
	if (grow((void **)&t->e, t->n, &t->cap_e, sizeof(*t->e)) < 0)
		return NULL;
	memset(t->recs + t->len, 0, at + size - t->len);
	t->e[t->n++] = (struct tab_entry){id, ids_snap_hash_name(t->seed, name, strlen(name)),
					  (uint32_t)at, name, strlen(name)};
	t->len = at + size;
	return t->recs + at;
}

/*
 * Lays out the slots (a later entry with the same id or name replaces an
 * earlier one, as a put into a B-tree would) and stores the table under key.
 */
static int
tab_put(struct tab_build *t, MDB_txn *txn, MDB_dbi dbi, const char *key)
{
	struct ids_snap_tab h = {.magic = t->magic, .seed = t->seed, .n_records = (uint32_t)t->n};
	_cleanup_free_ unsigned char *blob = NULL;
	_cleanup_free_ uint32_t *owner = NULL; /* entry index behind each by-name slot */
	struct ids_snap_slot *by_name, *by_id;
	size_t n_slots = 8, size;
	uint32_t mask, max_probe = 1;

	/* At most 80% full: the slots stay small enough to stay cached, and linear probing
	 * keeps a key's probes within one or two cache lines. */
	while (n_slots * 4 < t->n * 5)
		n_slots *= 2;
	size = sizeof(h) + 2 * n_slots * sizeof(struct ids_snap_slot) + t->len;
	if (size > UINT32_MAX)
		return -EFBIG;
	blob = malloc(size);
	owner = malloc(n_slots * sizeof(*owner));
	if (!blob || !owner)
		return -ENOMEM;
	h.n_slots = (uint32_t)n_slots;
	h.slots_off = sizeof(h);
	h.recs_off = (uint32_t)(sizeof(h) + 2 * n_slots * sizeof(struct ids_snap_slot));
	h.recs_len = (uint32_t)t->len;
	/* The header is 32 bytes and the slots 8 each: records stay 8-aligned. */
	by_name = (struct ids_snap_slot *)(void *)(blob + h.slots_off);
	by_id = by_name + n_slots;
	for (size_t i = 0; i < 2 * n_slots; i++)
		by_name[i] = (struct ids_snap_slot){0, IDS_SNAP_SLOT_EMPTY};
	mask = (uint32_t)n_slots - 1;
	for (size_t e = 0; e < t->n; e++) {
		const struct tab_entry *te = &t->e[e];
		uint32_t i = ids_snap_mix(te->id ^ t->seed) & mask, d = 1;

		while (by_id[i].rec != IDS_SNAP_SLOT_EMPTY && by_id[i].key != te->id) {
			i = (i + 1) & mask;
			d++;
		}
		by_id[i] = (struct ids_snap_slot){te->id, te->rec};
		if (d > max_probe)
			max_probe = d;
		i = te->hash & mask;
		d = 1;
		while (by_name[i].rec != IDS_SNAP_SLOT_EMPTY &&
		       !(by_name[i].key == te->hash && t->e[owner[i]].name_len == te->name_len &&
			 memcmp(t->e[owner[i]].name, te->name, te->name_len) == 0)) {
			i = (i + 1) & mask;
			d++;
		}
		by_name[i] = (struct ids_snap_slot){te->hash, te->rec};
		owner[i] = (uint32_t)e;
		if (d > max_probe)
			max_probe = d;
	}
	h.max_probe = max_probe;
	memcpy(blob, &h, sizeof(h));
	if (t->len)
		memcpy(blob + h.recs_off, t->recs, t->len);
	return put(txn, dbi, key, strlen(key), blob, size);
}

/* A group's lookup record: header, member offsets, name, member area. */
static int
tab_add_group(struct tab_build *t, const char *name, uint32_t gid, uint8_t kind,
	      const char *members, uint32_t n_members, size_t members_len)
{
	struct ids_snap_grl h = {.gid = gid, .n_members = n_members,
				 .members_len = (uint32_t)members_len,
				 .name_len = (uint16_t)strlen(name), .kind = kind};
	size_t size = sizeof(h) + (size_t)n_members * 4 + h.name_len + 1 + members_len;
	unsigned char *rec = tab_add(t, size, gid, name), *p;
	uint32_t off = 0;

	if (!rec)
		return -ENOMEM;
	memcpy(rec, &h, sizeof(h));
	p = rec + sizeof(h);
	for (uint32_t i = 0; i < n_members; i++) {
		memcpy(p, &off, 4);
		p += 4;
		off += (uint32_t)strlen(members + off) + 1;
	}
	memcpy(p, name, h.name_len + 1u);
	p += h.name_len + 1;
	if (members_len)
		memcpy(p, members, members_len);
	return 0;
}

/* A user's lookup record: header, supplementary gids, then the strings. */
static int
tab_add_user(struct tab_build *t, const struct snap_user *u, const uint32_t *gids, size_t n_gids)
{
	struct ids_snap_pwl h = {.uid = u->uid, .gid = u->uid,
				 .name_len = (uint16_t)strlen(u->login),
				 .gecos_len = (uint16_t)strlen(u->gecos),
				 .dir_len = (uint16_t)strlen(u->home),
				 .shell_len = (uint16_t)strlen(u->shell),
				 .n_groups = (uint32_t)n_gids,
				 .flags = u->active ? IDS_SNAP_PW_ACTIVE : 0};
	size_t size = sizeof(h) + n_gids * 4 + h.name_len + h.gecos_len + h.dir_len + h.shell_len + 4;
	unsigned char *rec = tab_add(t, size, u->uid, u->login);
	char *p;

	if (!rec)
		return -ENOMEM;
	memcpy(rec, &h, sizeof(h));
	if (n_gids)
		memcpy(rec + sizeof(h), gids, n_gids * 4);
	p = (char *)rec + sizeof(h) + n_gids * 4;
	p = stpcpy(p, u->login) + 1;
	p = stpcpy(p, u->gecos) + 1;
	p = stpcpy(p, u->home) + 1;
	stpcpy(p, u->shell);
	return 0;
}

/* Members by gid, then by login: group member lists come out in a stable, readable order. */
static int
cmp_by_gid(const void *a, const void *b, void *data)
{
	const struct snap_member *x = a, *y = b;
	const struct build *bd = data;

	if (x->gid != y->gid)
		return x->gid < y->gid ? -1 : 1;
	return strcmp(bd->users[x->user].login, bd->users[y->user].login);
}

static int
cmp_by_user(const void *a, const void *b, void *data)
{
	const struct snap_member *x = a, *y = b;

	(void)data;
	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	return (x->gid > y->gid) - (x->gid < y->gid);
}

/* Index of the first membership with this gid or a greater one (members sorted by gid). */
static size_t
first_member(const struct build *b, uint32_t gid)
{
	size_t lo = 0, hi = b->n_members;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->members[mid].gid < gid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
write_groups(struct build *b, MDB_txn *txn, MDB_dbi by_gid, MDB_dbi lookup, uint32_t seed)
{
	_cleanup_free_ char *buf = NULL;
	struct tab_build tab = {.magic = IDS_SNAP_TAB_GROUP, .seed = seed};
	size_t cap = 0;
	int r = 0;

	/* Private groups: one per published user, no members (the user's primary group). */
	for (size_t u = 0; u < b->n_users; u++) {
		if (find_group(b, b->users[u].login)) {
			ids_log_warnx("private group of %s has the name of a workspace group; "
				      "left out",
				      b->users[u].login);
			continue;
		}
		if (!user_fits(&b->users[u]))
			continue;
		r = put_group(txn, by_gid, b->users[u].login, b->users[u].uid, IDS_SNAP_GR_PRIVATE,
			      NULL, 0, 0);
		if (r == 0)
			r = tab_add_group(&tab, b->users[u].login, b->users[u].uid,
					  IDS_SNAP_GR_PRIVATE, NULL, 0, 0);
		if (r < 0)
			goto out;
	}
	/* Workspace groups, members in login order within each. */
	sort_members(b, cmp_by_gid);
	for (size_t g = 0; g < b->n_groups; g++) {
		size_t len = 0;
		uint32_t n = 0;

		for (size_t j = first_member(b, b->groups[g].gid); j < b->n_members && b->members[j].gid == b->groups[g].gid; j++) {
			const char *login = b->users[b->members[j].user].login;
			size_t l = strlen(login) + 1;
			if (len + l > cap) {
				char *grown = realloc(buf, cap = (len + l) * 2);
				if (!grown) {
					r = -ENOMEM;
					goto out;
				}
				buf = grown;
			}
			memcpy(buf + len, login, l);
			len += l;
			n++;
		}
		r = put_group(txn, by_gid, b->groups[g].name, b->groups[g].gid,
			      IDS_SNAP_GR_WORKSPACE, buf, n, len);
		if (r == 0)
			r = tab_add_group(&tab, b->groups[g].name, b->groups[g].gid,
					  IDS_SNAP_GR_WORKSPACE, buf, n, len);
		if (r < 0)
			goto out;
	}
	r = tab_put(&tab, txn, lookup, IDS_SNAP_KEY_GROUP);
out:
	tab_free(&tab);
	return r;
}

/* The passwd records (by uid) and the passwd lookup table, with each user's supplementary gids. */
static int
write_users(struct build *b, MDB_txn *txn, MDB_dbi by_uid, MDB_dbi lookup, uint32_t seed)
{
	_cleanup_free_ uint32_t *gids = NULL;
	struct tab_build tab = {.magic = IDS_SNAP_TAB_PASSWD, .seed = seed};
	size_t i = 0;
	int r = 0;

	sort_members(b, cmp_by_user);
	gids = malloc((b->n_members ? b->n_members : 1) * sizeof(uint32_t));
	if (!gids)
		return -ENOMEM;
	for (size_t u = 0; u < b->n_users && r == 0; u++) {
		size_t n = 0;

		/* Members are sorted by user index, then gid: this user's run, ascending. */
		while (i < b->n_members && b->members[i].user < u)
			i++;
		for (; i < b->n_members && b->members[i].user == u; i++)
			if (n < IDS_SNAP_GROUPS_MAX)
				gids[n++] = b->members[i].gid;
		r = put_passwd(txn, by_uid, &b->users[u]);
		if (r == 0 && user_fits(&b->users[u]))
			r = tab_add_user(&tab, &b->users[u], gids, n);
	}
	if (r == 0)
		r = tab_put(&tab, txn, lookup, IDS_SNAP_KEY_PASSWD);
	tab_free(&tab);
	return r;
}

static int
write_snapshot(struct build *b, const char *tmp, uint64_t generation, uint32_t map_size_mb)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi meta, pw_uid, gr_gid, lookup;
	uint32_t format = IDS_SNAP_FORMAT, n_users = (uint32_t)b->n_users,
		 n_groups = (uint32_t)(b->n_users + b->n_groups);
	uint8_t enumerate;
	uint32_t seed;
	int r, fd;

	/* A fresh hash seed per publication: names crafted to collide stay a guess. */
	if (getentropy(&seed, sizeof(seed)) < 0)
		seed = (uint32_t)(generation * 0x9e3779b97f4a7c15ull >> 32);

	switch (b->cfg->enumerate) {
	case IDS_ENUMERATE_YES:
		enumerate = 1;
		break;
	case IDS_ENUMERATE_NO:
		enumerate = 0;
		break;
	default:
		enumerate = b->n_users <= b->cfg->enumerate_max;
	}
	r = from_mdb(mdb_env_create(&env));
	if (r < 0)
		return r;
	if ((r = from_mdb(mdb_env_set_maxdbs(env, 8))) < 0 ||
	    (r = from_mdb(mdb_env_set_mapsize(env, (size_t)map_size_mb << 20))) < 0 ||
	    /* No lock file (readers use MDB_NOLOCK) and one fsync at the end instead of per commit. */
	    (r = from_mdb(mdb_env_open(env, tmp, MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC, 0644))) < 0 ||
	    (r = from_mdb(mdb_txn_begin(env, NULL, 0, &txn))) < 0)
		goto out;
	if ((r = from_mdb(mdb_dbi_open(txn, IDS_SNAP_DB_META, MDB_CREATE, &meta))) < 0 ||
	    (r = from_mdb(mdb_dbi_open(txn, IDS_SNAP_DB_PW_UID, MDB_CREATE, &pw_uid))) < 0 ||
	    (r = from_mdb(mdb_dbi_open(txn, IDS_SNAP_DB_GR_GID, MDB_CREATE, &gr_gid))) < 0 ||
	    (r = from_mdb(mdb_dbi_open(txn, IDS_SNAP_DB_LOOKUP, MDB_CREATE, &lookup))) < 0)
		goto out;
	if ((r = write_groups(b, txn, gr_gid, lookup, seed)) < 0 ||
	    (r = write_users(b, txn, pw_uid, lookup, seed)) < 0 ||
	    (r = put(txn, meta, "format", 6, &format, sizeof(format))) < 0 ||
	    (r = put(txn, meta, "generation", 10, &generation, sizeof(generation))) < 0 ||
	    (r = put(txn, meta, "enumerate", 9, &enumerate, 1)) < 0 ||
	    (r = put(txn, meta, "users", 5, &n_users, 4)) < 0 ||
	    (r = put(txn, meta, "groups", 6, &n_groups, 4)) < 0)
		goto out;
	r = from_mdb(mdb_txn_commit(txn));
	txn = NULL;
	if (r == 0)
		r = from_mdb(mdb_env_sync(env, 1));
	if (r == 0 && mdb_env_get_fd(env, &fd) == 0 && fchmod(fd, 0644) < 0)
		r = -errno;
out:
	if (txn)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return r;
}

/* Counts one more publication in the generation word, after the rename (snapshot_format.h). */
static int
bump_gen_file(const char *path)
{
	uint64_t word = 0;
	_cleanup_free_ char *gen_path = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (asprintf(&gen_path, "%s%s", path, IDS_SNAP_GEN_SUFFIX) < 0)
		return -ENOMEM;
	fd = open(gen_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size < IDS_SNAP_GEN_SIZE && ftruncate(fd, IDS_SNAP_GEN_SIZE) < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0)
		return -errno;
	/* Read-modify-write under the publication lock: the word only grows. */
	if (pread(fd, &word, sizeof(word), 0) != (ssize_t)sizeof(word))
		word = 0;
	word++;
	if (pwrite(fd, &word, sizeof(word), 0) != (ssize_t)sizeof(word))
		return -EIO;
	return 0;
}

static int
fsync_dir_of(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = -1;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

/* Reads the generation and format of the snapshot at path: 0, -ENOENT or -EBADMSG. */
static int
read_meta(const char *path, uint64_t *generation, uint32_t *format)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi meta;
	MDB_val k = {10, "generation"}, v;
	int r;

	if (access(path, F_OK) < 0)
		return -errno;
	r = from_mdb(mdb_env_create(&env));
	if (r < 0)
		return r;
	if ((r = from_mdb(mdb_env_set_maxdbs(env, 8))) < 0 ||
	    (r = from_mdb(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0))) < 0 ||
	    (r = from_mdb(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn))) < 0)
		goto out;
	if (mdb_dbi_open(txn, IDS_SNAP_DB_META, 0, &meta) != 0 || mdb_get(txn, meta, &k, &v) != 0 ||
	    v.mv_size != sizeof(uint64_t)) {
		r = -EBADMSG;
		goto out;
	}
	memcpy(generation, v.mv_data, sizeof(uint64_t));
	k = (MDB_val){6, "format"};
	*format = 0;
	if (mdb_get(txn, meta, &k, &v) == 0 && v.mv_size == sizeof(uint32_t))
		memcpy(format, v.mv_data, sizeof(uint32_t));
out:
	if (txn)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return r == -EINVAL || r == -EIO ? -EBADMSG : r;
}

int
ids_snapshot_generation(const char *path, uint64_t *out)
{
	uint32_t format;

	return read_meta(path, out, &format);
}

int
ids_snapshot_publish(struct ids_store *s, const struct ids_config *cfg, bool force,
		     struct ids_snapshot_stats *stats)
{
	_cleanup_free_ char *lock_path = NULL, *tmp = NULL;
	_cleanup_close_ int lock_fd = -1;
	struct build b = {.cfg = cfg};
	uint64_t generation = 0, current = 0;
	uint32_t format = 0;
	int r;

	if (asprintf(&lock_path, "%s.lock", cfg->snapshot_path) < 0 ||
	    asprintf(&tmp, "%s.new", cfg->snapshot_path) < 0)
		return -ENOMEM;
	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0)
		return -errno;
	/* Held from reading the store to the rename: publications are serialized in store order. */
	if (flock(lock_fd, LOCK_EX) < 0)
		return -errno;
	r = ids_txn_begin(s, false, &b.t);
	if (r < 0)
		return r;
	r = ids_txn_generation(b.t, &generation);
	if (r < 0)
		goto out;
	/* Up to date only if also of this format: after an upgrade the first publication
	 * (idsyncd's at start) replaces a snapshot the module would refuse. */
	if (!force && read_meta(cfg->snapshot_path, &current, &format) == 0 &&
	    format == IDS_SNAP_FORMAT && current >= generation) {
		if (stats)
			*stats = (struct ids_snapshot_stats){.generation = current};
		goto out;
	}
	if ((r = ids_user_foreach(b.t, collect_user, &b)) < 0 ||
	    (r = ids_unix_group_foreach(b.t, collect_group, &b)) < 0 ||
	    (r = ids_grant_foreach(b.t, NULL, collect_grant, &b)) < 0)
		goto out;
	(void)unlink(tmp); /* a leftover of an interrupted publication */
	r = write_snapshot(&b, tmp, generation, cfg->map_size_mb);
	if (r < 0) {
		(void)unlink(tmp);
		goto out;
	}
	if (rename(tmp, cfg->snapshot_path) < 0) {
		r = -errno;
		(void)unlink(tmp);
		goto out;
	}
	r = fsync_dir_of(cfg->snapshot_path);
	if (r == 0)
		r = bump_gen_file(cfg->snapshot_path);
	if (r == 0 && stats)
		*stats = (struct ids_snapshot_stats){generation, (uint32_t)b.n_users,
						     (uint32_t)(b.n_users + b.n_groups), true};
out:
	ids_txn_abort(b.t);
	build_free(&b);
	return r;
}
