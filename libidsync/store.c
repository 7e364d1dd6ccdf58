/* SPDX-License-Identifier: MIT */
/*
 * LMDB environment and transactions for the store; the only place LMDB codes
 * become -errno. Opens, checks and migrates the schema, and refuses to be used
 * across fork(). Knows nothing of what records mean (model.c does).
 */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libidsync/err.h"
#include "libidsync/log.h"
#include "libidsync/model.h"
#include "libidsync/store.h"

void (*ids_store_test_hook)(const char *where);

struct ids_store {
	MDB_env *env;
	MDB_dbi dbi[IDS_DB_COUNT];
	pid_t pid;
	char *path;
	uint32_t map_size_mb;
};

struct deferred {
	void (*fn)(void *data);
	void *data;
	void (*free_fn)(void *data);
};

struct ids_txn {
	struct ids_store *store;
	struct ids_txn *parent; /* nested: commits into parent, whose commit makes it durable */
	struct deferred *deferred;
	size_t n_deferred;
	MDB_txn *txn;
	bool write;
	int err; /* sticky: first failure of this transaction */
};

static const struct {
	const char *name;
	unsigned flags;
} db_defs[IDS_DB_COUNT] = {
	[IDS_DB_META] = {"meta", 0},
	[IDS_DB_USERS] = {"users", 0},
	[IDS_DB_USER_BY_NAME] = {"user_by_name", 0},
	[IDS_DB_USER_BY_EXTID] = {"user_by_extid", 0},
	[IDS_DB_USER_BY_LOGIN] = {"user_by_login", 0},
	[IDS_DB_USER_BY_UID] = {"user_by_uid", 0},
	[IDS_DB_GROUPS] = {"groups", 0},
	[IDS_DB_GROUP_BY_NAME] = {"group_by_name", 0},
	[IDS_DB_GROUP_BY_EXTID] = {"group_by_extid", 0},
	[IDS_DB_MEMBERS] = {"members", MDB_DUPSORT},
	[IDS_DB_MEMBER_OF] = {"member_of", MDB_DUPSORT},
	[IDS_DB_WORKSPACES] = {"workspaces", 0},
	[IDS_DB_UNIX_GROUPS] = {"unix_groups", 0},
	[IDS_DB_MAPPINGS] = {"mappings", 0},
	[IDS_DB_ROLES] = {"roles", 0},
	[IDS_DB_GRANTS] = {"grants", 0},
	[IDS_DB_WS_GRANTS] = {"ws_grants", 0},
	[IDS_DB_TOKENS] = {"tokens", 0},
	[IDS_DB_REPLAY] = {"replay", 0},
	[IDS_DB_LAST_WORKSPACE] = {"last_workspace", 0},
	[IDS_DB_AUDIT] = {"audit", 0},
	[IDS_DB_ID_OWNER] = {"id_owner", 0},
	[IDS_DB_ID_SEED] = {"id_seed", 0},
	[IDS_DB_SETTINGS] = {"settings", 0},
	[IDS_DB_USER_POSIX] = {"user_posix", 0},
};

/* The one mapping from LMDB's codes to -errno. */
static int
from_mdb(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
	case MDB_DBS_FULL:
	case MDB_TXN_FULL:
	case MDB_CURSOR_FULL:
	case MDB_PAGE_FULL:
		return -ENOSPC;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
	case MDB_BAD_DBI:
	case MDB_BAD_TXN:
	case MDB_BAD_VALSIZE:
	case MDB_BAD_RSLOT:
	case MDB_TLS_FULL:
	case MDB_PANIC:
		return -EBADMSG;
	default:
		return rc > 0 ? -rc : -EIO;
	}
}

static bool
same_process(const struct ids_store *s)
{
	return s->pid == getpid();
}

const char *
ids_store_path(const struct ids_store *s)
{
	return s->path;
}

struct ids_store *
ids_store_free(struct ids_store *s)
{
	if (!s)
		return NULL;
	/* A child after fork() must not touch the parent's environment: only free our memory. */
	if (s->env && same_process(s))
		mdb_env_close(s->env);
	free(s->path);
	free(s);
	return NULL;
}

/* Migrations: migrate[v] upgrades a store at version v to v + 1. */
typedef int (*migrate_fn)(struct ids_txn *t);
static const migrate_fn migrate[IDS_STORE_SCHEMA_VERSION] = {
	[0] = NULL, /* version 0 is "no store yet": initialized, not migrated */
	[1] = ids_user_posix_rebuild, /* 1 -> 2: the POSIX view of every user (model.c) */
};

