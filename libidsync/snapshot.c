/* SPDX-License-Identifier: MIT */
/*
 * Builds the NSS snapshot from the store and publishes it atomically (write
 * a new file, fsync, rename, bump the .gen word) under a lock. Owns the
 * derivation of Unix group membership: grants x roles -> workspace groups.
 * Called by every writer after a change; never modifies the store.
 *
 * A full rebuild is the common case (idsyncd publishes after every write
 * batch, PAM before a login returns), so the build is kept cheap: users come
 * from their POSIX views (no SCIM resource is parsed), grants are read in key
 * order with only their roles scanned out of the record (anything but the
 * canonical form goes through the full decoder), a role's groups in a
 * workspace are expanded once, strings live in one arena, records are
 * written straight into the new file's pages in key order (MDB_APPEND |
 * MDB_RESERVE), and nothing is sorted by comparison but the member logins.
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

#define NONE UINT32_MAX

/* A user as the snapshot shows it; strings are offsets into the build's arena, NUL-terminated. */
struct snap_user {
	uint32_t id, login, gecos, home, shell;
	uint32_t id_len, login_len, gecos_len, home_len, shell_len;
	uint32_t uid;
	uint32_t first_member, n_members; /* this user's run in build.members */
	bool active, fits;
};

struct snap_group {
	char *name;
	uint32_t gid;
	uint32_t bucket; /* index of its gid among the distinct gids of workspace groups */
};

/* One membership: user (index into users) in the workspace groups of one gid (bucket). */
struct snap_member {
	uint32_t user, bucket;
};

struct snap_role {
	char *name;
	struct ids_role *role; /* NULL: no such role */
};

/* A role's groups in one workspace, expanded once: gid bucket of each template, or NONE. */
struct role_ws {
	char *ws; /* NULL: empty slot */
	size_t ws_len;
	uint32_t role, hash; /* role: index into build.roles */
	size_t n;
	uint32_t *bucket;
	char **name; /* the expanded names (for the warnings) */
};

struct build {
	struct ids_txn *t;
	const struct ids_config *cfg;
	char *arena;
	size_t arena_len, arena_cap;
	struct snap_user *users; /* in user-id order (the store's key order) */
	size_t n_users, cap_users;
	struct snap_group *groups; /* in name order (the store's) */
	size_t n_groups, cap_groups;
	uint32_t *bucket_gid;
	size_t n_buckets;
	struct snap_member *members; /* grouped by user, users ascending */
	size_t n_members, cap_members;
	struct snap_role *roles;
	size_t n_roles, cap_roles;
	struct role_ws *rw; /* open addressing, n_rw_slots a power of two */
	size_t n_rw, n_rw_slots;
	size_t grant_user; /* where the walk of grants (in user order) is in users */
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
	free(b->arena);
	free(b->users);
	for (size_t i = 0; i < b->n_groups; i++)
		free(b->groups[i].name);
	free(b->groups);
	free(b->bucket_gid);
	free(b->members);
	for (size_t i = 0; i < b->n_roles; i++) {
		free(b->roles[i].name);
		ids_role_free(b->roles[i].role);
	}
	free(b->roles);
	for (size_t i = 0; i < b->n_rw_slots; i++) {
		if (!b->rw[i].ws)
			continue;
		free(b->rw[i].ws);
		free(b->rw[i].bucket);
		for (size_t j = 0; j < b->rw[i].n; j++)
			free(b->rw[i].name[j]);
		free(b->rw[i].name);
	}
	free(b->rw);
}

static inline const char *
S(const struct build *b, uint32_t off)
{
	return b->arena + off;
}

