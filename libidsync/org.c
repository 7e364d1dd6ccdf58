/* SPDX-License-Identifier: MIT */
/*
 * Organization settings record (IDS_DB_SETTINGS "org"): defaults, encoding,
 * validation of what is read back.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/cleanup.h"
#include "libidsync/model.h"
#include "libidsync/org.h"
#include "libidsync/strv.h"

const char *
ids_role_mode_name(enum ids_role_mode m)
{
	return m == IDS_ROLE_MODE_SCIM ? "scim" : "sso";
}

struct ids_org *
ids_org_free(struct ids_org *org)
{
	if (!org)
		return NULL;
	free(org->issuer);
	ids_strv_free(org->certificates);
	free(org->sp_entity_id);
	free(org->recipient);
	free(org->sso_url);
	free(org->group_attribute);
	free(org->default_role);
	free(org);
	return NULL;
}

static int
opt_str(json_t *o, const char *key, char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -EBADMSG;
	*out = strdup(json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

int
ids_org_get(struct ids_txn *t, struct ids_org **out)
{
	_cleanup_(ids_org_freep) struct ids_org *org = calloc(1, sizeof(*org));
	json_t *o = NULL, *certs;
	char *role;
	int r;

	if (!org)
		return -ENOMEM;
	org->end_sessions = true;
	r = ids_json_get(t, IDS_DB_SETTINGS, "org", &o);
	if (r == -ENOENT) {
		o = json_object();
		r = o ? 0 : -ENOMEM;
	}
	if (r < 0)
		return r == -EBADMSG ? ids_txn_fail(t, r) : r;
	if ((r = opt_str(o, "issuer", &org->issuer)) == 0 &&
	    (r = opt_str(o, "sp_entity_id", &org->sp_entity_id)) == 0 &&
	    (r = opt_str(o, "recipient", &org->recipient)) == 0 &&
	    (r = opt_str(o, "sso_url", &org->sso_url)) == 0 &&
	    (r = opt_str(o, "group_attribute", &org->group_attribute)) == 0 &&
	    (r = opt_str(o, "default_role", &role)) == 0) {
		org->default_role = role ? role : strdup("member");
		if (!org->default_role)
			r = -ENOMEM;
	}
	certs = json_object_get(o, "certificates");
	if (r == 0)
		r = certs ? ids_json_strv(certs, &org->certificates)
			  : ((org->certificates = calloc(1, sizeof(char *))) ? 0 : -ENOMEM);
	org->read_only_new_members = json_is_true(json_object_get(o, "read_only_new_members"));
	org->role_mode = strcmp(ids_json_str(o, "role_mode") ? ids_json_str(o, "role_mode") : "sso",
				"scim") == 0
				 ? IDS_ROLE_MODE_SCIM
				 : IDS_ROLE_MODE_SSO;
	org->revoke_on_login = json_is_true(json_object_get(o, "revoke_on_login"));
	if (json_is_false(json_object_get(o, "end_sessions")))
		org->end_sessions = false;
	json_decref(o);
	if (r < 0)
		return r == -EBADMSG ? ids_txn_fail(t, r) : r;
	*out = TAKE_PTR(org);
	return 0;
}

int
ids_org_put(struct ids_txn *t, const struct ids_org *org)
{
	json_t *o = json_pack("{s:i, s:s?, s:o, s:s?, s:s?, s:s?, s:s?, s:s, s:b, s:s, s:b, s:b}",
			      "v", 1, "issuer", org->issuer, "certificates",
			      ids_strv_to_json(org->certificates), "sp_entity_id",
			      org->sp_entity_id, "recipient", org->recipient, "sso_url",
			      org->sso_url, "group_attribute", org->group_attribute, "default_role",
			      org->default_role, "read_only_new_members",
			      org->read_only_new_members, "role_mode",
			      ids_role_mode_name(org->role_mode), "revoke_on_login",
			      org->revoke_on_login, "end_sessions", org->end_sessions);
	int r = o ? ids_json_put(t, IDS_DB_SETTINGS, "org", o) : ids_txn_fail(t, -ENOMEM);

	json_decref(o);
	return r;
}
