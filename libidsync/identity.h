/* SPDX-License-Identifier: MIT */
/*
 * IdP identities becoming Unix users: provisioning (login, uid, private
 * group, home, shell), updates and renames (the uid never changes),
 * deactivation and deletion (tombstones). Each call is one part of the
 * caller's write transaction, audited, and bumps the snapshot generation.
 */
#ifndef IDS_IDENTITY_H
#define IDS_IDENTITY_H

#include <jansson.h>
#include <stdbool.h>

#include "libidsync/config.h"
#include "libidsync/grants.h"
#include "libidsync/localfiles.h"
#include "libidsync/model.h"
#include "libidsync/store.h"

/* What the IdP says about a user. */
struct ids_identity_in {
	const char *user_name;    /* required */
	const char *external_id;  /* optional */
	const char *display_name; /* optional: GECOS; else "given family"; else the login */
	const char *given_name, *family_name;
	bool active;
	json_t *scim; /* the resource as sent; borrowed (a reference is taken) */
};

/* Context shared by the calls of one change: config, local files, clock, caller. */
struct ids_identity_ctx {
	const struct ids_config *cfg;
	const struct ids_localfiles *lf;
	int64_t now;       /* unix seconds */
	const char *actor; /* who asked, for the audit trail: "scim:<token>", "idsyncctl" */
};

/*
 * Creates a user. Refuses (with *why, malloc'd, for the IdP admin) a
 * userName held by another user (-EEXIST), a login that is invalid (-EINVAL),
 * reserved or taken locally or by another user (-EEXIST). A login held only by
 * a deleted user's tombstone is taken over (audited). Returns 0 and the new
 * user in *out (caller frees), or -errno.
 */
int ids_identity_create(struct ids_txn *t, const struct ids_identity_ctx *ctx,
			const struct ids_identity_in *in, struct ids_user **out, char **why);

/*
 * Replaces what the IdP says about user id. A changed userName re-derives the
 * login (same rules as create); uid, home and private group stay.
 * -ENOENT when there is no such (non-deleted) user.
 */
int ids_identity_update(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *id,
			const struct ids_identity_in *in, struct ids_user **out, char **why);

/* Sets active; deactivation drops every grant (see policy for reactivation). */
int ids_identity_set_active(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *id,
			    bool active);

/*
 * SCIM DELETE: the user is deactivated, loses every group membership and
 * grant, leaves the SCIM indexes (the userName may come back as a new
 * identity), and its uid becomes a tombstone. It still resolves by uid, and by
 * login until a new identity takes the login over.
 */
int ids_identity_delete(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *id);

/* A random (version 4) UUID in lowercase hex, for new SCIM ids: 0 or -EIO. */
int ids_uuid_new(char out[37]);

#endif