static int
schema_check(struct ids_store *s)
{
	struct ids_txn *t = NULL;
	struct ids_val v;
	unsigned char be[4];
	uint32_t version;
	int r;

	r = ids_txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = ids_txn_get_str(t, IDS_DB_META, "schema_version", &v);
	if (r == -ENOENT) {
		uint64_t n = 0;
		(void)ids_txn_count(t, IDS_DB_USERS, &n);
		if (n > 0) {
			ids_log_warnx("store %s: has users but no schema version; refusing to guess",
				      s->path);
			ids_txn_abort(t);
			return -EBADMSG;
		}
		ids_be32(IDS_STORE_SCHEMA_VERSION, be);
		r = ids_txn_put(t, IDS_DB_META, "schema_version", 14, be, 4, false);
		return r < 0 ? (ids_txn_abort(t), r) : ids_txn_commit(t);
	}
	if (r < 0 || v.size != 4) {
		ids_txn_abort(t);
		return r < 0 ? r : -EBADMSG;
	}
	version = ids_from_be32(v.data);
	if (version > IDS_STORE_SCHEMA_VERSION) {
		ids_log_warnx("store %s: schema version %u is newer than this idsync understands "
			      "(%u); upgrade idsync, the store was left untouched",
			      s->path, version, IDS_STORE_SCHEMA_VERSION);
		ids_txn_abort(t);
		return -EPROTONOSUPPORT;
	}
	if (version == IDS_STORE_SCHEMA_VERSION) {
		ids_txn_abort(t);
		return 0;
	}
	for (uint32_t from = version; from < IDS_STORE_SCHEMA_VERSION; from++) {
		if (!migrate[from]) {
			ids_log_warnx("store %s: no migration from schema version %u", s->path, from);
			ids_txn_abort(t);
			return -EPROTONOSUPPORT;
		}
		r = migrate[from](t);
		if (r < 0) {
			ids_txn_abort(t);
			return r;
		}
	}
	ids_be32(IDS_STORE_SCHEMA_VERSION, be);
	(void)ids_txn_put(t, IDS_DB_META, "schema_version", 14, be, 4, false);
	r = ids_txn_commit(t);
	if (r >= 0)
		ids_log_info("store %s: migrated from schema version %u to %u", s->path, version,
			     IDS_STORE_SCHEMA_VERSION);
	return r;
}

