/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl role list|set: roles and the Unix groups each gives per
 * workspace ("{ws}", "{ws}-ro", ...). A changed role creates the groups it
 * now names in every workspace.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/model.h"
#include "libidsync/names.h"
#include "libidsync/strv.h"
#include "libidsync/workspace.h"
#include "syncd/ctl.h"

static int
list_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	json_t *arr = data, *o = NULL;
	_cleanup_free_ char *name = strndup(k->data, k->size);

	if (!name || ids_json_decode(v->data, v->size, &o) < 0)
		return -EBADMSG;
	json_object_del(o, "v");
	json_object_set_new(o, "name", json_string(name));
	return json_array_append_new(arr, o);
}

static int
cmd_list(struct ctl *c)
{
	struct ids_txn *t = NULL;
	json_t *arr = json_array(), *role;
	size_t i;
	int r = ctl_read_begin(c, &t);

	if (r != CTL_OK) {
		json_decref(arr);
		return r;
	}
	r = ids_txn_iterate(t, IDS_DB_ROLES, NULL, 0, list_cb, arr);
	ids_txn_abort(t);
	if (r < 0) {
		ctl_err("cannot list roles: %s", strerror(-r));
		json_decref(arr);
		return CTL_FAIL;
	}
	if (c->json) {
		ctl_print_json(arr);
	} else {
		printf("%-16s %-10s %s\n", "ROLE", "READ-ONLY", "UNIX GROUPS");
		json_array_foreach(arr, i, role)
		{
			char *groups = json_dumps(json_object_get(role, "groups"), JSON_COMPACT);
			printf("%-16s %-10s %s\n", json_string_value(json_object_get(role, "name")),
			       json_is_true(json_object_get(role, "read_only")) ? "yes" : "no",
			       groups ? groups : "");
			free(groups);
		}
	}
	json_decref(arr);
	return CTL_OK;
}

/* A template must give a valid group name for any valid workspace name. */
static int
check_template(const char *tmpl, char **why)
{
	_cleanup_free_ char *sample = ids_role_expand(tmpl, "ws");
	const char *problem;

	if (!sample)
		return -ENOMEM;
	if (!strstr(tmpl, "{ws}"))
		return asprintf(why, "group template \"%s\" lacks {ws}: every workspace would share "
				     "one group",
				tmpl) < 0
			       ? -ENOMEM
			       : -EINVAL;
	if (ids_name_check(sample, &problem) < 0)
		return asprintf(why, "group template \"%s\" gives a name that %s", tmpl, problem) < 0
			       ? -ENOMEM
			       : -EINVAL;
	return 0;
}

static int
cmd_set(struct ctl *c, int argc, char **argv)
{
	struct ids_role role = {.name = argv[2]};
	_cleanup_free_ char *why = NULL;
	struct ctl_write w;
	const char *problem;
	size_t n = 0;
	int r;

	role.groups = calloc((size_t)argc, sizeof(char *));
	if (!role.groups)
		return CTL_FAIL;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--read-only") == 0)
			role.read_only = true;
		else
			role.groups[n++] = argv[i];
	}
	if (!n) {
		ctl_err("usage: idsyncctl role set NAME GROUP_TEMPLATE... [--read-only]");
		free(role.groups);
		return CTL_USAGE;
	}
	r = ids_name_check(role.name, &problem) < 0 ? -EINVAL : 0;
	if (r < 0)
		r = asprintf(&why, "role name \"%s\" %s", role.name, problem) < 0 ? -ENOMEM : -EINVAL;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = check_template(role.groups[i], &why);
	if (r < 0) {
		ctl_err("%s", why ? why : strerror(-r));
		free(role.groups);
		return CTL_FAIL;
	}
	r = ctl_write_begin(c, &w);
	if (r != CTL_OK) {
		free(role.groups);
		return r;
	}
	r = ids_roles_seed_defaults(w.t);
	if (r == 0)
		r = ids_role_put(w.t, &role);
	if (r == 0)
		r = ids_workspace_sync_role_groups(w.t, &w.ctx, &why);
	if (r == 0)
		r = ids_audit(w.t, IDS_MSG_CONFIG_CHANGED, "actor", w.ctx.actor, "action", "role-set",
			      "role", role.name, IDS_END);
	free(role.groups);
	return ctl_write_end(c, &w, r, why);
}

int
ctl_cmd_role(struct ctl *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return cmd_list(c);
	if (argc >= 4 && strcmp(argv[1], "set") == 0)
		return cmd_set(c, argc, argv);
	ctl_err("usage: idsyncctl role list | role set NAME GROUP_TEMPLATE... [--read-only]");
	return CTL_USAGE;
}
