/* SPDX-License-Identifier: MIT */
/*
 * Shared inside the access policy (policy.c, policy_scim.c, policy_admin.c):
 * one evaluation's state and the grant operations every rule uses. Not for
 * callers outside the policy.
 */
#ifndef IDS_POLICY_INTERNAL_H
#define IDS_POLICY_INTERNAL_H

#include "libidsync/grants.h"
#include "libidsync/mapping.h"
#include "libidsync/policy.h"

#define LOGIN_ALL "*" /* login source ref when the only managed workspace goes to everyone */

/* Everything one evaluation needs, loaded once. */
struct ids_pol_eval {
	struct ids_txn *t;
	const struct ids_identity_ctx *ctx;
	struct ids_org *org;
	struct ids_user *user;
	char **managed; /* managed workspaces, by name */
	struct ids_policy_result *res;
	const char *cause; /* for the audit trail: "login", "scim", "admin" */
};

struct ids_pol_grant_list {
	struct ids_grant **v;
	size_t n;
};

int ids_pol_eval_init(struct ids_pol_eval *e, struct ids_txn *t, const struct ids_identity_ctx *ctx,
	      const char *user_id, struct ids_policy_result *res, const char *cause);
void ids_pol_eval_clear(struct ids_pol_eval *e);
bool ids_pol_is_managed(const struct ids_pol_eval *e, const char *ws);
size_t ids_pol_n_managed(const struct ids_pol_eval *e);
bool ids_pol_role_is_read_only(struct ids_txn *t, const char *name);
/* Roles from a grant's sources alone, read-only dropped beside any other role. */
int ids_pol_roles_from_sources(struct ids_txn *t, const struct ids_grant *g, char ***out);
int ids_pol_report(struct ids_pol_eval *e, const char *ws, enum ids_outcome o, char *const *roles, const char *detail);
int ids_pol_audit(struct ids_pol_eval *e, struct ids_msgid msg, const char *ws, char *const *roles,
		   const char *source, const char *detail);
/* The role a mapping brings (NULL mapping: the single-workspace case). */
const char *ids_pol_mapping_role(const struct ids_pol_eval *e, const struct ids_mapping *m);
/* Adds a source (and roles as the mode allows) or a new grant, seats permitting. */
int ids_pol_give(struct ids_pol_eval *e, const char *ws, enum ids_source_kind kind, const char *ref, const char *role);
/* Removes a source; revokes the grant when none is left. */
int ids_pol_take(struct ids_pol_eval *e, struct ids_grant *g, enum ids_source_kind kind, const char *ref,
	 const char *why);
int ids_pol_copy_grant_cb(const struct ids_grant *g, void *data);
void ids_pol_grant_list_clear(struct ids_pol_grant_list *l);

#endif