int
ids_store_open(const char *dir, uint32_t map_size_mb, unsigned flags, struct ids_store **out)
{
	struct ids_store *s;
	MDB_txn *txn = NULL;
	struct stat st;
	int r;

	if (stat(dir, &st) < 0) {
		if (errno != ENOENT || !(flags & IDS_STORE_CREATE))
			return -errno;
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
	} else if (!S_ISDIR(st.st_mode)) {
		return -ENOTDIR;
	}
	if (!(flags & IDS_STORE_CREATE)) {
		char datafile[4096];
		if ((size_t)snprintf(datafile, sizeof(datafile), "%s/data.mdb", dir) >= sizeof(datafile))
			return -ENAMETOOLONG;
		if (access(datafile, F_OK) < 0)
			return -errno;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->pid = getpid();
	s->map_size_mb = map_size_mb;
	s->path = strdup(dir);
	if (!s->path) {
		free(s);
		return -ENOMEM;
	}
	r = from_mdb(mdb_env_create(&s->env));
	if (r < 0)
		goto fail;
	r = from_mdb(mdb_env_set_maxdbs(s->env, IDS_DB_COUNT + 4));
	if (r < 0)
		goto fail;
	r = from_mdb(mdb_env_set_mapsize(s->env, (size_t)map_size_mb << 20));
	if (r < 0)
		goto fail;
	r = from_mdb(mdb_env_set_maxreaders(s->env, 256));
	if (r < 0)
		goto fail;
	/* MDB_NOTLS: read transactions are not tied to threads (the daemon hands them around). */
	r = from_mdb(mdb_env_open(s->env, dir, MDB_NOTLS, 0600));
	if (r < 0)
		goto fail;

	r = from_mdb(mdb_txn_begin(s->env, NULL, 0, &txn));
	if (r < 0)
		goto fail;
	for (int i = 0; i < IDS_DB_COUNT; i++) {
		r = from_mdb(mdb_dbi_open(txn, db_defs[i].name, db_defs[i].flags | MDB_CREATE,
					  &s->dbi[i]));
		if (r < 0) {
			mdb_txn_abort(txn);
			goto fail;
		}
	}
	r = from_mdb(mdb_txn_commit(txn));
	if (r < 0)
		goto fail;
	r = schema_check(s);
	if (r < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	ids_store_free(s);
	return r;
}

int
ids_txn_begin(struct ids_store *s, bool write, struct ids_txn **out)
{
	struct ids_txn *t;
	int r;

	if (!same_process(s))
		return -ESTALE;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->store = s;
	t->write = write;
	r = from_mdb(mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn));
	if (r < 0) {
		free(t);
		return r;
	}
	*out = t;
	return 0;
}

/* Runs (when committed) and frees the deferred actions, then the transaction. */
static void
txn_finish(struct ids_txn *t, bool committed)
{
	for (size_t i = 0; i < t->n_deferred; i++) {
		if (committed)
			t->deferred[i].fn(t->deferred[i].data);
		if (t->deferred[i].free_fn)
			t->deferred[i].free_fn(t->deferred[i].data);
	}
	free(t->deferred);
	free(t);
}

int
ids_txn_after_commit(struct ids_txn *t, void (*fn)(void *data), void *data,
		     void (*free_fn)(void *data))
{
	struct deferred *grown = realloc(t->deferred, (t->n_deferred + 1) * sizeof(*grown));

	if (!grown) {
		if (free_fn)
			free_fn(data);
		return ids_txn_fail(t, -ENOMEM);
	}
	t->deferred = grown;
	t->deferred[t->n_deferred++] = (struct deferred){fn, data, free_fn};
	return 0;
}

void
ids_txn_abort(struct ids_txn *t)
{
	if (!t)
		return;
	if (same_process(t->store))
		mdb_txn_abort(t->txn);
	txn_finish(t, false);
}

int
ids_txn_begin_nested(struct ids_txn *parent, struct ids_txn **out)
{
	struct ids_txn *t;
	int r;

	if (!parent->write)
		return -EINVAL;
	if (parent->err < 0)
		return parent->err;
	if (!same_process(parent->store))
		return -ESTALE;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->store = parent->store;
	t->parent = parent;
	t->write = true;
	r = from_mdb(mdb_txn_begin(parent->store->env, parent->txn, 0, &t->txn));
	if (r < 0) {
		free(t);
		return r;
	}
	*out = t;
	return 0;
}

/* A nested transaction's after-commit actions become its parent's: they run at the real commit. */
static int
hand_deferred_to_parent(struct ids_txn *t)
{
	struct ids_txn *p = t->parent;
	struct deferred *grown;

	if (!t->n_deferred)
		return 0;
	grown = realloc(p->deferred, (p->n_deferred + t->n_deferred) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	memcpy(grown + p->n_deferred, t->deferred, t->n_deferred * sizeof(*grown));
	p->deferred = grown;
	p->n_deferred += t->n_deferred;
	free(t->deferred);
	t->deferred = NULL;
	t->n_deferred = 0;
	return 0;
}

int
ids_txn_commit(struct ids_txn *t)
{
	int r = t->err;

	if (r < 0) {
		ids_txn_abort(t);
		return r;
	}
	if (!same_process(t->store)) {
		txn_finish(t, false);
		return -ESTALE;
	}
	if (t->parent) {
		/* Reserve room in the parent first, so the commit cannot leave actions behind. */
		r = hand_deferred_to_parent(t);
		if (r < 0) {
			ids_txn_abort(t);
			return r;
		}
		r = from_mdb(mdb_txn_commit(t->txn));
		if (r < 0)
			ids_txn_fail(t->parent, r); /* the batch cannot be trusted: it fails whole */
		txn_finish(t, false);
		return r;
	}
	r = from_mdb(mdb_txn_commit(t->txn));
	txn_finish(t, r == 0);
	if (r == -ENOSPC)
		ids_log_warnx("store is full: raise [store] map_size_mb in idsync.conf");
	return r;
}

int
ids_txn_error(const struct ids_txn *t)
{
	return t->err;
}

int
ids_txn_fail(struct ids_txn *t, int r)
{
	if (r < 0 && t->err == 0)
		t->err = r;
	return r;
}

bool
ids_txn_is_write(const struct ids_txn *t)
{
	return t->write;
}

int
ids_txn_get(struct ids_txn *t, enum ids_db db, const void *key, size_t klen, struct ids_val *out)
{
	MDB_val k = {klen, (void *)key}, v;
	int r;

	if (t->err < 0)
		return t->err;
	if (klen == 0 || klen > 511)
		return -ENOENT;
	r = from_mdb(mdb_get(t->txn, t->store->dbi[db], &k, &v));
	if (r < 0 && r != -ENOENT)
		return ids_txn_fail(t, r);
	if (r == 0) {
		out->data = v.mv_data;
		out->size = v.mv_size;
	}
	return r;
}

int
ids_txn_get_str(struct ids_txn *t, enum ids_db db, const char *key, struct ids_val *out)
{
	return ids_txn_get(t, db, key, strlen(key), out);
}

int
ids_txn_put(struct ids_txn *t, enum ids_db db, const void *key, size_t klen, const void *val,
	    size_t vlen, bool no_overwrite)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	unsigned flags = 0;
	int r;

	if (t->err < 0)
		return t->err;
	if (!t->write)
		return ids_txn_fail(t, -EROFS);
	if (klen == 0 || klen > 511)
		return ids_txn_fail(t, -ENAMETOOLONG);
	if (no_overwrite)
		flags = (db_defs[db].flags & MDB_DUPSORT) ? MDB_NODUPDATA : MDB_NOOVERWRITE;
	if (ids_store_test_hook)
		ids_store_test_hook(db_defs[db].name);
	r = from_mdb(mdb_put(t->txn, t->store->dbi[db], &k, &v, flags));
	if (r == -ENOSPC)
		ids_log_warnx("store %s is full: raise [store] map_size_mb in idsync.conf (now %u)",
			      t->store->path, t->store->map_size_mb);
	/* -EEXIST is an answer, not a failure of the transaction. */
	return r == -EEXIST ? r : ids_txn_fail(t, r);
}

int
ids_txn_put_str(struct ids_txn *t, enum ids_db db, const char *key, const char *val)
{
	return ids_txn_put(t, db, key, strlen(key), val, strlen(val), false);
}

int
ids_txn_del(struct ids_txn *t, enum ids_db db, const void *key, size_t klen, const void *val,
	    size_t vlen)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	int r;

	if (t->err < 0)
		return t->err;
	if (!t->write)
		return ids_txn_fail(t, -EROFS);
	if (klen == 0 || klen > 511)
		return -ENOENT;
	r = from_mdb(mdb_del(t->txn, t->store->dbi[db], &k, val ? &v : NULL));
	return r == -ENOENT ? r : ids_txn_fail(t, r);
}