/* Copies len bytes and a NUL into the arena; returns the offset, or NONE when out of memory. */
static uint32_t
arena_add(struct build *b, const char *s, size_t len)
{
	size_t at = b->arena_len;

	if (at + len + 1 > b->arena_cap) {
		size_t cap = b->arena_cap ? b->arena_cap : 1 << 16;
		char *p;
		while (cap < at + len + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return NONE;
		p = realloc(b->arena, cap);
		if (!p)
			return NONE;
		b->arena = p;
		b->arena_cap = cap;
	}
	memcpy(b->arena + at, s, len);
	b->arena[at + len] = '\0';
	b->arena_len = at + len + 1;
	return (uint32_t)at;
}

static int
collect_user(const struct ids_user_posix *u, void *data)
{
	struct build *b = data;
	struct snap_user *su;
	const char *shell = u->active ? u->shell : b->cfg->inactive_shell;
	size_t shell_len = u->active ? u->shell_len : strlen(b->cfg->inactive_shell);
	struct ids_val v;

	if (u->deleted) {
		/* A deleted user resolves only while no new identity has taken its login. */
		if (ids_txn_get(b->t, IDS_DB_USER_BY_LOGIN, u->login, u->login_len, &v) < 0 ||
		    v.size != u->id_len || memcmp(v.data, u->id, v.size) != 0)
			return 0;
	}
	if (grow((void **)&b->users, b->n_users, &b->cap_users, sizeof(*b->users)) < 0)
		return -ENOMEM;
	su = &b->users[b->n_users];
	*su = (struct snap_user){
		.id = arena_add(b, u->id, u->id_len),
		.login = arena_add(b, u->login, u->login_len),
		.gecos = arena_add(b, u->gecos, u->gecos_len),
		.home = arena_add(b, u->home, u->home_len),
		.shell = arena_add(b, shell, shell_len),
		.id_len = (uint32_t)u->id_len,
		.login_len = (uint32_t)u->login_len,
		.gecos_len = (uint32_t)u->gecos_len,
		.home_len = (uint32_t)u->home_len,
		.shell_len = (uint32_t)shell_len,
		.uid = u->uid,
		.active = u->active,
		/* The fields fit the snapshot's limits (else the user is left out, with a warning). */
		.fits = u->login_len <= IDS_SNAP_NAME_MAX && u->gecos_len <= IDS_SNAP_FIELD_MAX &&
			u->home_len <= IDS_SNAP_FIELD_MAX && shell_len <= IDS_SNAP_FIELD_MAX,
	};
	if (su->id == NONE || su->login == NONE || su->gecos == NONE || su->home == NONE ||
	    su->shell == NONE)
		return -ENOMEM;
	b->n_users++;
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
cmp_group_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct snap_group *)elem)->name);
}

/* bsearch() with an empty (possibly NULL) array is undefined: this is not. */
static const struct snap_group *
find_group(const struct build *b, const char *name)
{
	return b->n_groups ? bsearch(name, b->groups, b->n_groups, sizeof(*b->groups), cmp_group_name)
			   : NULL;
}

/* Sorts a[0..n) ascending (LSD radix, 16-bit digits; passes where every key agrees are skipped). */
static int
radix_sort_u64(uint64_t *a, size_t n)
{
	_cleanup_free_ uint64_t *tmp = NULL;
	_cleanup_free_ size_t *count = NULL;
	uint64_t *src = a, *dst;

	if (n < 2)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	count = malloc(65536 * sizeof(*count));
	if (!tmp || !count)
		return -ENOMEM;
	dst = tmp;
	for (unsigned shift = 0; shift < 64; shift += 16) {
		size_t sum = 0;
		memset(count, 0, 65536 * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(src[i] >> shift) & 0xffff]++;
		if (count[(src[0] >> shift) & 0xffff] == n)
			continue;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xffff]++] = src[i];
		uint64_t *x = src;
		src = dst;
		dst = x;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	return 0;
}

/* The distinct gids of the workspace groups: each group's bucket, and each bucket's gid. */
static int
assign_buckets(struct build *b)
{
	_cleanup_free_ uint64_t *k = malloc((b->n_groups ? b->n_groups : 1) * sizeof(*k));
	int r;

	b->bucket_gid = malloc((b->n_groups ? b->n_groups : 1) * sizeof(*b->bucket_gid));
	if (!k || !b->bucket_gid)
		return -ENOMEM;
	for (size_t g = 0; g < b->n_groups; g++)
		k[g] = (uint64_t)b->groups[g].gid << 32 | g;
	if ((r = radix_sort_u64(k, b->n_groups)) < 0)
		return r;
	for (size_t i = 0; i < b->n_groups; i++) {
		uint32_t gid = (uint32_t)(k[i] >> 32);
		if (!b->n_buckets || b->bucket_gid[b->n_buckets - 1] != gid)
			b->bucket_gid[b->n_buckets++] = gid;
		b->groups[(uint32_t)k[i]].bucket = (uint32_t)(b->n_buckets - 1);
	}
	return 0;
}

/* The role named name (len bytes): an index into b->roles (role NULL when there is none). */
static int
find_role(struct build *b, const char *name, size_t len, uint32_t *out)
{
	struct snap_role *sr;

	for (size_t i = 0; i < b->n_roles; i++)
		if (strlen(b->roles[i].name) == len && memcmp(b->roles[i].name, name, len) == 0) {
			*out = (uint32_t)i;
			return 0;
		}
	if (grow((void **)&b->roles, b->n_roles, &b->cap_roles, sizeof(*b->roles)) < 0)
		return -ENOMEM;
	sr = &b->roles[b->n_roles];
	*sr = (struct snap_role){.name = strndup(name, len)};
	if (!sr->name)
		return -ENOMEM;
	if (ids_role_get(b->t, sr->name, &sr->role) < 0)
		sr->role = NULL;
	*out = (uint32_t)b->n_roles++;
	return 0;
}

