/* SPDX-License-Identifier: MIT */
/*
 * IdP group mappings: an IdP group (by the identifier the IdP sends: Entra
 * object id, group name, ...) maps to one or more workspaces, optionally
 * with a role. Matched against assertion values at login and against pushed
 * SCIM groups (id, externalId, displayName).
 */
#ifndef IDS_MAPPING_H
#define IDS_MAPPING_H

#include "libidsync/store.h"

struct ids_mapping {
	char *label;       /* display name, the key */
	char *identifier;  /* the value the IdP sends */
	char **workspaces; /* NULL-terminated, at least one */
	char *role;        /* NULL: the organization's default role */
};

struct ids_mapping *ids_mapping_free(struct ids_mapping *m);
static inline void
ids_mapping_freep(struct ids_mapping **m)
{
	ids_mapping_free(*m);
}

int ids_mapping_get(struct ids_txn *t, const char *label, struct ids_mapping **out);
/*
 * Adds or replaces (replace: true) a mapping. Refuses with *why: an empty
 * label or identifier, no workspace, an unknown workspace or role, a label
 * (when adding) or identifier already used by another mapping.
 */
int ids_mapping_put(struct ids_txn *t, const struct ids_mapping *m, bool replace, char **why);
int ids_mapping_del(struct ids_txn *t, const char *label);
typedef int (*ids_mapping_fn)(const struct ids_mapping *m, void *user);
/* In label order. */
int ids_mapping_foreach(struct ids_txn *t, ids_mapping_fn fn, void *user);

#endif
