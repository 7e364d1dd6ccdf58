/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl user list|show: the POSIX view of each user, its state, and the
 * grants it holds with their sources.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/cleanup.h"
#include "libidsync/grants.h"
#include "libidsync/model.h"
#include "syncd/ctl.h"

static const char *
state_of(const struct ids_user *u)
{
	return u->deleted ? "deleted" : u->active ? "active" : "inactive";
}

static json_t *
user_json(const struct ids_user *u)
{
	return json_pack("{s:s, s:s, s:s?, s:s, s:I, s:I, s:s, s:s, s:s, s:s}", "id", u->id,
			 "userName", u->user_name, "externalId", u->external_id, "login", u->login,
			 "uid", (json_int_t)u->uid, "gid", (json_int_t)u->uid, "gecos", u->gecos,
			 "home", u->home, "shell", u->shell, "state", state_of(u));
}

static int
list_cb(const struct ids_user *u, void *data)
{
	json_t *arr = data;

	return json_array_append_new(arr, user_json(u)) < 0 ? -ENOMEM : 0;
}

static int
grant_cb(const struct ids_grant *g, void *data)
{
	json_t *arr = data;
	json_t *roles = json_array(), *sources = json_array();

	for (size_t i = 0; g->roles[i]; i++)
		json_array_append_new(roles, json_string(g->roles[i]));
	for (size_t i = 0; i < g->n_sources; i++)
		json_array_append_new(sources, json_pack("{s:s, s:s, s:s}", "kind",
							 ids_source_kind_name(g->sources[i].kind),
							 "ref", g->sources[i].ref, "role",
							 g->sources[i].role));
	return json_array_append_new(arr, json_pack("{s:s, s:o, s:b, s:o, s:I}", "workspace",
						     g->workspace, "roles", roles, "roles_manual",
						     g->roles_manual, "sources", sources, "created",
						     (json_int_t)g->created)) < 0
		       ? -ENOMEM
		       : 0;
}

int
ctl_cmd_user(struct ctl *c, int argc, char **argv)
{
	struct ids_txn *t = NULL;
	json_t *out = NULL;
	int r, rc = CTL_OK;

	if (!(argc == 2 && strcmp(argv[1], "list") == 0) &&
	    !(argc == 3 && strcmp(argv[1], "show") == 0)) {
		ctl_err("usage: idsyncctl user list | user show LOGIN|UID|ID");
		return CTL_USAGE;
	}
	r = ctl_read_begin(c, &t);
	if (r != CTL_OK)
		return r;
	if (strcmp(argv[1], "list") == 0) {
		out = json_array();
		r = ids_user_foreach(t, list_cb, out);
		if (r < 0) {
			ctl_err("cannot list users: %s", r == -EBADMSG ? "damaged record" : strerror(-r));
			rc = CTL_FAIL;
		} else if (c->json) {
			ctl_print_json(out);
		} else {
			size_t i;
			json_t *u;
			printf("%-20s %-10s %-8s %s\n", "LOGIN", "UID", "STATE", "USERNAME");
			json_array_foreach(out, i, u)
			printf("%-20s %-10lld %-8s %s\n", json_string_value(json_object_get(u, "login")),
			       (long long)json_integer_value(json_object_get(u, "uid")),
			       json_string_value(json_object_get(u, "state")),
			       json_string_value(json_object_get(u, "userName")));
		}
	} else {
		_cleanup_(ids_user_freep) struct ids_user *u = NULL;
		_cleanup_free_ char *id = NULL;
		json_t *grants = json_array();

		rc = ctl_user_id(t, argv[2], &id);
		r = rc == CTL_OK ? ids_user_get(t, id, &u) : -ENOENT;
		if (r == 0)
			r = ids_grant_foreach(t, u->id, grant_cb, grants);
		if (r < 0) {
			if (rc == CTL_OK)
				ctl_err("%s: %s", argv[2], strerror(-r));
			json_decref(grants);
			rc = CTL_FAIL;
		} else {
			size_t i;
			json_t *g;
			out = user_json(u);
			json_object_set_new(out, "grants", grants);
			if (c->json) {
				ctl_print_json(out);
			} else {
				printf("login      %s\nuid/gid    %u\nuserName   %s\nexternalId %s\n"
				       "id         %s\nstate      %s\ngecos      %s\nhome       %s\n"
				       "shell      %s\ngrants\n",
				       u->login, u->uid, u->user_name,
				       u->external_id ? u->external_id : "-", u->id, state_of(u),
				       u->gecos, u->home, u->shell);
				json_array_foreach(grants, i, g)
				{
					char *roles = json_dumps(json_object_get(g, "roles"), JSON_COMPACT);
					char *src = json_dumps(json_object_get(g, "sources"), JSON_COMPACT);
					printf("  %-16s roles %s from %s\n",
					       json_string_value(json_object_get(g, "workspace")),
					       roles ? roles : "?", src ? src : "?");
					free(roles);
					free(src);
				}
				if (!json_array_size(grants))
					printf("  (none)\n");
			}
		}
	}
	json_decref(out);
	ids_txn_abort(t);
	return rc;
}
