/* SPDX-License-Identifier: MIT */
/*
 * Workspaces: a named Unix group (plus one group per role template, such as
 * "{ws}-ro" and "{ws}-admin") that grants give to users, with an optional
 * shared directory and seat limits. This file keeps their records; the
 * access policy decides who holds them.
 */
#ifndef IDS_WORKSPACE_H
#define IDS_WORKSPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "libidsync/identity.h"

struct ids_workspace {
	char *name;
	uint32_t gid;      /* the gid of the group named like the workspace */
	bool managed;      /* IdP events may grant and revoke it; local ones only admins */
	char *dir;         /* optional shared directory, NULL when none */
	uint32_t seats;    /* most grants it may have; 0: no limit */
	uint32_t seats_ro; /* most read-only grants it may have; 0: no limit */
	int64_t created;
};

struct ids_workspace_in {
	const char *name;
	uint32_t gid;    /* 0: derived from the name, like every other gid */
	bool managed;    /* derived from the IdP (true) or left to local admins */
	const char *dir; /* optional shared directory */
	uint32_t seats, seats_ro;
	/* Optional: gids to claim for some of its Unix groups (apply of an export). */
	const char *const *group_names;
	const uint32_t *group_gids;
};

/*
 * Creates the workspace and a Unix group for every group its roles' templates
 * name. Refuses (with *why, malloc'd) an invalid or reserved name, a name that
 * a user, a local group or another workspace group holds, or a taken gid.
 */
int ids_workspace_create(struct ids_txn *t, const struct ids_identity_ctx *ctx,
			 const struct ids_workspace_in *in, char **why);

/* -ENOENT when absent. */
int ids_workspace_get(struct ids_txn *t, const char *name, struct ids_workspace **out);
/* Rewrites the record (seats, dir, managed); name and gid never change. */
int ids_workspace_put(struct ids_txn *t, const struct ids_workspace *ws);
struct ids_workspace *ids_workspace_free(struct ids_workspace *ws);
static inline void
ids_workspace_freep(struct ids_workspace **ws)
{
	ids_workspace_free(*ws);
}
typedef int (*ids_workspace_fn)(const struct ids_workspace *ws, void *user);
/* In name order: the documented "first workspace" order. */
int ids_workspace_foreach(struct ids_txn *t, ids_workspace_fn fn, void *user);
int ids_workspace_count_managed(struct ids_txn *t, uint32_t *out);

/*
 * Removes the workspace, its Unix groups and every grant of it (audited);
 * their gids become tombstones. Its directory and data are never deleted.
 */
int ids_workspace_remove(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *name);

/* Grants of a workspace: all of them and the read-only ones (role read_only). */
int ids_workspace_seats_used(struct ids_txn *t, const char *name, uint32_t *total,
			     uint32_t *read_only);

/* Ensures every role's groups exist for every workspace (after a role changed). */
int ids_workspace_sync_role_groups(struct ids_txn *t, const struct ids_identity_ctx *ctx, char **why);

#endif