int
ids_txn_drop(struct ids_txn *t, enum ids_db db)
{
	if (t->err < 0)
		return t->err;
	if (!t->write)
		return ids_txn_fail(t, -EROFS);
	return ids_txn_fail(t, from_mdb(mdb_drop(t->txn, t->store->dbi[db], 0)));
}

int
ids_txn_count(struct ids_txn *t, enum ids_db db, uint64_t *out)
{
	MDB_stat st;
	int r;

	if (t->err < 0)
		return t->err;
	r = from_mdb(mdb_stat(t->txn, t->store->dbi[db], &st));
	if (r < 0)
		return ids_txn_fail(t, r);
	*out = st.ms_entries;
	return 0;
}

static int
iterate(struct ids_txn *t, enum ids_db db, const void *prefix, size_t plen, bool match_prefix,
	ids_iter_fn fn, void *user)
{
	MDB_cursor *c;
	MDB_val k = {plen, (void *)prefix}, v;
	int r, rc;

	if (t->err < 0)
		return t->err;
	r = from_mdb(mdb_cursor_open(t->txn, t->store->dbi[db], &c));
	if (r < 0)
		return ids_txn_fail(t, r);
	rc = plen ? mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) : mdb_cursor_get(c, &k, &v, MDB_FIRST);
	for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct ids_val kv = {k.mv_data, k.mv_size}, vv = {v.mv_data, v.mv_size};

		if (match_prefix && plen &&
		    (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
			break;
		r = fn(&kv, &vv, user);
		if (r != 0) {
			mdb_cursor_close(c);
			return r;
		}
	}
	mdb_cursor_close(c);
	r = from_mdb(rc);
	if (r == -ENOENT)
		return 0;
	return ids_txn_fail(t, r);
}

int
ids_txn_iterate(struct ids_txn *t, enum ids_db db, const void *prefix, size_t plen, ids_iter_fn fn,
		void *user)
{
	return iterate(t, db, prefix, plen, true, fn, user);
}

int
ids_txn_iterate_from(struct ids_txn *t, enum ids_db db, const void *start, size_t slen,
		     ids_iter_fn fn, void *user)
{
	return iterate(t, db, start, slen, false, fn, user);
}

static int
meta_u64(struct ids_txn *t, const char *name, uint64_t *out)
{
	struct ids_val v;
	int r = ids_txn_get_str(t, IDS_DB_META, name, &v);

	if (r == -ENOENT) {
		*out = 0;
		return 0;
	}
	if (r < 0)
		return r;
	if (v.size != 8)
		return ids_txn_fail(t, -EBADMSG);
	*out = ids_from_be64(v.data);
	return 0;
}

int
ids_txn_generation(struct ids_txn *t, uint64_t *out)
{
	return meta_u64(t, "generation", out);
}

int
ids_txn_bump_generation(struct ids_txn *t)
{
	unsigned char be[8];
	uint64_t g;
	int r = meta_u64(t, "generation", &g);

	if (r < 0)
		return r;
	ids_be64(g + 1, be);
	return ids_txn_put(t, IDS_DB_META, "generation", 10, be, 8, false);
}
