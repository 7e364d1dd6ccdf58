/* SPDX-License-Identifier: MIT */
/*
 * SCIM groups as the IdP pushed them (id, displayName, externalId, the
 * resource) and their memberships, kept in both directions so that adding
 * one member to a 10k-member group writes two small keys, not the group.
 */
#ifndef IDS_GROUPS_H
#define IDS_GROUPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "libidsync/store.h"

struct ids_group {
	char *id;           /* SCIM id assigned by idsync */
	char *display_name; /* unique case-insensitively */
	char *external_id;  /* may be NULL */
	int64_t created, modified;
	uint64_t version;
	json_t *scim; /* the resource as sent, without members; may be NULL */
};

struct ids_group *ids_group_free(struct ids_group *g);
static inline void
ids_group_freep(struct ids_group **g)
{
	ids_group_free(*g);
}

/* -ENOENT when absent, -EBADMSG when damaged. */
int ids_group_get(struct ids_txn *t, const char *id, struct ids_group **out);
/* Looks up by displayName (case-insensitive) or externalId. */
int ids_group_find_by_name(struct ids_txn *t, const char *display_name, struct ids_group **out);
int ids_group_find_by_external_id(struct ids_txn *t, const char *external_id,
				  struct ids_group **out);
/* Writes g and keeps its indexes consistent; -EEXIST if another group holds the displayName. */
int ids_group_put(struct ids_txn *t, const struct ids_group *g);
/* Removes the group, its indexes and every membership in it. */
int ids_group_del(struct ids_txn *t, const char *id);
typedef int (*ids_group_fn)(const struct ids_group *g, void *user);
int ids_group_foreach(struct ids_txn *t, ids_group_fn fn, void *user);

/* Memberships. add: 0, or 1 when it was already there. remove: 0 or -ENOENT. */
int ids_member_add(struct ids_txn *t, const char *group_id, const char *user_id);
int ids_member_remove(struct ids_txn *t, const char *group_id, const char *user_id);
bool ids_member_is(struct ids_txn *t, const char *group_id, const char *user_id);
/* Calls fn(id) for each member of a group / each group of a user. */
typedef int (*ids_id_fn)(const char *id, size_t len, void *user);
int ids_member_foreach_of_group(struct ids_txn *t, const char *group_id, ids_id_fn fn, void *user);
int ids_member_foreach_of_user(struct ids_txn *t, const char *user_id, ids_id_fn fn, void *user);

#endif
