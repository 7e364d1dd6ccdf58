/* SPDX-License-Identifier: MIT */
/*
 * The store: one LMDB environment (root only) holding idsync's source of
 * truth. store.c is the only file that speaks LMDB for it and the only place
 * LMDB codes become -errno. A write transaction is one logical change: it
 * commits whole or not at all, and keeps its first error (sticky) so that a
 * failed put turns the commit into an abort.
 */
#ifndef IDS_STORE_H
#define IDS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Current schema version. Older stores are migrated on open; newer are refused. */
#define IDS_STORE_SCHEMA_VERSION 2 /* 2: user_posix */

/* The named databases. Keys and values are described beside each. */
enum ids_db {
	IDS_DB_META,           /* "schema_version" -> u32 BE; "generation" -> u64 BE; "audit_seq" -> u64 BE */
	IDS_DB_USERS,          /* user id (SCIM id) -> user record (JSON, model.c) */
	IDS_DB_USER_BY_NAME,   /* lowercased userName -> user id */
	IDS_DB_USER_BY_EXTID,  /* externalId -> user id */
	IDS_DB_USER_BY_LOGIN,  /* login -> user id */
	IDS_DB_USER_BY_UID,    /* u32 BE uid -> user id */
	IDS_DB_GROUPS,         /* group id (SCIM id) -> group record (JSON) */
	IDS_DB_GROUP_BY_NAME,  /* lowercased displayName -> group id */
	IDS_DB_GROUP_BY_EXTID, /* externalId -> group id */
	IDS_DB_MEMBERS,        /* dupsort: group id -> user id */
	IDS_DB_MEMBER_OF,      /* dupsort: user id -> group id */
	IDS_DB_WORKSPACES,     /* workspace name -> workspace record (JSON) */
	IDS_DB_UNIX_GROUPS,    /* Unix group name -> unix group record (JSON): gid, workspace */
	IDS_DB_MAPPINGS,       /* mapping label -> mapping record (JSON) */
	IDS_DB_ROLES,          /* role name -> role record (JSON) */
	IDS_DB_GRANTS,         /* user id "\0" workspace -> grant record (JSON) */
	IDS_DB_WS_GRANTS,      /* workspace "\0" user id -> "r" (read-only grant) or "w": seat counts */
	IDS_DB_TOKENS,         /* token name -> token record (JSON, hash only) */
	IDS_DB_REPLAY,         /* assertion id -> u64 BE expiry (unix seconds) */
	IDS_DB_LAST_WORKSPACE, /* user id -> workspace name */
	IDS_DB_AUDIT,          /* u64 BE sequence -> audit record (JSON) */
	IDS_DB_ID_OWNER,       /* u32 BE id -> allocation record (JSON): owner, kind, state */
	IDS_DB_ID_SEED,        /* "u:" or "g:" seed -> u32 BE id: allocations by identity */
	IDS_DB_SETTINGS,       /* organization settings: key -> JSON value */
	IDS_DB_USER_POSIX,     /* user id -> POSIX view of the user record (binary, model.c); schema 2 */
	IDS_DB_COUNT
};

struct ids_store;
struct ids_txn;

/* A value read from the store: valid only until its transaction ends. */
struct ids_val {
	const void *data;
	size_t size;
};

enum ids_store_flags {
	IDS_STORE_CREATE = 1 << 0, /* create the directory (0700) and a new store if missing */
};

/*
 * Opens (and with IDS_STORE_CREATE creates) the store at dir with a map of
 * map_size_mb. Checks the schema: a missing version on an empty store is
 * initialized, an older one migrated, a newer one refused with -EPROTONOSUPPORT.
 * Returns 0, -ENOENT (no store and no CREATE), -EACCES, -EBADMSG (corrupt),
 * -EPROTONOSUPPORT, -ENOMEM or another -errno. Never crosses fork(): every use
 * after the pid changed fails with -ESTALE; open a new one in the child.
 */
int ids_store_open(const char *dir, uint32_t map_size_mb, unsigned flags, struct ids_store **out);
struct ids_store *ids_store_free(struct ids_store *s);
const char *ids_store_path(const struct ids_store *s);

