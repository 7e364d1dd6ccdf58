/* SPDX-License-Identifier: MIT */
/*
 * Workspaces: a named Unix group (plus one group per role template, such as
 * "{ws}-ro" and "{ws}-admin") that grants give to users. This file creates
 * them with their gids; the access policy decides who holds them.
 */
#ifndef IDS_WORKSPACE_H
#define IDS_WORKSPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "libidsync/identity.h"

struct ids_workspace_in {
	const char *name;
	uint32_t gid;      /* 0: derived from the name, like every other gid */
	bool managed;      /* derived from the IdP (true) or left to local admins */
	const char *dir;   /* optional shared directory */
};

/*
 * Creates the workspace and a Unix group for every group its roles' templates
 * name. Refuses (with *why, malloc'd) an invalid or reserved name, a name that
 * a user, a local group or another workspace group holds, or a taken gid.
 */
int ids_workspace_create(struct ids_txn *t, const struct ids_identity_ctx *ctx,
			 const struct ids_workspace_in *in, char **why);

#endif
