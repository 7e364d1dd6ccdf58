/* SPDX-License-Identifier: MIT */
/*
 * Records of the store and their encoding: users (SCIM resource + POSIX view),
 * the Unix groups of workspaces, and roles (grants: grants.h). Each record is a JSON
 * object with a "v" (record version); decoding validates every field, so a
 * damaged record is -EBADMSG, never a crash or a guess.
 */
#ifndef IDS_MODEL_H
#define IDS_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "libidsync/store.h"

#define IDS_ID_MAX 64 /* SCIM ids we assign: 36-character UUIDs */

struct ids_user {
	char *id;          /* SCIM id (a UUID assigned by idsync) */
	char *user_name;   /* userName as the IdP sent it */
	char *external_id; /* may be NULL */
	char *login;       /* Unix login name */
	uint32_t uid;      /* the private group has gid == uid */
	char *gecos, *home, *shell;
	bool active;
	bool deleted; /* SCIM DELETE: the POSIX identity stays, as a tombstone */
	char *seed;   /* the identity the uid was derived from ("u:...") */
	int64_t created, modified;
	uint64_t version; /* grows on every change (ETags) */
	json_t *scim;     /* the resource as the IdP sent it; may be NULL */
};

struct ids_user *ids_user_free(struct ids_user *u);
static inline void
ids_user_freep(struct ids_user **u)
{
	ids_user_free(*u);
}

/* Encodes to a malloc'd JSON string. Returns NULL when out of memory. */
char *ids_user_encode(const struct ids_user *u);
/* Decodes and validates. Returns 0, -EBADMSG (damaged record) or -ENOMEM. */
int ids_user_decode(const void *data, size_t size, struct ids_user **out);

/* Loads by id / by login / by uid. -ENOENT when absent. */
int ids_user_get(struct ids_txn *t, const char *id, struct ids_user **out);
int ids_user_get_by_login(struct ids_txn *t, const char *login, struct ids_user **out);
int ids_user_get_by_uid(struct ids_txn *t, uint32_t uid, struct ids_user **out);
/*
 * Writes u and keeps every index consistent with it: old index entries of the
 * previous version of the record are removed. Does not check uniqueness
 * (identity.c does, before).
 */
int ids_user_put(struct ids_txn *t, const struct ids_user *u);

/* Calls fn for every user record (deleted included) in id order. */
typedef int (*ids_user_fn)(const struct ids_user *u, void *user);
int ids_user_foreach(struct ids_txn *t, ids_user_fn fn, void *user);

/*
 * The POSIX view of a user: what the NSS snapshot needs, kept by ids_user_put
 * beside each record (IDS_DB_USER_POSIX) so that a publication reads a few
 * bytes per user instead of parsing the SCIM resource. The strings point into
 * the store (or a decoded record) and are NOT NUL-terminated: use the lengths.
 * Valid only during the callback.
 */
struct ids_user_posix {
	const char *id, *login, *gecos, *home, *shell;
	size_t id_len, login_len, gecos_len, home_len, shell_len;
	uint32_t uid;
	bool active, deleted;
};
typedef int (*ids_user_posix_fn)(const struct ids_user_posix *p, void *user);
/*
 * Calls fn for the POSIX view of every user (deleted included) in id order,
 * the same users and fields ids_user_foreach would give. When the view and
 * the records disagree in number (a store damaged or written around
 * ids_user_put), decodes the records instead, so a damaged record is still
 * -EBADMSG. Returns 0, fn's non-zero result, -EBADMSG or -ENOMEM.
 */
int ids_user_posix_foreach(struct ids_txn *t, ids_user_posix_fn fn, void *user);
/* Schema migration 1 -> 2: writes the POSIX view of every user record (write transaction). */
int ids_user_posix_rebuild(struct ids_txn *t);

/* A Unix group that belongs to a workspace ("build", "build-ro", ...). */
struct ids_unix_group {
	char *name;
	uint32_t gid;
	char *workspace;
};
struct ids_unix_group *ids_unix_group_free(struct ids_unix_group *g);
int ids_unix_group_get(struct ids_txn *t, const char *name, struct ids_unix_group **out);
int ids_unix_group_put(struct ids_txn *t, const struct ids_unix_group *g);
typedef int (*ids_unix_group_fn)(const struct ids_unix_group *g, void *user);
int ids_unix_group_foreach(struct ids_txn *t, ids_unix_group_fn fn, void *user);

/* A role: the Unix groups it gives in a workspace, as templates ("{ws}", "{ws}-ro"). */
struct ids_role {
	char *name;
	char **groups; /* NULL-terminated templates */
	bool read_only;
};
struct ids_role *ids_role_free(struct ids_role *r);
int ids_role_get(struct ids_txn *t, const char *name, struct ids_role **out);
int ids_role_put(struct ids_txn *t, const struct ids_role *r);
/* Writes the default roles (member, read-only, admin) where none exist yet. */
int ids_roles_seed_defaults(struct ids_txn *t);
/* Expands a template for workspace ws into a malloc'd group name; NULL when out of memory. */
char *ids_role_expand(const char *tmpl, const char *ws);

/* Helpers for the JSON records of other modules. */
const char *ids_json_str(json_t *o, const char *key);
int ids_json_put(struct ids_txn *t, enum ids_db db, const char *key, json_t *o);
int ids_json_get(struct ids_txn *t, enum ids_db db, const char *key, json_t **out);
/* Decodes a record: a JSON object whose "v" is 1. -EBADMSG otherwise. */
int ids_json_decode(const void *data, size_t size, json_t **out);
/* Copies the strings of a JSON array into a NULL-terminated vector: 0, -EBADMSG, -ENOMEM. */
int ids_json_strv(json_t *array, char ***out);
/* A JSON array of the strings of v (NULL when out of memory). */
json_t *ids_strv_to_json(char *const *v);

#endif