/* Begins a transaction. Only one write transaction runs at a time, across processes. */
int ids_txn_begin(struct ids_store *s, bool write, struct ids_txn **out);
/*
 * Begins a write transaction nested in parent (which must not be used until
 * the child ends). Committing the child applies its changes to parent and
 * hands its after-commit actions on to parent; aborting it undoes only the
 * child. Nothing is durable before parent commits. Lets a server commit many
 * requests with one fsync while a failing request changes nothing.
 */
int ids_txn_begin_nested(struct ids_txn *parent, struct ids_txn **out);
/* Commits (durably: fsync) and frees. If an earlier call failed, aborts and returns that error. */
int ids_txn_commit(struct ids_txn *t);
/* Aborts and frees; accepts NULL. */
void ids_txn_abort(struct ids_txn *t);
static inline void
ids_txn_abortp(struct ids_txn **t)
{
	ids_txn_abort(*t);
}
/* The sticky error (0 if none); ids_txn_fail() sets it. */
int ids_txn_error(const struct ids_txn *t);
int ids_txn_fail(struct ids_txn *t, int r);
bool ids_txn_is_write(const struct ids_txn *t);

/* Returns 0 and fills *out, or -ENOENT, or another -errno. */
int ids_txn_get(struct ids_txn *t, enum ids_db db, const void *key, size_t klen, struct ids_val *out);
int ids_txn_get_str(struct ids_txn *t, enum ids_db db, const char *key, struct ids_val *out);
/* Puts (overwrite) or, with no_overwrite, fails with -EEXIST. */
int ids_txn_put(struct ids_txn *t, enum ids_db db, const void *key, size_t klen, const void *val,
		size_t vlen, bool no_overwrite);
int ids_txn_put_str(struct ids_txn *t, enum ids_db db, const char *key, const char *val);
/* Deletes key (and, for dupsort databases, only the pair when val is not NULL). -ENOENT if absent. */
int ids_txn_del(struct ids_txn *t, enum ids_db db, const void *key, size_t klen, const void *val,
		size_t vlen);
/* Empties a database. */
int ids_txn_drop(struct ids_txn *t, enum ids_db db);
/* Number of entries in a database. */
int ids_txn_count(struct ids_txn *t, enum ids_db db, uint64_t *out);

/*
 * Calls fn for every key/value in db in key order, beginning at prefix (all
 * keys when plen is 0) and stopping at the first key without that prefix.
 * For dupsort databases every pair is visited. fn returns 0 to go on, > 0 to
 * stop (returned as is), < 0 for an error (returned).
 */
typedef int (*ids_iter_fn)(const struct ids_val *key, const struct ids_val *val, void *user);
int ids_txn_iterate(struct ids_txn *t, enum ids_db db, const void *prefix, size_t plen,
		    ids_iter_fn fn, void *user);

/*
 * Runs fn(data) once the transaction has committed (never if it aborts), then
 * free_fn(data); on abort only free_fn(data). For effects outside the store
 * that must follow only a change that happened, such as audit lines in syslog.
 */
int ids_txn_after_commit(struct ids_txn *t, void (*fn)(void *data), void *data,
			 void (*free_fn)(void *data));

/* Like ids_txn_iterate from the first key >= start, to the end of db. */
int ids_txn_iterate_from(struct ids_txn *t, enum ids_db db, const void *start, size_t slen,
			 ids_iter_fn fn, void *user);

/* The store's generation: bumped by every write transaction that changes what NSS serves. */
int ids_txn_generation(struct ids_txn *t, uint64_t *out);
int ids_txn_bump_generation(struct ids_txn *t);

/* Big-endian integer keys, so that LMDB order is numeric order. */
static inline void
ids_be32(uint32_t v, unsigned char out[4])
{
	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
}
static inline uint32_t
ids_from_be32(const unsigned char in[4])
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}
static inline void
ids_be64(uint64_t v, unsigned char out[8])
{
	ids_be32((uint32_t)(v >> 32), out);
	ids_be32((uint32_t)v, out + 4);
}
static inline uint64_t
ids_from_be64(const unsigned char in[8])
{
	return (uint64_t)ids_from_be32(in) << 32 | ids_from_be32(in + 4);
}

/* Test seam: called between puts of a multi-record change (crash tests). NULL in production. */
extern void (*ids_store_test_hook)(const char *where);

#endif