static uint32_t
hash_bytes(const char *s, size_t len, uint32_t seed)
{
	return ids_snap_hash_name(seed, s, len);
}

/* The groups role gives in workspace ws (ws_len bytes), expanded and looked up once. */
static int
find_role_ws(struct build *b, uint32_t role, const char *ws, size_t ws_len, const struct role_ws **out)
{
	uint32_t h = hash_bytes(ws, ws_len, role);
	const struct ids_role *ir = b->roles[role].role;
	struct role_ws *e;
	size_t i, mask;

	if (b->n_rw * 2 >= b->n_rw_slots) {
		size_t n = b->n_rw_slots ? b->n_rw_slots * 2 : 64;
		struct role_ws *rw = calloc(n, sizeof(*rw));
		if (!rw)
			return -ENOMEM;
		for (size_t j = 0; j < b->n_rw_slots; j++) {
			if (!b->rw[j].ws)
				continue;
			for (i = b->rw[j].hash & (n - 1); rw[i].ws; i = (i + 1) & (n - 1))
				;
			rw[i] = b->rw[j];
		}
		free(b->rw);
		b->rw = rw;
		b->n_rw_slots = n;
	}
	mask = b->n_rw_slots - 1;
	for (i = h & mask; b->rw[i].ws; i = (i + 1) & mask) {
		e = &b->rw[i];
		if (e->hash == h && e->role == role && e->ws_len == ws_len &&
		    memcmp(e->ws, ws, ws_len) == 0) {
			*out = e;
			return 0;
		}
	}
	e = &b->rw[i];
	*e = (struct role_ws){.ws = strndup(ws, ws_len), .ws_len = ws_len, .role = role, .hash = h};
	if (!e->ws)
		return -ENOMEM;
	b->n_rw++;
	if (ir) {
		size_t n = 0;
		while (ir->groups[n])
			n++;
		e->bucket = calloc(n ? n : 1, sizeof(*e->bucket));
		e->name = calloc(n ? n : 1, sizeof(*e->name));
		if (!e->bucket || !e->name)
			return -ENOMEM;
		for (size_t j = 0; j < n; j++) {
			const struct snap_group *sg;
			e->name[j] = ids_role_expand(ir->groups[j], e->ws);
			if (!e->name[j])
				return -ENOMEM;
			e->n = j + 1;
			sg = find_group(b, e->name[j]);
			e->bucket[j] = sg ? sg->bucket : NONE;
		}
	}
	*out = e;
	return 0;
}

static int
add_member(struct build *b, uint32_t bucket, uint32_t user)
{
	struct snap_user *su = &b->users[user];

	if (su->n_members == 0)
		su->first_member = (uint32_t)b->n_members;
	for (size_t i = su->first_member; i < b->n_members; i++)
		if (b->members[i].bucket == bucket)
			return 0; /* two roles (or two grants) giving the same group */
	if (grow((void **)&b->members, b->n_members, &b->cap_members, sizeof(*b->members)) < 0)
		return -ENOMEM;
	b->members[b->n_members++] = (struct snap_member){user, bucket};
	su->n_members++;
	return 0;
}

/* ---- grants ---- */

/* A role name in a grant record: not NUL-terminated. */
struct span {
	const char *s;
	size_t len;
};

struct scan {
	const char *p, *end;
};

static bool
lit(struct scan *s, const char *l, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, l, n) != 0)
		return false;
	s->p += n;
	return true;
}
#define LIT(s, l) lit(s, l, sizeof(l) - 1)

/* A JSON string of printable ASCII without escapes (anything else: not the fast path). */
static bool
str(struct scan *s, struct span *out)
{
	const char *a;

	if (s->p >= s->end || *s->p != '"')
		return false;
	a = ++s->p;
	for (; s->p < s->end && *s->p != '"'; s->p++) {
		unsigned char c = (unsigned char)*s->p;
		if (c < 0x20 || c >= 0x80 || c == '\\')
			return false;
	}
	if (s->p >= s->end)
		return false;
	*out = (struct span){a, (size_t)(s->p - a)};
	s->p++;
	return true;
}

/* A JSON integer that surely fits in 64 bits. */
static bool
integer(struct scan *s)
{
	const char *a;

	if (s->p < s->end && *s->p == '-')
		s->p++;
	a = s->p;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	return s->p > a && s->p - a <= 18;
}

