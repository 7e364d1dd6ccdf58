/* SPDX-License-Identifier: MIT */
/*
 * Grants: a user holds a workspace with a set of roles, for one or more
 * sources. Each source says why (an IdP group pushed over SCIM, an
 * assertion's group at login, an admin) and which role it brings, so that
 * removing one source removes only what it brought.
 */
#ifndef IDS_GRANTS_H
#define IDS_GRANTS_H

#include <stdbool.h>
#include <stdint.h>

#include "libidsync/store.h"

enum ids_source_kind {
	IDS_SOURCE_SCIM,   /* ref: SCIM group id; via a mapping */
	IDS_SOURCE_LOGIN,  /* ref: mapping label ("*" when one workspace is given to all) */
	IDS_SOURCE_MANUAL, /* ref: the admin who granted it */
};

struct ids_grant_source {
	enum ids_source_kind kind;
	char *ref;
	char *role;
};

struct ids_grant {
	char *user_id;
	char *workspace;
	char **roles; /* effective roles, NULL-terminated, at least one */
	bool roles_manual; /* an admin set the roles by hand */
	struct ids_grant_source *sources;
	size_t n_sources;
	int64_t created;
};

const char *ids_source_kind_name(enum ids_source_kind k);
/* True for sources the IdP controls (SCIM, login). */
bool ids_source_is_idp(enum ids_source_kind k);

struct ids_grant *ids_grant_new(const char *user_id, const char *workspace, int64_t created);
struct ids_grant *ids_grant_free(struct ids_grant *g);
static inline void
ids_grant_freep(struct ids_grant **g)
{
	ids_grant_free(*g);
}

/* Adds (or, when kind+ref exist, updates the role of) a source. 0 or -ENOMEM. */
int ids_grant_add_source(struct ids_grant *g, enum ids_source_kind kind, const char *ref,
			 const char *role);
/* Removes a source; returns true when it was there. */
bool ids_grant_remove_source(struct ids_grant *g, enum ids_source_kind kind, const char *ref);
const struct ids_grant_source *ids_grant_find_source(const struct ids_grant *g,
						     enum ids_source_kind kind, const char *ref);
/* Replaces the effective roles with a copy of roles. */
int ids_grant_set_roles(struct ids_grant *g, char *const *roles);
bool ids_grant_has_role(const struct ids_grant *g, const char *role);

int ids_grant_get(struct ids_txn *t, const char *user_id, const char *workspace,
		  struct ids_grant **out);
int ids_grant_put(struct ids_txn *t, const struct ids_grant *g);
int ids_grant_del(struct ids_txn *t, const char *user_id, const char *workspace);
/* Calls fn for every grant of user_id (all grants when user_id is NULL). */
typedef int (*ids_grant_fn)(const struct ids_grant *g, void *user);
int ids_grant_foreach(struct ids_txn *t, const char *user_id, ids_grant_fn fn, void *user);

/* Seats a workspace uses: all its grants, and those whose roles are all read-only. */
int ids_grant_count_workspace(struct ids_txn *t, const char *workspace, uint32_t *total,
			      uint32_t *read_only);
/* The ids of the users holding workspace (NULL-terminated, caller frees with ids_strv_free). */
int ids_grant_users_of_workspace(struct ids_txn *t, const char *workspace, char ***user_ids);

#endif
