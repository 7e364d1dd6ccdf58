/* SPDX-License-Identifier: MIT */
/*
 * The access policy: the rules of DESIGN.md "Access policy" turned into
 * grant changes. Called by idsyncd (SCIM changes), pam_idsync (logins) and
 * idsyncctl (admin actions). Each call works inside the caller's write
 * transaction, audits every decision, and reports them in a result; it has
 * no I/O of its own beyond the store (ending sessions happens after commit).
 */
#ifndef IDS_POLICY_H
#define IDS_POLICY_H

#include <stdbool.h>

#include "libidsync/identity.h"
#include "libidsync/org.h"

enum ids_outcome {
	IDS_OUTCOME_GRANTED,       /* a new grant */
	IDS_OUTCOME_UPDATED,       /* an existing grant gained a source or changed roles */
	IDS_OUTCOME_UNCHANGED,     /* already held as asked */
	IDS_OUTCOME_REFUSED_SEATS, /* no free seat: this workspace only */
	IDS_OUTCOME_REVOKED,       /* the grant is gone */
	IDS_OUTCOME_KEPT,          /* a source went, another still grants it */
};

struct ids_decision {
	char *workspace;
	enum ids_outcome outcome;
	char *roles;  /* effective roles after the decision, comma-separated */
	char *detail; /* why, for people */
};

struct ids_policy_result {
	struct ids_decision *decisions;
	size_t n;
	char *open_workspace; /* login: the workspace to open, NULL when none */
	char *open_dir;       /* its directory, NULL when none */
};

void ids_policy_result_clear(struct ids_policy_result *res);
const char *ids_outcome_name(enum ids_outcome o);

/*
 * A login by user_id with the assertion's group values (groups_unknown: an
 * Entra overage claim, the groups are not in the assertion). Grants the
 * workspaces those groups map to that the user lacks (seats permitting), adds
 * roles as the role mode allows, never removes anything unless
 * org.revoke_on_login (and never on unknown groups), then picks the workspace
 * to open and remembers it. A deactivated or deleted user: -EPERM.
 */
int ids_policy_login(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id,
		     const char *const *groups, bool groups_unknown, struct ids_policy_result *res);

/*
 * Brings the SCIM-derived grants of user_id in line with the user's current
 * SCIM group memberships: adds what the memberships map to, removes SCIM
 * sources (and login sources of pushed groups the user left) that no longer
 * hold, revokes a grant only when no source is left. Call it after every
 * membership change, group change, mapping change, and on reactivation.
 */
int ids_policy_sync_scim(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id,
			 struct ids_policy_result *res);
/* ids_policy_sync_scim for every non-deleted active user. */
int ids_policy_sync_all(struct ids_txn *t, const struct ids_identity_ctx *ctx);

/* SCIM deactivation/deletion with the offboarding effects (grants, sessions). */
int ids_policy_deactivate(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id);
int ids_policy_reactivate(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id);
int ids_policy_delete(struct ids_txn *t, const struct ids_identity_ctx *ctx, const char *user_id);

/*
 * An admin grants workspace to user_id (role NULL: the default role; a role
 * given for an existing grant sets its roles by hand). Refuses with *why an
 * unknown user or workspace or role, a deactivated user, a full workspace.
 */
int ids_policy_grant_manual(struct ids_txn *t, const struct ids_identity_ctx *ctx,
			    const char *user_id, const char *workspace, const char *role, char **why);
/* An admin revokes: refused with *why naming the IdP group while an IdP source holds it. */
int ids_policy_revoke_manual(struct ids_txn *t, const struct ids_identity_ctx *ctx,
			     const char *user_id, const char *workspace, char **why);

/*
 * Switches the role source mode. sso -> scim recomputes every grant's roles
 * from its sources, erasing roles set by hand: refused unless confirmed.
 */
int ids_policy_set_role_mode(struct ids_txn *t, const struct ids_identity_ctx *ctx,
			     enum ids_role_mode mode, bool confirmed, char **why);

/* The workspace to open for user_id among those granted now (last used, else first by name). */
int ids_policy_open_workspace(struct ids_txn *t, const char *user_id, char **workspace);

#endif