/*
 * The roles of a grant record in the exact form grants.c writes (json_dumps,
 * compact, sorted keys, v 1), checked whole as the full decoder would check
 * it. False for anything else, which the caller hands to the full decoder:
 * the fast path never accepts a record the decoder would refuse.
 */
static bool
scan_grant(const char *data, size_t size, struct span **roles, size_t *n, size_t *cap)
{
	struct scan s = {data, data + size};
	struct span v;

	*n = 0;
	if (!LIT(&s, "{\"created\":") || !integer(&s) || !LIT(&s, ",\"roles\":["))
		return false;
	do {
		if (!str(&s, &v) || *n >= 4096)
			return false;
		if (grow((void **)roles, *n, cap, sizeof(**roles)) < 0)
			return false;
		(*roles)[(*n)++] = v;
	} while (LIT(&s, ","));
	if (!LIT(&s, "],\"roles_manual\":") || !(LIT(&s, "true") || LIT(&s, "false")) ||
	    !LIT(&s, ",\"sources\":["))
		return false;
	if (!LIT(&s, "]")) {
		do {
			struct span kind, ref, role;
			bool known = false;

			if (!LIT(&s, "{\"kind\":") || !str(&s, &kind) || !LIT(&s, ",\"ref\":") ||
			    !str(&s, &ref) || !LIT(&s, ",\"role\":") || !str(&s, &role) ||
			    !LIT(&s, "}"))
				return false;
			for (int k = IDS_SOURCE_SCIM; k <= IDS_SOURCE_MANUAL; k++) {
				const char *name = ids_source_kind_name((enum ids_source_kind)k);
				if (strlen(name) == kind.len && memcmp(name, kind.s, kind.len) == 0)
					known = true;
			}
			if (!known)
				return false;
		} while (LIT(&s, ","));
		if (!LIT(&s, "]"))
			return false;
	}
	return LIT(&s, ",\"v\":1}") && s.p == s.end;
}

/* Three-way comparison of two keys in LMDB's default order (bytes, then length). */
static int
cmp_key(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

struct grant_walk {
	struct build *b;
	struct span *roles;
	size_t cap;
};

/* A grant gives its user the Unix groups of its roles in its workspace. */
static int
grant_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct grant_walk *w = data;
	struct build *b = w->b;
	const char *key = k->data, *nul = memchr(key, '\0', k->size), *ws;
	_cleanup_(ids_grant_freep) struct ids_grant *full = NULL;
	size_t n_roles, id_len, ws_len;
	uint32_t role_idx[64], *ri = role_idx, user;
	_cleanup_free_ uint32_t *ri_heap = NULL;
	bool read_only_only = true;
	int r;

	if (!nul || nul == key || (size_t)(nul - key) + 1 >= k->size)
		return -EBADMSG; /* as the full decoder says */
	id_len = (size_t)(nul - key);
	ws = nul + 1;
	ws_len = strnlen(ws, k->size - id_len - 1); /* the full decoder stops at a NUL too */
	if (!scan_grant(v->data, v->size, &w->roles, &n_roles, &w->cap)) {
		/* Not the canonical form: the full decoder decides (and may refuse the record). */
		char uid_s[512], ws_s[512];
		if (id_len >= sizeof(uid_s) || ws_len >= sizeof(ws_s))
			return -EBADMSG;
		memcpy(uid_s, key, id_len);
		uid_s[id_len] = '\0';
		memcpy(ws_s, ws, ws_len);
		ws_s[ws_len] = '\0';
		r = ids_grant_get(b->t, uid_s, ws_s, &full);
		if (r < 0)
			return r;
		for (n_roles = 0; full->roles[n_roles]; n_roles++) {
			if (grow((void **)&w->roles, n_roles, &w->cap, sizeof(*w->roles)) < 0)
				return -ENOMEM;
			w->roles[n_roles] = (struct span){full->roles[n_roles], strlen(full->roles[n_roles])};
		}
	}
	/* Grants come in user-id order, as the users do: walk both. */
	while (b->grant_user < b->n_users &&
	       cmp_key(S(b, b->users[b->grant_user].id), b->users[b->grant_user].id_len, key,
		       id_len) < 0)
		b->grant_user++;
	if (b->grant_user >= b->n_users ||
	    cmp_key(S(b, b->users[b->grant_user].id), b->users[b->grant_user].id_len, key, id_len) != 0)
		return 0; /* not a published user */
	user = (uint32_t)b->grant_user;
	if (!b->users[user].active)
		return 0; /* deactivated users keep no workspace groups */
	if (n_roles > sizeof(role_idx) / sizeof(role_idx[0])) {
		ri = ri_heap = malloc(n_roles * sizeof(*ri));
		if (!ri)
			return -ENOMEM;
	}
	/* Read-only never combines with another role: any other role wins. */
	for (size_t i = 0; i < n_roles; i++) {
		if ((r = find_role(b, w->roles[i].s, w->roles[i].len, &ri[i])) < 0)
			return r;
		if (b->roles[ri[i]].role && !b->roles[ri[i]].role->read_only)
			read_only_only = false;
	}
	for (size_t i = 0; i < n_roles; i++) {
		const struct ids_role *role = b->roles[ri[i]].role;
		const struct role_ws *e;

		if (!role) {
			ids_log_warnx("grant of %.*s to %s names unknown role %s; ignored", (int)ws_len,
				      ws, S(b, b->users[user].login), b->roles[ri[i]].name);
			continue;
		}
		if (role->read_only && !read_only_only)
			continue;
		if ((r = find_role_ws(b, ri[i], ws, ws_len, &e)) < 0)
			return r;
		for (size_t j = 0; j < e->n; j++) {
			if (e->bucket[j] == NONE) {
				ids_log_warnx("role %s in %s gives group %s, which does not exist; "
					      "ignored",
					      role->name, e->ws, e->name[j]);
				continue;
			}
			if ((r = add_member(b, e->bucket[j], user)) < 0)
				return r;
		}
	}
	return 0;
}

