/* SPDX-License-Identifier: MIT */
/*
 * Organization settings, kept in the store and managed with idsyncctl org:
 * the SAML trust (issuer, signing certificates for rollover, SP entity id,
 * recipient), the group attribute, the default role, read-only new members,
 * the role source mode, and offboarding behaviour.
 */
#ifndef IDS_ORG_H
#define IDS_ORG_H

#include <stdbool.h>

#include "libidsync/store.h"

enum ids_role_mode {
	IDS_ROLE_MODE_SSO,  /* login-time mapping only adds roles */
	IDS_ROLE_MODE_SCIM, /* SCIM-driven mapping sets roles: adds, changes, removes */
};

struct ids_org {
	char *issuer;          /* IdP entity id; NULL until configured */
	char **certificates;   /* PEM, NULL-terminated (rollover: several) */
	char *sp_entity_id;    /* our entity id (Audience) */
	char *recipient;       /* the ACS URL the assertion is addressed to */
	char *sso_url;         /* the IdP's sign-in URL (from metadata), informational */
	char *group_attribute; /* NULL: auto-detect groups / memberOf / Entra's claim */
	char *default_role;    /* "member" */
	bool read_only_new_members;
	enum ids_role_mode role_mode;
	bool revoke_on_login;     /* login revokes SSO grants the assertion no longer supports */
	bool end_sessions;        /* deactivation/deletion ends running sessions (default on) */
};

/* Reads the settings; absent ones have their defaults. */
int ids_org_get(struct ids_txn *t, struct ids_org **out);
int ids_org_put(struct ids_txn *t, const struct ids_org *org);
struct ids_org *ids_org_free(struct ids_org *org);
static inline void
ids_org_freep(struct ids_org **org)
{
	ids_org_free(*org);
}
const char *ids_role_mode_name(enum ids_role_mode m);

#endif