static int
collect_grants(struct build *b)
{
	struct grant_walk w = {.b = b};
	int r = ids_txn_iterate(b->t, IDS_DB_GRANTS, NULL, 0, grant_cb, &w);

	free(w.roles);
	return r == -EBADMSG ? ids_txn_fail(b->t, r) : r;
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

/* Reserves size bytes for key in the new file's pages (flags: MDB_APPEND for keys in order). */
static int
reserve(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, size_t size, unsigned flags,
	unsigned char **out)
{
	MDB_val key = {klen, (void *)k}, val = {size, NULL};
	int r = from_mdb(mdb_put(txn, dbi, &key, &val, flags | MDB_RESERVE));

	*out = val.mv_data;
	return r;
}

static unsigned char *
put_strings(unsigned char *p, const struct build *b, const struct snap_user *u)
{
	memcpy(p, S(b, u->login), u->login_len + 1);
	p += u->login_len + 1;
	memcpy(p, S(b, u->gecos), u->gecos_len + 1);
	p += u->gecos_len + 1;
	memcpy(p, S(b, u->home), u->home_len + 1);
	p += u->home_len + 1;
	memcpy(p, S(b, u->shell), u->shell_len + 1);
	return p + u->shell_len + 1;
}

static int
put_passwd(MDB_txn *txn, MDB_dbi by_uid, const struct build *b, const struct snap_user *u)
{
	struct ids_snap_pw h = {
		.uid = u->uid, .gid = u->uid,
		.name_len = (uint16_t)u->login_len, .gecos_len = (uint16_t)u->gecos_len,
		.dir_len = (uint16_t)u->home_len, .shell_len = (uint16_t)u->shell_len,
		.flags = u->active ? IDS_SNAP_PW_ACTIVE : 0,
	};
	size_t size = sizeof(h) + u->login_len + u->gecos_len + u->home_len + u->shell_len + 4;
	unsigned char be[4], *rec;
	int r;

	ids_be32(u->uid, be);
	if ((r = reserve(txn, by_uid, be, 4, size, MDB_APPEND, &rec)) < 0)
		return r;
	memcpy(rec, &h, sizeof(h));
	put_strings(rec + sizeof(h), b, u);
	return 0;
}

/* Writes one group record with members (member logins, NUL-separated). */
static int
put_group(MDB_txn *txn, MDB_dbi by_gid, const char *name, size_t ln, uint32_t gid, uint8_t kind,
	  const char *members, uint32_t n_members, size_t members_len)
{
	struct ids_snap_gr h = {.gid = gid, .n_members = n_members,
				.members_len = (uint32_t)members_len, .name_len = (uint16_t)ln,
				.kind = kind};
	size_t size = sizeof(h) + ln + 1 + members_len;
	unsigned char be[4], *rec;
	int r;

	ids_be32(gid, be);
	if ((r = reserve(txn, by_gid, be, 4, size, MDB_APPEND, &rec)) < 0)
		return r;
	memcpy(rec, &h, sizeof(h));
	memcpy(rec + sizeof(h), name, ln + 1);
	if (members_len)
		memcpy(rec + sizeof(h) + ln + 1, members, members_len);
	return 0;
}

/* ---- lookup tables (snapshot_format.h) ---- */

struct tab_entry {
	uint32_t id, hash, rec;
	uint32_t name_len;
	const char *name; /* the build's own string */
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

/* Room for n records of about size bytes each, so that the record area is not copied as it grows. */
static int
tab_reserve(struct tab_build *t, size_t n, size_t bytes)
{
	t->cap = bytes + n * IDS_SNAP_REC_ALIGN + 4096;
	t->cap_e = n ? n : 1;
	t->recs = malloc(t->cap);
	t->e = malloc(t->cap_e * sizeof(*t->e));
	return t->recs && t->e ? 0 : -ENOMEM;
}

/* Reserves an aligned record of size bytes for id and name; returns where to write it, or NULL. */
static unsigned char *
tab_add(struct tab_build *t, size_t size, uint32_t id, const char *name, size_t name_len)
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
	t->e[t->n++] = (struct tab_entry){id, ids_snap_hash_name(t->seed, name, name_len),
					  (uint32_t)at, (uint32_t)name_len, name};
	t->len = at + size;
	return t->recs + at;
}

/*
 * Lays out the slots (a later entry with the same id or name replaces an
 * earlier one, as a put into a B-tree would) and stores the table under key,
 * written in place in the new file.
 */
static int
tab_put(struct tab_build *t, MDB_txn *txn, MDB_dbi dbi, const char *key)
{
	struct ids_snap_tab h = {.magic = t->magic, .seed = t->seed, .n_records = (uint32_t)t->n};
	_cleanup_free_ uint32_t *owner = NULL; /* entry index behind each by-name slot */
	_cleanup_free_ struct ids_snap_slot *slots = NULL;
	struct ids_snap_slot *by_name, *by_id;
	unsigned char *blob;
	size_t n_slots = 8, size;
	uint32_t mask, max_probe = 1;
	int r;

	/* At most 80% full: the slots stay small enough to stay cached, and linear probing
	 * keeps a key's probes within one or two cache lines. */
	while (n_slots * 4 < t->n * 5)
		n_slots *= 2;
	size = sizeof(h) + 2 * n_slots * sizeof(struct ids_snap_slot) + t->len;
	if (size > UINT32_MAX)
		return -EFBIG;
	owner = malloc(n_slots * sizeof(*owner));
	slots = malloc(2 * n_slots * sizeof(*slots));
	if (!owner || !slots)
		return -ENOMEM;
	if ((r = reserve(txn, dbi, key, strlen(key), size, 0, &blob)) < 0)
		return r;
	h.n_slots = (uint32_t)n_slots;
	h.slots_off = sizeof(h);
	h.recs_off = (uint32_t)(sizeof(h) + 2 * n_slots * sizeof(struct ids_snap_slot));
	h.recs_len = (uint32_t)t->len;
	/*
	 * The slots are built apart and copied in: a small table is stored inside
	 * a leaf page, at an address with no particular alignment (readers copy
	 * what they read, nss_table.c).
	 */
	by_name = slots;
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
	memcpy(blob + h.slots_off, slots, 2 * n_slots * sizeof(*slots));
	if (t->len)
		memcpy(blob + h.recs_off, t->recs, t->len);
	return 0;
}

/* A group's lookup record: header, member offsets, name, member area. */
static int
tab_add_group(struct tab_build *t, const char *name, size_t name_len, uint32_t gid, uint8_t kind,
	      const char *members, uint32_t n_members, size_t members_len)
{
	struct ids_snap_grl h = {.gid = gid, .n_members = n_members,
				 .members_len = (uint32_t)members_len,
				 .name_len = (uint16_t)name_len, .kind = kind};
	size_t size = sizeof(h) + (size_t)n_members * 4 + h.name_len + 1 + members_len;
	unsigned char *rec = tab_add(t, size, gid, name, name_len), *p;
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
tab_add_user(struct tab_build *t, const struct build *b, const struct snap_user *u,
	     const uint32_t *gids, size_t n_gids)
{
	struct ids_snap_pwl h = {.uid = u->uid, .gid = u->uid,
				 .name_len = (uint16_t)u->login_len,
				 .gecos_len = (uint16_t)u->gecos_len,
				 .dir_len = (uint16_t)u->home_len,
				 .shell_len = (uint16_t)u->shell_len,
				 .n_groups = (uint32_t)n_gids,
				 .flags = u->active ? IDS_SNAP_PW_ACTIVE : 0};
	size_t size = sizeof(h) + n_gids * 4 + h.name_len + h.gecos_len + h.dir_len + h.shell_len + 4;
	unsigned char *rec = tab_add(t, size, u->uid, S(b, u->login), u->login_len);

	if (!rec)
		return -ENOMEM;
	memcpy(rec, &h, sizeof(h));
	if (n_gids)
		memcpy(rec + sizeof(h), gids, n_gids * 4);
	put_strings(rec + sizeof(h) + n_gids * 4, b, u);
	return 0;
}

static int
cmp_login(const void *a, const void *c, void *data)
{
	const struct build *b = data;

	return strcmp(S(b, b->users[*(const uint32_t *)a].login),
		      S(b, b->users[*(const uint32_t *)c].login));
}

/*
 * The members of each gid bucket, in login order: a counting sort by bucket
 * of the member users taken in login order. by_bucket[start[k] .. start[k+1])
 * are bucket k's users.
 */
static int
members_by_bucket(const struct build *b, uint32_t **by_bucket, size_t **start)
{
	_cleanup_free_ uint32_t *order = NULL;
	size_t n_order = 0, *at;

	*by_bucket = malloc((b->n_members ? b->n_members : 1) * sizeof(**by_bucket));
	*start = calloc(b->n_buckets + 1, sizeof(**start));
	order = malloc((b->n_users ? b->n_users : 1) * sizeof(*order));
	if (!*by_bucket || !*start || !order)
		return -ENOMEM;
	for (size_t u = 0; u < b->n_users; u++)
		if (b->users[u].n_members)
			order[n_order++] = (uint32_t)u;
	if (n_order > 1)
		qsort_r(order, n_order, sizeof(*order), cmp_login, (void *)b);
	for (size_t m = 0; m < b->n_members; m++)
		(*start)[b->members[m].bucket + 1]++;
	for (size_t k = 0; k < b->n_buckets; k++)
		(*start)[k + 1] += (*start)[k];
	at = malloc((b->n_buckets ? b->n_buckets : 1) * sizeof(*at));
	if (!at)
		return -ENOMEM;
	memcpy(at, *start, b->n_buckets * sizeof(*at));
	for (size_t i = 0; i < n_order; i++) {
		const struct snap_user *su = &b->users[order[i]];
		for (uint32_t m = su->first_member; m < su->first_member + su->n_members; m++)
			(*by_bucket)[at[b->members[m].bucket]++] = order[i];
	}
	free(at);
	return 0;
}

/* One record of gr_gid: private group of user idx, or (workspace) group idx. */
#define GR_WORKSPACE 0x80000000u

static int
write_groups(struct build *b, MDB_txn *txn, MDB_dbi by_gid, MDB_dbi lookup, uint32_t seed)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ uint32_t *by_bucket = NULL;
	_cleanup_free_ size_t *start = NULL;
	_cleanup_free_ uint64_t *order = NULL; /* gid << 32 | sequence of the put */
	_cleanup_free_ uint32_t *what = NULL;  /* by sequence: user index, or GR_WORKSPACE | group */
	struct tab_build tab = {.magic = IDS_SNAP_TAB_GROUP, .seed = seed};
	size_t cap = 0, n = 0;
	int r;

	order = malloc((b->n_users + b->n_groups + 1) * sizeof(*order));
	what = malloc((b->n_users + b->n_groups + 1) * sizeof(*what));
	if (!order || !what)
		return -ENOMEM;
	if ((r = members_by_bucket(b, &by_bucket, &start)) < 0 ||
	    (r = tab_reserve(&tab, b->n_users + b->n_groups,
			     b->n_users * (sizeof(struct ids_snap_grl) + 16) +
				     b->n_members * 4 + b->arena_len)) < 0)
		goto out;
	/* Private groups: one per published user, no members (the user's primary group). */
	for (size_t u = 0; u < b->n_users; u++) {
		const struct snap_user *su = &b->users[u];

		if (find_group(b, S(b, su->login))) {
			ids_log_warnx("private group of %s has the name of a workspace group; "
				      "left out",
				      S(b, su->login));
			continue;
		}
		if (!su->fits)
			continue;
		r = tab_add_group(&tab, S(b, su->login), su->login_len, su->uid, IDS_SNAP_GR_PRIVATE,
				  NULL, 0, 0);
		if (r < 0)
			goto out;
		order[n] = (uint64_t)su->uid << 32 | n;
		what[n++] = (uint32_t)u;
	}
	/* Workspace groups in name order; their records go to gr_gid below. */
	for (size_t g = 0; g < b->n_groups; g++) {
		size_t len = 0;
		uint32_t k = b->groups[g].bucket, nm = 0;

		for (size_t j = start[k]; j < start[k + 1]; j++) {
			const struct snap_user *su = &b->users[by_bucket[j]];
			size_t l = su->login_len + 1;
			if (len + l > cap) {
				char *grown = realloc(buf, cap = (len + l) * 2);
				if (!grown) {
					r = -ENOMEM;
					goto out;
				}
				buf = grown;
			}
			memcpy(buf + len, S(b, su->login), l);
			len += l;
			nm++;
		}
		r = tab_add_group(&tab, b->groups[g].name, strlen(b->groups[g].name), b->groups[g].gid,
				  IDS_SNAP_GR_WORKSPACE, buf, nm, len);
		if (r < 0)
			goto out;
		order[n] = (uint64_t)b->groups[g].gid << 32 | n;
		what[n++] = GR_WORKSPACE | (uint32_t)g;
	}
	/* gr_gid in gid order; of two records with one gid the later put wins, as in a B-tree. */
	if ((r = radix_sort_u64(order, n)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		uint32_t w = what[(uint32_t)order[i]];

		if (i + 1 < n && order[i + 1] >> 32 == order[i] >> 32)
			continue;
		if (w & GR_WORKSPACE) {
			const struct snap_group *sg = &b->groups[w & ~GR_WORKSPACE];
			size_t len = 0;
			uint32_t nm = 0;

			for (size_t j = start[sg->bucket]; j < start[sg->bucket + 1]; j++) {
				const struct snap_user *su = &b->users[by_bucket[j]];
				memcpy(buf + len, S(b, su->login), su->login_len + 1);
				len += su->login_len + 1;
				nm++;
			}
			r = put_group(txn, by_gid, sg->name, strlen(sg->name), sg->gid,
				      IDS_SNAP_GR_WORKSPACE, buf, nm, len);
		} else {
			const struct snap_user *su = &b->users[w];
			r = put_group(txn, by_gid, S(b, su->login), su->login_len, su->uid,
				      IDS_SNAP_GR_PRIVATE, NULL, 0, 0);
		}
		if (r < 0)
			goto out;
	}
	r = tab_put(&tab, txn, lookup, IDS_SNAP_KEY_GROUP);
out:
	tab_free(&tab);
	return r;
}

static void
sort_gids(uint32_t *g, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t x = g[i];
		size_t j = i;
		while (j > 0 && g[j - 1] > x) {
			g[j] = g[j - 1];
			j--;
		}
		g[j] = x;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The passwd records (by uid) and the passwd lookup table, with each user's supplementary gids. */
static int
write_users(struct build *b, MDB_txn *txn, MDB_dbi by_uid, MDB_dbi lookup, uint32_t seed)
{
	_cleanup_free_ uint32_t *gids = NULL;
	_cleanup_free_ uint64_t *order = NULL; /* uid << 32 | user index */
	struct tab_build tab = {.magic = IDS_SNAP_TAB_PASSWD, .seed = seed};
	size_t n = 0;
	int r = 0;

	gids = malloc((b->n_members ? b->n_members : 1) * sizeof(uint32_t));
	order = malloc((b->n_users ? b->n_users : 1) * sizeof(*order));
	if (!gids || !order)
		return -ENOMEM;
	if ((r = tab_reserve(&tab, b->n_users,
			     b->n_users * (sizeof(struct ids_snap_pwl) + 4) + b->n_members * 4 +
				     b->arena_len)) < 0)
		goto out;
	for (size_t u = 0; u < b->n_users && r == 0; u++) {
		const struct snap_user *su = &b->users[u];
		size_t ng = su->n_members;

		if (!su->fits) {
			ids_log_warnx("user %s has a field too long for the snapshot; left out",
				      S(b, su->login));
			continue;
		}
		for (size_t i = 0; i < ng; i++)
			gids[i] = b->bucket_gid[b->members[su->first_member + i].bucket];
		if (ng < 32)
			sort_gids(gids, ng);
		else
			qsort(gids, ng, sizeof(*gids), cmp_u32);
		if (ng > IDS_SNAP_GROUPS_MAX)
			ng = IDS_SNAP_GROUPS_MAX;
		r = tab_add_user(&tab, b, su, gids, ng);
		order[n++] = (uint64_t)su->uid << 32 | u;
	}
	if (r < 0)
		goto out;
	/* pw_uid in uid order; of two users with one uid the later (in id order) wins. */
	if ((r = radix_sort_u64(order, n)) < 0)
		goto out;
	for (size_t i = 0; i < n && r == 0; i++)
		if (i + 1 == n || order[i + 1] >> 32 != order[i] >> 32)
			r = put_passwd(txn, by_uid, b, &b->users[(uint32_t)order[i]]);
	if (r == 0)
		r = tab_put(&tab, txn, lookup, IDS_SNAP_KEY_PASSWD);
out:
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
	if ((r = ids_user_posix_foreach(b.t, collect_user, &b)) < 0 ||
	    (r = ids_unix_group_foreach(b.t, collect_group, &b)) < 0 ||
	    (r = assign_buckets(&b)) < 0 || (r = collect_grants(&b)) < 0)
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
